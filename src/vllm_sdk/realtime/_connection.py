"""The async realtime connection: ``/v1/realtime`` over aiohttp's WebSocket client.

Protocol (vLLM 0.32.0, ``vllm/entrypoints/speech_to_text/realtime/api_router.py`` and ``connection.py``):
the server sends ``session.created`` on accept; the client picks the model with ``session.update``,
starts a transcription with ``input_audio_buffer.commit``, streams ``input_audio_buffer.append`` chunks
and ends the audio with ``commit(final=True)``; the server streams ``transcription.delta`` events and ends
with ``transcription.done``. ``error`` events do not close the connection.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from typing import TYPE_CHECKING, Any

from .._events import Content, Done, Error
from .._exceptions import (
    ClientClosedError,
    StreamError,
    VllmTimeoutError,
    api_error_from_response,
    map_transport_error,
)
from ._errors import RealtimeInputError
from ._events import (
    InputAudioBufferAppend,
    InputAudioBufferCommit,
    SessionCreated,
    SessionUpdate,
    parse_server_event,
)
from ._translate import stream_events

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable, Mapping
    from types import TracebackType

    import aiohttp

    from .._events import StreamEvent
    from ._events import ClientEvent, ServerEvent
    from ._target import RealtimeTarget

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "AsyncRealtime",
    "AsyncRealtimeConnection",
    "AsyncRealtimeConnectionManager",
    "open_connection",
]

#: Bytes of PCM16 audio per ``input_audio_buffer.append`` (0.5 s at 16 kHz mono): small messages keep the
#: server transcribing while the rest is still on its way.
DEFAULT_CHUNK_SIZE = 16_000

#: The largest server message accepted (aiohttp's ``max_msg_size``): a transcript is text, far below this.
MAX_MESSAGE_SIZE = 16 * 1024 * 1024

_NOT_GIVEN: Any = object()


def _aiohttp() -> Any:
    # Imported on first use: aiohttp is a dependency, but `import vllm_sdk` need not pay for it.
    import aiohttp

    return aiohttp


class AsyncRealtimeConnection:
    """An open realtime session. Made by ``client.realtime.connect(model=...)``; use it as a context manager.

    One task should receive (``recv()`` / ``events()``) at a time; sending from another task meanwhile
    is fine. ``session`` is the server's ``session.created`` event.
    """

    def __init__(
        self,
        http: aiohttp.ClientSession,
        ws: aiohttp.ClientWebSocketResponse,
        session: SessionCreated,
        *,
        idle_timeout: float | None,
        chunk_size: int,
    ) -> None:
        self._http = http
        self._ws = ws
        self.session = session
        self._idle_timeout = idle_timeout
        self._chunk_size = chunk_size
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called or the server closed the connection."""
        return self._closed or self._ws.closed

    # -- sending

    async def send(self, event: ClientEvent | Mapping[str, Any]) -> None:
        """Send one client event (a typed event, or a dict for anything this SDK does not model)."""
        if isinstance(event, SessionUpdate | InputAudioBufferAppend | InputAudioBufferCommit):
            text = event.model_dump_json(exclude_none=True)
        elif isinstance(event, dict):
            import json

            text = json.dumps(event)
        else:
            raise TypeError(f"send() takes a realtime client event or a dict, not {type(event).__name__}")
        if self.closed:
            raise ClientClosedError("the realtime connection is closed")
        try:
            await self._ws.send_str(text)
        except (ConnectionError, _aiohttp().ClientError) as exc:
            raise StreamError(f"the realtime connection dropped while sending: {exc}") from exc

    async def update_session(self, *, model: str) -> None:
        """Choose the session's model (``session.update``); vLLM answers ``error`` only if it is unknown."""
        await self.send(SessionUpdate(model=model))

    async def append_audio(
        self, audio: bytes | bytearray | memoryview, *, chunk_size: int | None = None
    ) -> int:
        """Append PCM16 audio (16 kHz, mono, little-endian), base64-encoded, in ``chunk_size``-byte chunks.

        Returns the number of ``input_audio_buffer.append`` events sent. Empty audio, an odd number of
        bytes (half a sample) or an odd ``chunk_size`` is a :class:`RealtimeInputError`.
        """
        data = _audio_bytes(audio)
        size = self._chunk_size if chunk_size is None else _check_chunk_size(chunk_size)
        sent = 0
        for start in range(0, len(data), size):
            chunk = base64.b64encode(data[start : start + size]).decode("ascii")
            await self.send(InputAudioBufferAppend(audio=chunk))
            sent += 1
        return sent

    async def commit(self, *, final: bool = False) -> None:
        """``input_audio_buffer.commit``: start transcribing, or end the audio with ``final=True``."""
        await self.send(InputAudioBufferCommit(final=final))

    # -- receiving

    async def recv(self) -> ServerEvent:
        """The next server event, typed (an unknown type is an ``UnknownServerEvent``).

        Raises :class:`~vllm_sdk.VllmTimeoutError` when nothing arrives within the idle timeout and
        :class:`~vllm_sdk.StreamError` when the server closes or drops the connection.
        """
        if self._closed:
            raise ClientClosedError("the realtime connection is closed")
        aiohttp = _aiohttp()
        try:
            message = await asyncio.wait_for(self._ws.receive(), self._idle_timeout)
        except asyncio.TimeoutError as exc:
            raise VllmTimeoutError(
                f"no realtime event from the server within {self._idle_timeout} s (idle timeout)"
            ) from exc
        except (ConnectionError, aiohttp.ClientError) as exc:
            raise StreamError(f"the realtime connection dropped: {exc}") from exc
        kind = message.type
        if kind is aiohttp.WSMsgType.TEXT or kind is aiohttp.WSMsgType.BINARY:
            return parse_server_event(message.data)
        if kind is aiohttp.WSMsgType.ERROR:
            raise StreamError(f"the realtime connection dropped: {message.data}")
        # CLOSE / CLOSING / CLOSED: the server ended the session (vLLM never does so on its own).
        code = self._ws.close_code
        raise StreamError(f"the server closed the realtime connection (close code {code})")

    async def events(self) -> AsyncGenerator[StreamEvent, None]:
        """The current transcription as the SDK's stream events, up to and including its ``Done``.

        ``transcription.delta`` → ``Content``; ``transcription.done`` → ``Usage`` then ``Done``; a server
        ``error`` → ``Error`` (holding a :class:`RealtimeError`) and the iteration ends (the connection
        stays usable). A dropped connection raises :class:`~vllm_sdk.StreamError` whose
        ``partial_content`` is the transcript received so far.
        """
        parts: list[str] = []
        while True:
            try:
                event = await self.recv()
            except StreamError as exc:
                exc.partial_content = "".join(parts)
                raise
            for item in stream_events(event):
                if isinstance(item, Content):
                    parts.append(item.text)
                yield item
                if isinstance(item, Done | Error):
                    return

    async def transcript(self) -> str:
        """Wait for the current transcription to finish and return its text (a server error is raised)."""
        parts: list[str] = []
        async for event in self.events():
            if isinstance(event, Content):
                parts.append(event.text)
            elif isinstance(event, Error):
                error = event.error
                if isinstance(error, StreamError):
                    error.partial_content = "".join(parts)
                raise error
        return "".join(parts)

    # -- closing

    async def close(self) -> None:
        """Close the WebSocket (a clean close frame) and its HTTP session; idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            with contextlib.suppress(Exception):
                await self._ws.close()
        finally:
            await self._http.close()

    async def __aenter__(self) -> AsyncRealtimeConnection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def _audio_bytes(audio: object) -> bytes:
    if not isinstance(audio, bytes | bytearray | memoryview):
        raise TypeError(f"append_audio() takes PCM16 bytes, not {type(audio).__name__}")
    data = bytes(audio)
    if not data:
        raise RealtimeInputError("append_audio() got no audio (vLLM rejects an empty chunk)")
    if len(data) % 2:
        raise RealtimeInputError(f"PCM16 audio has an even number of bytes; got {len(data)}")
    return data


def _check_chunk_size(chunk_size: int) -> int:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size <= 0 or chunk_size % 2:
        raise RealtimeInputError(f"chunk_size must be a positive even number of bytes, not {chunk_size!r}")
    return chunk_size


async def open_connection(
    target: RealtimeTarget,
    *,
    model: str,
    extra_headers: Mapping[str, str] | None,
    idle_timeout: float | None,
    chunk_size: int,
) -> AsyncRealtimeConnection:
    """Handshake, wait for ``session.created``, send ``session.update(model)``; errors are the SDK's."""
    aiohttp = _aiohttp()
    headers = dict(target.headers)
    for name, value in (extra_headers or {}).items():
        for existing in [h for h in headers if h.lower() == name.lower()]:
            del headers[existing]
        headers[name] = value
    http = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=target.connect_timeout),
    )
    try:
        try:
            ws = await asyncio.wait_for(
                http.ws_connect(
                    target.url,
                    headers=headers,
                    max_msg_size=MAX_MESSAGE_SIZE,
                    autoping=True,
                ),
                target.connect_timeout,
            )
        except aiohttp.WSServerHandshakeError as exc:
            raise api_error_from_response(exc.status, exc.message or "", dict(exc.headers or {})) from exc
        except asyncio.TimeoutError as exc:
            raise VllmTimeoutError(
                f"connect timeout: no WebSocket handshake within {target.connect_timeout} s"
            ) from exc
        except (ConnectionError, OSError, aiohttp.ClientError) as exc:
            raise map_transport_error(exc) from exc
        conn = AsyncRealtimeConnection(
            http,
            ws,
            SessionCreated(id="", created=0),
            idle_timeout=target.connect_timeout,
            chunk_size=chunk_size,
        )
        first = await conn.recv()
        if not isinstance(first, SessionCreated):
            await conn.close()
            raise StreamError(f"expected session.created first, got {first.type!r}", body=first.model_dump())
        conn.session = first
        conn._idle_timeout = idle_timeout
        await conn.update_session(model=model)
        return conn
    except BaseException:
        if not http.closed:
            await http.close()
        raise


class AsyncRealtimeConnectionManager:
    """What ``client.realtime.connect(...)`` returns: ``async with`` it (or ``await manager.enter()``)."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._conn: AsyncRealtimeConnection | None = None

    async def enter(self) -> AsyncRealtimeConnection:
        """Open the connection without a ``with`` block (close it with ``await conn.close()``)."""
        if self._conn is not None:
            raise RuntimeError("this realtime connection manager was already entered")
        conn = await self._connect()
        assert isinstance(conn, AsyncRealtimeConnection)
        self._conn = conn
        return conn

    async def __aenter__(self) -> AsyncRealtimeConnection:
        return await self.enter()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._conn is not None:
            await self._conn.close()


class AsyncRealtime:
    """``client.realtime`` of an ``AsyncVllmClient``: realtime transcription sessions over WebSocket."""

    def __init__(self, target: Callable[[], RealtimeTarget]) -> None:
        self._target = target

    def connect(
        self,
        *,
        model: str,
        extra_headers: Mapping[str, str] | None = None,
        idle_timeout: float | None = _NOT_GIVEN,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> AsyncRealtimeConnectionManager:
        """Open ``/v1/realtime``: ``async with client.realtime.connect(model=...) as conn``.

        The base URL's scheme becomes ``ws``/``wss``; the API key goes as ``Authorization: Bearer``. The
        client's connect timeout bounds the handshake and the wait for ``session.created``;
        ``idle_timeout`` (default: the client's ``stream_idle_timeout``, else its read timeout) bounds
        every later wait for a server event. ``chunk_size`` is the default bytes per appended chunk.
        """
        if not isinstance(model, str) or not model:
            raise RealtimeInputError("connect() needs a model name")
        size = _check_chunk_size(chunk_size)
        if (
            idle_timeout is not None
            and idle_timeout is not _NOT_GIVEN
            and (
                isinstance(idle_timeout, bool)
                or not isinstance(idle_timeout, int | float)
                or idle_timeout <= 0
            )
        ):
            raise RealtimeInputError(
                f"idle_timeout must be a positive number of seconds or None, not {idle_timeout!r}"
            )

        async def connect() -> AsyncRealtimeConnection:
            target = self._target()
            idle = target.idle_timeout if idle_timeout is _NOT_GIVEN else idle_timeout
            return await open_connection(
                target, model=model, extra_headers=extra_headers, idle_timeout=idle, chunk_size=size
            )

        return AsyncRealtimeConnectionManager(connect)
