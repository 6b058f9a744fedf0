# Included by _sse_c.pyx (one extension module: no call crosses a module boundary).
# SSE framing: the WHATWG event-stream framer and the public SSEDecoder (twin: _framing_py.py).


cdef class _Framer:
    """WHATWG event-stream framing; subclasses receive each dispatched block through ``_emit``."""

    cdef Py_ssize_t _max
    cdef bint _started
    cdef bytes _head
    cdef bint _cr
    cdef bint _halt  # set by _emit: stop framing this chunk ([DONE] or an error event)
    cdef bytearray _partial
    cdef Py_ssize_t _ndata
    cdef bytes _data0
    cdef list _data
    cdef Py_ssize_t _data_size
    cdef object _event_type  # bytes or None
    cdef str _id
    cdef str _last_id
    cdef object _retry
    # The chunk-envelope memo of the parsers (None in the plain decoder): when a data line starts with
    # ``_prefix`` + ',"choices":', only ``{`` + the rest is handed to the JSON decoder (a "tail").
    cdef bytes _prefix
    cdef bint _tail
    # The text memo of the parsers (see _BaseParser._learn_text): a data line that is the memoised envelope,
    # then ``_tpre``, a text, then ``_tsuf`` - byte for byte the shape of a plain text delta already decoded
    # in full - needs only its text decoded (no JSON decoder, no dicts). ``_text``: that text, while the
    # block it belongs to waits for its blank line.
    cdef bytes _tpre
    cdef bytes _tsuf
    cdef object _text

    def __cinit__(self, *args, **kwargs):
        self._max = DEFAULT_MAX_EVENT_SIZE
        self._started = False
        self._head = b""
        self._cr = False
        self._halt = False
        self._partial = bytearray()
        self._ndata = 0
        self._data0 = None
        self._data = None
        self._data_size = 0
        self._event_type = None
        self._id = ""
        self._last_id = ""
        self._retry = None
        self._prefix = None
        self._tail = False
        self._tpre = None
        self._tsuf = None
        self._text = None

    cdef int _set_max(self, object max_event_size) except -1:
        if max_event_size < 1:
            raise ValueError("max_event_size must be a positive number of bytes")
        self._max = max_event_size
        return 0

    cdef int _emit(self, bytes payload, bint tail, list out) except -1:
        return 0

    cdef int _emit_text(self, str text, list out) except -1:
        return 0

    cdef int _frame(self, bytes chunk, list out) except -1:
        cdef const char* buf
        cdef const char* hit
        cdef Py_ssize_t n, pos, end, size
        cdef bint has_cr
        cdef bytes line
        if not self._started:
            chunk = self._head + chunk
            if PyBytes_GET_SIZE(chunk) < 3 and _BOM.startswith(chunk):
                self._head = chunk
                return 0
            self._started = True
            self._head = b""
            if PyBytes_GET_SIZE(chunk) >= 3 and memcmp(PyBytes_AS_STRING(chunk), PyBytes_AS_STRING(_BOM), 3) == 0:
                chunk = chunk[3:]
        buf = PyBytes_AS_STRING(chunk)
        n = PyBytes_GET_SIZE(chunk)
        pos = 0
        if self._cr:
            self._cr = False
            if n and buf[0] == b"\n":
                pos = 1
        if pos >= n:
            return 0
        has_cr = memchr(buf + pos, b"\r", <size_t>(n - pos)) != NULL
        while pos < n:
            if has_cr:
                end = pos
                while end < n and buf[end] != b"\n" and buf[end] != b"\r":
                    end += 1
                if end == n:
                    break
            else:
                hit = <const char*>memchr(buf + pos, b"\n", <size_t>(n - pos))
                if hit == NULL:
                    break
                end = hit - buf
            if PyByteArray_GET_SIZE(self._partial):
                _append_bytes(self._partial, buf + pos, end - pos)
                size = PyByteArray_GET_SIZE(self._partial)
                line = PyBytes_FromStringAndSize(PyByteArray_AS_STRING(self._partial), size)
                PyByteArray_Resize(self._partial, 0)
                self._line(PyBytes_AS_STRING(line), size, out)
            else:
                self._line(buf + pos, end - pos, out)
            if buf[end] == b"\r":
                if end + 1 < n:
                    if buf[end + 1] == b"\n":
                        end += 1
                else:
                    self._cr = True
            pos = end + 1
            if self._halt:
                return 0
        if pos < n:
            _append_bytes(self._partial, buf + pos, n - pos)
            if PyByteArray_GET_SIZE(self._partial) + self._data_size > self._max:
                raise event_too_large(self._max)
        return 0

    cdef inline int _add_data(self, const char* p, Py_ssize_t n) except -1:
        cdef bytes value
        cdef Py_ssize_t plen
        cdef char* dst
        if self._ndata == 0 and self._prefix is not None:
            plen = PyBytes_GET_SIZE(self._prefix)
            if (
                n > plen + 11
                and memcmp(p, PyBytes_AS_STRING(self._prefix), plen) == 0
                and memcmp(p + plen, b',"choices":', 11) == 0
            ):
                if self._tpre is not None and self._memo_text(p + plen + 1, n - plen - 1):
                    self._ndata = 1
                    self._data_size = n + 1
                    if self._data_size > self._max:
                        raise event_too_large(self._max)
                    return 0
                # The envelope is byte-identical to one already decoded: keep "{" + the members after it.
                value = PyBytes_FromStringAndSize(NULL, n - plen)
                dst = PyBytes_AS_STRING(value)
                dst[0] = b"{"
                memcpy(dst + 1, p + plen + 1, n - plen - 1)
                self._data0 = value
                self._tail = True
                self._ndata = 1
                self._data_size = n + 1
                if self._data_size > self._max:
                    raise event_too_large(self._max)
                return 0
        value = PyBytes_FromStringAndSize(p, n)
        if self._ndata == 1 and self._text is not None:
            # A second data line after a memoised text line: rebuild the first line as received (valid
            # UTF-8 round-trips byte for byte) and decode the block in full.
            self._data0 = self._prefix + b"," + self._tpre + (<str>self._text).encode("utf-8") + self._tsuf
            self._text = None
        if self._ndata == 1 and self._tail:
            # A second data line: the block is not a plain chunk; restore the first line as received.
            self._data0 = self._prefix + b"," + self._data0[1:]
            self._tail = False
        if self._ndata == 0:
            self._data0 = value
        elif self._ndata == 1:
            self._data = [self._data0, value]
        else:
            self._data.append(value)
        self._ndata += 1
        self._data_size += n + 1
        if self._data_size > self._max:
            raise event_too_large(self._max)
        return 0

    cdef bint _memo_text(self, const char* p, Py_ssize_t n) except -1:
        # ``p``: the line after the envelope and its comma. True (and ``_text`` set) when it is ``_tpre``, a
        # text needing no JSON unescaping, and ``_tsuf``; anything else goes to the JSON decoder.
        cdef Py_ssize_t npre = PyBytes_GET_SIZE(self._tpre)
        cdef Py_ssize_t nsuf = PyBytes_GET_SIZE(self._tsuf)
        cdef Py_ssize_t size = n - npre - nsuf
        cdef const unsigned char* m
        cdef Py_ssize_t i
        if size < 0:
            return False
        if memcmp(p, PyBytes_AS_STRING(self._tpre), npre) != 0:
            return False
        if memcmp(p + n - nsuf, PyBytes_AS_STRING(self._tsuf), nsuf) != 0:
            return False
        m = <const unsigned char*>(p + npre)
        for i in range(size):
            # A quote or backslash would be JSON syntax, a control byte is invalid JSON: decode in full.
            if m[i] < 0x20 or m[i] == 0x22 or m[i] == 0x5C:
                return False
        try:
            self._text = PyUnicode_DecodeUTF8(<const char*>m, size, NULL)
        except UnicodeDecodeError:
            return False  # the JSON decoder refuses it with the usual error
        return True

    cdef int _line(self, const char* p, Py_ssize_t n, list out) except -1:
        cdef const char* colon
        cdef Py_ssize_t name_len, off
        if n == 0:
            return self._dispatch(out)
        if n >= 5 and memcmp(p, b"data:", 5) == 0:
            off = 6 if n > 5 and p[5] == b" " else 5
            return self._add_data(p + off, n - off)
        if p[0] == b":":
            return 0
        colon = <const char*>memchr(p, b":", <size_t>n)
        if colon == NULL:
            name_len = n
            off = n
        else:
            name_len = colon - p
            off = name_len + 1
            if off < n and p[off] == b" ":
                off += 1
        if name_len == 4 and memcmp(p, b"data", 4) == 0:
            return self._add_data(p + off, n - off)
        if name_len == 5 and memcmp(p, b"event", 5) == 0:
            self._event_type = PyBytes_FromStringAndSize(p + off, n - off)
        elif name_len == 2 and memcmp(p, b"id", 2) == 0:
            if n == off or memchr(p + off, 0, <size_t>(n - off)) == NULL:
                self._id = PyUnicode_DecodeUTF8(<char*>p + off, n - off, "replace")
        elif name_len == 5 and memcmp(p, b"retry", 5) == 0:
            if n > off and _all_digits(p + off, n - off):
                self._retry = int(PyBytes_FromStringAndSize(p + off, n - off))
        return 0

    cdef int _dispatch(self, list out) except -1:
        cdef bytes payload
        cdef str text
        cdef int stop = 0
        cdef bint tail
        self._last_id = self._id
        if self._ndata and self._text is not None:
            text = <str>self._text
            self._text = None
            self._ndata = 0
            self._data_size = 0
            stop = self._emit_text(text, out)
        elif self._ndata:
            payload = self._data0 if self._ndata == 1 else b"\n".join(self._data)
            tail = self._tail
            self._ndata = 0
            self._data0 = None
            self._data = None
            self._data_size = 0
            self._tail = False
            stop = self._emit(payload, tail, out)
        self._event_type = None
        self._retry = None
        if stop:
            self._halt = True
        return 0

    cdef int _reset(self) except -1:
        self._started = False
        self._head = b""
        self._cr = False
        PyByteArray_Resize(self._partial, 0)
        self._ndata = 0
        self._data0 = None
        self._data = None
        self._data_size = 0
        self._tail = False
        self._text = None
        self._event_type = None
        self._retry = None
        return 0


cdef inline bint _all_digits(const char* p, Py_ssize_t n):
    cdef Py_ssize_t i
    for i in range(n):
        if p[i] < b"0" or p[i] > b"9":
            return False
    return True


cdef bytes _as_bytes(object data):
    return <bytes>data if type(data) is bytes else bytes(data)


cdef class SSEDecoder(_Framer):
    """Incremental server-sent-events decoder (compiled build).

    ``decode(chunk)`` returns the events the chunk completes; ``flush()`` ends the input (an unterminated
    last block is discarded, as the spec says). An event or line growing past ``max_event_size`` bytes
    raises :class:`~vllm_sdk.StreamError` (after any events completed earlier in the same chunk have been
    returned: the error is then raised by the next call).
    """

    cdef object _error
    cdef bint _failed

    def __init__(self, max_event_size=DEFAULT_MAX_EVENT_SIZE):
        self._set_max(max_event_size)
        self._error = None
        self._failed = False

    @property
    def last_event_id(self):
        """The last event ID string: the ``id`` in force at the last blank line (``""`` when none)."""
        return self._last_id

    cdef int _emit(self, bytes payload, bint tail, list out) except -1:
        cdef object event_type = self._event_type
        out.append(
            _event(
                _ServerSentEvent,
                (
                    PyUnicode_DecodeUTF8(PyBytes_AS_STRING(event_type), PyBytes_GET_SIZE(event_type), "replace")
                    if event_type else "message",
                    PyUnicode_DecodeUTF8(PyBytes_AS_STRING(payload), PyBytes_GET_SIZE(payload), "replace"),
                    self._id,
                    self._retry,
                ),
            )
        )
        return 0

    def decode(self, chunk):
        """Feed bytes; return the events they complete."""
        cdef list out = []
        if self._error is not None:
            error = self._error
            self._error = None
            raise error
        if self._failed:
            return []
        try:
            self._frame(_as_bytes(chunk), out)
        except StreamError as exc:
            self._failed = True
            if out:
                self._error = exc
                return out
            raise
        return out

    def flush(self):
        """End of input: discard an unterminated block; returns ``[]`` (kept for decoder symmetry)."""
        if self._error is not None:
            error = self._error
            self._error = None
            raise error
        self._reset()
        return []
