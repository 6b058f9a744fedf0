"""Streams over an open streaming response: :class:`MessageStream`, :class:`AsyncMessageStream`,
:class:`CompletionStream` and :class:`AsyncCompletionStream`.

Each stream drives one synchronous, I/O-free parser from ``vllm_sdk._speedups`` (the compiled build when
available) with the raw bytes of the response body and yields the events it returns. Everything that does
no I/O lives in ``_stream_base.py``; only the read loop below exists twice (sync and async).

The hot path per network chunk is: read bytes, ``parser.feed(chunk)``, yield the events of the list it
returned. Bodies without ``Content-Encoding`` are read straight from the transport's byte stream, skipping
httpx's decoding layers; encoded bodies (a compressing proxy) go through ``iter_bytes()``, which decodes.

Connections: after ``[DONE]`` (or an error event, which vLLM follows with ``[DONE]``) the rest of the body
is read and discarded, at most :data:`DRAIN_MAX_BYTES` bytes within :data:`DRAIN_TIMEOUT` seconds, so the
connection goes back to the pool; then the response is closed. A stream abandoned part-way (``close()``,
leaving a ``with`` block, garbage collection) closes its response, which discards the connection rather
than reusing one with unread data. (The drain's time bound is a hard deadline for async streams; a sync
stream checks it between reads, so a server that stalls after ``[DONE]`` without ending the body holds a
sync drain up to the socket read timeout. vLLM ends the body right after ``[DONE]``.)

Idle timeout (``idle_timeout=`` seconds, default off): the stream raises :class:`VllmTimeoutError` once it
has waited that long for its next event. Only time spent waiting on the network counts, not time the caller
spends between events. Async streams enforce it exactly: a timer cancels the read in progress once the
deadline passes (one timer per idle period, re-armed as events arrive, see ``_IdleWatch``). Sync streams
cannot interrupt a blocking read, so they combine two checks: the socket read timeout of the body is
tightened to ``idle_timeout`` (honoured by httpx's own transports, which read the per-request timeout when
the body starts streaming), and after every read the time since the last event is compared with the limit
(this catches a server that keeps sending bytes, such as SSE comments, but no events). A sync stream
therefore raises at most about one socket read timeout after the deadline; other sync transports (a
``MockTransport`` handler, say) are only checked between reads.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import deque
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

import httpx

from .._events import CompletionStreamEvent, StreamEvent
from .._exceptions import InvalidResponseError, StreamError, VllmError
from ._state import (
    CHAT,
    COMPLETION,
    DRAIN_MAX_BYTES,
    DRAIN_TIMEOUT,
    END_EVENTS,
    StreamKind,
    StreamState,
    read_errors,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from types import TracebackType

    from typing_extensions import Self

    from ..types._generated import ChatCompletionStreamResponse, CompletionStreamResponse
    from ..types.chat import ChatCompletionResponse
    from ..types.completions import CompletionResponse

__all__ = [
    "AsyncCompletionStream",
    "AsyncMessageStream",
    "CompletionStream",
    "MessageStream",
]

EventT = TypeVar("EventT")

_perf_counter = time.perf_counter


def _is_encoded(response: httpx.Response) -> bool:
    encoding = response.headers.get("content-encoding")
    return encoding is not None and encoding.strip().lower() not in ("", "identity")


def _tighten_read_timeout(response: httpx.Response, seconds: float) -> bool:
    """Make the socket read timeout of this response's body at most ``seconds`` (sync idle timeout).

    httpx hands the request's ``extensions["timeout"]`` dict to its transport, which reads it when the
    body starts streaming; a fresh dict replaces the old one so nothing shared is mutated. True when the
    read timeout is now the idle timeout (it may already have been shorter).
    """
    try:
        request = response.request
    except RuntimeError:  # a hand-built Response without a request: nothing to tighten
        return False
    timeouts = request.extensions.get("timeout")
    if not isinstance(timeouts, dict):
        return False
    read = timeouts.get("read")
    if read is not None and read <= seconds:
        return False
    request.extensions["timeout"] = {**timeouts, "read": seconds}
    return True


def _chunk_models(state: StreamState, convert: Any) -> list[Any]:
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


# ====================================================================== sync


def _open_sync_body(state: StreamState) -> Iterator[bytes]:
    response = state.response
    if state.idle_timeout is not None:
        state.idle_on_socket = _tighten_read_timeout(response, state.idle_timeout)
    if response.is_stream_consumed or _is_encoded(response):
        return response.iter_bytes()
    response.is_stream_consumed = True
    return iter(cast("httpx.SyncByteStream", response.stream))


def _sync_events(state: StreamState) -> Iterator[Any]:
    """The sync read loop: body bytes in, events out (a generator; its cleanup releases the connection)."""
    if state.closed:
        return
    state.opened = True
    raw = _open_sync_body(state)
    feed = state.parser.feed
    idle = state.idle_timeout
    errors = read_errors()
    end_events = END_EVENTS
    no_token_yet = state.first_token_at is None
    try:
        try:
            if idle is None:
                for chunk in raw:
                    events = feed(chunk)
                    if events:
                        if no_token_yet:
                            no_token_yet = state.note_first_token(events)
                        if type(events[-1]) in end_events:
                            state.end(events[-1])
                            yield from events
                            break
                        yield from events
                else:
                    yield from state.close_parser()
            else:
                waiting_since = _perf_counter()
                for chunk in raw:
                    events = feed(chunk)
                    if events:
                        if no_token_yet:
                            no_token_yet = state.note_first_token(events)
                        if type(events[-1]) in end_events:
                            state.end(events[-1])
                            yield from events
                            break
                        yield from events
                        waiting_since = _perf_counter()
                    elif _perf_counter() - waiting_since > idle:
                        idle_failure = state.failure = state.idle_error()
                        raise idle_failure
                else:
                    yield from state.close_parser()
        except StreamError as err:
            state.failure = state.with_partial(err)
            raise
        except errors as exc:
            failure = state.failure = state.read_failure(exc)
            raise failure from failure.__cause__
    finally:
        _finish_sync(state, raw)


def _finish_sync(state: StreamState, raw: Iterator[bytes]) -> None:
    """Return the connection: drain what follows the end of the stream (bounded), then close the response."""
    try:
        if state.ended and not state.drained and not state.closed:
            state.drained = True
            _drain_sync(raw)
    finally:
        state.closed = True
        state.response.close()


def _drain_sync(raw: Iterator[bytes]) -> None:
    budget = DRAIN_MAX_BYTES
    deadline = _perf_counter() + DRAIN_TIMEOUT
    try:
        for chunk in raw:
            budget -= len(chunk)
            if budget < 0 or _perf_counter() > deadline:
                return  # too much or too slow: closing the response discards the connection instead
    except read_errors():
        # The connection failed after the stream had ended: every event was delivered, and the close
        # that follows discards the broken connection.
        return


class _SyncStream(Generic[EventT]):
    """Iteration, collecting and resource handling shared by :class:`MessageStream` and
    :class:`CompletionStream`."""

    _kind: ClassVar[StreamKind]
    _state: StreamState
    _iterator: Iterator[EventT] | None

    def __init__(
        self,
        response: httpx.Response,
        *,
        idle_timeout: float | None = None,
        max_event_size: int | None = None,
        started_at: float | None = None,
    ) -> None:
        if not isinstance(response.stream, httpx.SyncByteStream):
            raise TypeError(
                f"{type(self).__name__} needs a response from a sync httpx.Client "
                "(use the Async stream class with httpx.AsyncClient)"
            )
        self._iterator = None
        self._state = StreamState(
            self._kind,
            response,
            idle_timeout=idle_timeout,
            max_event_size=max_event_size,
            started_at=started_at,
        )

    # -- telemetry

    @property
    def response(self) -> httpx.Response:
        """The underlying :class:`httpx.Response`: status, headers, the request that was sent."""
        return self._state.response

    @property
    def request_id(self) -> str | None:
        """The server's ``x-request-id`` response header, when it sent one."""
        request_id: str | None = self._state.response.headers.get("x-request-id")
        return request_id

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
        """Whether the stream is closed: read to its end, failed, or closed by :meth:`close`."""
        return self._state.closed

    @property
    def failure(self) -> VllmError | None:
        """The error that ended the stream: what iteration raised (a truncated or malformed body, a lost
        connection, the idle timeout), or the server's error event; ``None`` while it has not failed."""
        state = self._state
        return state.failure or state.error

    # -- iteration

    def __iter__(self) -> Iterator[EventT]:
        iterator = self._iterator
        if iterator is None:
            iterator = self._iterator = _sync_events(self._state)
        return iterator

    def __next__(self) -> EventT:
        return next(self.__iter__())

    def _consume(self) -> None:
        """Read the rest of the stream; the parser has accumulated everything, iterated or not."""
        state = self._state
        if state.failure is None:
            deque(self, maxlen=0)
        state.check_complete()

    def _collect_text(self) -> str:
        self._consume()
        return self._state.text(self._state.parser.snapshot())

    @property
    def text_stream(self) -> Iterator[str]:
        """The text deltas of choice 0 as plain strings (content only: reasoning and tool calls skipped)."""
        text_type = self._state.kind.text_type
        for event in self:
            if type(event) is text_type and event[1] == 0:  # type: ignore[index]
                yield event[0]  # type: ignore[index]

    def _collect_model(self) -> Any:
        self._consume()
        return self._state.model()

    def _chunks(self) -> Iterator[Any]:
        state = self._state
        state.keep_raw_chunks()
        convert = state.kind.chunk_model()
        events = iter(self)
        while True:
            try:
                next(events)
            except StopIteration:
                break
            except VllmError:
                yield from _chunk_models(state, convert)  # what arrived before the failure
                raise
            yield from _chunk_models(state, convert)
        yield from _chunk_models(state, convert)
        state.check_complete()

    # -- resources

    def close(self) -> None:
        """Close the stream and release its connection (idempotent).

        After ``[DONE]`` the connection goes back to the pool; part-way through a stream it is closed.
        """
        iterator = self._iterator
        if iterator is not None:
            iterator.close()  # type: ignore[attr-defined]  # the generator's cleanup drains, then closes
        state = self._state
        if not state.closed:
            state.closed = True
            state.response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = self._state
        status = "closed" if state.closed else "open"
        return f"<{type(self).__name__} {status} status_code={state.response.status_code}>"


class MessageStream(_SyncStream[StreamEvent]):
    """A chat completion stream: iterate it for :data:`~vllm_sdk.StreamEvent` values.

    Made by ``client.chat.completions.create(..., stream=True)`` or ``...send_stream()`` from an open 2xx
    streaming :class:`httpx.Response`. Use it as a context manager so the connection is always released::

        with client.chat.completions.create().model(m).user("Hi").send_stream() as stream:
            for event in stream:
                match event:
                    case Content(text=text):
                        print(text, end="", flush=True)
            final = stream.collect()      # the accumulated ChatCompletionResponse

    ``collect()`` (the whole response), ``collect_content()`` (choice 0's content) and ``text_stream``
    (choice 0's content deltas) consume the rest of the stream; whatever was iterated before is included.
    An ``Error`` event ends the stream and makes the collectors raise :class:`~vllm_sdk.StreamError` with
    ``partial_content`` and ``partial``. A body that ends without ``[DONE]`` or a connection lost mid-body
    raises ``StreamError`` after the events already yielded (the mapped :class:`~vllm_sdk.HttpError` is its
    ``__cause__``); a read timeout or the idle timeout raises :class:`~vllm_sdk.VllmTimeoutError`. ``Done`` is
    always the last event of a successful stream. ``chunks()`` yields typed chunk models instead of events.

    ``ttft`` (time to first token), ``response`` (the :class:`httpx.Response`) and ``request_id`` are there
    for telemetry. ``idle_timeout`` (seconds) bounds the wait for each next event; ``max_event_size`` (bytes,
    default 16 MiB) bounds one event.
    """

    _kind = CHAT

    def collect(self) -> ChatCompletionResponse:
        """Read the rest of the stream and return the whole accumulated response: content, reasoning,
        tool calls, finish reason and usage of every choice, including the events already iterated.

        Raises :class:`~vllm_sdk.StreamError` (with ``partial_content`` and ``partial``) when the stream
        ended with an error event, was truncated or lost its connection.
        """
        return cast("ChatCompletionResponse", self._collect_model())

    def collect_content(self) -> str:
        """Read the rest of the stream and return choice 0's complete content (reasoning excluded)."""
        return self._collect_text()

    def snapshot(self) -> ChatCompletionResponse:
        """The response accumulated so far, without reading further (e.g. after a timeout)."""
        return cast("ChatCompletionResponse", self._state.model())

    def chunks(self) -> Iterator[ChatCompletionStreamResponse]:
        """Iterate typed chunk models (``ChatCompletionStreamResponse``) instead of events.

        The models are built only here, never on the event path. Call it before iterating events; the
        events are still accumulated, so ``collect()`` works afterwards. An error event ends it with
        :class:`~vllm_sdk.StreamError`.
        """
        return self._chunks()


class CompletionStream(_SyncStream[CompletionStreamEvent]):
    """A legacy completions stream: iterate it for :data:`~vllm_sdk.CompletionStreamEvent` values
    (``Text``, ``FinishReason``, ``Usage``, ``Done``, ``Error``).

    Behaves like :class:`MessageStream`; ``collect_text()`` returns choice 0's complete text and
    ``collect()`` the accumulated completion response.
    """

    _kind = COMPLETION

    def collect(self) -> CompletionResponse:
        """Read the rest of the stream and return the whole accumulated completion (see
        :meth:`MessageStream.collect`)."""
        return cast("CompletionResponse", self._collect_model())

    def collect_text(self) -> str:
        """Read the rest of the stream and return choice 0's complete text."""
        return self._collect_text()

    def snapshot(self) -> CompletionResponse:
        """The completion accumulated so far, without reading further."""
        return cast("CompletionResponse", self._state.model())

    def chunks(self) -> Iterator[CompletionStreamResponse]:
        """Iterate typed chunk models (``CompletionStreamResponse``) instead of events; call it first."""
        return self._chunks()


# ====================================================================== async


class _Deadline(Exception):
    """Internal: a read did not finish before its deadline (never escapes this module)."""


if sys.version_info >= (3, 11):

    async def _anext_by(chunks: AsyncIterator[bytes], deadline: float) -> bytes | None:
        """The next chunk, ``None`` at the end of the body; :class:`_Deadline` past ``deadline``."""
        try:
            async with asyncio.timeout_at(deadline) as scope:
                return await chunks.__anext__()
        except StopAsyncIteration:
            return None
        except TimeoutError:
            # Only our own deadline becomes _Deadline; a transport's TimeoutError is mapped as usual.
            if scope.expired():
                raise _Deadline from None
            raise

else:  # pragma: no cover - Python 3.10

    async def _anext_by(chunks: AsyncIterator[bytes], deadline: float) -> bytes | None:
        """The next chunk, ``None`` at the end of the body; :class:`_Deadline` past ``deadline``."""
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(chunks.__anext__(), max(deadline - loop.time(), 0.0))
        except StopAsyncIteration:
            return None
        except asyncio.TimeoutError:
            if loop.time() >= deadline:
                raise _Deadline from None
            raise


class _IdleWatch:
    """The async idle timeout, with one timer per idle period rather than one per read.

    A read sets ``task`` for its duration; ``deadline`` moves forward whenever events were handed to the
    caller. The timer, when it fires, re-arms itself at the moved deadline, does nothing while no read is in
    progress (the caller's own time does not count; the next read re-arms it), and otherwise cancels the
    reading task; :meth:`claim` then tells that cancellation apart from anyone else's. This is what
    ``asyncio.timeout`` does, minus a timer handle and a context manager per network chunk.
    """

    __slots__ = ("deadline", "expired", "handle", "loop", "task")

    def __init__(self, loop: asyncio.AbstractEventLoop, deadline: float) -> None:
        self.loop = loop
        self.deadline = deadline
        self.task: asyncio.Task[Any] | None = None
        self.handle: asyncio.TimerHandle | None = None
        self.expired = False

    def arm(self) -> None:
        self.handle = self.loop.call_at(self.deadline, self._fire)

    def _fire(self) -> None:
        self.handle = None
        task = self.task
        if task is None:
            return
        if self.loop.time() < self.deadline:
            self.handle = self.loop.call_at(self.deadline, self._fire)
            return
        self.expired = True
        task.cancel()

    def claim(self) -> bool:
        """Called on a CancelledError from a read: True when it was this timeout's own cancellation."""
        if not self.expired:
            return False
        if sys.version_info >= (3, 11) and self.task is not None and self.task.uncancel() > 0:
            return False  # somebody else cancelled the task too: theirs wins
        return True

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None


def _open_async_body(state: StreamState) -> AsyncIterator[bytes]:
    response = state.response
    if response.is_stream_consumed or _is_encoded(response):
        return response.aiter_bytes()
    response.is_stream_consumed = True
    return cast("httpx.AsyncByteStream", response.stream).__aiter__()


async def _async_events(state: StreamState) -> AsyncIterator[Any]:
    """The async read loop: body bytes in, events out (its cleanup releases the connection)."""
    if state.closed:
        return
    state.opened = True
    raw = _open_async_body(state)
    feed = state.parser.feed
    idle = state.idle_timeout
    errors = read_errors()
    end_events = END_EVENTS
    no_token_yet = state.first_token_at is None
    try:
        try:
            if idle is None:
                async for chunk in raw:
                    events = feed(chunk)
                    if events:
                        if no_token_yet:
                            no_token_yet = state.note_first_token(events)
                        if type(events[-1]) in end_events:
                            state.end(events[-1])
                            for event in events:
                                yield event
                            break
                        for event in events:
                            yield event
                else:
                    for event in state.close_parser():
                        yield event
            else:
                loop = asyncio.get_running_loop()
                watch = _IdleWatch(loop, loop.time() + idle)
                current_task = asyncio.current_task
                next_chunk = raw.__anext__
                try:
                    while True:
                        watch.task = current_task()
                        if watch.handle is None:
                            watch.arm()
                        try:
                            data: bytes | None = await next_chunk()
                        except StopAsyncIteration:
                            data = None
                        except asyncio.CancelledError:
                            if watch.claim():
                                idle_failure = state.failure = state.idle_error()
                                raise idle_failure from None
                            raise
                        finally:
                            watch.task = None
                        if data is None:
                            for event in state.close_parser():
                                yield event
                            break
                        events = feed(data)
                        if events:
                            if no_token_yet:
                                no_token_yet = state.note_first_token(events)
                            if type(events[-1]) in end_events:
                                state.end(events[-1])
                                for event in events:
                                    yield event
                                break
                            for event in events:
                                yield event
                            watch.deadline = loop.time() + idle
                finally:
                    watch.stop()
        except StreamError as err:
            state.failure = state.with_partial(err)
            raise
        except errors as exc:
            failure = state.failure = state.read_failure(exc)
            raise failure from failure.__cause__
    finally:
        await _finish_async(state, raw)


async def _finish_async(state: StreamState, raw: AsyncIterator[bytes]) -> None:
    """Return the connection: drain what follows the end of the stream (bounded), then close the response."""
    try:
        if state.ended and not state.drained and not state.closed:
            state.drained = True
            await _drain_async(raw)
    finally:
        state.closed = True
        await state.response.aclose()


async def _drain_async(raw: AsyncIterator[bytes]) -> None:
    budget = DRAIN_MAX_BYTES
    deadline = asyncio.get_running_loop().time() + DRAIN_TIMEOUT
    try:
        while True:
            chunk = await _anext_by(raw, deadline)
            if chunk is None:
                return
            budget -= len(chunk)
            if budget < 0:
                return  # too much: closing the response discards the connection instead
    except _Deadline:
        return  # too slow: likewise
    except read_errors():
        # The connection failed after the stream had ended: every event was delivered, and the close
        # that follows discards the broken connection.
        return


class _AsyncStream(Generic[EventT]):
    """Iteration, collecting and resource handling shared by the async streams."""

    _kind: ClassVar[StreamKind]
    _state: StreamState
    _iterator: AsyncIterator[EventT] | None

    def __init__(
        self,
        response: httpx.Response,
        *,
        idle_timeout: float | None = None,
        max_event_size: int | None = None,
        started_at: float | None = None,
    ) -> None:
        if not isinstance(response.stream, httpx.AsyncByteStream):
            raise TypeError(
                f"{type(self).__name__} needs a response from an httpx.AsyncClient "
                "(use the sync stream class with httpx.Client)"
            )
        self._iterator = None
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        self._state = StreamState(
            self._kind,
            response,
            idle_timeout=idle_timeout,
            max_event_size=max_event_size,
            started_at=started_at,
            loop=loop,
        )

    # -- telemetry

    @property
    def response(self) -> httpx.Response:
        """The underlying :class:`httpx.Response`: status, headers, the request that was sent."""
        return self._state.response

    @property
    def request_id(self) -> str | None:
        """The server's ``x-request-id`` response header, when it sent one."""
        request_id: str | None = self._state.response.headers.get("x-request-id")
        return request_id

    @property
    def ttft(self) -> float | None:
        """Seconds from the start to the first token event (``None`` until then); see the sync twin."""
        return self._state.ttft

    @property
    def closed(self) -> bool:
        """Whether the stream is closed: read to its end, failed, or closed by :meth:`aclose`."""
        return self._state.closed

    @property
    def failure(self) -> VllmError | None:
        """The error that ended the stream (see :attr:`MessageStream.failure`); ``None`` while it has not
        failed."""
        state = self._state
        return state.failure or state.error

    # -- iteration

    def __aiter__(self) -> AsyncIterator[EventT]:
        iterator = self._iterator
        if iterator is None:
            iterator = self._iterator = _async_events(self._state)
        return iterator

    async def __anext__(self) -> EventT:
        return await self.__aiter__().__anext__()

    async def _consume(self) -> None:
        state = self._state
        if state.failure is None:
            async for _event in self:
                continue
        state.check_complete()

    async def _collect_text(self) -> str:
        await self._consume()
        return self._state.text(self._state.parser.snapshot())

    @property
    async def text_stream(self) -> AsyncIterator[str]:
        """The text deltas of choice 0 as plain strings, an async iterator (content only)."""
        text_type = self._state.kind.text_type
        async for event in self:
            if type(event) is text_type and event[1] == 0:  # type: ignore[index]
                yield event[0]  # type: ignore[index]

    async def _collect_model(self) -> Any:
        await self._consume()
        return self._state.model()

    async def _chunks(self) -> AsyncIterator[Any]:
        state = self._state
        state.keep_raw_chunks()
        convert = state.kind.chunk_model()
        events = self.__aiter__()
        while True:
            try:
                await events.__anext__()
            except StopAsyncIteration:
                break
            except VllmError:
                for model in _chunk_models(state, convert):
                    yield model
                raise
            for model in _chunk_models(state, convert):
                yield model
        for model in _chunk_models(state, convert):
            yield model
        state.check_complete()

    # -- resources

    async def aclose(self) -> None:
        """Close the stream and release its connection (idempotent).

        After ``[DONE]`` the connection goes back to the pool; part-way through a stream it is closed.
        """
        iterator = self._iterator
        if iterator is not None:
            await iterator.aclose()  # type: ignore[attr-defined]  # the generator drains, then closes
        state = self._state
        if not state.closed:
            state.closed = True
            await state.response.aclose()

    async def close(self) -> None:
        """Alias of :meth:`aclose` (openai-python's async streams call it ``close``)."""
        await self.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        state = self._state
        status = "closed" if state.closed else "open"
        return f"<{type(self).__name__} {status} status_code={state.response.status_code}>"


class AsyncMessageStream(_AsyncStream[StreamEvent]):
    """The async twin of :class:`MessageStream`: ``async for event in stream``, ``await stream.collect()``.

    Use ``async with`` (or ``await stream.aclose()``) so the connection is always released::

        async with await client.chat.completions.create().model(m).user("Hi").send_stream() as stream:
            async for text in stream.text_stream:
                print(text, end="", flush=True)

    The idle timeout is enforced exactly: a deadline covers every read.
    """

    _kind = CHAT

    async def collect(self) -> ChatCompletionResponse:
        """Read the rest of the stream and return the whole accumulated response (see
        :meth:`MessageStream.collect`)."""
        return cast("ChatCompletionResponse", await self._collect_model())

    async def collect_content(self) -> str:
        """Read the rest of the stream and return choice 0's complete content (reasoning excluded)."""
        return await self._collect_text()

    def snapshot(self) -> ChatCompletionResponse:
        """The response accumulated so far, without reading further (e.g. after a timeout)."""
        return cast("ChatCompletionResponse", self._state.model())

    def chunks(self) -> AsyncIterator[ChatCompletionStreamResponse]:
        """Iterate typed chunk models instead of events (``async for``); call it before iterating events."""
        return self._chunks()


class AsyncCompletionStream(_AsyncStream[CompletionStreamEvent]):
    """The async twin of :class:`CompletionStream`: ``async for``, ``await stream.collect_text()``."""

    _kind = COMPLETION

    async def collect(self) -> CompletionResponse:
        """Read the rest of the stream and return the whole accumulated completion."""
        return cast("CompletionResponse", await self._collect_model())

    async def collect_text(self) -> str:
        """Read the rest of the stream and return choice 0's complete text."""
        return await self._collect_text()

    def snapshot(self) -> CompletionResponse:
        """The completion accumulated so far, without reading further."""
        return cast("CompletionResponse", self._state.model())

    def chunks(self) -> AsyncIterator[CompletionStreamResponse]:
        """Iterate typed chunk models instead of events (``async for``); call it before iterating events."""
        return self._chunks()
