"""The async streams: :class:`AsyncMessageStream` and :class:`AsyncCompletionStream`, and their read loop.

See the package docstring (``_streams/__init__.py``) for the hot path, the drain after ``[DONE]`` and how an
async stream enforces the idle timeout exactly (one timer per idle period, :class:`_IdleWatch`).
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TYPE_CHECKING, Any, cast

import httpx

from .._decompress import adecoded, decoder_for
from .._events import CompletionStreamEvent, StreamEvent
from .._exceptions import StreamError, VllmError
from .._transports import WireBody
from ._base import EventT, StreamBase, chunk_models, is_encoded
from ._state import CHAT, COMPLETION, DRAIN_MAX_BYTES, DRAIN_TIMEOUT, END_EVENTS, StreamState, read_errors

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from types import TracebackType

    from typing_extensions import Self

    from ..types._generated import ChatCompletionStreamResponse, CompletionStreamResponse
    from ..types.chat import ChatCompletionResponse
    from ..types.completions import CompletionResponse

__all__ = ["AsyncCompletionStream", "AsyncMessageStream"]

_perf_counter = time.perf_counter


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
    decoder = None
    if is_encoded(response):
        decoder = decoder_for(response)
        if decoder is None:  # an encoding only httpx decodes (br, zstd, stacked ones)
            return response.aiter_bytes()
    if response.is_stream_consumed:
        return response.aiter_bytes()
    response.is_stream_consumed = True
    raw = cast("httpx.AsyncByteStream", response.stream).__aiter__()
    # gzip/deflate: inflated in bounded pieces, so max_event_size bounds memory whatever the ratio.
    return raw if decoder is None else adecoded(raw, decoder)


async def _async_events(state: StreamState, batches: bool = False) -> AsyncIterator[Any]:
    """The async read loop: body bytes in, events out (its cleanup releases the connection).

    ``batches``: yield the events of each read as one list (never empty) instead of one by one (see
    :meth:`_AsyncStream._event_batches`)."""
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
                        ended = type(events[-1]) in end_events
                        if ended:
                            state.end(events[-1])
                        if batches:
                            yield events
                        else:
                            for event in events:
                                yield event
                        if ended:
                            break
                else:
                    last = state.close_parser()
                    if batches:
                        if last:
                            yield last
                    else:
                        for event in last:
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
                                idle_failure = state.fail(state.idle_error())
                                raise idle_failure from None
                            raise
                        finally:
                            watch.task = None
                        if data is None:
                            last = state.close_parser()
                            if batches:
                                if last:
                                    yield last
                            else:
                                for event in last:
                                    yield event
                            break
                        events = feed(data)
                        if events:
                            if no_token_yet:
                                no_token_yet = state.note_first_token(events)
                            ended = type(events[-1]) in end_events
                            if ended:
                                state.end(events[-1])
                            if batches:
                                yield events
                            else:
                                for event in events:
                                    yield event
                            if ended:
                                break
                            watch.deadline = loop.time() + idle
                finally:
                    watch.stop()
        except StreamError as err:
            state.fail(state.with_partial(err))
            raise
        except errors as exc:
            failure = state.fail(state.read_failure(exc))
            raise failure from failure.__cause__
    finally:
        await _finish_async(state, raw)


async def _wire_events(state: StreamState, body: WireBody, batches: bool = False) -> AsyncIterator[Any]:
    """The read loop over the SDK's own connection: the protocol feeds the parser as bytes arrive
    (:meth:`WireBody.feed_to`), and this loop only hands out the events and waits - one wake-up per read
    that completed an event, no byte stream between the socket and the parser. Same events, errors, idle
    timeout and drain as :func:`_async_events`; ``batches`` as there."""
    if state.closed:
        return
    state.opened = True
    state.response.is_stream_consumed = True
    body.feed_to(state.parser.feed)
    poll = body.poll_events
    idle = state.idle_timeout
    errors = read_errors()
    end_events = END_EVENTS
    no_token_yet = state.first_token_at is None
    watch: _IdleWatch | None = None
    try:
        try:
            if idle is not None:
                loop = asyncio.get_running_loop()
                watch = _IdleWatch(loop, loop.time() + idle)
                current_task = asyncio.current_task
            while True:
                events = poll()
                if isinstance(events, list):
                    if no_token_yet:
                        no_token_yet = state.note_first_token(events)
                    ended = type(events[-1]) in end_events
                    if ended:
                        state.end(events[-1])
                    if batches:
                        yield events
                    else:
                        for event in events:
                            yield event
                    if ended:
                        break
                    if watch is not None:
                        watch.deadline = loop.time() + idle  # type: ignore[operator]  # set with watch
                    continue
                if events is None:  # the body is complete and every event was taken
                    last = state.close_parser()
                    if batches:
                        if last:
                            yield last
                    else:
                        for event in last:
                            yield event
                    break
                if watch is None:
                    await events
                    continue
                watch.task = current_task()
                if watch.handle is None:
                    watch.arm()
                try:
                    await events
                except asyncio.CancelledError:
                    if watch.claim():
                        idle_failure = state.fail(state.idle_error())
                        raise idle_failure from None
                    raise
                finally:
                    watch.task = None
        except StreamError as err:
            state.fail(state.with_partial(err))
            raise
        except errors as exc:
            failure = state.fail(state.read_failure(exc))
            raise failure from failure.__cause__
    finally:
        if watch is not None:
            watch.stop()
        try:
            if state.ended and not state.drained and not state.closed:
                state.drained = True
                await body.drain(DRAIN_MAX_BYTES, DRAIN_TIMEOUT)
        finally:
            state.closed = True
            await state.response.aclose()


def _reads_from_wire(state: StreamState) -> WireBody | None:
    """The response's body when it is the SDK's own connection and can be parsed as it arrives."""
    response = state.response
    body = response.stream
    if type(body) is not WireBody or response.is_stream_consumed or is_encoded(response):
        return None
    return body


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


class _AsyncStream(StreamBase[EventT]):
    """Iteration, collecting and resource handling shared by the async streams."""

    _iterator: AsyncIterator[EventT] | None
    _batches = False  # set by _event_batches()

    _byte_stream = httpx.AsyncByteStream
    _client_needed = "an httpx.AsyncClient (use the sync stream class with httpx.Client)"

    @staticmethod
    def _running_loop() -> asyncio.AbstractEventLoop | None:
        # An abandoned async stream closes its response on the loop it was opened on.
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    # -- iteration

    def __aiter__(self) -> AsyncIterator[EventT]:
        iterator = self._iterator
        if iterator is None:
            iterator = self._iterator = self._read_loop(batches=False)
        elif self._batches:
            raise RuntimeError("the stream is being read in batches of events")
        return iterator

    def _read_loop(self, batches: bool) -> AsyncIterator[Any]:
        state = self._state
        body = _reads_from_wire(state)
        return _async_events(state, batches) if body is None else _wire_events(state, body, batches)

    def _event_batches(self) -> AsyncIterator[list[EventT]]:
        """Internal (the batch runner's sender): the events as one list per read that completed any - the
        same events, in the same order, with the same errors, idle timeout and release of the connection
        as iterating the stream, minus an async-generator step per event. Only on a stream not read yet;
        the stream cannot be iterated event by event afterwards."""
        if self._iterator is not None:
            raise RuntimeError("the stream's events are already being read")
        self._batches = True
        iterator: AsyncIterator[list[EventT]] = self._read_loop(batches=True)
        self._iterator = iterator  # type: ignore[assignment]  # closed by aclose() like the event iterator
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

    def _chunks(self) -> AsyncIterator[Any]:
        # Checked now, not at the first next(): a misplaced chunks() fails where it is called.
        self._state.keep_raw_chunks()
        return self._read_chunks()

    async def _read_chunks(self) -> AsyncIterator[Any]:
        state = self._state
        convert = state.kind.chunk_model()
        events = self.__aiter__()
        while True:
            try:
                await events.__anext__()
            except StopAsyncIteration:
                break
            except VllmError:
                for model in chunk_models(state, convert):
                    yield model
                raise
            for model in chunk_models(state, convert):
                yield model
        for model in chunk_models(state, convert):
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
        """Iterate typed chunk models instead of events (``async for``). Call it before reading events:
        afterwards it raises :class:`~vllm_sdk.StreamConsumedError`."""
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
        """Iterate typed chunk models instead of events (``async for``). Call it before reading events:
        afterwards it raises :class:`~vllm_sdk.StreamConsumedError`."""
        return self._chunks()
