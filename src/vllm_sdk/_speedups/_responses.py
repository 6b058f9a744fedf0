"""The Responses API stream parser: typed Responses events (``response.output_text.delta``, ...) mapped onto
the chat :data:`~vllm_sdk.StreamEvent` family, so one consumer loop serves both APIs.

Pure Python over the SSE framing of either build (the decoder class is passed in; the selector module
binds the selected ``SSEDecoder``), so both builds frame identically and this mapping is shared by them
(Responses streams are tens of events, far from the chat hot path).

The mapping (vLLM 0.32.0's wire shapes, see ``tests/data/responses/``):

=========================================  ===================================================
``response.output_text.delta``             :class:`Content` (``index`` 0)
``response.reasoning_text.delta``          :class:`Reasoning`
``response.reasoning_summary_text.delta``  :class:`Reasoning`
``response.output_item.added`` (call)      :class:`ToolCallDelta` with ``id`` (the ``call_id``) and ``name``
``response.function_call_arguments.delta`` :class:`ToolCallDelta` with the arguments fragment
``response.output_item.done`` (call)       :class:`ToolCallComplete`
``response.completed`` / ``.incomplete``   :class:`Usage` (when sent), then :class:`Done`
``response.failed`` / ``error``            :class:`Error` (a :class:`~vllm_sdk.StreamError`); the stream ends
=========================================  ===================================================

Every other event only updates the snapshot. The stream has no ``[DONE]``: it is complete after its
terminal event (``response.completed``, ``response.incomplete``, ``response.failed`` or ``error``); a body
that ends before one raises :class:`~vllm_sdk.StreamError`.
"""

from __future__ import annotations

import copy
import json
from types import MappingProxyType
from typing import Any

from .._events import Content, Done, Error, Reasoning, ToolCallComplete, ToolCallDelta, Usage
from .._exceptions import StreamError
from .._tool_call import ToolCall
from ._typed_events import TypedEventStreamParser, int_field

__all__ = ["TERMINAL_EVENTS", "ResponsesStreamParser", "usage_from_responses"]

#: Event types after which nothing more is sent.
TERMINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed", "error"})

_REASONING_DELTAS = frozenset({"response.reasoning_text.delta", "response.reasoning_summary_text.delta"})


def usage_from_responses(usage: dict[str, Any]) -> Usage:
    """The chat-style :class:`Usage` of a Responses ``usage`` object (input → prompt, output → completion)."""
    details_in = usage.get("input_tokens_details")
    details_out = usage.get("output_tokens_details")
    return Usage(
        usage.get("input_tokens") or 0,
        usage.get("output_tokens") or 0,
        usage.get("total_tokens") or 0,
        MappingProxyType(dict(details_in)) if isinstance(details_in, dict) else None,
        MappingProxyType(dict(details_out)) if isinstance(details_out, dict) else None,
    )


class ResponsesStreamParser(TypedEventStreamParser):
    """Incremental, I/O-free parser of a ``/v1/responses`` stream (see :class:`TypedEventStreamParser`;
    ``snapshot()`` is the response so far). ``vllm_sdk._speedups.ResponsesStreamParser`` binds the selected
    build's decoder.
    """

    API = "Responses"
    TERMINAL = "response.completed"

    def _start(self) -> None:
        self._response: dict[str, Any] = {}
        self._items: dict[int, dict[str, Any]] = {}
        self._calls: dict[int, int] = {}  # output_index -> tool call position
        self._completed_calls: set[int] = set()

    # ------------------------------------------------------------------ one event

    def _handle(self, kind: str, event: dict[str, Any], out: list[Any]) -> bool:
        if kind == "response.output_text.delta":
            text = self._take(str(event.get("delta") or ""))
            self._append_text(event, "text", text)
            out.append(Content(text, 0))
        elif kind in _REASONING_DELTAS:
            text = self._take(str(event.get("delta") or ""))
            if kind == "response.reasoning_text.delta":
                self._append_text(event, "text", text)
            out.append(Reasoning(text, 0))
        elif kind == "response.function_call_arguments.delta":
            delta = self._take(str(event.get("delta") or ""))
            index = self._output_index(event)
            item = self._items.get(index)
            if item is not None:
                item["arguments"] = str(item.get("arguments") or "") + delta
            out.append(ToolCallDelta(self._call_position(index), None, None, delta, 0))
        elif kind == "response.output_item.added":
            self._item_added(event, out)
        elif kind == "response.output_item.done":
            self._item_done(event, out)
        elif kind == "response.content_part.added":
            item = self._items.get(self._output_index(event))
            part = event.get("part")
            if item is not None and isinstance(part, dict):
                parts = item.get("content")
                if not isinstance(parts, list):
                    parts = item["content"] = []
                parts.append(copy.deepcopy(part))
        elif kind in ("response.created", "response.in_progress", "response.queued"):
            response = event.get("response")
            if isinstance(response, dict):
                self._response = copy.deepcopy(response)
        elif kind in ("response.completed", "response.incomplete"):
            response = event.get("response")
            if isinstance(response, dict):
                self._response = copy.deepcopy(response)
                self._items = {}
                usage = response.get("usage")
                if isinstance(usage, dict):
                    out.append(usage_from_responses(usage))
            return self._finish(out, Done())
        elif kind in ("response.failed", "error"):
            return self._finish(out, self._error(event))
        return False

    def _error(self, event: dict[str, Any]) -> Error:
        source: Any = event
        if event["type"] == "response.failed":
            response = event.get("response")
            if isinstance(response, dict):
                self._response = copy.deepcopy(response)
                source = response.get("error") or {}
        if not isinstance(source, dict):
            source = {"message": str(source)}
        message = source.get("message")
        code = source.get("code")
        return Error(
            StreamError(
                str(message) if message else f"{event['type']} event in stream",
                error_type=source.get("type") if isinstance(source.get("type"), str) else None,
                code=code if isinstance(code, (int, str)) else None,
                param=source.get("param") if isinstance(source.get("param"), str) else None,
                body=event,
                partial_content=self._text(),
                partial=self.snapshot(),
            )
        )

    @staticmethod
    def _output_index(event: dict[str, Any]) -> int:
        return int_field(event, "output_index", "Responses")

    def _call_position(self, output_index: int) -> int:
        position = self._calls.get(output_index)
        if position is None:
            position = self._calls[output_index] = len(self._calls)
        return position

    def _append_text(self, event: dict[str, Any], key: str, text: str) -> None:
        item = self._items.get(self._output_index(event))
        if item is None:
            return
        parts = item.get("content")
        index = event.get("content_index", 0)
        if isinstance(parts, list) and type(index) is int and 0 <= index < len(parts):
            part = parts[index]
            if isinstance(part, dict):
                part[key] = str(part.get(key) or "") + text

    def _item_added(self, event: dict[str, Any], out: list[Any]) -> None:
        item = event.get("item")
        if not isinstance(item, dict):
            return
        index = self._output_index(event)
        self._items[index] = copy.deepcopy(item)
        if item.get("type") == "function_call":
            call_id = item.get("call_id") or item.get("id")
            out.append(
                ToolCallDelta(
                    self._call_position(index),
                    str(call_id) if call_id is not None else None,
                    str(item.get("name") or ""),
                    str(item.get("arguments") or ""),
                    0,
                )
            )

    def _item_done(self, event: dict[str, Any], out: list[Any]) -> None:
        item = event.get("item")
        if not isinstance(item, dict):
            return
        index = self._output_index(event)
        self._items[index] = copy.deepcopy(item)
        if item.get("type") == "function_call" and index not in self._completed_calls:
            self._completed_calls.add(index)
            self._call_position(index)
            out.append(ToolCallComplete(_tool_call(item), 0))

    # ------------------------------------------------------------------ accumulated state

    def _text(self) -> str:
        """The output text received so far (for ``partial_content``)."""
        return "".join(
            str(part.get("text") or "")
            for item in self._output()
            if item.get("type") == "message"
            for part in item.get("content") or ()
            if isinstance(part, dict) and part.get("type") == "output_text"
        )

    def _output(self) -> list[dict[str, Any]]:
        if not self._items:
            output = self._response.get("output")
            return list(output) if isinstance(output, list) else []
        return [self._items[i] for i in sorted(self._items)]

    def snapshot(self) -> dict[str, Any]:
        """The response so far in the non-streaming wire shape (the final response after
        ``response.completed``)."""
        snapshot = copy.deepcopy(self._response)
        snapshot["output"] = copy.deepcopy(self._output())
        return snapshot


def _tool_call(item: dict[str, Any]) -> ToolCall:
    call_id = item.get("call_id") or item.get("id") or ""
    arguments = item.get("arguments")
    if not isinstance(arguments, str):
        arguments = "" if arguments is None else json.dumps(arguments, ensure_ascii=False)
    return ToolCall(str(call_id), str(item.get("name") or ""), arguments)
