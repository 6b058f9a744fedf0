# cython: language_level=3
"""The compiled build of the streaming engine: SSE framing and chunk → event parsing.

Same algorithm and names as ``_sse_py.py`` (the tests and a property test hold them to identical events
and errors); everything off the hot path — constants, the event classes, error construction, snapshot
assembly — is imported from the Python modules so the twins cannot drift apart.

Speed notes: lines are found with ``memchr`` straight in the chunk's buffer; a complete ``data:`` line
becomes one ``bytes`` handed to orjson; the framer and the chunk parser are one ``cdef`` class hierarchy
calling each other as C functions; events are built with ``tuple``'s own ``tp_new`` (no Python-level
``__new__``). A line waiting for its newline grows one ``bytearray`` (amortised), so any chunking is linear.
"""

from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE, PyByteArray_Resize
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_Next
from cpython.object cimport PyObject, PyTypeObject
from cpython.unicode cimport PyUnicode_1BYTE_DATA, PyUnicode_DecodeUTF8, PyUnicode_GET_LENGTH
from libc.string cimport memchr, memcmp, memcpy

cdef extern from "Python.h":
    int PyUnicode_KIND(object o)

from .._events import (
    Content,
    Done,
    FinishReason,
    Reasoning,
    Text,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
)
from .._exceptions import StreamError
from .._tool_call import ToolCall
from ._common import (
    BOM,
    DEFAULT_MAX_EVENT_SIZE,
    DONE_PAYLOAD,
    THINK_CLOSE,
    THINK_OPEN,
    ServerSentEvent,
    chat_snapshot,
    completion_snapshot,
    error_event,
    event_too_large,
    fast_loads,
    loads_fallback,
    merge_logprobs,
    shape_error,
    truncated_error,
    usage_event,
)

__all__ = ["ChatStreamParser", "CompletionStreamParser", "SSEDecoder"]

cdef object _loads = fast_loads
cdef object _DONE = Done()
cdef object _Content = Content
cdef object _Reasoning = Reasoning
cdef object _Text = Text
cdef object _FinishReason = FinishReason
cdef object _ToolCallDelta = ToolCallDelta
cdef object _ToolCallComplete = ToolCallComplete
cdef object _ServerSentEvent = ServerSentEvent
cdef object _ToolCall = ToolCall
cdef object _Usage = Usage
cdef str _THINK_OPEN = THINK_OPEN
cdef str _THINK_CLOSE = THINK_CLOSE
cdef bytes _DONE_PAYLOAD = DONE_PAYLOAD
cdef bytes _BOM = BOM
cdef PyTypeObject* _tuple_type = <PyTypeObject*>tuple

# Think-splitting states of one choice's content.
cdef enum:
    _START = 0
    _THINK = 1
    _PLAIN = 2


cdef inline object _event(object cls, tuple fields):
    # tuple.__new__(cls, fields) through the C slot: the event classes' Python __new__ is skipped.
    cdef tuple args = (fields,)
    return _tuple_type.tp_new(<type>cls, <PyObject*>args, NULL)


cdef inline int _append_bytes(bytearray buf, const char* data, Py_ssize_t n) except -1:
    cdef Py_ssize_t size = PyByteArray_GET_SIZE(buf)
    PyByteArray_Resize(buf, size + n)
    memcpy(PyByteArray_AS_STRING(buf) + size, data, n)
    return 0


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

    cdef int _set_max(self, object max_event_size) except -1:
        if max_event_size < 1:
            raise ValueError("max_event_size must be a positive number of bytes")
        self._max = max_event_size
        return 0

    cdef int _emit(self, bytes payload, bint tail, list out) except -1:
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
        cdef int stop = 0
        cdef bint tail
        self._last_id = self._id
        if self._ndata:
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


cdef class _ChoiceState:
    """What one chat choice has accumulated so far."""

    cdef object index
    cdef object role
    cdef list content
    cdef list reasoning
    cdef int think
    cdef str held
    cdef dict calls  # index -> [id, type, name, argument parts]
    cdef list open
    cdef object finish_reason
    cdef object stop_reason
    cdef object logprobs

    def __cinit__(self, index):
        self.index = index
        self.role = "assistant"
        self.content = []
        self.reasoning = []
        self.think = _START
        self.held = ""
        self.calls = {}
        self.open = []
        self.finish_reason = None
        self.stop_reason = None
        self.logprobs = None


cdef class _TextState:
    """What one completion choice has accumulated so far."""

    cdef object index
    cdef list text
    cdef object finish_reason
    cdef object stop_reason
    cdef object logprobs

    def __cinit__(self, index):
        self.index = index
        self.text = []
        self.finish_reason = None
        self.stop_reason = None
        self.logprobs = None


# Keys the parsers look for, recognised by length and bytes while walking a dict once (one PyDict_Next
# pass costs less than one hashed lookup per wanted key, and most wanted keys are absent).
cdef enum:
    K_OTHER
    K_ID
    K_OBJECT
    K_CREATED
    K_MODEL
    K_CHOICES
    K_USAGE
    K_FINGERPRINT
    K_ERROR
    K_INDEX
    K_DELTA
    K_LOGPROBS
    K_FINISH
    K_STOP
    K_TEXT
    K_CONTENT
    K_REASONING
    K_REASONING_CONTENT
    K_TOOL_CALLS
    K_ROLE
    K_TYPE
    K_FUNCTION
    K_NAME
    K_ARGUMENTS


cdef inline int _key(object key):
    cdef Py_ssize_t n
    cdef const char* s
    if type(key) is not str or PyUnicode_KIND(key) != 1:
        return K_OTHER
    n = PyUnicode_GET_LENGTH(key)
    s = <const char*>PyUnicode_1BYTE_DATA(key)
    if n == 7:
        if memcmp(s, b"content", 7) == 0:
            return K_CONTENT
        if memcmp(s, b"choices", 7) == 0:
            return K_CHOICES
        if memcmp(s, b"created", 7) == 0:
            return K_CREATED
    elif n == 5:
        if memcmp(s, b"index", 5) == 0:
            return K_INDEX
        if memcmp(s, b"delta", 5) == 0:
            return K_DELTA
        if memcmp(s, b"model", 5) == 0:
            return K_MODEL
        if memcmp(s, b"usage", 5) == 0:
            return K_USAGE
        if memcmp(s, b"error", 5) == 0:
            return K_ERROR
    elif n == 2:
        if s[0] == b"i" and s[1] == b"d":
            return K_ID
    elif n == 6:
        if memcmp(s, b"object", 6) == 0:
            return K_OBJECT
    elif n == 8:
        if memcmp(s, b"logprobs", 8) == 0:
            return K_LOGPROBS
        if memcmp(s, b"function", 8) == 0:
            return K_FUNCTION
    elif n == 13:
        if memcmp(s, b"finish_reason", 13) == 0:
            return K_FINISH
    elif n == 11:
        if memcmp(s, b"stop_reason", 11) == 0:
            return K_STOP
    elif n == 4:
        if memcmp(s, b"text", 4) == 0:
            return K_TEXT
        if memcmp(s, b"role", 4) == 0:
            return K_ROLE
        if memcmp(s, b"type", 4) == 0:
            return K_TYPE
        if memcmp(s, b"name", 4) == 0:
            return K_NAME
    elif n == 9:
        if memcmp(s, b"reasoning", 9) == 0:
            return K_REASONING
        if memcmp(s, b"arguments", 9) == 0:
            return K_ARGUMENTS
    elif n == 10:
        if memcmp(s, b"tool_calls", 10) == 0:
            return K_TOOL_CALLS
    elif n == 17:
        if memcmp(s, b"reasoning_content", 17) == 0:
            return K_REASONING_CONTENT
    elif n == 18:
        if memcmp(s, b"system_fingerprint", 18) == 0:
            return K_FINGERPRINT
    return K_OTHER


cdef object _usage(dict usage):
    cdef object ptd = usage.get("prompt_tokens_details")
    cdef object ctd = usage.get("completion_tokens_details")
    if ptd is None and ctd is None:
        return _event(
            _Usage,
            (
                usage.get("prompt_tokens", 0),
                usage.get("completion_tokens", 0),
                usage.get("total_tokens", 0),
                None,
                None,
            ),
        )
    return usage_event(usage)


cdef class _BaseParser(_Framer):
    """Shared driver: framing, [DONE], error events, deferred errors, usage and metadata."""

    cdef bint _keep_raw
    cdef list _raw
    cdef bint _done
    cdef bint _stopped
    cdef object _pending
    cdef Py_ssize_t _events
    cdef object _id_
    cdef object _created
    cdef object _model
    cdef object _fingerprint
    cdef object _usage
    cdef dict _by_index
    cdef object _last_index
    cdef object _last_state
    # The envelope memo (see _Framer._prefix): the members of the prefix, decoded once.
    cdef dict _prefix_dict
    cdef object _p_id
    cdef object _p_object
    cdef object _p_created
    cdef object _p_model
    cdef int _memo_tries
    # The payload being handled, for error messages (restored to the bytes received when it is a tail).
    cdef bytes _payload
    cdef bint _payload_tail

    def __init__(self, *, max_event_size=DEFAULT_MAX_EVENT_SIZE, keep_raw=False):
        self._set_max(max_event_size)
        self._keep_raw = bool(keep_raw)
        self._raw = []
        self._done = False
        self._stopped = False
        self._pending = None
        self._events = 0
        self._id_ = None
        self._created = None
        self._model = None
        self._fingerprint = None
        self._usage = None
        self._by_index = {}
        self._last_index = None
        self._last_state = None
        self._prefix_dict = None
        self._memo_tries = 0
        self._payload = None
        self._payload_tail = False

    @property
    def done(self):
        """Whether ``data: [DONE]`` was seen."""
        return self._done

    def take_raw(self):
        """The decoded chunk dicts since the last call (only with ``keep_raw=True``; else always ``[]``)."""
        raw = self._raw
        self._raw = []
        return raw

    def feed(self, data):
        """Feed body bytes; return the events they complete.

        A malformed or oversized event raises :class:`~vllm_sdk.StreamError`; when events came before it
        in the same call they are returned first and the error is raised by the next call.
        """
        cdef list out = []
        if self._pending is not None:
            pending = self._pending
            self._pending = None
            raise pending
        if self._stopped:
            return []
        try:
            self._frame(_as_bytes(data), out)
        except StreamError as exc:
            self._events += len(out)
            self._stopped = True
            exc.partial_content = self._partial_content()
            exc.partial = self.snapshot()
            if out:
                self._pending = exc
                return out
            raise
        self._events += len(out)
        return out

    def close(self):
        """End of body: ``[]`` after [DONE] (or an error event); a truncated stream raises StreamError."""
        if self._pending is not None:
            pending = self._pending
            self._pending = None
            raise pending
        if self._stopped:
            return []
        self._stopped = True
        self._reset()
        raise truncated_error(self._events, self._partial_content(), self.snapshot())

    cdef bytes _received(self):
        # The payload as it was received (a tail is rebuilt from the memoised prefix).
        if self._payload_tail:
            return self._prefix + b"," + self._payload[1:]
        return self._payload

    cdef object _shape(self, str what):
        return shape_error(what, self._received())

    cdef int _remember_prefix(self, bytes payload) except -1:
        # Find the envelope before "choices" and check it decodes on its own to id/object/created/model.
        cdef Py_ssize_t k = payload.find(b',"choices":')
        cdef object obj
        self._memo_tries += 1
        if k <= 0:
            return 0
        try:
            obj = _loads(payload[:k] + b"}")
        except ValueError:
            return 0
        if type(obj) is not dict:
            return 0
        for key in <dict>obj:
            if key not in ("id", "object", "created", "model"):
                return 0
        if (<dict>obj).get("object") == "error":
            return 0
        self._prefix = payload[:k]
        self._prefix_dict = <dict>obj
        self._p_id = (<dict>obj).get("id")
        self._p_object = (<dict>obj).get("object")
        self._p_created = (<dict>obj).get("created")
        self._p_model = (<dict>obj).get("model")
        return 0

    cdef int _emit(self, bytes payload, bint tail, list out) except -1:
        cdef dict chunk
        cdef object obj, key, value
        cdef PyObject* pkey
        cdef PyObject* pvalue
        cdef Py_ssize_t pos = 0
        cdef object v_id = None, v_object = None, v_created = None, v_model = None
        cdef object v_choices = None, v_usage = None, v_fingerprint = None, v_error = None
        cdef bint has_error = False
        cdef int k
        if PyBytes_GET_SIZE(payload) == 0:
            return 0
        self._payload = payload
        self._payload_tail = tail
        try:
            obj = _loads(payload)
        except ValueError:
            if tail:
                # The decoder refused the tail: decide on the bytes as received, as the Python build does.
                payload = self._received()
                self._payload = payload
                self._payload_tail = tail = False
            if payload.strip() == _DONE_PAYLOAD:
                self._finish_all(out)
                out.append(_DONE)
                self._done = True
                self._stopped = True
                return 1
            obj = loads_fallback(payload)
        if type(obj) is not dict:
            raise self._shape("not a JSON object")
        chunk = <dict>obj
        if tail:
            v_id = self._p_id
            v_object = self._p_object
            v_created = self._p_created
            v_model = self._p_model
        while PyDict_Next(chunk, &pos, &pkey, &pvalue):
            key = <object>pkey
            k = _key(key)
            if k == K_CHOICES:
                v_choices = <object>pvalue
            elif k == K_ID:
                v_id = <object>pvalue
            elif k == K_OBJECT:
                v_object = <object>pvalue
            elif k == K_CREATED:
                v_created = <object>pvalue
            elif k == K_MODEL:
                v_model = <object>pvalue
            elif k == K_USAGE:
                v_usage = <object>pvalue
            elif k == K_FINGERPRINT:
                v_fingerprint = <object>pvalue
            elif k == K_ERROR:
                has_error = True
                v_error = <object>pvalue
        if self._keep_raw:
            if tail:
                obj = dict(self._prefix_dict)
                (<dict>obj).update(chunk)
                self._raw.append(obj)
            else:
                self._raw.append(chunk)
        if (has_error and v_error is not None) or v_object == "error":
            out.append(error_event(self._received(), self._partial_content(), self.snapshot()))
            self._stopped = True
            return 1
        if not tail and self._prefix is None and self._memo_tries < 4:
            self._remember_prefix(payload)
        if self._id_ is None:
            self._id_ = v_id
            self._created = v_created
            self._model = v_model
        if v_choices:
            if type(v_choices) is not list:
                raise self._shape("choices is not a list")
            self._choices(<list>v_choices, out)
        if v_usage is not None:
            if type(v_usage) is not dict:
                raise self._shape("usage is not an object")
            self._usage = v_usage
            out.append(_usage(<dict>v_usage))
        if v_fingerprint is not None:
            self._fingerprint = v_fingerprint
        return 0

    cdef tuple _meta(self):
        return (self._id_, self._created, self._model, self._fingerprint, self._usage)

    cdef int _choices(self, list choices, list out) except -1:
        return 0

    cdef int _finish_all(self, list out) except -1:
        return 0

    cdef str _partial_content(self):
        return ""

    def snapshot(self):
        """The response accumulated so far, in the non-streaming wire shape."""
        raise NotImplementedError


cdef class ChatStreamParser(_BaseParser):
    """Incremental chat-completions stream parser: body bytes in, :data:`~vllm_sdk.StreamEvent` out.

    ``feed(bytes)`` returns the events the bytes complete; ``close()`` ends the body (raising
    :class:`~vllm_sdk.StreamError` when ``[DONE]`` never came). ``snapshot()`` is the accumulated response
    as vLLM would have returned it without streaming (content split from ``<think>`` blocks the same way
    the events are). ``keep_raw=True`` keeps the decoded chunk dicts for :meth:`take_raw`.
    """

    cdef int _choices(self, list choices, list out) except -1:
        cdef dict delta
        cdef _ChoiceState st
        cdef object item, index, value, key
        cdef object v_delta, v_logprobs, v_finish, v_stop
        cdef object reasoning, reasoning_content, content, tool_calls, role
        cdef PyObject* pkey
        cdef PyObject* pvalue
        cdef Py_ssize_t pos
        cdef int k
        cdef bint has_index
        for item in choices:
            if type(item) is not dict:
                raise self._shape("choice is not an object")
            index = 0
            v_delta = v_logprobs = v_finish = v_stop = None
            pos = 0
            while PyDict_Next(item, &pos, &pkey, &pvalue):
                k = _key(<object>pkey)
                if k == K_DELTA:
                    v_delta = <object>pvalue
                elif k == K_INDEX:
                    index = <object>pvalue
                elif k == K_FINISH:
                    v_finish = <object>pvalue
                elif k == K_LOGPROBS:
                    v_logprobs = <object>pvalue
                elif k == K_STOP:
                    v_stop = <object>pvalue
            if type(index) is not int:
                raise self._shape("choice index is not an integer")
            if self._last_state is not None and (index is self._last_index or index == self._last_index):
                st = <_ChoiceState>self._last_state
            else:
                value = self._by_index.get(index)
                if value is None:
                    st = _ChoiceState(index)
                    self._by_index[index] = st
                else:
                    st = <_ChoiceState>value
                self._last_index = index
                self._last_state = st
            if v_delta:
                if type(v_delta) is not dict:
                    raise self._shape("delta is not an object")
                reasoning = reasoning_content = content = tool_calls = role = None
                pos = 0
                while PyDict_Next(v_delta, &pos, &pkey, &pvalue):
                    k = _key(<object>pkey)
                    if k == K_CONTENT:
                        content = <object>pvalue
                    elif k == K_REASONING:
                        reasoning = <object>pvalue
                    elif k == K_TOOL_CALLS:
                        tool_calls = <object>pvalue
                    elif k == K_ROLE:
                        role = <object>pvalue
                    elif k == K_REASONING_CONTENT:
                        reasoning_content = <object>pvalue
                if reasoning is None:
                    reasoning = reasoning_content
                if reasoning:
                    if type(reasoning) is not str:
                        raise self._shape("reasoning is not a string")
                    if st.think == _START:
                        # The server splits reasoning itself: content is never a think block.
                        _settle_start(st, out)
                    st.reasoning.append(reasoning)
                    out.append(_event(_Reasoning, (reasoning, index)))
                if content:
                    if type(content) is not str:
                        raise self._shape("content is not a string")
                    if st.think == _PLAIN:
                        st.content.append(content)
                        out.append(_event(_Content, (content, index)))
                    else:
                        _think_content(st, <str>content, out)
                if tool_calls:
                    if type(tool_calls) is not list:
                        raise self._shape("tool_calls is not a list")
                    _tool_calls(self, st, <list>tool_calls, out)
                if role is not None:
                    st.role = role
            if v_logprobs is not None:
                st.logprobs = merge_logprobs(st.logprobs, v_logprobs)
            if v_finish is not None:
                _finish(st, out)
                st.finish_reason = v_finish
                st.stop_reason = v_stop
                out.append(_event(_FinishReason, (v_finish, index, v_stop)))
        return 0

    cdef int _finish_all(self, list out) except -1:
        cdef object index
        for index in sorted(self._by_index):
            _finish(<_ChoiceState>self._by_index[index], out)
        return 0

    cdef str _partial_content(self):
        cdef object value = self._by_index.get(0)
        cdef _ChoiceState st
        if value is None:
            return ""
        st = <_ChoiceState>value
        text = "".join(st.content)
        return text + st.held if st.think == _START else text

    def snapshot(self):
        """The chat response accumulated so far, in vLLM's non-streaming wire shape (a new dict)."""
        cdef _ChoiceState st
        choices = []
        for value in self._by_index.values():
            st = <_ChoiceState>value
            content = "".join(st.content)
            reasoning = "".join(st.reasoning)
            if st.held:
                if st.think == _THINK:
                    reasoning += st.held
                else:
                    content += st.held
            tool_calls = [_tool_call(st.calls[i]).to_dict() for i in sorted(st.calls)]
            choices.append(
                (
                    st.index,
                    st.role,
                    content if content or not tool_calls else None,
                    reasoning if st.reasoning or (st.held and st.think == _THINK) else None,
                    tool_calls,
                    st.logprobs,
                    st.finish_reason,
                    st.stop_reason,
                )
            )
        return chat_snapshot(self._meta(), choices)


cdef int _settle_start(_ChoiceState st, list out) except -1:
    # Leave the undecided state: text held as a possible "<think>" start was content after all.
    st.think = _PLAIN
    cdef str held = st.held
    if held:
        st.held = ""
        st.content.append(held)
        out.append(_event(_Content, (held, st.index)))
    return 0


cdef int _think_content(_ChoiceState st, str text, list out) except -1:
    cdef object index = st.index
    cdef str held, buf, reasoning, rest
    cdef Py_ssize_t end, size, cut
    if st.think == _START:
        held = st.held + text
        if held[:7] == _THINK_OPEN:
            st.think = _THINK
            st.held = ""
            text = held[7:]
            if not text:
                return 0
        elif _THINK_OPEN.startswith(held):
            st.held = held
            return 0
        else:
            st.think = _PLAIN
            st.held = ""
            st.content.append(held)
            out.append(_event(_Content, (held, index)))
            return 0
    buf = st.held + text if st.held else text
    end = buf.find(_THINK_CLOSE)
    if end >= 0:
        st.held = ""
        st.think = _PLAIN
        if end:
            reasoning = buf[:end]
            st.reasoning.append(reasoning)
            out.append(_event(_Reasoning, (reasoning, index)))
        rest = buf[end + 8:]
        if rest:
            st.content.append(rest)
            out.append(_event(_Content, (rest, index)))
        return 0
    # Hold back a tail that may be the start of "</think>": it begins at the last "<" of the last 7.
    size = len(buf)
    cut = buf.rfind("<", size - 7 if size > 7 else 0)
    if cut >= 0 and _THINK_CLOSE.startswith(buf[cut:]):
        st.held = buf[cut:]
        buf = buf[:cut]
    else:
        st.held = ""
    if buf:
        st.reasoning.append(buf)
        out.append(_event(_Reasoning, (buf, index)))
    return 0


cdef int _tool_calls(_BaseParser parser, _ChoiceState st, list tool_calls, list out) except -1:
    cdef object choice = st.index
    cdef Py_ssize_t position = 0
    cdef object item, index, call_id, call_type, function, name, arguments, value
    cdef list call
    cdef PyObject* pkey
    cdef PyObject* pvalue
    cdef Py_ssize_t pos
    cdef int k
    for item in tool_calls:
        if type(item) is not dict:
            raise parser._shape("tool call is not an object")
        index = position
        position += 1
        call_id = call_type = function = name = arguments = None
        pos = 0
        while PyDict_Next(item, &pos, &pkey, &pvalue):
            k = _key(<object>pkey)
            if k == K_INDEX:
                index = <object>pvalue
            elif k == K_FUNCTION:
                function = <object>pvalue
            elif k == K_ID:
                call_id = <object>pvalue
            elif k == K_TYPE:
                call_type = <object>pvalue
        if type(index) is not int:
            raise parser._shape("tool call index is not an integer")
        if function is not None:
            if type(function) is not dict:
                raise parser._shape("tool call function is not an object")
            pos = 0
            while PyDict_Next(function, &pos, &pkey, &pvalue):
                k = _key(<object>pkey)
                if k == K_ARGUMENTS:
                    arguments = <object>pvalue
                elif k == K_NAME:
                    name = <object>pvalue
        if not (call_id is None or type(call_id) is str) or not (call_type is None or type(call_type) is str):
            raise parser._shape("tool call id or type is not a string")
        if not (name is None or type(name) is str) or not (arguments is None or type(arguments) is str):
            raise parser._shape("tool call name or arguments is not a string")
        value = st.calls.get(index)
        if value is None:
            # A new call starts: the ones before it can no longer change.
            if st.open:
                _complete(st, out)
            call = [None, None, None, []]
            st.calls[index] = call
            st.open.append(index)
        else:
            call = <list>value
        if call_id:
            call[0] = call_id
        if call_type:
            call[1] = call_type
        if name:
            call[2] = name
        if arguments:
            (<list>call[3]).append(arguments)
        out.append(_event(_ToolCallDelta, (index, call_id, name, arguments or "", choice)))
    return 0


cdef object _tool_call(list call):
    return _ToolCall(call[0] or "", call[2] or "", "".join(call[3]), call[1] or "function")


cdef int _complete(_ChoiceState st, list out) except -1:
    cdef object index
    for index in st.open:
        out.append(_event(_ToolCallComplete, (_tool_call(<list>st.calls[index]), st.index)))
    st.open = []
    return 0


cdef int _finish(_ChoiceState st, list out) except -1:
    # The choice is over: flush held think text and complete its open tool calls.
    cdef str held = st.held
    if held:
        st.held = ""
        if st.think == _THINK:
            st.reasoning.append(held)
            out.append(_event(_Reasoning, (held, st.index)))
        else:
            st.content.append(held)
            out.append(_event(_Content, (held, st.index)))
    if st.think == _START:
        st.think = _PLAIN
    if st.open:
        _complete(st, out)
    return 0


cdef class CompletionStreamParser(_BaseParser):
    """Incremental legacy-completions stream parser: body bytes in, :data:`CompletionStreamEvent` out.

    Same driver as :class:`ChatStreamParser`; yields :class:`~vllm_sdk.Text` for generated text and
    ``snapshot()`` gives the response in the non-streaming ``text_completion`` shape.
    """

    cdef int _choices(self, list choices, list out) except -1:
        cdef dict by_index = self._by_index
        cdef dict choice
        cdef _TextState st
        cdef object item, index, value, text, finish_reason, stop_reason
        for item in choices:
            if type(item) is not dict:
                raise self._shape("choice is not an object")
            choice = <dict>item
            index = choice.get("index", 0)
            if type(index) is not int:
                raise self._shape("choice index is not an integer")
            value = by_index.get(index)
            if value is None:
                st = _TextState(index)
                by_index[index] = st
            else:
                st = <_TextState>value
            text = choice.get("text")
            if text:
                if type(text) is not str:
                    raise self._shape("text is not a string")
                st.text.append(text)
                out.append(_event(_Text, (text, index)))
            value = choice.get("logprobs")
            if value is not None:
                st.logprobs = merge_logprobs(st.logprobs, value)
            finish_reason = choice.get("finish_reason")
            if finish_reason is not None:
                stop_reason = choice.get("stop_reason")
                st.finish_reason = finish_reason
                st.stop_reason = stop_reason
                out.append(_event(_FinishReason, (finish_reason, index, stop_reason)))
        return 0

    cdef str _partial_content(self):
        cdef object value = self._by_index.get(0)
        if value is None:
            return ""
        return "".join((<_TextState>value).text)

    def snapshot(self):
        """The completion accumulated so far, in vLLM's non-streaming wire shape (a new dict)."""
        cdef _TextState st
        choices = []
        for value in self._by_index.values():
            st = <_TextState>value
            choices.append((st.index, "".join(st.text), st.logprobs, st.finish_reason, st.stop_reason))
        return completion_snapshot(self._meta(), choices)
