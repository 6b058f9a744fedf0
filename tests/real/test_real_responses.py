"""The Responses API and structured outputs (``parse()``) against a real vLLM 0.32.0 (main server: hermes
tool parser, qwen3 reasoning parser, compact-JSON structured outputs)."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from pydantic import BaseModel

from vllm_sdk import (
    Content,
    Done,
    ParsedChatCompletion,
    ParsedResponse,
    Reasoning,
    Response,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
    pydantic_function_tool,
)

from .real_support import NO_THINKING, ServerInfo

pytestmark = pytest.mark.real_vllm


class Answer(BaseModel):
    """A yes/no answer (a two-value enum completes even on the tiny model)."""

    answer: Literal["yes", "no"]


class GetWeather(BaseModel):
    """Get the current weather for a city."""

    city: str


def _plain(server: ServerInfo) -> dict[str, Any]:
    return {"model": server.model, "input": "Hello", "max_output_tokens": 64, "temperature": 0}


def test_responses_plain_with_reasoning(client: Any, main_server: ServerInfo) -> None:
    resp = client.responses.create(**_plain(main_server))
    assert isinstance(resp, Response)
    assert resp.id.startswith("resp_")
    assert resp.status in ("completed", "incomplete")
    assert resp.usage is not None
    assert resp.usage.total_tokens == resp.usage.input_tokens + resp.usage.output_tokens
    # the qwen3 reasoning parser splits the think block into a reasoning item
    assert resp.output[0].type == "reasoning"
    assert resp.reasoning_content
    assert "<think>" not in resp.output_text
    built = (
        client.responses.create().model(main_server.model).input("Hello").max_output_tokens(64).temperature(0)
    )
    again = built.send()
    assert (again.output_text, again.reasoning_content) == (resp.output_text, resp.reasoning_content)


def test_responses_stream_matches_the_plain_response(client: Any, main_server: ServerInfo) -> None:
    whole = client.responses.create(**_plain(main_server))
    with client.responses.create(**_plain(main_server), stream=True) as stream:
        events = list(stream)
        final = stream.collect()
    assert type(events[-1]) is Done
    assert type(events[-2]) is Usage
    assert events[-2].total_tokens == whole.usage.total_tokens
    assert "".join(e.text for e in events if type(e) is Content) == whole.output_text == final.output_text
    assert "".join(e.text for e in events if type(e) is Reasoning) == whole.reasoning_content
    assert final.reasoning_content == whole.reasoning_content
    with client.responses.create(**_plain(main_server), stream=True) as stream:
        raw = list(stream.raw_events())
    assert raw[0].type == "response.created"
    assert raw[-1].type in ("response.completed", "response.incomplete")
    assert [e.sequence_number for e in raw] == list(range(len(raw)))


async def test_responses_async_stream(aclient: Any, main_server: ServerInfo) -> None:
    stream = await aclient.responses.create(**_plain(main_server), stream=True)
    async with stream:
        kinds = [type(e) async for e in stream]
        final = await stream.collect()
    assert kinds[-1] is Done
    assert Reasoning in kinds
    assert final.output_text


def test_responses_function_tool_round_trip(client: Any, main_server: ServerInfo) -> None:
    common = {
        "model": main_server.model,
        "tools": [GetWeather],
        "temperature": 0,
        "max_output_tokens": 100,
        "chat_template_kwargs": NO_THINKING,
    }
    question = [{"role": "user", "content": "What's the weather in Paris?"}]
    first = client.responses.create(input=question, tool_choice="required", **common)
    (call, *_) = first.tool_calls
    assert call.name == "GetWeather"
    assert call.id
    assert isinstance(call.parse_args_as(GetWeather).city, str)
    with client.responses.create(input=question, tool_choice="required", stream=True, **common) as stream:
        events = list(stream)
    deltas = [e for e in events if type(e) is ToolCallDelta]
    completes = [e for e in events if type(e) is ToolCallComplete]
    assert completes
    assert completes[0].tool_call.name == "GetWeather"
    assert "".join(d.arguments for d in deltas if d.index == 0) == completes[0].tool_call.arguments
    # the round trip through input items: the call and its output go back in
    call_item = {"type": "function_call", "call_id": call.id, "name": call.name, "arguments": call.arguments}
    follow = client.responses.create(
        input=[*question, call_item, *first.function_call_outputs({call.id: {"temperature_c": 21}})],
        tool_choice="none",
        **common,
    )
    assert follow.status in ("completed", "incomplete")
    assert follow.output_text


def test_chat_parse_small_schema(client: Any, main_server: ServerInfo) -> None:
    resp = client.chat.completions.parse(
        model=main_server.model,
        messages=[{"role": "user", "content": "Is the sky blue? Answer yes or no."}],
        response_format=Answer,
        temperature=0,
        max_tokens=40,
        chat_template_kwargs=NO_THINKING,
    )
    assert isinstance(resp, ParsedChatCompletion)
    assert isinstance(resp.parsed, Answer)
    with client.chat.completions.parse(
        model=main_server.model,
        messages=[{"role": "user", "content": "Is the sky blue? Answer yes or no."}],
        response_format=Answer,
        temperature=0,
        max_tokens=40,
        chat_template_kwargs=NO_THINKING,
        stream=True,
    ) as stream:
        assert stream.collect().parsed == resp.parsed


def test_chat_parse_typed_tool(client: Any, main_server: ServerInfo) -> None:
    resp = client.chat.completions.parse(
        model=main_server.model,
        messages=[{"role": "user", "content": "What's the weather in Paris?"}],
        tools=[pydantic_function_tool(GetWeather)],
        tool_choice="required",
        temperature=0,
        max_tokens=100,
        chat_template_kwargs=NO_THINKING,
    )
    assert isinstance(resp.tool_calls[0].parsed_arguments, GetWeather)


def test_responses_parse_small_schema(client: Any, main_server: ServerInfo) -> None:
    resp = client.responses.parse(
        model=main_server.model,
        input="Is the sky blue? Answer yes or no.",
        text_format=Answer,
        temperature=0,
        max_output_tokens=40,
        chat_template_kwargs=NO_THINKING,
    )
    assert isinstance(resp, ParsedResponse)
    assert isinstance(resp.output_parsed, Answer)
