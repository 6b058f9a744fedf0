"""What the sync and async stream classes share and that does no I/O: the telemetry properties,
``failure``, ``repr`` and the typed chunk models (the stream state itself lives in ``_state``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from .._exceptions import InvalidResponseError
from .._transports import header_value
from ._state import StreamState

if TYPE_CHECKING:
    import asyncio

    import httpx

    from .._exceptions import VllmError
    from ._state import StreamKind, StreamObserver

__all__ = ["EventT", "StreamBase", "chunk_models", "is_encoded"]

EventT = TypeVar("EventT")


def is_encoded(response: httpx.Response) -> bool:
    """Whether the body carries a ``Content-Encoding`` (then httpx must decode it)."""
    encoding = header_value(response, "content-encoding")
    return encoding is not None and encoding.strip().lower() not in ("", "identity")


def chunk_models(state: StreamState, convert: Any) -> list[Any]:
    """The typed models of the chunks parsed since the last call (error chunks are not chunks: skipped)."""
    import pydantic

    out = []
    for raw in state.parser.take_raw():
        if ("error" in raw and raw["error"] is not None) or raw.get("object") == "error":
            continue
        try:
            out.append(convert(raw))
        except pydantic.ValidationError as exc:
            raise InvalidResponseError(f"stream chunk does not match the schema: {exc}") from exc
    return out


class StreamBase(Generic[EventT]):
    """The members of every stream that read its state without I/O, and the constructor."""

    _kind: ClassVar[StreamKind]
    #: The body type a response of the right client has, and what to say when it has not.
    _byte_stream: ClassVar[type]
    _client_needed: ClassVar[str]
    _state: StreamState
    _iterator: Any

    def __init__(
        self,
        response: httpx.Response,
        *,
        idle_timeout: float | None = None,
        max_event_size: int | None = None,
        started_at: float | None = None,
        observer: StreamObserver | None = None,
    ) -> None:
        """Wrap ``response`` (an open 2xx streaming response of the matching sync or async client).

        ``idle_timeout`` and ``max_event_size`` are described on the class; ``started_at`` is the
        :func:`time.perf_counter` value ``ttft`` counts from (default: now); ``observer`` (a
        ``StreamObserver``, e.g. the client's telemetry span) is told the time to first token and the
        failure, if the stream fails, before the stream closes its response.
        """
        if not isinstance(response.stream, self._byte_stream):
            raise TypeError(f"{type(self).__name__} needs a response from {self._client_needed}")
        self._iterator = None
        self._state = StreamState(
            self._kind,
            response,
            idle_timeout=idle_timeout,
            max_event_size=max_event_size,
            started_at=started_at,
            loop=self._running_loop(),
            observer=observer,
        )

    @staticmethod
    def _running_loop() -> asyncio.AbstractEventLoop | None:
        """The event loop the stream belongs to (async streams; sync streams have none)."""
        return None

    @property
    def response(self) -> httpx.Response:
        """The underlying :class:`httpx.Response`: status, headers, the request that was sent."""
        return self._state.response

    @property
    def request_id(self) -> str | None:
        """The server's ``x-request-id`` response header, when it sent one."""
        return header_value(self._state.response, "x-request-id")

    @property
    def ttft(self) -> float | None:
        """Seconds from the start to the first token event (``None`` until then).

        The start is the stream's creation, or ``started_at`` (a :func:`time.perf_counter` value) when the
        client passed the moment it sent the request. Token events: content, reasoning and tool-call
        fragments (``Text`` for completions).
        """
        return self._state.ttft

    @property
    def closed(self) -> bool:
        """Whether the stream is closed: read to its end, failed, or closed (``close()``, ``aclose()``)."""
        return self._state.closed

    @property
    def failure(self) -> VllmError | None:
        """The error that ended the stream: what iteration raised (a truncated or malformed body, a lost
        connection, the idle timeout), or the server's error event; ``None`` while it has not failed."""
        state = self._state
        return state.failure or state.error

    def __repr__(self) -> str:
        state = self._state
        status = "closed" if state.closed else "open"
        return f"<{type(self).__name__} {status} status_code={state.response.status_code}>"
