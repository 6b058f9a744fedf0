"""``AnthropicMessage``: the answer of vLLM's Anthropic-compatible Messages API (``/v1/messages``).

Hand-written: vLLM 0.32.0 serves ``/v1/messages`` and ``/v1/messages/count_tokens`` from its own router
(``vllm/entrypoints/anthropic/api_router.py``), whose response models (``AnthropicMessagesResponse``,
``AnthropicContentBlock``, ``AnthropicUsage``, ``AnthropicCountTokensResponse``, ``AnthropicStreamEvent``
in ``vllm/entrypoints/anthropic/protocol.py``) are absent from the vendored OpenAI schema that codegen
reads. The models follow those classes and the transcripts in ``tests/data/messages/``; unknown fields are
kept, so a newer server never breaks them. Imports nothing from the clients, so a stream's ``collect()``
builds them too.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .._tool_call import ToolCall
from ._wire import WireResponse
from .chat import split_think

__all__ = [
    "AnthropicContentBlock",
    "AnthropicMessage",
    "AnthropicStreamEvent",
    "AnthropicUsage",
    "MessageTokenCount",
]


class AnthropicUsage(BaseModel):
    """Token counts of a message (``input_tokens``, ``output_tokens``; cache counts when sent)."""

    model_config = ConfigDict(extra="allow")

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None

    @property
    def total_tokens(self) -> int:
        """``input_tokens + output_tokens``."""
        return self.input_tokens + self.output_tokens


class AnthropicContentBlock(BaseModel):
    """One block of ``AnthropicMessage.content``: ``text`` (``text``), ``thinking`` (``thinking``,
    ``signature``), ``tool_use`` (``id``, ``name``, ``input``) or another type with its fields kept."""

    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None
    thinking: str | None = None
    signature: str | None = None
    id: str | None = None
    name: str | None = None
    input: dict[str, Any] | None = None


class AnthropicMessage(WireResponse):
    """A Messages API answer: every field vLLM sent (unknown ones kept), with shortcuts.

    ::

        msg = client.messages.create(model=m, max_tokens=64, messages=[{"role": "user", "content": "Hi"}])
        print(msg.text, msg.stop_reason, msg.usage and msg.usage.output_tokens)
    """

    model_config = ConfigDict(extra="allow")

    id: str
    type: str = "message"
    role: str = "assistant"
    content: list[AnthropicContentBlock] = Field(default_factory=list)
    model: str | None = None
    stop_reason: str | None = None
    stop_sequence: str | None = None
    usage: AnthropicUsage | None = None

    def _split(self) -> tuple[str | None, str]:
        text = "".join(block.text or "" for block in self.content if block.type == "text")
        thinking = "".join(block.thinking or "" for block in self.content if block.type == "thinking")
        if thinking:
            return thinking, text
        # A server without a reasoning parser leaves the <think> block in the text (transcript A53).
        reasoning, rest = split_think(text)
        return reasoning, rest or ""

    @property
    def text(self) -> str:
        """The text of every ``text`` block joined (a leading ``<think>`` block split off into
        ``reasoning_content``)."""
        return self._split()[1]

    @property
    def reasoning_content(self) -> str | None:
        """The ``thinking`` blocks joined, or a ``<think>`` block opening the text; ``None`` without."""
        return self._split()[0]

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The ``tool_use`` blocks as :class:`~vllm_sdk.ToolCall` values (``arguments`` the JSON of
        ``input``), in order."""
        return [
            ToolCall(block.id or "", block.name or "", json.dumps(block.input or {}, ensure_ascii=False))
            for block in self.content
            if block.type == "tool_use"
        ]


class MessageTokenCount(WireResponse):
    """The answer of ``client.messages.count_tokens(...)``: ``input_tokens`` (and vLLM's
    ``context_management`` when sent)."""

    model_config = ConfigDict(extra="allow")

    input_tokens: int
    context_management: dict[str, Any] | None = None


class AnthropicStreamEvent(BaseModel):
    """One raw Messages stream event (``stream.raw_events()``): ``type`` (``"message_start"``,
    ``"content_block_delta"``, ...) and every other field as sent (``message``, ``index``, ``delta``,
    ``content_block``, ``usage``, ``error``)."""

    model_config = ConfigDict(extra="allow")

    type: str
    index: int | None = None
    delta: dict[str, Any] | None = None
    content_block: dict[str, Any] | None = None
    message: dict[str, Any] | None = None
    usage: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
