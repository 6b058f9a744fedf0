# cython: language_level=3
"""The compiled build of HTTP/1.1 chunked de-framing: the twin of ``_dechunk_py.py`` (same names, same
errors, same results; the errors, limits and messages are imported from there so the builds cannot drift).

Speed notes: lines are found with ``memchr`` straight in the read's buffer; a read that is exactly one
chunk's data comes back as a slice (or the read itself) without a copy, several chunks in one read are
copied once into one new ``bytes``. Only a line cut by the end of a read is kept (in a ``bytearray``,
capped like every line).
"""

from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.string cimport memchr, memcpy

from ._dechunk_py import (
    MAX_CHUNK_LINE,
    MAX_TRAILERS,
    NO_CRLF_AFTER_DATA,
    NO_CRLF_LINE,
    ChunkedError,
    bad_size,
    long_line,
    too_many_trailers,
)

__all__ = ["ChunkedDecoder", "ChunkedError"]

cdef enum:
    _SIZE = 0
    _DATA = 1
    _DATA_END = 2
    _TRAILER = 3
    _DONE = 4


cdef inline int _hex_value(char c) noexcept:
    if 48 <= c <= 57:
        return c - 48
    if 97 <= c <= 102:
        return c - 87
    if 65 <= c <= 70:
        return c - 55
    return -1


cdef inline bint _blank(char c) noexcept:
    return c == 32 or c == 9


cdef class ChunkedDecoder:
    """Incremental de-framing of one chunked body (compiled build; see ``_dechunk_py.ChunkedDecoder``)."""

    cdef int _state
    cdef unsigned long long _left
    cdef bytearray _line
    cdef Py_ssize_t _trailers
    cdef Py_ssize_t _max_line
    cdef Py_ssize_t _max_trailers
    cdef public bint done
    cdef public bint extra

    def __init__(self, Py_ssize_t max_line=MAX_CHUNK_LINE, Py_ssize_t max_trailers=MAX_TRAILERS):
        self._state = _SIZE
        self._left = 0
        self._line = bytearray()
        self._trailers = 0
        self._max_line = max_line
        self._max_trailers = max_trailers
        self.done = False
        self.extra = False

    cdef int _complete_line(self, const char* p, Py_ssize_t n) except -1:
        """One whole chunk-size or trailer line (``n`` bytes, CR included, LF not)."""
        cdef Py_ssize_t a, b, j, k
        cdef const char* semi
        cdef unsigned long long size
        cdef int digit
        if n > self._max_line:
            raise long_line(self._max_line)
        if n == 0 or p[n - 1] != 13:
            raise ChunkedError(NO_CRLF_LINE)
        n -= 1
        if self._state == _SIZE:
            semi = <const char*>memchr(p, 59, n)  # ';'
            j = n if semi == NULL else semi - p
            a = 0
            while a < j and _blank(p[a]):
                a += 1
            b = j
            while b > a and _blank(p[b - 1]):
                b -= 1
            if b - a < 1 or b - a > 16:
                raise bad_size(PyBytes_FromStringAndSize(p, n))
            size = 0
            for k in range(a, b):
                digit = _hex_value(p[k])
                if digit < 0:
                    raise bad_size(PyBytes_FromStringAndSize(p, n))
                size = size * 16 + <unsigned long long>digit
            if size:
                self._left = size
                self._state = _DATA
            else:
                self._state = _TRAILER
                self._trailers = 0
        elif n:
            self._trailers += 1
            if self._trailers > self._max_trailers:
                raise too_many_trailers(self._max_trailers)
        else:
            self._state = _DONE
            self.done = True
        return 0

    def feed(self, bytes data not None):
        """The body bytes of one read (``b""`` when it held only framing)."""
        cdef const char* buf = PyBytes_AS_STRING(data)
        cdef Py_ssize_t end = PyBytes_GET_SIZE(data)
        cdef Py_ssize_t pos = 0
        cdef Py_ssize_t stop, held, take
        cdef const char* newline
        cdef Py_ssize_t first_start = 0
        cdef Py_ssize_t first_len = 0
        cdef int segments = 0
        cdef char* out = NULL
        cdef Py_ssize_t out_len = 0
        cdef bytes line
        if self.done:
            if end:
                self.extra = True
            return b""
        try:
            while pos < end:
                if self._state == _DATA:
                    take = end - pos
                    if <unsigned long long>take >= self._left:
                        take = <Py_ssize_t>self._left
                        self._state = _DATA_END
                    self._left -= <unsigned long long>take
                    # The first piece is only remembered; a second one starts the copy into `out`.
                    if segments == 0:
                        first_start = pos
                        first_len = take
                    else:
                        if out == NULL:
                            out = <char*>PyMem_Malloc(end)
                            if out == NULL:
                                raise MemoryError()
                            memcpy(out, buf + first_start, first_len)
                            out_len = first_len
                        memcpy(out + out_len, buf + pos, take)
                        out_len += take
                    segments += 1
                    pos += take
                elif self._state == _DATA_END:
                    held = PyByteArray_GET_SIZE(self._line)
                    if held == 0:
                        if buf[pos] != 13:
                            raise ChunkedError(NO_CRLF_AFTER_DATA)
                        if pos + 1 < end:
                            if buf[pos + 1] != 10:
                                raise ChunkedError(NO_CRLF_AFTER_DATA)
                            pos += 2
                            self._state = _SIZE
                        else:
                            self._line.append(13)
                            pos += 1
                    else:
                        if buf[pos] != 10:
                            raise ChunkedError(NO_CRLF_AFTER_DATA)
                        del self._line[:]
                        pos += 1
                        self._state = _SIZE
                else:
                    newline = <const char*>memchr(buf + pos, 10, end - pos)
                    if newline == NULL:
                        self._line += data[pos:]
                        if PyByteArray_GET_SIZE(self._line) > self._max_line:
                            raise long_line(self._max_line)
                        pos = end
                        continue
                    stop = newline - buf
                    if PyByteArray_GET_SIZE(self._line):
                        line = bytes(self._line) + data[pos:stop]
                        del self._line[:]
                        self._complete_line(PyBytes_AS_STRING(line), PyBytes_GET_SIZE(line))
                    else:
                        self._complete_line(buf + pos, stop - pos)
                    pos = stop + 1
                    if self._state == _DONE:
                        if pos < end:
                            self.extra = True
                        break
            if segments == 0:
                return b""
            if segments == 1:
                if first_start == 0 and first_len == end:
                    return data
                return PyBytes_FromStringAndSize(buf + first_start, first_len)
            return PyBytes_FromStringAndSize(out, out_len)
        finally:
            if out != NULL:
                PyMem_Free(out)
