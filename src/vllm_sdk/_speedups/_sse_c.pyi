"""Type stub of the compiled streaming engine (``_sse_c.pyx``); same surface as ``_sse_py``."""

from typing import Any, Generic, TypeVar

from .._events import CompletionStreamEvent, StreamEvent
from ._common import ServerSentEvent

E = TypeVar("E", StreamEvent, CompletionStreamEvent)

__all__ = ["ChatStreamParser", "CompletionStreamParser", "SSEDecoder"]

class SSEDecoder:
    """Incremental server-sent-events decoder (compiled build)."""

    def __init__(self, max_event_size: int = ...) -> None: ...
    @property
    def last_event_id(self) -> str: ...
    def decode(self, chunk: bytes | bytearray | memoryview) -> list[ServerSentEvent]: ...
    def flush(self) -> list[ServerSentEvent]: ...

class _BaseParser(Generic[E]):
    def __init__(self, *, max_event_size: int = ..., keep_raw: bool = ...) -> None: ...
    @property
    def done(self) -> bool: ...
    def take_raw(self) -> list[dict[str, Any]]: ...
    def feed(self, data: bytes | bytearray | memoryview) -> list[E]: ...
    def close(self) -> list[E]: ...
    def snapshot(self) -> dict[str, Any]: ...

class ChatStreamParser(_BaseParser[StreamEvent]):
    """Incremental chat-completions stream parser (compiled build)."""

class CompletionStreamParser(_BaseParser[CompletionStreamEvent]):
    """Incremental legacy-completions stream parser (compiled build)."""
