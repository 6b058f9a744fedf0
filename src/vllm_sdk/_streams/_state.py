"""What the sync and async streams share: the state of one stream and everything about it that does no I/O.

A stream owns one already-open 2xx streaming :class:`httpx.Response` and one incremental parser from
``vllm_sdk._speedups`` (``feed(bytes) -> events``, ``close() -> events``, ``snapshot()``, ``take_raw()``).
The read loops in ``_sync.py`` and ``_async.py`` are the only code written twice; this module holds the
rest: the per-kind settings (chat or legacy completions), time to first token, the end-of-stream and failure
bookkeeping, turning read failures into the SDK's errors, and building the response models.

The state lives in its own object (:class:`StreamState`), referenced by the public stream and by its event
generator but referencing neither: dropping an abandoned stream frees the generator at once (no reference
cycle to wait for), and the generator's cleanup closes the connection.

Failure semantics (documented on the public classes too):

* an ``Error`` event (``data: {"error": ...}``) is yielded, then iteration ends; ``collect()`` and the text
  collectors raise :class:`StreamError` with ``partial_content`` / ``partial``;
* a body that ends without ``[DONE]``, a malformed or oversized event, or a connection lost mid-body raises
  :class:`StreamError` after the events already yielded (a lost connection keeps the mapped
  :class:`HttpError` as ``__cause__``, which keeps the transport's own exception as its ``__cause__``);
* a transport timeout while reading the body, or the idle timeout between events, raises
  :class:`VllmTimeoutError`.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from .._events import Content, Done, Error, Reasoning, Text, ToolCallDelta
from .._exceptions import (
    InvalidResponseError,
    StreamConsumedError,
    StreamError,
    VllmError,
    VllmTimeoutError,
    map_transport_error,
)
from .._transports import header_value

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable
    from types import ModuleType

__all__ = [
    "ANTHROPIC",
    "CHAT",
    "COMPLETION",
    "DRAIN_MAX_BYTES",
    "DRAIN_TIMEOUT",
    "END_EVENTS",
    "TRANSCRIPTION",
    "StreamKind",
    "StreamObserver",
    "StreamParser",
    "StreamState",
    "read_errors",
]

#: After ``[DONE]`` (or an error event, which vLLM follows with ``[DONE]``) at most this many further body
#: bytes are read so that the connection can go back to the pool; a body with more left is closed instead.
DRAIN_MAX_BYTES = 64 * 1024

#: ...and for at most this many seconds (async: a hard deadline; sync: checked between reads).
DRAIN_TIMEOUT = 1.0

#: The event types that end a stream; the parser puts them last in the list it returns.
END_EVENTS: tuple[type, ...] = (Done, Error)

_perf_counter = time.perf_counter


class StreamParser(Protocol):
    """The incremental, I/O-free parser a stream drives (``vllm_sdk._speedups``, either build)."""

    @property
    def done(self) -> bool:
        """True once ``data: [DONE]`` was parsed."""
        ...

    def feed(self, data: bytes) -> list[Any]:
        """Parse the next piece of the body; return the events it completed."""
        ...

    def close(self) -> list[Any]:
        """End of body: the last events; raises :class:`StreamError` when the stream was truncated."""
        ...

    def snapshot(self) -> dict[str, Any]:
        """The response accumulated so far, in the API's non-streaming wire shape."""
        ...

    def take_raw(self) -> list[dict[str, Any]]:
        """The decoded chunk dicts parsed since the last call (parsers made with ``keep_raw=True``)."""
        ...


class StreamObserver(Protocol):
    """Told by a stream what telemetry needs, so telemetry never reads the stream (``vllm_sdk._otel``'s
    ``SpanScope`` implements it structurally; the clients pass it as ``observer=``).

    Both calls happen before the stream closes its response (which is what ends a span), at most once each.
    """

    def first_token(self, ttft: float) -> None:
        """The first token event arrived, ``ttft`` seconds after the start (see the streams' ``ttft``)."""
        ...

    def stream_failed(self, error: VllmError) -> None:
        """The stream failed with ``error`` (what its ``failure`` property returns from now on): iteration
        raised (a truncated or malformed body, a lost connection, the idle timeout), or the server sent an
        error event."""
        ...


_READ_ERRORS: list[tuple[type[BaseException], ...]] = []


def read_errors() -> tuple[type[BaseException], ...]:
    """Exception classes that mean "reading the body failed", for the ``except`` clauses of the read loops.

    httpx's transport and decoding errors always; aiohttp's when aiohttp is in use (it is imported by then,
    so looking in ``sys.modules`` costs nothing and never imports it); builtin ``TimeoutError``/``OSError``
    for transports that let socket errors through. Once aiohttp's class is in, the tuple is kept (a
    module stays imported): one tuple per stream was a measurable part of a stream's cost.
    """
    if _READ_ERRORS:
        return _READ_ERRORS[0]
    classes: tuple[type[BaseException], ...] = (
        httpx.TransportError,
        httpx.DecodingError,
        TimeoutError,
        OSError,
    )
    aiohttp = sys.modules.get("aiohttp")
    client_error = getattr(aiohttp, "ClientError", None)
    if isinstance(client_error, type) and issubclass(client_error, BaseException):
        classes += (client_error,)
        _READ_ERRORS.append(classes)
    return classes


class StreamKind:
    """What differs between chat and legacy-completion streams (everything else is shared).

    ``parser_name`` names the parser class exported by ``vllm_sdk._speedups``; ``token_types`` are the events
    that count for time to first token; ``text_type`` is the event whose text ``text_stream`` yields;
    ``message`` says whether choice text lives under ``message.content`` (chat) or ``text`` (completions);
    ``response_model`` / ``chunk_model`` import the pydantic models lazily (only when a caller asks).
    """

    __slots__ = ("chunk_model", "message", "parser_name", "response_model", "text_type", "token_types")

    def __init__(
        self,
        *,
        parser_name: str,
        token_types: tuple[type, ...],
        text_type: type,
        message: bool,
        response_model: Callable[[], Callable[[dict[str, Any]], Any]],
        chunk_model: Callable[[], Callable[[dict[str, Any]], Any]],
    ) -> None:
        self.parser_name = parser_name
        self.token_types = token_types
        self.text_type = text_type
        self.message = message
        self.response_model = response_model
        self.chunk_model = chunk_model


def _chat_response() -> Callable[[dict[str, Any]], Any]:
    from ..types.chat import ChatCompletionResponse

    validate: Callable[[dict[str, Any]], Any] = ChatCompletionResponse.model_validate
    return validate


def _chat_chunk() -> Callable[[dict[str, Any]], Any]:
    from ..types._generated import ChatCompletionStreamResponse

    return ChatCompletionStreamResponse.model_validate


def _completion_response() -> Callable[[dict[str, Any]], Any]:
    from ..types.completions import CompletionResponse

    validate: Callable[[dict[str, Any]], Any] = CompletionResponse.model_validate
    return validate


def _completion_chunk() -> Callable[[dict[str, Any]], Any]:
    from ..types._generated import CompletionStreamResponse

    return CompletionStreamResponse.model_validate


#: Chat completion streams (``MessageStream`` / ``AsyncMessageStream``).
CHAT = StreamKind(
    parser_name="ChatStreamParser",
    token_types=(Content, Reasoning, ToolCallDelta),
    text_type=Content,
    message=True,
    response_model=_chat_response,
    chunk_model=_chat_chunk,
)

#: Legacy completion streams (``CompletionStream`` / ``AsyncCompletionStream``).
COMPLETION = StreamKind(
    parser_name="CompletionStreamParser",
    token_types=(Text,),
    text_type=Text,
    message=False,
    response_model=_completion_response,
    chunk_model=_completion_chunk,
)


def _responses_response() -> Callable[[dict[str, Any]], Any]:
    from ..types.responses import Response

    validate: Callable[[dict[str, Any]], Any] = Response.model_validate
    return validate


def _responses_event() -> Callable[[dict[str, Any]], Any]:
    from ..types.responses import ResponseStreamEvent

    return ResponseStreamEvent.model_validate


#: Responses API streams (``ResponseStream`` / ``AsyncResponseStream``): the same events as chat.
RESPONSES = StreamKind(
    parser_name="ResponsesStreamParser",
    token_types=(Content, Reasoning, ToolCallDelta),
    text_type=Content,
    message=True,
    response_model=_responses_response,
    chunk_model=_responses_event,
)


def _messages_response() -> Callable[[dict[str, Any]], Any]:
    from ..types.messages import AnthropicMessage

    validate: Callable[[dict[str, Any]], Any] = AnthropicMessage.model_validate
    return validate


def _messages_event() -> Callable[[dict[str, Any]], Any]:
    from ..types.messages import AnthropicStreamEvent

    return AnthropicStreamEvent.model_validate


#: Anthropic-style Messages streams (``AnthropicMessageStream`` / ``AsyncAnthropicMessageStream``).
ANTHROPIC = StreamKind(
    parser_name="AnthropicStreamParser",
    token_types=(Content, Reasoning, ToolCallDelta),
    text_type=Content,
    message=True,
    response_model=_messages_response,
    chunk_model=_messages_event,
)


def _transcription_response() -> Callable[[dict[str, Any]], Any]:
    from ..types.audio import Transcription

    def validate(snapshot: dict[str, Any]) -> Any:
        # The chat parser accumulates the chunks into a chat-shaped snapshot: the text is choice 0's.
        choices = snapshot.get("choices") or [{}]
        message = choices[0].get("message") or {}
        return Transcription.model_validate({"text": message.get("content") or ""})

    return validate


#: Audio transcription / translation streams (``TranscriptionStream`` / ``AsyncTranscriptionStream``):
#: vLLM streams them as chat-shaped ``transcription.chunk`` / ``translation.chunk`` chunks with
#: ``delta.content`` and ``[DONE]`` (``speech_to_text/base/serving.py``), so the chat parser reads them.
TRANSCRIPTION = StreamKind(
    parser_name="ChatStreamParser",
    token_types=(Content,),
    text_type=Content,
    message=True,
    response_model=_transcription_response,
    chunk_model=_chat_chunk,
)

_SPEEDUPS: list[ModuleType] = []


def _speedups_module() -> ModuleType:
    """``vllm_sdk._speedups`` (the parsers), imported on the first stream rather than with this module."""
    if not _SPEEDUPS:
        from .. import _speedups

        _SPEEDUPS.append(_speedups)
    return _SPEEDUPS[0]


#: Close tasks started for abandoned async streams (referenced until they finish, as asyncio requires).
_closing: set[asyncio.Task[None]] = set()


def _schedule_aclose(loop: asyncio.AbstractEventLoop, response: httpx.Response) -> None:
    task = loop.create_task(response.aclose())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


class StreamState:
    """The state of one stream and its I/O-free behaviour; the read loops of ``_sync.py`` and
    ``_async.py`` drive it."""

    __slots__ = (
        "closed",
        "drained",
        "ended",
        "error",
        "failure",
        "first_token_at",
        "idle_on_socket",
        "idle_timeout",
        "kind",
        "loop",
        "max_event_size",
        "observer",
        "opened",
        "parser",
        "response",
        "started",
    )

    def __init__(
        self,
        kind: StreamKind,
        response: httpx.Response,
        *,
        idle_timeout: float | None,
        max_event_size: int | None,
        started_at: float | None,
        loop: asyncio.AbstractEventLoop | None = None,
        observer: StreamObserver | None = None,
    ) -> None:
        if idle_timeout is not None and not idle_timeout > 0:
            raise ValueError(f"idle_timeout must be > 0 seconds or None, not {idle_timeout!r}")
        if max_event_size is not None and max_event_size <= 0:
            raise ValueError(f"max_event_size must be > 0 bytes or None, not {max_event_size!r}")
        self.started = _perf_counter() if started_at is None else started_at
        self.kind = kind
        self.response = response
        self.idle_timeout = idle_timeout
        self.idle_on_socket = False  # the sync loop made the socket read timeout the idle timeout
        self.max_event_size = max_event_size
        self.first_token_at: float | None = None
        self.error: StreamError | None = None  # the server's error event, for collect()
        self.failure: VllmError | None = None  # what iteration raised, raised again by collect()
        self.ended = False  # [DONE] or an error event was parsed: nothing more to read but the drain
        self.opened = False  # the body is being read
        self.drained = False
        self.parser: StreamParser = self._new_parser(keep_raw=False)
        self.loop = loop  # async streams: the loop to close the response on if the stream is abandoned
        self.closed = False
        self.observer = observer

    def __del__(self) -> None:
        # Last reference gone (the public stream and its event generator are both freed) with the response
        # still open: the stream was abandoned before its generator ever ran, and nothing else will release
        # the pool connection. (A generator that ran closes the response in its own cleanup.) Async
        # responses are closed on their loop, the way asyncio finalizes abandoned async generators.
        if getattr(self, "closed", True):
            return
        self.closed = True
        loop = self.loop
        if loop is not None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(_schedule_aclose, loop, self.response)
        elif isinstance(self.response.stream, httpx.SyncByteStream):
            self.response.close()

    def _new_parser(self, *, keep_raw: bool) -> StreamParser:
        # Looked up on the selector module at construction time, so the selector (and the test fixture that
        # switches builds) decides which build runs; the module itself is imported once (an import
        # statement here cost a trip through the import machinery per stream).
        speedups = _speedups_module()
        factory: Callable[..., StreamParser] = getattr(speedups, self.kind.parser_name)
        if self.max_event_size is None:
            return factory(keep_raw=keep_raw) if keep_raw else factory()
        return factory(max_event_size=self.max_event_size, keep_raw=keep_raw)

    def keep_raw_chunks(self) -> None:
        """Switch to a parser that keeps the decoded chunk dicts (for ``chunks()``); before reading only."""
        if self.opened:
            raise StreamConsumedError(
                "chunks() must be called before the stream's events are read (and only once): the chunks "
                "of the events already read were not kept. Iterate chunks() from the start instead, or "
                "keep reading events and call collect() for the accumulated response"
            )
        self.parser = self._new_parser(keep_raw=True)

    @property
    def ttft(self) -> float | None:
        at = self.first_token_at
        return None if at is None else at - self.started

    # ------------------------------------------------------------------ per network chunk

    def note_first_token(self, events: list[Any]) -> bool:
        """Record the time to first token if ``events`` holds a token event; False once it is recorded."""
        types = self.kind.token_types
        for event in events:
            if type(event) in types:
                at = self.first_token_at = _perf_counter()
                observer = self.observer
                if observer is not None:
                    observer.first_token(at - self.started)
                return False
        return True

    def end(self, last: Any) -> None:
        """The parser returned an ending event (``Done`` or ``Error``) as ``last``."""
        self.ended = True
        if type(last) is Error:
            err = last.error
            error = self.error = err if isinstance(err, StreamError) else StreamError(str(err))
            if self.observer is not None and self.failure is None:
                self.observer.stream_failed(error)

    def fail(self, failure: VllmError) -> VllmError:
        """Record ``failure`` as what iteration raised (and tell the observer); return it, to be raised."""
        self.failure = failure
        observer = self.observer
        if observer is not None and self.error is None:
            observer.stream_failed(failure)
        return failure

    # ------------------------------------------------------------------ results

    def text(self, snapshot: dict[str, Any]) -> str:
        """Choice 0's text in ``snapshot``: its message content (chat) or its text (completions)."""
        message = self.kind.message
        for choice in snapshot.get("choices") or ():
            if isinstance(choice, dict) and choice.get("index", 0) == 0:
                holder = choice.get("message") if message else choice
                if isinstance(holder, dict):
                    value = holder.get("content" if message else "text")
                    return value if isinstance(value, str) else ""
        return ""

    def model(self) -> Any:
        """The accumulated response as the public pydantic model."""
        import pydantic

        try:
            return self._validate(self.parser.snapshot())
        except pydantic.ValidationError as exc:
            raise InvalidResponseError(f"the accumulated stream is not a valid response: {exc}") from exc

    def _partial_model(self, snapshot: dict[str, Any]) -> object:
        import pydantic

        try:
            return self._validate(snapshot)
        except pydantic.ValidationError:
            # e.g. the connection dropped before the first chunk: no model name to build a model with.
            return snapshot

    def _validate(self, snapshot: dict[str, Any]) -> Any:
        """Validate ``snapshot`` into the response model (``usage`` is ``None`` when the stream sent none),
        with the stream's ``x-request-id``."""
        model = self.kind.response_model()(snapshot)
        model._request_id = header_value(self.response, "x-request-id")
        return model

    def with_partial(self, err: StreamError) -> StreamError:
        """Make ``err`` carry what was received before the failure (``partial_content``, ``partial``).

        The parser attaches the raw snapshot dict; callers get the response model when it validates.
        """
        if err.partial is None or isinstance(err.partial, dict):
            snapshot = err.partial if isinstance(err.partial, dict) else self.parser.snapshot()
            if not err.partial_content:
                err.partial_content = self.text(snapshot)
            err.partial = self._partial_model(snapshot)
        return err

    def collect_error(self) -> StreamError:
        """What collect() raises after an error event: a fresh StreamError with the partial result."""
        error = self.error
        assert error is not None
        err = StreamError(
            error.message,
            error_type=error.error_type,
            code=error.code,
            param=error.param,
            body=error.body,
        )
        return self.with_partial(err)

    def check_complete(self) -> None:
        """After reading to the end, raise what a collector must raise instead of returning a result.

        The failure iteration raised; the server's error event; or, when the stream never reached ``[DONE]``
        (closed part-way, or abandoned by a cancelled task or an interrupt), an incomplete-stream error, so a
        partial response is never returned as if it were whole.
        """
        if self.failure is not None:
            raise self.failure
        if self.error is not None:
            raise self.collect_error()
        if not self.ended:
            incomplete = StreamError("the stream was closed before it ended: the response is incomplete")
            raise self.with_partial(incomplete)

    def idle_error(self) -> VllmTimeoutError:
        return VllmTimeoutError(f"stream idle timeout: no event within {self.idle_timeout:g} s")

    def read_failure(self, exc: BaseException) -> VllmError:
        """Map an exception raised while reading the body; raise the result ``from`` its ``__cause__``.

        Timeouts become :class:`VllmTimeoutError` (cause: ``exc``). Anything else is a connection lost
        mid-stream: a :class:`StreamError` carrying the partial result, whose ``__cause__`` is the mapped
        :class:`HttpError`, whose own ``__cause__`` is ``exc``.
        """
        mapped = map_transport_error(exc)
        mapped.__cause__ = exc
        if isinstance(mapped, VllmTimeoutError):
            if self.idle_on_socket and isinstance(exc, httpx.ReadTimeout):
                # The sync loop tightened the socket read timeout to the idle timeout (see _sync.py).
                failure: VllmError = VllmTimeoutError(f"{self.idle_error()} ({mapped})")
                failure.__cause__ = exc
                return failure
            return mapped
        err = StreamError(f"connection lost mid-stream: {mapped}")
        err.__cause__ = mapped
        return self.with_partial(err)

    def close_parser(self) -> list[Any]:
        """End of body: the parser's last events, or its truncation error carrying the partial result."""
        try:
            events = self.parser.close()
        except StreamError as err:
            self.with_partial(err)
            raise
        if events and type(events[-1]) in END_EVENTS:
            self.end(events[-1])
        return events
