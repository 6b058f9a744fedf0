"""The sync realtime connection: the async one, run on an event loop in a background thread.

Every method submits the async connection's method to that loop and waits, so both share all their
logic; the loop (and its thread) live as long as the connection.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from .._exceptions import ClientClosedError
from ._connection import _NOT_GIVEN, DEFAULT_CHUNK_SIZE, AsyncRealtime, AsyncRealtimeConnection
from ._loop import LoopThread

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable, Iterator, Mapping
    from types import TracebackType

    from .._events import StreamEvent
    from ._events import ClientEvent, ServerEvent, SessionCreated
    from ._target import RealtimeTarget

__all__ = ["Realtime", "RealtimeConnection", "RealtimeConnectionManager"]


class RealtimeConnection:
    """The blocking twin of :class:`AsyncRealtimeConnection` (same methods, without ``await``)."""

    def __init__(self, loop: LoopThread, conn: AsyncRealtimeConnection) -> None:
        self._loop = loop
        self._conn = conn

    @property
    def session(self) -> SessionCreated:
        """The server's ``session.created`` event."""
        return self._conn.session

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called or the server closed the connection."""
        return self._conn.closed

    def send(self, event: ClientEvent | Mapping[str, Any]) -> None:
        """Send one client event (typed, or a dict)."""
        self._loop.run(self._conn.send(event))

    def update_session(self, *, model: str) -> None:
        """Choose the session's model (``session.update``)."""
        self._loop.run(self._conn.update_session(model=model))

    def append_audio(self, audio: bytes | bytearray | memoryview, *, chunk_size: int | None = None) -> int:
        """Append PCM16 audio in base64-encoded chunks; returns the number of append events sent."""
        return self._loop.run(self._conn.append_audio(audio, chunk_size=chunk_size))

    def commit(self, *, final: bool = False) -> None:
        """``input_audio_buffer.commit`` (``final=True`` ends the audio input)."""
        self._loop.run(self._conn.commit(final=final))

    def recv(self) -> ServerEvent:
        """The next typed server event (idle timeout and drops raise, as in the async connection)."""
        return self._loop.run(self._conn.recv())

    def events(self) -> Iterator[StreamEvent]:
        """The current transcription as ``Content`` ... ``Usage``, ``Done`` (or ``Error``) events."""
        agen = self._conn.events()
        try:
            while True:
                try:
                    event = self._loop.run(_next(agen))
                except StopAsyncIteration:
                    return
                yield event
        finally:
            # After close() the loop is gone, and the generator with it: nothing left to finalise.
            with contextlib.suppress(ClientClosedError):
                self._loop.run(agen.aclose())

    def transcript(self) -> str:
        """Wait for the current transcription and return its text (a server error is raised)."""
        return self._loop.run(self._conn.transcript())

    def close(self) -> None:
        """Close the WebSocket and stop the background loop; idempotent."""
        try:
            if not self._conn._closed:
                self._loop.run(self._conn.close())
        finally:
            self._loop.stop()

    def __enter__(self) -> RealtimeConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


async def _next(agen: AsyncGenerator[StreamEvent, None]) -> StreamEvent:
    return await agen.__anext__()


class RealtimeConnectionManager:
    """What ``VllmClient.realtime.connect(...)`` returns: ``with`` it, or call :meth:`enter`."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._conn: RealtimeConnection | None = None

    def enter(self) -> RealtimeConnection:
        """Open the connection without a ``with`` block (close it with ``conn.close()``)."""
        if self._conn is not None:
            raise RuntimeError("this realtime connection manager was already entered")
        loop = LoopThread("vllm-sdk-realtime")
        try:
            conn = loop.run(self._connect())
        except BaseException:
            loop.stop()
            raise
        self._conn = RealtimeConnection(loop, conn)
        return self._conn

    def __enter__(self) -> RealtimeConnection:
        return self.enter()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._conn is not None:
            self._conn.close()


class Realtime:
    """``client.realtime`` of a ``VllmClient``: realtime transcription sessions over WebSocket."""

    def __init__(self, target: Callable[[], RealtimeTarget]) -> None:
        self._async = AsyncRealtime(target)

    def connect(
        self,
        *,
        model: str,
        extra_headers: Mapping[str, str] | None = None,
        idle_timeout: float | None = _NOT_GIVEN,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> RealtimeConnectionManager:
        """Open ``/v1/realtime``: ``with client.realtime.connect(model=...) as conn`` (arguments as in
        :meth:`AsyncRealtime.connect`)."""
        manager = self._async.connect(
            model=model, extra_headers=extra_headers, idle_timeout=idle_timeout, chunk_size=chunk_size
        )
        return RealtimeConnectionManager(manager.enter)
