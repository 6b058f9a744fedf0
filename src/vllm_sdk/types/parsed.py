"""``ParsedChatCompletion``: a chat completion whose content (and tool arguments) were validated into your
types by ``client.chat.completions.parse(...)``.

Imports nothing from the clients, so a stream's ``collect()`` builds it as well as ``parse()`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import Field

from .._structured import parse_arguments, parse_content, tool_models
from .._tool_call import ToolCall
from . import _generated
from .chat import ChatCompletionResponse

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "ParsedChatCompletion",
    "ParsedChatMessage",
    "ParsedChoice",
    "ParsedFunctionCall",
    "ParsedToolCall",
    "ParsedToolCallModel",
    "parse_chat_completion",
]

ContentT = TypeVar("ContentT")


class ParsedToolCall(ToolCall):
    """A :class:`~vllm_sdk.ToolCall` with ``parsed_arguments``: the arguments validated into the type of the
    tool it calls (a tool made by :func:`~vllm_sdk.pydantic_function_tool`), else ``None``."""

    __slots__ = ("parsed_arguments",)

    parsed_arguments: Any

    def __init__(
        self, id: str, name: str, arguments: str = "", type: str = "function", parsed_arguments: Any = None
    ) -> None:
        super().__init__(id, name, arguments, type)
        object.__setattr__(self, "parsed_arguments", parsed_arguments)

    def __repr__(self) -> str:
        return (
            f"ParsedToolCall(id={self.id!r}, name={self.name!r}, arguments={self.arguments!r},"
            f" parsed_arguments={self.parsed_arguments!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (ParsedToolCall, (self.id, self.name, self.arguments, self.type, self.parsed_arguments))


class ParsedFunctionCall(_generated.FunctionCall):
    """A function call of a message with ``parsed_arguments`` (see :class:`ParsedToolCall`)."""

    parsed_arguments: Any = Field(default=None, exclude=True)


class ParsedToolCallModel(_generated.ToolCall):
    """A tool call of a message whose ``function`` carries ``parsed_arguments``."""

    function: ParsedFunctionCall


class ParsedChatMessage(_generated.ChatMessage, Generic[ContentT]):
    """A message with ``parsed``: its content validated into the ``response_format`` type (``None`` when the
    model answered with tool calls only)."""

    parsed: ContentT | None = Field(default=None, exclude=True)
    tool_calls: list[ParsedToolCallModel] | None = None  # type: ignore[assignment]


class ParsedChoice(_generated.ChatCompletionResponseChoice, Generic[ContentT]):
    """A choice whose message is a :class:`ParsedChatMessage`."""

    message: ParsedChatMessage[ContentT]


class ParsedChatCompletion(ChatCompletionResponse, Generic[ContentT]):
    """The answer of ``client.chat.completions.parse(...)``: a :class:`~vllm_sdk.ChatCompletionResponse`
    whose messages carry ``parsed`` and whose tool calls carry ``parsed_arguments``.

    ::

        resp = client.chat.completions.parse(model=m, messages=msgs, response_format=Weather)
        weather = resp.parsed        # a Weather (choice 0), also resp.choices[i].message.parsed
    """

    choices: list[ParsedChoice[ContentT]]  # type: ignore[assignment]

    @property
    def parsed(self) -> ContentT | None:
        """Choice 0's content validated into the ``response_format`` type (``None`` without choices, or
        when the model answered with tool calls only)."""
        return self.choices[0].message.parsed if self.choices else None

    @property
    def tool_calls(self) -> list[ParsedToolCall]:  # type: ignore[override]  # a list of a subtype
        """Choice 0's tool calls as :class:`ParsedToolCall` values (``parsed_arguments`` set for the tools
        made by :func:`~vllm_sdk.pydantic_function_tool`)."""
        message = self._message()
        if message is None or not message.tool_calls:
            return []
        return [
            ParsedToolCall(
                call.id or "",
                call.function.name,
                call.function.arguments,
                call.type,
                call.function.parsed_arguments,  # type: ignore[attr-defined]
            )
            for call in message.tool_calls
        ]


def parse_chat_completion(
    response: ChatCompletionResponse, response_format: Any, tools: Iterable[Any] | None
) -> ParsedChatCompletion[Any]:
    """``response`` with every choice's content validated into ``response_format`` (a type; ``None`` or a
    dict leaves ``parsed`` unset) and tool arguments into their tools' types.

    Raises :class:`~vllm_sdk.LengthFinishReasonError` when a choice was cut off by the token limit and
    :class:`~vllm_sdk.InvalidResponseError` (carrying the validation error) when content or arguments do not
    validate.
    """
    parsed: ParsedChatCompletion[Any] = ParsedChatCompletion.model_validate(response.model_dump())
    parsed._raw_json = response._raw_json
    parsed._request_id = response._request_id
    models = tool_models(tools)
    wants_content = response_format is not None and not isinstance(response_format, dict)
    for choice in parsed.choices:
        message = choice.message
        if choice.finish_reason == "length":
            # Whatever was asked for is incomplete: parse_content raises the typed error.
            parse_content(response_format, message.content, finish_reason="length", response=parsed)
        # A message that only calls tools (content None or "", as vLLM sends it) has nothing to parse.
        if wants_content and (message.content or (message.content is not None and not message.tool_calls)):
            message.parsed = parse_content(
                response_format, message.content, finish_reason=choice.finish_reason, response=parsed
            )
        for call in message.tool_calls or ():
            model = models.get(call.function.name)
            if model is not None:
                call.function.parsed_arguments = parse_arguments(
                    model, call.function.name, call.function.arguments
                )
    return parsed
