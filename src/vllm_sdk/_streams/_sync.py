"""The sync streams: :class:`MessageStream` and :class:`CompletionStream`, and their read loop.

See the package docstring (``_streams/__init__.py``) for the hot path, the drain after ``[DONE]`` and how a
sync stream enforces the idle timeout.
"""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING, Any, cast

import httpx

from .._decompress import decoded, decoder_for
from .._events import CompletionStreamEvent, StreamEvent
from .._exceptions import StreamError, VllmError
from ._base import EventT, StreamBase, chunk_models, is_encoded
from ._state import CHAT, COMPLETION, DRAIN_MAX_BYTES, DRAIN_TIMEOUT, END_EVENTS, StreamState, read_errors
from ._watchdog import response_socket, watch

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import TracebackType

    from typing_extensions import Self

    from ..types._generated import ChatCompletionStreamResponse, CompletionStreamResponse
    from ..types.chat import ChatCompletionResponse
    from ..types.completions import CompletionResponse

__all__ = ["CompletionStream", "MessageStream"]

_perf_counter = time.perf_counter


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


def _open_sync_body(state: StreamState) -> Iterator[bytes]:
    response = state.response
    if state.idle_timeout is not None:
        state.idle_on_socket = _tighten_read_timeout(response, state.idle_timeout)
    decoder = None
    if is_encoded(response):
        decoder = decoder_for(response)
        if decoder is None:  # an encoding only httpx decodes (br, zstd, stacked ones)
            return response.iter_bytes()
    if response.is_stream_consumed:
        return response.iter_bytes()
    response.is_stream_consumed = True
    raw = iter(cast("httpx.SyncByteStream", response.stream))
    # gzip/deflate: inflated in bounded pieces, so max_event_size bounds memory whatever the ratio.
    return raw if decoder is None else decoded(raw, decoder)


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
                        idle_failure = state.fail(state.idle_error())
                        raise idle_failure
                else:
                    yield from state.close_parser()
        except StreamError as err:
            state.fail(state.with_partial(err))
            raise
        except errors as exc:
            failure = state.fail(state.read_failure(exc))
            raise failure from failure.__cause__
    finally:
        _finish_sync(state, raw)


def _finish_sync(state: StreamState, raw: Iterator[bytes]) -> None:
    """Return the connection: drain what follows the end of the stream (bounded), then close the response."""
    try:
        if state.ended and not state.drained and not state.closed:
            state.drained = True
            _drain_sync(raw, state.response)
    finally:
        state.closed = True
        state.response.close()


def _drain_sync(raw: Iterator[bytes], response: httpx.Response) -> None:
    budget = DRAIN_MAX_BYTES
    deadline = _perf_counter() + DRAIN_TIMEOUT
    # A blocking read cannot be interrupted from here: the watchdog shuts the socket down at the deadline
    # (a silent server after [DONE] would otherwise hold close() for the whole read timeout).
    sock = response_socket(response)
    guard = None if sock is None else watch(sock, DRAIN_TIMEOUT)
    try:
        for chunk in raw:
            budget -= len(chunk)
            if budget < 0 or _perf_counter() > deadline:
                return  # too much or too slow: closing the response discards the connection instead
    except read_errors():
        # The connection failed after the stream had ended (or the watchdog shut it down): every event
        # was delivered, and the close that follows discards the broken connection.
        return
    finally:
        if guard is not None:
            guard.cancel()


class _SyncStream(StreamBase[EventT]):
    """Iteration, collecting and resource handling shared by :class:`MessageStream` and
    :class:`CompletionStream`."""

    _iterator: Iterator[EventT] | None

    _byte_stream = httpx.SyncByteStream
    _client_needed = "a sync httpx.Client (use the Async stream class with httpx.AsyncClient)"

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
        # Checked now, not at the first next(): a misplaced chunks() fails where it is called.
        self._state.keep_raw_chunks()
        return self._read_chunks()

    def _read_chunks(self) -> Iterator[Any]:
        state = self._state
        convert = state.kind.chunk_model()
        events = iter(self)
        while True:
            try:
                next(events)
            except StopIteration:
                break
            except VllmError:
                yield from chunk_models(state, convert)  # what arrived before the failure
                raise
            yield from chunk_models(state, convert)
        yield from chunk_models(state, convert)
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

        The models are built only here, never on the event path. Call it before reading any event (once):
        afterwards it raises :class:`~vllm_sdk.StreamConsumedError`, as the chunks of events already read
        were not kept. The events are still accumulated, so ``collect()`` works after it. An error event ends
        it with :class:`~vllm_sdk.StreamError`.
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
        """Iterate typed chunk models (``CompletionStreamResponse``) instead of events; call it before
        reading any event (afterwards: :class:`~vllm_sdk.StreamConsumedError`)."""
        return self._chunks()
