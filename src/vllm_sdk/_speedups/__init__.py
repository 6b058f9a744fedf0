"""The streaming engine, in its fastest available build.

``_sse_c`` (compiled with Cython; with it ``_dechunk_c``, the HTTP/1.1 chunked de-framing) is used unless
``VLLM_SDK_NO_EXTENSIONS`` is on (``1``/``true``/``yes``/``on``; ``0``/``false``/``no``/``off`` or unset
leave it off, anything else is a :class:`~vllm_sdk.SettingError`), the interpreter is not CPython, or the
extension is not built; ``_sse_py`` is the pure-Python twin with the same names and behaviour
(``_dechunk_py`` likewise).
``IMPLEMENTATION`` says which one was loaded (``"c"`` or ``"python"``).
"""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING

from .._env import env_flag

__all__ = [
    "IMPLEMENTATION",
    "NO_EXTENSIONS",
    "NO_EXTENSIONS_ENV",
    "AnthropicStreamParser",
    "ChatStreamParser",
    "ChunkedDecoder",
    "ChunkedError",
    "CompletionStreamParser",
    "ResponsesStreamParser",
    "SSEDecoder",
]

#: The variable that rules the compiled build out (an on/off flag, parsed like every other).
NO_EXTENSIONS_ENV = "VLLM_SDK_NO_EXTENSIONS"

#: True when the environment or the interpreter rules the compiled build out.
NO_EXTENSIONS: bool = env_flag(NO_EXTENSIONS_ENV, default=False) or (
    platform.python_implementation() != "CPython"
)

if TYPE_CHECKING:
    from ._sse_py import ChatStreamParser, CompletionStreamParser, SSEDecoder

    IMPLEMENTATION: str
else:
    IMPLEMENTATION = "python"
    if not NO_EXTENSIONS:
        try:
            from ._sse_c import ChatStreamParser, CompletionStreamParser, SSEDecoder

            IMPLEMENTATION = "c"
        except ImportError:  # not built (sdist without a compiler, editable install before build_ext)
            pass
    if IMPLEMENTATION == "python":
        from ._sse_py import ChatStreamParser, CompletionStreamParser, SSEDecoder

# HTTP/1.1 chunked de-framing for the SDK's own connections (``_transports/_wire.py``), in the same build as
# the engine (a separate extension module of the same build step; a missing one falls back on its twin).
from ._dechunk_py import ChunkedError  # noqa: E402

if TYPE_CHECKING:
    from ._dechunk_py import ChunkedDecoder
else:
    ChunkedDecoder = None
    if IMPLEMENTATION == "c":
        try:
            from ._dechunk_c import ChunkedDecoder
        except ImportError:  # an extension built before this module existed: rebuild to get it
            pass
    if ChunkedDecoder is None:
        from ._dechunk_py import ChunkedDecoder

# Shared by both builds: a pure-Python mapping over the selected build's SSE framing (see _responses.py).
from ._anthropic import AnthropicStreamParser as _AnthropicStreamParser  # noqa: E402
from ._common import DEFAULT_MAX_ACCUMULATED, DEFAULT_MAX_EVENT_SIZE  # noqa: E402
from ._responses import ResponsesStreamParser as _ResponsesStreamParser  # noqa: E402


class ResponsesStreamParser(_ResponsesStreamParser):
    """The Responses stream parser over the selected build's ``SSEDecoder``."""

    def __init__(
        self,
        *,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        keep_raw: bool = False,
        max_accumulated: int | None = DEFAULT_MAX_ACCUMULATED,
    ) -> None:
        super().__init__(
            max_event_size=max_event_size,
            keep_raw=keep_raw,
            decoder_cls=SSEDecoder,
            max_accumulated=max_accumulated,
        )


class AnthropicStreamParser(_AnthropicStreamParser):
    """The Messages (Anthropic-style) stream parser over the selected build's ``SSEDecoder``."""

    def __init__(
        self,
        *,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        keep_raw: bool = False,
        max_accumulated: int | None = DEFAULT_MAX_ACCUMULATED,
    ) -> None:
        super().__init__(
            max_event_size=max_event_size,
            keep_raw=keep_raw,
            decoder_cls=SSEDecoder,
            max_accumulated=max_accumulated,
        )
