"""The Messages API stream parser: vLLM's Anthropic-style events (``message_start``,
``content_block_delta``, ...) mapped onto the chat :data:`~vllm_sdk.StreamEvent` family, so one consumer
loop serves every API.

Pure Python over the SSE framing of either build (the decoder class is passed in; the selector module
binds the selected ``SSEDecoder``), like the Responses parser: Messages streams are a side route, far
from the chat hot path.

The mapping (vLLM 0.32.0's wire shapes: ``AnthropicStreamEvent`` in ``vllm/entrypoints/anthropic/
protocol.py``, the transcripts in ``tests/data/messages/``):

=========================================  ===================================================
``content_block_delta`` ``text_delta``     :class:`Content` (a ``<think>`` block opening the text of a
                                           server without a reasoning parser: :class:`Reasoning`)
``content_block_delta`` ``thinking_delta`` :class:`Reasoning`
``content_block_start`` ``tool_use``       :class:`ToolCallDelta` with ``id`` and ``name``
``content_block_delta`` ``input_json_delta`` :class:`ToolCallDelta` with the ``partial_json`` fragment
``content_block_stop`` (``tool_use``)      :class:`ToolCallComplete`
``message_delta`` with ``usage``           :class:`Usage`
``message_stop``                           :class:`Usage` (when no ``message_delta`` carried one), then
                                           :class:`Done`
``error``                                  :class:`Error` (a :class:`~vllm_sdk.StreamError`); the stream ends
=========================================  ===================================================

``ping``, ``signature_delta`` and the other events only update the snapshot. The stream has no
``[DONE]``: it is complete after ``message_stop`` (or ``error``); a body that ends before one raises
:class:`~vllm_sdk.StreamError`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from .._events import Content, Done, Error, Reasoning, ToolCallComplete, ToolCallDelta, Usage
from .._exceptions import StreamError
from .._tool_call import ToolCall
from ._common import THINK_CLOSE, THINK_OPEN
from ._typed_events import TypedEventStreamParser, int_field

__all__ = ["AnthropicStreamParser", "usage_from_anthropic"]

# Think-splitting states of the text blocks (the rule of the chat parser: only a block that *opens* the
# text is reasoning; ``types.chat.split_think`` applies the same rule to a collected message).
_START = 0
_THINK = 1
_PLAIN = 2


def usage_from_anthropic(usage: dict[str, Any]) -> Usage:
    """The chat-style :class:`Usage` of a Messages ``usage`` object (input → prompt, output → completion)."""
    prompt = usage.get("input_tokens") or 0
    completion = usage.get("output_tokens") or 0
    return Usage(prompt, completion, prompt + completion, None, None)


class _ThinkSplitter:
    """Splits a ``<think>...</think>`` block opening streamed text into reasoning, holding back the
    characters of a tag that may still be forming."""

    __slots__ = ("held", "state")

    def __init__(self) -> None:
        self.state = _START
        self.held = ""

    def settle(self) -> None:
        """The server splits reasoning itself (a ``thinking`` block came): text is text from now on."""
        if self.state == _START and not self.held:
            self.state = _PLAIN

    def feed(self, text: str, out: list[Any]) -> None:
        if self.state == _PLAIN:
            if text:
                out.append(Content(text, 0))
            return
        if self.state == _START:
            held = self.held + text
            if held[: len(THINK_OPEN)] == THINK_OPEN:
                self.state = _THINK
                self.held = ""
                text = held[len(THINK_OPEN) :]
            elif THINK_OPEN.startswith(held):
                self.held = held
                return
            else:
                self.state = _PLAIN
                self.held = ""
                out.append(Content(held, 0))
                return
        buf = self.held + text
        end = buf.find(THINK_CLOSE)
        if end >= 0:
            self.held = ""
            self.state = _PLAIN
            if end:
                out.append(Reasoning(buf[:end], 0))
            rest = buf[end + len(THINK_CLOSE) :]
            if rest:
                out.append(Content(rest, 0))
            return
        # Hold back a tail that may be the start of "</think>".
        cut = buf.rfind("<", max(len(buf) - len(THINK_CLOSE) + 1, 0))
        if cut >= 0 and THINK_CLOSE.startswith(buf[cut:]):
            self.held, buf = buf[cut:], buf[:cut]
        else:
            self.held = ""
        if buf:
            out.append(Reasoning(buf, 0))

    def flush(self, out: list[Any]) -> None:
        """The text is over: release held characters as what they were."""
        held, self.held = self.held, ""
        if held:
            out.append(Reasoning(held, 0) if self.state == _THINK else Content(held, 0))
        self.state = _PLAIN


class AnthropicStreamParser(TypedEventStreamParser):
    """Incremental, I/O-free parser of a ``/v1/messages`` stream (see :class:`TypedEventStreamParser`;
    ``snapshot()`` is the message so far). ``vllm_sdk._speedups.AnthropicStreamParser`` binds the selected
    build's decoder.
    """

    API = "Messages"
    TERMINAL = "message_stop"

    def _start(self) -> None:
        self._message: dict[str, Any] = {}
        self._blocks: dict[int, dict[str, Any]] = {}
        self._json: dict[int, list[str]] = {}  # block index -> input_json fragments of a tool_use block
        self._calls: dict[int, int] = {}  # block index -> tool call position
        self._completed: set[int] = set()
        self._usage_sent = False
        self._think = _ThinkSplitter()

    # ------------------------------------------------------------------ one event

    def _handle(self, kind: str, event: dict[str, Any], out: list[Any]) -> bool:
        if kind == "content_block_delta":
            self._delta(event, out)
        elif kind == "content_block_start":
            self._block_start(event, out)
        elif kind == "content_block_stop":
            self._block_stop(self._index(event), out)
        elif kind == "message_start":
            message = event.get("message")
            if isinstance(message, dict):
                self._message = copy.deepcopy(message)
        elif kind == "message_delta":
            self._message_delta(event, out)
        elif kind == "message_stop":
            self._think.flush(out)
            for index in sorted(self._blocks):
                self._block_stop(index, out)
            usage = self._message.get("usage")
            if not self._usage_sent and isinstance(usage, dict):
                self._usage_sent = True
                out.append(usage_from_anthropic(usage))
            return self._finish(out, Done())
        elif kind == "error":
            self._think.flush(out)
            return self._finish(out, self._error(event))
        return False

    @staticmethod
    def _index(event: dict[str, Any]) -> int:
        return int_field(event, "index", "Messages")

    def _block_start(self, event: dict[str, Any], out: list[Any]) -> None:
        block = event.get("content_block")
        if not isinstance(block, dict):
            return
        index = self._index(event)
        self._blocks[index] = copy.deepcopy(block)
        kind = block.get("type")
        if kind == "thinking":
            self._think.settle()
        elif kind == "tool_use":
            self._think.flush(out)
            self._json[index] = []
            position = self._calls[index] = len(self._calls)
            call_id = block.get("id")
            out.append(
                ToolCallDelta(
                    position,
                    str(call_id) if call_id is not None else None,
                    str(block.get("name") or ""),
                    "",
                    0,
                )
            )

    def _delta(self, event: dict[str, Any], out: list[Any]) -> None:
        delta = event.get("delta")
        if not isinstance(delta, dict):
            return
        index = self._index(event)
        block = self._blocks.get(index)
        kind = delta.get("type")
        if kind == "text_delta":
            text = self._take(str(delta.get("text") or ""))
            if block is not None:
                block["text"] = str(block.get("text") or "") + text
            self._think.feed(text, out)
        elif kind == "thinking_delta":
            text = self._take(str(delta.get("thinking") or ""))
            if block is not None:
                block["thinking"] = str(block.get("thinking") or "") + text
            out.append(Reasoning(text, 0))
        elif kind == "signature_delta":
            if block is not None:
                signature = self._take(str(delta.get("signature") or ""))
                block["signature"] = str(block.get("signature") or "") + signature
        elif kind == "input_json_delta":
            fragment = self._take(str(delta.get("partial_json") or ""))
            parts = self._json.setdefault(index, [])
            parts.append(fragment)
            position = self._calls.get(index)
            if position is None:
                position = self._calls[index] = len(self._calls)
            out.append(ToolCallDelta(position, None, None, fragment, 0))

    def _block_stop(self, index: int, out: list[Any]) -> None:
        block = self._blocks.get(index)
        if block is None or block.get("type") != "tool_use" or index in self._completed:
            return
        self._completed.add(index)
        arguments = "".join(self._json.get(index) or ())
        if not arguments:
            given = block.get("input")
            arguments = json.dumps(given, ensure_ascii=False) if given else "{}"
        block["input"] = _decode_input(arguments)
        out.append(
            ToolCallComplete(ToolCall(str(block.get("id") or ""), str(block.get("name") or ""), arguments), 0)
        )

    def _message_delta(self, event: dict[str, Any], out: list[Any]) -> None:
        delta = event.get("delta")
        if isinstance(delta, dict):
            for key in ("stop_reason", "stop_sequence"):
                if key in delta:
                    self._message[key] = delta[key]
        usage = event.get("usage")
        if isinstance(usage, dict):
            merged = dict(self._message.get("usage") or {})
            merged.update(usage)
            self._message["usage"] = merged
            self._usage_sent = True
            out.append(usage_from_anthropic(merged))

    def _error(self, event: dict[str, Any]) -> Error:
        source = event.get("error")
        if not isinstance(source, dict):
            source = {"message": str(source) if source is not None else ""}
        message = source.get("message")
        error_type = source.get("type")
        return Error(
            StreamError(
                str(message) if message else "error event in stream",
                error_type=error_type if isinstance(error_type, str) else None,
                body=event,
                partial_content=self._text(),
                partial=self.snapshot(),
            )
        )

    # ------------------------------------------------------------------ accumulated state

    def _text(self) -> str:
        """The text received so far (for ``partial_content``)."""
        return "".join(
            str(block.get("text") or "") for block in self._content() if block.get("type") == "text"
        )

    def _content(self) -> list[dict[str, Any]]:
        return [self._blocks[i] for i in sorted(self._blocks)]

    def snapshot(self) -> dict[str, Any]:
        """The message so far in the non-streaming wire shape (the final message after
        ``message_stop``)."""
        snapshot = copy.deepcopy(self._message)
        content = copy.deepcopy(self._content())
        for index, block in zip(sorted(self._blocks), content, strict=True):
            if block.get("type") == "tool_use" and index not in self._completed:
                block["input"] = _decode_input("".join(self._json.get(index) or ()))
        snapshot["content"] = content
        return snapshot


def _decode_input(arguments: str) -> dict[str, Any]:
    """A tool_use block's ``input`` from its JSON text; ``{}`` while it is incomplete or not an object."""
    try:
        value = json.loads(arguments) if arguments else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
