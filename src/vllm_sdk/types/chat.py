"""``ChatCompletionResponse``: the generated response model plus shortcuts to choice 0.

Imports nothing from the clients, so the streams can build it from their accumulated snapshot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from pydantic import model_validator
from typing_extensions import Self

from .._exceptions import NoContentError
from .._tool_call import ToolCall
from . import _generated
from ._wire import WireResponse

if TYPE_CHECKING:
    from ._generated_params import (
        ChatCompletionAssistantMessageParam,
        ChatCompletionMessageFunctionToolCallParam,
    )

__all__ = ["ChatCompletionResponse", "split_think"]

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"


def split_think(content: str | None) -> tuple[str | None, str | None]:
    """Split a ``<think>...</think>`` block that opens ``content`` off into reasoning.

    Returns ``(reasoning, content)``. Content that does not start with ``<think>`` is returned unchanged
    with no reasoning; an unclosed block (generation stopped while thinking) is all reasoning; an empty
    block is no reasoning (``None``). This is the rule the stream parsers follow too, so a collected stream
    and a plain response agree.
    """
    if content is None or not content.startswith(THINK_OPEN):
        return None, content
    body = content[len(THINK_OPEN) :]
    end = body.find(THINK_CLOSE)
    if end < 0:
        return body or None, ""
    return body[:end] or None, body[end + len(THINK_CLOSE) :]


class ChatCompletionResponse(_generated.ChatCompletionResponse, WireResponse):
    """A chat completion: every field vLLM sent (unknown ones kept), with shortcuts to choice 0.

    ::

        resp = client.chat.completions.create(model=m, messages=msgs)
        print(resp.content, resp.finish_reason, resp.usage and resp.usage.total_tokens)
        if resp.has_tool_calls():
            messages.append(resp.assistant_message())
            for call in resp.tool_calls:
                messages.append(call.result(run(call.name, call.parse_args())))
    """

    #: Token counts. vLLM always sends them on a non-streamed response; a response collected from a stream
    #: has them only when the request asked for them (``stream_options.include_usage``), else ``None``.
    usage: _generated.UsageInfo | None = None  # type: ignore[assignment]  # the schema requires it

    @model_validator(mode="after")
    def _reasoning_in_every_choice(self) -> Self:
        """Give every choice's ``message.reasoning`` the reasoning the server sent, under any of its names.

        Older servers name it ``reasoning_content``; without a reasoning parser it is a ``<think>`` block
        opening ``content``, which is split off here. So ``choices[i].message`` reads the same for every
        server version, and the same as a collected stream's (whose parser splits the deltas alike);
        ``raw`` still gives the body as sent.
        """
        for choice in self.choices:
            message = choice.message
            if message.reasoning is not None:
                continue
            if message.reasoning_content is not None:
                message.reasoning = message.reasoning_content
                continue
            reasoning, content = split_think(message.content)
            if content != message.content:  # a think block was split off (an empty one is no reasoning)
                message.reasoning, message.content = reasoning, content
        return self

    def _message(self) -> _generated.ChatMessage | None:
        return self.choices[0].message if self.choices else None

    def _split(self) -> tuple[str | None, str | None]:
        message = self._message()
        if message is None:
            return None, None
        reasoning = message.reasoning if message.reasoning is not None else message.reasoning_content
        if reasoning is not None:
            return reasoning, message.content
        return split_think(message.content)

    @property
    def content(self) -> str | None:
        """Choice 0's text (a leading ``<think>`` block split off); ``None`` with tool calls only."""
        return self._split()[1]

    @property
    def reasoning_content(self) -> str | None:
        """Choice 0's reasoning: vLLM's ``reasoning`` field, the older ``reasoning_content``, or the
        ``<think>`` block the content opened with; ``None`` when there is none."""
        return self._split()[0]

    @property
    def tool_calls(self) -> list[ToolCall]:
        """Choice 0's tool calls (empty when the model called none)."""
        message = self._message()
        if message is None or not message.tool_calls:
            return []
        return [ToolCall.from_dict(call.model_dump(mode="json")) for call in message.tool_calls]

    @property
    def finish_reason(self) -> str | None:
        """Why choice 0 ended: ``"stop"``, ``"length"``, ``"tool_calls"``, ...; ``None`` without choices."""
        return self.choices[0].finish_reason if self.choices else None

    def has_tool_calls(self) -> bool:
        """Whether choice 0 asked for at least one tool call."""
        message = self._message()
        return bool(message is not None and message.tool_calls)

    def first_tool_call(self) -> ToolCall | None:
        """Choice 0's first tool call, or ``None`` when the model called none: the common one-tool case.

        ::

            call = resp.first_tool_call()
            if call is not None:
                messages += [resp.assistant_message(), call.result(run(call.name, call.parse_args()))]
        """
        message = self._message()
        if message is None or not message.tool_calls:
            return None
        return ToolCall.from_dict(message.tool_calls[0].model_dump(mode="json"))

    def assistant_message(self) -> ChatCompletionAssistantMessageParam:
        """Choice 0 as the ``role: assistant`` message to append to the conversation history.

        Holds the content (``None`` when the model only called tools) and the tool calls in wire shape;
        reasoning is left out, as chat templates expect. Raises :class:`~vllm_sdk.NoContentError` when the
        response has no choice at all: appending an empty assistant turn would corrupt the history.
        """
        if not self.choices:
            raise NoContentError("the response has no choices: there is no assistant message to append")
        message: ChatCompletionAssistantMessageParam = {"role": "assistant", "content": self.content}
        calls = self.tool_calls
        if calls:
            # to_dict() is the wire shape of a function tool call; its type is the call's own "function".
            message["tool_calls"] = [
                cast("ChatCompletionMessageFunctionToolCallParam", call.to_dict()) for call in calls
            ]
        return message
