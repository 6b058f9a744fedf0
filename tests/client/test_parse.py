"""``chat.completions.parse()`` and the builder's ``parse()`` / ``tool(Model)`` / structured-output helpers,
sync and async, over a scripted transport and end to end against the mock server."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import TYPE_CHECKING, Any, Literal

import httpx
import pydantic
import pytest
from pydantic import BaseModel

from vllm_sdk import (
    AsyncVllmClient,
    InvalidResponseError,
    LengthFinishReasonError,
    ParsedChatCompletion,
    ParsedToolCall,
    VllmClient,
    pydantic_function_tool,
)
from vllm_sdk.testing import MockVllmServer

from .helpers import Api, chat_body, delta_chunk, sse

if TYPE_CHECKING:
    from collections.abc import Iterator

MSGS = [{"role": "user", "content": "Weather?"}]


class Weather(BaseModel):
    city: str
    sky: Literal["sunny", "rainy"]


@dataclasses.dataclass
class GetTime:
    """The time in a city."""

    city: str


def _sent(api: Api) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(api.bodies[-1])
    return body


def test_parse_sends_a_strict_json_schema_and_returns_parsed(api: Api) -> None:
    client = api.make(chat_body('{"city": "Paris", "sky": "sunny"}'))
    resp = api.run(
        client.chat.completions.parse(model="m", messages=MSGS, response_format=Weather, temperature=0)
    )
    assert isinstance(resp, ParsedChatCompletion)
    assert resp.parsed == Weather(city="Paris", sky="sunny")
    assert resp.choices[0].message.parsed == resp.parsed
    assert resp.content == '{"city": "Paris", "sky": "sunny"}'
    assert resp.raw["choices"][0]["message"]["content"] == resp.content  # the body as sent
    body = _sent(api)
    assert body["temperature"] == 0
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Weather"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["schema"]["additionalProperties"] is False
    assert "stream" not in body


def test_every_choice_is_parsed(api: Api) -> None:
    body = chat_body('{"city": "A", "sky": "sunny"}')
    second = {
        **body["choices"][0],
        "index": 1,
        "message": {"role": "assistant", "content": '{"city": "B", "sky": "rainy"}'},
    }
    body["choices"].append(second)
    client = api.make(body)
    resp = api.run(client.chat.completions.parse(model="m", messages=MSGS, response_format=Weather, n=2))
    assert [c.message.parsed.city for c in resp.choices] == ["A", "B"]


def test_length_raises_length_finish_reason_error(api: Api) -> None:
    body = chat_body('{"city": "Pa')
    body["choices"][0]["finish_reason"] = "length"
    client = api.make(body)
    with pytest.raises(LengthFinishReasonError) as info:
        api.run(client.chat.completions.parse(model="m", messages=MSGS, response_format=Weather))
    assert info.value.usage is not None
    assert info.value.usage.total_tokens == 5


def test_content_that_does_not_validate_raises_invalid_response_error(api: Api) -> None:
    client = api.make(chat_body('{"city": "Paris", "sky": "foggy"}'))
    with pytest.raises(InvalidResponseError) as info:
        api.run(client.chat.completions.parse(model="m", messages=MSGS, response_format=Weather))
    assert isinstance(info.value.error, pydantic.ValidationError)


def test_tool_arguments_are_parsed_into_the_model_of_their_tool(api: Api) -> None:
    calls = [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "Weather", "arguments": '{"city":"X","sky":"rainy"}'},
        },
        {"id": "c2", "type": "function", "function": {"name": "GetTime", "arguments": '{"city":"Y"}'}},
        {"id": "c3", "type": "function", "function": {"name": "untyped", "arguments": "{}"}},
    ]
    reply = chat_body(None, tool_calls=calls)
    reply["choices"][0]["finish_reason"] = "tool_calls"
    client = api.make(reply)
    tools = [
        pydantic_function_tool(Weather),
        pydantic_function_tool(GetTime),
        {"type": "function", "function": {"name": "untyped", "parameters": {"type": "object"}}},
    ]
    resp = api.run(client.chat.completions.parse(model="m", messages=MSGS, tools=tools))
    assert resp.parsed is None
    parsed = [call.parsed_arguments for call in resp.tool_calls]
    assert parsed == [Weather(city="X", sky="rainy"), GetTime(city="Y"), None]
    assert all(isinstance(call, ParsedToolCall) for call in resp.tool_calls)
    assert resp.choices[0].message.tool_calls[1].function.parsed_arguments == GetTime(city="Y")
    assert resp.assistant_message()["tool_calls"][0]["function"]["name"] == "Weather"
    sent_tools = _sent(api)["tools"]
    assert sent_tools[1]["function"] == {
        "name": "GetTime",
        "description": "The time in a city.",
        "parameters": {
            "description": "The time in a city.",
            "properties": {"city": {"title": "City", "type": "string"}},
            "required": ["city"],
            "title": "GetTime",
            "type": "object",
            "additionalProperties": False,
        },
        "strict": True,
    }
    assert "response_format" not in _sent(api)


def test_bad_tool_arguments_raise_invalid_response_error(api: Api) -> None:
    calls = [{"id": "c1", "type": "function", "function": {"name": "GetTime", "arguments": '{"town":"Y"}'}}]
    client = api.make(chat_body(None, tool_calls=calls))
    with pytest.raises(InvalidResponseError, match="GetTime"):
        api.run(
            client.chat.completions.parse(model="m", messages=MSGS, tools=[pydantic_function_tool(GetTime)])
        )


def _stream_reply(*pieces: str, finish: str = "stop") -> httpx.Response:
    chunks = [delta_chunk(p) for p in pieces[:-1]] + [delta_chunk(pieces[-1], finish)]
    return httpx.Response(200, content=sse(*chunks), headers={"content-type": "text/event-stream"})


def _collect_stream(api: Api, client: Any, **kwargs: Any) -> tuple[list[str], Any]:
    if api.is_async:

        async def run() -> tuple[list[str], Any]:
            stream = await client.chat.completions.parse(model="m", messages=MSGS, stream=True, **kwargs)
            async with stream:
                texts = [t async for t in stream.text_stream]
                return texts, await stream.collect()

        return asyncio.run(run())
    with client.chat.completions.parse(model="m", messages=MSGS, stream=True, **kwargs) as stream:
        texts = list(stream.text_stream)
        return texts, stream.collect()


def test_streamed_parse_collects_parsed(api: Api) -> None:
    client = api.make(_stream_reply('{"city": ', '"Rome", "sky"', ': "sunny"}'))
    texts, final = _collect_stream(api, client, response_format=Weather)
    assert "".join(texts) == '{"city": "Rome", "sky": "sunny"}'
    assert final.parsed == Weather(city="Rome", sky="sunny")
    assert _sent(api)["stream"] is True
    assert _sent(api)["response_format"]["json_schema"]["name"] == "Weather"


def test_streamed_parse_cut_off_raises_length(api: Api) -> None:
    client = api.make(_stream_reply('{"city": ', '"Ro', finish="length"))
    with pytest.raises(LengthFinishReasonError):
        _collect_stream(api, client, response_format=Weather)


def test_builder_parse_tool_and_structured_helpers(api: Api) -> None:
    client = api.make(chat_body('{"city": "Oslo", "sky": "rainy"}'))
    builder = client.chat.completions.create().model("m").user("hi").tool(GetTime)
    resp = api.run(builder.parse(Weather))
    assert resp.parsed == Weather(city="Oslo", sky="rainy")
    body = _sent(api)
    assert body["tools"][0]["function"]["name"] == "GetTime"
    assert body["response_format"]["json_schema"]["name"] == "Weather"
    assert "response_format" not in builder.to_dict()  # parse() does not change the builder


def test_builder_parse_stream(api: Api) -> None:
    client = api.make(_stream_reply('{"city": "Oslo", ', '"sky": "rainy"}'))
    builder = client.chat.completions.create().model("m").user("hi")
    if api.is_async:

        async def run() -> Any:
            stream = await builder.parse_stream(Weather)
            async with stream:
                return await stream.collect()

        final = asyncio.run(run())
    else:
        with builder.parse_stream(Weather) as stream:
            final = stream.collect()
    assert final.parsed == Weather(city="Oslo", sky="rainy")


def test_structured_output_helpers_build_vllm_bodies() -> None:
    with VllmClient("http://vllm.test/v1") as client:

        def b() -> Any:
            return client.chat.completions.create().model("m").user("hi")

        so = b().structured_outputs({"disable_any_whitespace": True}).structured_choice(["yes", "no"])
        assert so.to_dict()["structured_outputs"] == {"disable_any_whitespace": True, "choice": ["yes", "no"]}
        # a constraint replaces the previous one (vLLM takes exactly one); options stay
        regex = so.structured_regex(r"\d+").to_dict()["structured_outputs"]
        assert regex == {"disable_any_whitespace": True, "regex": r"\d+"}
        grammar = b().structured_grammar("root ::= 'a'").to_dict()["structured_outputs"]
        assert grammar == {"grammar": "root ::= 'a'"}
        js = b().structured_json(GetTime).to_dict()["structured_outputs"]["json"]
        assert js["required"] == ["city"]
        assert js["additionalProperties"] is False
        plain = b().structured_json({"type": "object"}).to_dict()["structured_outputs"]
        assert plain == {"json": {"type": "object"}}
        tag = {"type": "structural_tag", "format": {"type": "const_string", "value": "x"}}
        assert json.loads(b().structural_tag(tag).to_dict()["structured_outputs"]["structural_tag"]) == tag
        with pytest.raises(ValueError, match="non-empty"):
            b().structured_choice([])


# ---------------------------------------------------------------- end to end (mock server)


@pytest.fixture(scope="module")
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


class Nested(BaseModel):
    label: Literal["x", "y"]
    values: list[int]
    point: Weather


def test_mock_server_answers_parse_with_a_valid_instance(server: MockVllmServer) -> None:
    with VllmClient(server.base_url) as client:
        resp = client.chat.completions.parse(model=server.model, messages=MSGS, response_format=Nested)
        assert isinstance(resp.parsed, Nested)
        with client.chat.completions.parse(
            model=server.model, messages=MSGS, response_format=GetTime, stream=True
        ) as stream:
            assert isinstance(stream.collect().parsed, GetTime)
        typed = client.chat.completions.create().model(server.model).user("hi").tool(GetTime)
        called = typed.tool_choice("required").parse(Weather)
        assert isinstance(called.tool_calls[0].parsed_arguments, GetTime)
        with pytest.raises(LengthFinishReasonError):
            client.chat.completions.parse(
                model=server.model, messages=MSGS, response_format=Nested, max_tokens=2
            )


async def test_mock_server_parse_async(server: MockVllmServer) -> None:
    async with AsyncVllmClient(server.base_url) as client:
        resp = await client.chat.completions.parse(model=server.model, messages=MSGS, response_format=Nested)
        assert isinstance(resp.parsed, Nested)
        stream = await client.chat.completions.parse(
            model=server.model, messages=MSGS, response_format=Nested, stream=True
        )
        async with stream:
            assert isinstance((await stream.collect()).parsed, Nested)
