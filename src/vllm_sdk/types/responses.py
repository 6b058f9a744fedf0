"""``Response``: the answer of vLLM's Responses API (``/v1/responses``), with shortcuts.

Hand-written: vLLM's served schema leaves the 200 body of ``/v1/responses`` without a schema, so the model
follows the wire shape of vLLM 0.32.0 (``ResponsesResponse`` in ``vllm/entrypoints/openai/responses``; the
transcripts in ``tests/data/responses/``). Unknown fields are kept, so a newer server never breaks it.
Imports nothing from the clients, so a stream's ``collect()`` builds it too.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .._structured import parse_arguments, parse_content, tool_models
from .._tool_call import ToolCall
from ._wire import WireResponse
from .chat import split_think
from .parsed import ParsedToolCall

__all__ = [
    "ParsedResponse",
    "Response",
    "ResponseOutputItem",
    "ResponseStreamEvent",
    "ResponseUsage",
    "parse_response",
]

ContentT = TypeVar("ContentT")


class ResponseUsage(BaseModel):
    """Token counts of a response (``input_tokens``, ``output_tokens``, ``total_tokens`` and details)."""

    model_config = ConfigDict(extra="allow")

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_details: dict[str, Any] | None = None
    output_tokens_details: dict[str, Any] | None = None

    @property
    def prompt_tokens(self) -> int:
        """``input_tokens`` under the chat name."""
        return self.input_tokens

    @property
    def completion_tokens(self) -> int:
        """``output_tokens`` under the chat name."""
        return self.output_tokens


class ResponseOutputItem(BaseModel):
    """One item of ``Response.output``: a ``message`` (``content`` parts of type ``output_text``), a
    ``reasoning`` item (``content`` parts of type ``reasoning_text``, ``summary``) or a ``function_call``
    (``call_id``, ``name``, ``arguments``); other item types keep all their fields."""

    model_config = ConfigDict(extra="allow")

    type: str
    id: str | None = None
    status: str | None = None
    role: str | None = None
    content: list[dict[str, Any]] | None = None
    summary: list[dict[str, Any]] | None = None
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = None

    def text(self, part_type: str) -> str:
        """The joined ``text`` of this item's content parts of ``part_type``."""
        return "".join(
            str(part.get("text") or "") for part in self.content or () if part.get("type") == part_type
        )


class Response(WireResponse):
    """A Responses API response: every field vLLM sent (unknown ones kept), with shortcuts.

    ::

        resp = client.responses.create(model=m, input="Hello")
        print(resp.output_text, resp.usage and resp.usage.total_tokens)
        for call in resp.tool_calls:
            ...  # answer with {"type": "function_call_output", "call_id": call.id, "output": ...}
    """

    model_config = ConfigDict(extra="allow")

    id: str
    object: str = "response"
    created_at: int | float | None = None
    model: str | None = None
    status: str | None = None
    output: list[ResponseOutputItem] = Field(default_factory=list)
    usage: ResponseUsage | None = None
    error: dict[str, Any] | None = None
    incomplete_details: dict[str, Any] | None = None
    instructions: Any = None
    previous_response_id: str | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    tools: list[dict[str, Any]] = Field(default_factory=list)
    tool_choice: Any = None
    text: Any = None
    reasoning: Any = None
    metadata: Any = None

    def _split(self) -> tuple[str | None, str]:
        """``(reasoning, output text)``: reasoning items, else a ``<think>`` block opening the text."""
        text = "".join(item.text("output_text") for item in self.output if item.type == "message")
        reasoning_parts = [
            item.text("reasoning_text") or "".join(str(part.get("text") or "") for part in item.summary or ())
            for item in self.output
            if item.type == "reasoning"
        ]
        reasoning = "".join(reasoning_parts)
        if reasoning:
            return reasoning, text
        split_reasoning, rest = split_think(text)
        return split_reasoning, rest or ""

    @property
    def output_text(self) -> str:
        """All output text joined (the text of every ``message`` item; a leading ``<think>`` block that a
        server without a reasoning parser leaves in the text is split off into ``reasoning_content``)."""
        return self._split()[1]

    @property
    def reasoning_content(self) -> str | None:
        """The reasoning: ``reasoning`` items' text or summary, or the ``<think>`` block; else ``None``."""
        return self._split()[0] or None

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The ``function_call`` items as :class:`~vllm_sdk.ToolCall` values (``id`` is the ``call_id`` to
        answer with a ``function_call_output`` item)."""
        return [
            ToolCall(item.call_id or item.id or "", item.name or "", item.arguments or "")
            for item in self.output
            if item.type == "function_call"
        ]

    def function_call_outputs(self, results: dict[str, Any]) -> list[dict[str, Any]]:
        """The ``function_call_output`` input items answering this response's calls: ``results`` maps a
        ``call_id`` to its result (strings sent as-is, anything else as JSON)."""
        import json

        return [
            {
                "type": "function_call_output",
                "call_id": call_id,
                "output": value if isinstance(value, str) else json.dumps(value, ensure_ascii=False),
            }
            for call_id, value in results.items()
        ]


class ParsedResponse(Response, Generic[ContentT]):
    """The answer of ``client.responses.parse(text_format=Model)``: ``output_parsed`` (also ``parsed``) is
    the output text validated into ``Model``."""

    output_parsed: ContentT | None = Field(default=None, exclude=True)
    # output index -> the arguments of that function call validated into its tool's type
    _parsed_arguments: dict[int, Any] = PrivateAttr(default_factory=dict)

    @property
    def tool_calls(self) -> list[ParsedToolCall]:  # type: ignore[override]  # a list of a subtype
        """The function calls as :class:`~vllm_sdk.ParsedToolCall` values: ``parsed_arguments`` is set for
        the tools made by :func:`~vllm_sdk.pydantic_function_tool`."""
        return [
            ParsedToolCall(
                item.call_id or item.id or "",
                item.name or "",
                item.arguments or "",
                "function",
                self._parsed_arguments.get(index),
            )
            for index, item in enumerate(self.output)
            if item.type == "function_call"
        ]

    @property
    def parsed(self) -> ContentT | None:
        """``output_parsed``, under the name chat's ``parse()`` uses."""
        return self.output_parsed


class ResponseStreamEvent(BaseModel):
    """One typed Responses stream event (``stream.raw_events()``): ``type`` (``"response.created"``,
    ``"response.output_text.delta"``, ...), ``sequence_number`` and every other field of the event as sent
    (``delta``, ``item``, ``response``, ``output_index``, ...)."""

    model_config = ConfigDict(extra="allow")

    type: str
    sequence_number: int | None = None


def parse_response(response: Response, text_format: Any, tools: Any = None) -> ParsedResponse[Any]:
    """``response`` with its output text validated into ``text_format`` (``output_parsed``; ``None`` when the
    model only called tools) and the arguments of calls of typed tools checked against their types.

    Raises :class:`~vllm_sdk.LengthFinishReasonError` when the response is incomplete because of
    ``max_output_tokens`` and :class:`~vllm_sdk.InvalidResponseError` when the text does not validate.
    """
    parsed: ParsedResponse[Any] = ParsedResponse.model_validate(response.model_dump())
    parsed._raw_json = response._raw_json
    parsed._request_id = response._request_id
    details = response.incomplete_details or {}
    cut_off = response.status == "incomplete" and details.get("reason") in (None, "max_output_tokens")
    text = parsed.output_text
    if cut_off:
        parse_content(text_format, text, finish_reason="length", response=parsed)
    calls = parsed.tool_calls
    if text_format is not None and (text or not calls):
        parsed.output_parsed = parse_content(text_format, text, finish_reason=None, response=parsed)
    models = tool_models(tools)
    for index, item in enumerate(parsed.output):
        model = models.get(item.name or "") if item.type == "function_call" else None
        if model is not None:
            parsed._parsed_arguments[index] = parse_arguments(model, item.name or "", item.arguments or "")
    return parsed
