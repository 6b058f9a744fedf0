"""Low-level server-sent events: a WHATWG-exact incremental decoder, in a compiled and a pure-Python build.

::

    from vllm_sdk.sse import SSEDecoder

    decoder = SSEDecoder()
    for chunk in response.iter_bytes():
        for event in decoder.decode(chunk):
            print(event.event, event.data)
    decoder.flush()

``SSEDecoder`` is the fastest available build; ``PySSEDecoder`` is always the pure-Python one and
``CSSEDecoder`` the compiled one (``None`` when it is not built or ``VLLM_SDK_NO_EXTENSIONS`` is set).
Both behave identically: CR, LF and CRLF line ends (also split across chunks), a leading BOM stripped once,
comments, fields without a colon, multi-line data, ``id`` with NUL ignored, ``retry`` only when all ASCII
digits, an unterminated last block discarded, invalid UTF-8 decoded as U+FFFD, and a bound on the size of
one event (``max_event_size``, default 16 MiB) past which :class:`~vllm_sdk.StreamError` is raised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._speedups import NO_EXTENSIONS, SSEDecoder
from ._speedups._common import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent
from ._speedups._sse_py import PySSEDecoder

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "CSSEDecoder", "PySSEDecoder", "SSEDecoder", "ServerSentEvent"]

if TYPE_CHECKING:
    CSSEDecoder: type[PySSEDecoder] | None
else:
    CSSEDecoder = None
    if not NO_EXTENSIONS:
        try:
            from ._speedups._sse_c import SSEDecoder as CSSEDecoder
        except ImportError:
            CSSEDecoder = None
