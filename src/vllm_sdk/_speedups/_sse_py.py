"""The pure-Python build of the streaming engine: SSE framing and chunk → event parsing.

This module and ``_sse_c.pyx`` implement the same algorithm under the same names; the tests run every
case against both and a property test compares them on random inputs cut at random places. Keep them in
step: a change here is a change there.

Framing follows the WHATWG "interpreting an event stream" algorithm. Lines are split on bytes (CR, LF and
CRLF never occur inside a multi-byte UTF-8 sequence), so a character split across chunks is decoded whole
once its line is complete, and invalid bytes become U+FFFD when a line is decoded. A line still waiting for
its newline is kept in one growing ``bytearray`` (amortised appends), so feeding a large event one byte at a
time stays linear.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from .._events import (
    CompletionStreamEvent,
    Content,
    Done,
    FinishReason,
    Reasoning,
    StreamEvent,
    Text,
    ToolCallComplete,
    ToolCallDelta,
)
from .._exceptions import StreamError
from .._tool_call import ToolCall
from ._common import (
    COMPACT_PIECES,
    DEFAULT_MAX_ACCUMULATED,
    DEFAULT_MAX_EVENT_SIZE,
    DONE_PAYLOAD,
    THINK_CLOSE,
    THINK_OPEN,
    accumulated_too_large,
    accumulation_limit,
    chat_snapshot,
    compact,
    completion_snapshot,
    error_event,
    fast_loads,
    loads_fallback,
    merge_logprobs,
    shape_error,
    truncated_error,
    usage_event,
)
from ._framing_py import SSEDecoder, _Framer

__all__ = ["ChatStreamParser", "CompletionStreamParser", "PySSEDecoder", "SSEDecoder"]

# The framer and the decoder live in _framing_py (the twin of _framing_c.pxi); re-exported here, where the
# selector and the tests look for the pure-Python build's names.
PySSEDecoder = SSEDecoder

_new = tuple.__new__
_DONE = Done()
E = TypeVar("E", StreamEvent, CompletionStreamEvent)

# Think-splitting states of one choice's content.
_START = 0  # nothing seen yet: the content may still open with "<think>"
_THINK = 1  # inside <think>...: content is reasoning until "</think>"
_PLAIN = 2  # content is content


class _Choice:
    """What one chat choice has accumulated so far."""

    __slots__ = (
        "calls",
        "content",
        "content_at",
        "finish_reason",
        "held",
        "index",
        "logprobs",
        "open",
        "reasoning",
        "reasoning_at",
        "role",
        "stop_reason",
        "think",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.role = "assistant"
        self.content: list[str] = []
        self.reasoning: list[str] = []
        # The lengths at which content / reasoning pieces are next joined (see _common.compact).
        self.content_at = COMPACT_PIECES
        self.reasoning_at = COMPACT_PIECES
        self.think = _START
        self.held = ""  # text held back while a think tag may be forming
        self.calls: dict[int, list[Any]] = {}  # index -> [id, type, name, argument parts, compact at]
        self.open: list[int] = []  # tool call indexes not yet completed, in arrival order
        self.finish_reason: str | None = None
        self.stop_reason: Any = None
        self.logprobs: dict[str, Any] | None = None

    def add_content(self, text: str) -> None:
        pieces = self.content
        pieces.append(text)
        if len(pieces) > self.content_at:
            self.content_at = compact(pieces, self.content_at)

    def add_reasoning(self, text: str) -> None:
        pieces = self.reasoning
        pieces.append(text)
        if len(pieces) > self.reasoning_at:
            self.reasoning_at = compact(pieces, self.reasoning_at)


class _BaseParser(Generic[E]):
    """Shared driver: framing, [DONE], error events, deferred errors, usage and metadata."""

    __slots__ = (
        "_created",
        "_done",
        "_events",
        "_fingerprint",
        "_framer",
        "_id",
        "_keep_raw",
        "_max_accumulated",
        "_model",
        "_pending",
        "_raw",
        "_stopped",
        "_taken",
        "_usage",
    )

    def __init__(self, max_event_size: int, keep_raw: bool, max_accumulated: int | None) -> None:
        self._framer = _Framer(max_event_size, False)
        self._max_accumulated = accumulation_limit(max_accumulated)
        self._taken = 0  # characters of text accumulated, every choice together
        self._keep_raw = keep_raw
        self._raw: list[dict[str, Any]] = []
        self._done = False
        self._stopped = False  # [DONE], an error event or a raised error: nothing more is read
        self._pending: StreamError | None = None  # raised by the next call
        self._events = 0
        self._id: Any = None
        self._created: Any = None
        self._model: Any = None
        self._fingerprint: Any = None
        self._usage: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        """Whether ``data: [DONE]`` was seen."""
        return self._done

    def take_raw(self) -> list[dict[str, Any]]:
        """The decoded chunk dicts since the last call (only with ``keep_raw=True``; else always ``[]``)."""
        raw = self._raw
        self._raw = []
        return raw

    def feed(self, data: bytes | bytearray | memoryview) -> list[E]:
        """Feed body bytes; return the events they complete.

        A malformed or oversized event raises :class:`~vllm_sdk.StreamError`; when events came before it
        in the same call they are returned first and the error is raised by the next call.
        """
        if self._pending is not None:
            pending, self._pending = self._pending, None
            raise pending
        if self._stopped:
            return []
        payloads: list[bytes] = []
        error: StreamError | None = None
        try:
            self._framer.feed(bytes(data) if type(data) is not bytes else data, payloads)
        except StreamError as exc:
            error = exc
        out: list[E] = []
        try:
            for payload in payloads:
                if self._payload(payload, out):
                    error = None  # anything after [DONE] or an error event does not matter
                    break
        except StreamError as exc:
            error = exc
        self._events += len(out)
        if error is not None:
            self._stopped = True
            error.partial_content = self._partial_content()
            error.partial = self.snapshot()
            if out:
                self._pending = error
                return out
            raise error
        return out

    def close(self) -> list[E]:
        """End of body: ``[]`` after [DONE] (or an error event); a truncated stream raises StreamError."""
        if self._pending is not None:
            error, self._pending = self._pending, None
            raise error
        if self._stopped:
            return []
        self._stopped = True
        self._framer.reset()
        raise truncated_error(self._events, self._partial_content(), self.snapshot())

    def _payload(self, payload: bytes, out: list[Any]) -> bool:
        """Handle one event's data; True when the stream is over ([DONE] or an error event)."""
        if not payload:
            return False
        try:
            chunk = fast_loads(payload)
        except ValueError:
            if payload.strip() == DONE_PAYLOAD:
                self._finish_all(out)
                out.append(_DONE)
                self._done = True
                self._stopped = True
                return True
            chunk = loads_fallback(payload)
        if type(chunk) is not dict:
            raise shape_error("not a JSON object", payload)
        if self._keep_raw:
            self._raw.append(chunk)
        if ("error" in chunk and chunk["error"] is not None) or chunk.get("object") == "error":
            out.append(error_event(payload, self._partial_content(), self.snapshot()))
            self._stopped = True
            return True
        if self._id is None:
            self._id = chunk.get("id")
            self._created = chunk.get("created")
            self._model = chunk.get("model")
        choices = chunk.get("choices")
        if choices:
            if type(choices) is not list:
                raise shape_error("choices is not a list", payload)
            self._choices(choices, payload, out)
        usage = chunk.get("usage")
        if usage is not None:
            if type(usage) is not dict:
                raise shape_error("usage is not an object", payload)
            self._usage = usage
            out.append(usage_event(usage))
        fingerprint = chunk.get("system_fingerprint")
        if fingerprint is not None:
            self._fingerprint = fingerprint
        return False

    def _take(self, size: int) -> None:
        """Count ``size`` more characters of accumulated text; past ``max_accumulated``, StreamError."""
        if size > self._max_accumulated - self._taken:
            raise accumulated_too_large(self._max_accumulated)
        self._taken += size

    def _meta(self) -> tuple[Any, Any, Any, Any, Any]:
        return (self._id, self._created, self._model, self._fingerprint, self._usage)

    # Implemented by the chat and completion parsers.
    def _choices(self, choices: list[Any], payload: bytes, out: list[Any]) -> None:
        raise NotImplementedError

    def _finish_all(self, out: list[Any]) -> None:
        raise NotImplementedError

    def _partial_content(self) -> str:
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        """The response accumulated so far, in the non-streaming wire shape."""
        raise NotImplementedError


def _index(choice: dict[str, Any], payload: bytes) -> int:
    index = choice.get("index", 0)
    if type(index) is not int:
        raise shape_error("choice index is not an integer", payload)
    return index


class ChatStreamParser(_BaseParser[StreamEvent]):
    """Incremental chat-completions stream parser: body bytes in, :data:`~vllm_sdk.StreamEvent` out.

    ``feed(bytes)`` returns the events the bytes complete; ``close()`` ends the body (raising
    :class:`~vllm_sdk.StreamError` when ``[DONE]`` never came). ``snapshot()`` is the accumulated response
    as vLLM would have returned it without streaming (content split from ``<think>`` blocks the same way
    the events are). ``keep_raw=True`` keeps the decoded chunk dicts for :meth:`take_raw`.
    ``max_accumulated`` bounds the characters of text kept for the snapshot (content, reasoning, tool-call
    names and arguments, every choice together; ``None``: no bound): a delta that would pass it raises
    :class:`~vllm_sdk.StreamError` like an oversized event.
    """

    __slots__ = ("_by_index",)

    def __init__(
        self,
        *,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        keep_raw: bool = False,
        max_accumulated: int | None = DEFAULT_MAX_ACCUMULATED,
    ) -> None:
        super().__init__(max_event_size, keep_raw, max_accumulated)
        self._by_index: dict[int, _Choice] = {}

    def _choices(self, choices: list[Any], payload: bytes, out: list[Any]) -> None:
        by_index = self._by_index
        for choice in choices:
            if type(choice) is not dict:
                raise shape_error("choice is not an object", payload)
            index = _index(choice, payload)
            st = by_index.get(index)
            if st is None:
                st = by_index[index] = _Choice(index)
            delta = choice.get("delta")
            if delta:
                if type(delta) is not dict:
                    raise shape_error("delta is not an object", payload)
                reasoning = delta.get("reasoning")
                if reasoning is None:
                    reasoning = delta.get("reasoning_content")
                if reasoning:
                    if type(reasoning) is not str:
                        raise shape_error("reasoning is not a string", payload)
                    taken = self._taken + len(reasoning)  # self._take, inlined on the per-token path
                    if taken > self._max_accumulated:
                        raise accumulated_too_large(self._max_accumulated)
                    self._taken = taken
                    if st.think == _START:
                        # The server splits reasoning itself: content is never a think block.
                        self._settle_start(st, out)
                    pieces = st.reasoning
                    pieces.append(reasoning)
                    if len(pieces) > st.reasoning_at:
                        st.reasoning_at = compact(pieces, st.reasoning_at)
                    out.append(_new(Reasoning, (reasoning, index)))
                content = delta.get("content")
                if content:
                    if type(content) is not str:
                        raise shape_error("content is not a string", payload)
                    taken = self._taken + len(content)  # self._take, inlined on the per-token path
                    if taken > self._max_accumulated:
                        raise accumulated_too_large(self._max_accumulated)
                    self._taken = taken
                    if st.think == _PLAIN:
                        pieces = st.content
                        pieces.append(content)
                        if len(pieces) > st.content_at:
                            st.content_at = compact(pieces, st.content_at)
                        out.append(_new(Content, (content, index)))
                    else:
                        self._think_content(st, content, out)
                tool_calls = delta.get("tool_calls")
                if tool_calls:
                    if type(tool_calls) is not list:
                        raise shape_error("tool_calls is not a list", payload)
                    self._tool_calls(st, tool_calls, payload, out)
                role = delta.get("role")
                if role is not None:
                    st.role = role
            logprobs = choice.get("logprobs")
            if logprobs is not None:
                st.logprobs = merge_logprobs(st.logprobs, logprobs)
            finish_reason = choice.get("finish_reason")
            if finish_reason is not None:
                stop_reason = choice.get("stop_reason")
                self._finish(st, out)
                st.finish_reason = finish_reason
                st.stop_reason = stop_reason
                out.append(_new(FinishReason, (finish_reason, index, stop_reason)))

    @staticmethod
    def _settle_start(st: _Choice, out: list[Any]) -> None:
        # Leave the undecided state: text held as a possible "<think>" start was content after all.
        st.think = _PLAIN
        held = st.held
        if held:
            st.held = ""
            st.add_content(held)
            out.append(_new(Content, (held, st.index)))

    @staticmethod
    def _think_content(st: _Choice, text: str, out: list[Any]) -> None:
        index = st.index
        if st.think == _START:
            held = st.held + text
            if held[:7] == THINK_OPEN:
                st.think = _THINK
                st.held = ""
                text = held[7:]
                if not text:
                    return
            elif THINK_OPEN.startswith(held):
                st.held = held
                return
            else:
                st.think = _PLAIN
                st.held = ""
                st.add_content(held)
                out.append(_new(Content, (held, index)))
                return
        buf = st.held + text if st.held else text
        end = buf.find(THINK_CLOSE)
        if end >= 0:
            st.held = ""
            st.think = _PLAIN
            if end:
                reasoning = buf[:end]
                st.add_reasoning(reasoning)
                out.append(_new(Reasoning, (reasoning, index)))
            rest = buf[end + 8 :]
            if rest:
                st.add_content(rest)
                out.append(_new(Content, (rest, index)))
            return
        # Hold back a tail that may be the start of "</think>": it begins at the last "<" of the last 7.
        size = len(buf)
        cut = buf.rfind("<", size - 7 if size > 7 else 0)
        if cut >= 0 and THINK_CLOSE.startswith(buf[cut:]):
            st.held = buf[cut:]
            buf = buf[:cut]
        else:
            st.held = ""
        if buf:
            st.add_reasoning(buf)
            out.append(_new(Reasoning, (buf, index)))

    def _tool_calls(self, st: _Choice, tool_calls: list[Any], payload: bytes, out: list[Any]) -> None:
        choice = st.index
        for position, fragment in enumerate(tool_calls):
            if type(fragment) is not dict:
                raise shape_error("tool call is not an object", payload)
            index = fragment.get("index", position)
            if type(index) is not int:
                raise shape_error("tool call index is not an integer", payload)
            call_id = fragment.get("id")
            call_type = fragment.get("type")
            function = fragment.get("function")
            name = None
            arguments = None
            if function is not None:
                if type(function) is not dict:
                    raise shape_error("tool call function is not an object", payload)
                name = function.get("name")
                arguments = function.get("arguments")
            if not (call_id is None or type(call_id) is str) or not (
                call_type is None or type(call_type) is str
            ):
                raise shape_error("tool call id or type is not a string", payload)
            if not (name is None or type(name) is str) or not (arguments is None or type(arguments) is str):
                raise shape_error("tool call name or arguments is not a string", payload)
            self._take((len(name) if name else 0) + (len(arguments) if arguments else 0))
            call = st.calls.get(index)
            if call is None:
                # A new call starts: the ones before it can no longer change.
                if st.open:
                    ChatStreamParser._complete(st, out)
                call = st.calls[index] = [None, None, None, [], COMPACT_PIECES]
                st.open.append(index)
            if call_id:
                call[0] = call_id
            if call_type:
                call[1] = call_type
            if name:
                call[2] = name
            if arguments:
                pieces = call[3]
                pieces.append(arguments)
                if len(pieces) > call[4]:
                    call[4] = compact(pieces, call[4])
            out.append(_new(ToolCallDelta, (index, call_id, name, arguments or "", choice)))

    @staticmethod
    def _tool_call(call: list[Any]) -> ToolCall:
        return ToolCall(call[0] or "", call[2] or "", "".join(call[3]), call[1] or "function")

    @staticmethod
    def _complete(st: _Choice, out: list[Any]) -> None:
        for index in st.open:
            out.append(_new(ToolCallComplete, (ChatStreamParser._tool_call(st.calls[index]), st.index)))
        st.open = []

    def _finish(self, st: _Choice, out: list[Any]) -> None:
        # The choice is over: flush held think text and complete its open tool calls.
        held = st.held
        if held:
            st.held = ""
            if st.think == _THINK:
                st.add_reasoning(held)
                out.append(_new(Reasoning, (held, st.index)))
            else:
                st.add_content(held)
                out.append(_new(Content, (held, st.index)))
        if st.think == _START:
            st.think = _PLAIN
        if st.open:
            self._complete(st, out)

    def _finish_all(self, out: list[Any]) -> None:
        for index in sorted(self._by_index):
            self._finish(self._by_index[index], out)

    def _partial_content(self) -> str:
        st = self._by_index.get(0)
        if st is None:
            return ""
        text = "".join(st.content)
        return text + st.held if st.think == _START else text

    def snapshot(self) -> dict[str, Any]:
        """The chat response accumulated so far, in vLLM's non-streaming wire shape (a new dict)."""
        choices = []
        for st in self._by_index.values():
            content = "".join(st.content)
            reasoning = "".join(st.reasoning)
            if st.held:
                if st.think == _THINK:
                    reasoning += st.held
                else:
                    content += st.held
            tool_calls = [self._tool_call(st.calls[i]).to_dict() for i in sorted(st.calls)]
            choices.append(
                (
                    st.index,
                    st.role,
                    content if content or not tool_calls else None,
                    reasoning if st.reasoning or (st.held and st.think == _THINK) else None,
                    tool_calls,
                    st.logprobs,
                    st.finish_reason,
                    st.stop_reason,
                )
            )
        return chat_snapshot(self._meta(), choices)


class _TextChoice:
    """What one completion choice has accumulated so far."""

    __slots__ = ("finish_reason", "index", "logprobs", "stop_reason", "text", "text_at")

    def __init__(self, index: int) -> None:
        self.index = index
        self.text: list[str] = []
        self.text_at = COMPACT_PIECES  # the length at which text pieces are next joined
        self.finish_reason: str | None = None
        self.stop_reason: Any = None
        self.logprobs: dict[str, Any] | None = None


class CompletionStreamParser(_BaseParser[CompletionStreamEvent]):
    """Incremental legacy-completions stream parser: body bytes in, :data:`CompletionStreamEvent` out.

    Same driver as :class:`ChatStreamParser`; yields :class:`~vllm_sdk.Text` for generated text and
    ``snapshot()`` gives the response in the non-streaming ``text_completion`` shape; ``max_accumulated``
    bounds the characters of text kept for it, every choice together.
    """

    __slots__ = ("_by_index",)

    def __init__(
        self,
        *,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        keep_raw: bool = False,
        max_accumulated: int | None = DEFAULT_MAX_ACCUMULATED,
    ) -> None:
        super().__init__(max_event_size, keep_raw, max_accumulated)
        self._by_index: dict[int, _TextChoice] = {}

    def _choices(self, choices: list[Any], payload: bytes, out: list[Any]) -> None:
        by_index = self._by_index
        for choice in choices:
            if type(choice) is not dict:
                raise shape_error("choice is not an object", payload)
            index = _index(choice, payload)
            st = by_index.get(index)
            if st is None:
                st = by_index[index] = _TextChoice(index)
            text = choice.get("text")
            if text:
                if type(text) is not str:
                    raise shape_error("text is not a string", payload)
                taken = self._taken + len(text)  # self._take, inlined on the per-token path
                if taken > self._max_accumulated:
                    raise accumulated_too_large(self._max_accumulated)
                self._taken = taken
                pieces = st.text
                pieces.append(text)
                if len(pieces) > st.text_at:
                    st.text_at = compact(pieces, st.text_at)
                out.append(_new(Text, (text, index)))
            logprobs = choice.get("logprobs")
            if logprobs is not None:
                st.logprobs = merge_logprobs(st.logprobs, logprobs)
            finish_reason = choice.get("finish_reason")
            if finish_reason is not None:
                stop_reason = choice.get("stop_reason")
                st.finish_reason = finish_reason
                st.stop_reason = stop_reason
                out.append(_new(FinishReason, (finish_reason, index, stop_reason)))

    def _finish_all(self, out: list[Any]) -> None:
        return None

    def _partial_content(self) -> str:
        st = self._by_index.get(0)
        return "" if st is None else "".join(st.text)

    def snapshot(self) -> dict[str, Any]:
        """The completion accumulated so far, in vLLM's non-streaming wire shape (a new dict)."""
        choices = [
            (st.index, "".join(st.text), st.logprobs, st.finish_reason, st.stop_reason)
            for st in self._by_index.values()
        ]
        return completion_snapshot(self._meta(), choices)
