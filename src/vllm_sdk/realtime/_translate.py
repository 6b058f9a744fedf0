"""Server events → the SDK's stream events; no I/O, so the async connection and its sync twin share it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._events import Content, Done, Error, Usage
from ._errors import RealtimeError
from ._events import RealtimeErrorEvent, TranscriptionDelta, TranscriptionDone

if TYPE_CHECKING:
    from .._events import StreamEvent
    from ._events import ServerEvent

__all__ = ["error_of", "stream_events"]


def error_of(event: RealtimeErrorEvent) -> RealtimeError:
    """The typed exception of a server ``error`` event."""
    code = f" ({event.code})" if event.code else ""
    return RealtimeError(
        f"realtime error{code}: {event.error}",
        error_type=event.code,
        code=event.code,
        body=event.model_dump(),
    )


def stream_events(event: ServerEvent) -> tuple[StreamEvent, ...]:
    """What ``events()`` yields for one server event: a delta is ``Content``; ``transcription.done`` is
    ``Usage`` (when sent) then ``Done``; ``error`` is ``Error``; the rest (``session.created``, unknown
    types) yield nothing there and stay reachable through ``recv()``."""
    if isinstance(event, TranscriptionDelta):
        return (Content(event.delta, 0),) if event.delta else ()
    if isinstance(event, TranscriptionDone):
        if event.usage is None:
            return (Done(),)
        usage = event.usage
        return (Usage(usage.prompt_tokens, usage.completion_tokens or 0, usage.total_tokens), Done())
    if isinstance(event, RealtimeErrorEvent):
        return (Error(error_of(event)),)
    return ()
