# cython: language_level=3
"""The compiled build of the streaming engine: SSE framing and chunk → event parsing.

Same algorithm and names as ``_sse_py.py`` (the tests and a property test hold them to identical events
and errors); everything off the hot path — constants, the event classes, error construction, snapshot
assembly — is imported from the Python modules so the twins cannot drift apart.

Speed notes: lines are found with ``memchr`` straight in the chunk's buffer; a complete ``data:`` line
becomes one ``bytes`` handed to orjson; the framer and the chunk parser are one ``cdef`` class hierarchy
calling each other as C functions; events are built with ``tuple``'s own ``tp_new`` (no Python-level
``__new__``). A line waiting for its newline grows one ``bytearray`` (amortised), so any chunking is linear.

The source is split by job into files included here (Cython ``include``: still one extension module, so
the framer and the parsers keep calling each other as C functions): ``_framing_c.pxi`` (framing and
``SSEDecoder``), the per-choice state below, ``_chat_c.pxi`` (the parser driver and the chat parser) and
``_completion_c.pxi`` (the completions parser).
"""

from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE, PyByteArray_Resize
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_Next
from cpython.list cimport PyList_GET_SIZE
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
    COMPACT_PIECES,
    DEFAULT_MAX_ACCUMULATED,
    DEFAULT_MAX_EVENT_SIZE,
    DONE_PAYLOAD,
    THINK_CLOSE,
    THINK_OPEN,
    ServerSentEvent,
    accumulated_too_large,
    accumulation_limit,
    chat_snapshot,
    compact,
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
cdef Py_ssize_t _COMPACT_PIECES = COMPACT_PIECES

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


include "_framing_c.pxi"


cdef inline int _add(list pieces, str text, Py_ssize_t* at) except -1:
    # Keep one more piece of accumulated text; past `at` pieces, join the new ones (off the hot path).
    pieces.append(text)
    if PyList_GET_SIZE(pieces) > at[0]:
        at[0] = compact(pieces, at[0])
    return 0


cdef class _ChoiceState:
    """What one chat choice has accumulated so far."""

    cdef object index
    cdef object role
    cdef list content
    cdef list reasoning
    # The lengths at which content / reasoning pieces are next joined (see _common.compact).
    cdef Py_ssize_t content_at
    cdef Py_ssize_t reasoning_at
    cdef int think
    cdef str held
    cdef dict calls  # index -> [id, type, name, argument parts, compact at]
    cdef list open
    cdef object finish_reason
    cdef object stop_reason
    cdef object logprobs

    def __cinit__(self, index):
        self.index = index
        self.role = "assistant"
        self.content = []
        self.reasoning = []
        self.content_at = _COMPACT_PIECES
        self.reasoning_at = _COMPACT_PIECES
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
    cdef Py_ssize_t text_at  # the length at which text pieces are next joined
    cdef object finish_reason
    cdef object stop_reason
    cdef object logprobs

    def __cinit__(self, index):
        self.index = index
        self.text = []
        self.text_at = _COMPACT_PIECES
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


# The probe of the text memo (_BaseParser._learn_text): any text needing no JSON escape would do.
cdef bytes _PROBE = b"~probe~"
cdef str _PROBE_TEXT = "~probe~"


cdef bint _plain(bytes raw):
    # No byte that JSON would have to escape (or that is JSON syntax inside a string).
    cdef const unsigned char* m = <const unsigned char*>PyBytes_AS_STRING(raw)
    cdef Py_ssize_t i
    for i in range(PyBytes_GET_SIZE(raw)):
        if m[i] < 0x20 or m[i] == 0x22 or m[i] == 0x5C:
            return False
    return True


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


include "_chat_c.pxi"

include "_completion_c.pxi"
