"""Response parsing and the ChatCompletionResponse shortcuts."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from reference_data import transcript
from vllm_sdk import (
    ApiError,
    BadRequestError,
    ChatCompletionResponse,
    InternalServerError,
    InvalidResponseError,
    JsonError,
    ToolCall,
)
from vllm_sdk._response import parse_response
from vllm_sdk.types.chat import split_think

from .helpers import Api, chat_body

MSGS = [{"role": "user", "content": "hi"}]


def resp(**message: Any) -> ChatCompletionResponse:
    content = message.pop("content", "Hello!")
    return ChatCompletionResponse.model_validate(chat_body(content, **message))


def test_plain_content_and_metadata() -> None:
    r = resp()
    assert r.content == "Hello!"
    assert r.reasoning_content is None
    assert r.finish_reason == "stop"
    assert r.usage.total_tokens == 5
    assert r.tool_calls == []
    assert not r.has_tool_calls()
    assert r.assistant_message() == {"role": "assistant", "content": "Hello!"}


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content"])
def test_reasoning_is_read_from_either_field(field: str) -> None:
    r = resp(content="Answer", **{field: "Because."})
    assert (r.reasoning_content, r.content) == ("Because.", "Answer")


@pytest.mark.parametrize(
    ("content", "reasoning", "rest"),
    [
        ("<think>pondering</think>\n\nAnswer", "pondering", "\n\nAnswer"),
        ("<think>cut short by max_tokens", "cut short by max_tokens", ""),
        ("<think></think>Answer", None, "Answer"),  # as a stream: no Reasoning event for an empty block
        ("No think here <think>x</think>", None, "No think here <think>x</think>"),
        (" <think>x</think>y", None, " <think>x</think>y"),
    ],
)
def test_think_block_in_content_is_split_off(content: str, reasoning: str | None, rest: str) -> None:
    r = resp(content=content)
    assert (r.reasoning_content, r.content) == (reasoning, rest)
    assert split_think(content) == (reasoning, rest)


def test_server_side_reasoning_wins_over_think_tags() -> None:
    r = resp(content="<think>x</think>y", reasoning="server")
    assert (r.reasoning_content, r.content) == ("server", "<think>x</think>y")


def test_tool_calls_and_assistant_message() -> None:
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }
    r = resp(content=None, tool_calls=[call])
    assert r.has_tool_calls()
    (tool_call,) = r.tool_calls
    assert isinstance(tool_call, ToolCall)
    assert (tool_call.id, tool_call.name, tool_call.parse_args()) == ("c1", "get_weather", {"city": "Paris"})

    class Args(BaseModel):
        city: str

    assert tool_call.parse_args_as(Args) == Args(city="Paris")
    assert r.assistant_message() == {"role": "assistant", "content": None, "tool_calls": [call]}
    assert tool_call.result("sunny") == {"role": "tool", "tool_call_id": "c1", "content": "sunny"}


def test_no_choices_gives_none_shortcuts() -> None:
    body = chat_body()
    body["choices"] = []
    r = ChatCompletionResponse.model_validate(body)
    assert (r.content, r.reasoning_content, r.finish_reason, r.tool_calls) == (None, None, None, [])
    assert not r.has_tool_calls()


def test_raw_is_the_decoded_body_with_unknown_fields() -> None:
    body = chat_body()
    body["brand_new_field"] = {"x": [1, 2]}
    raw_bytes = json.dumps(body).encode()
    r = parse_response(ChatCompletionResponse, raw_bytes)
    assert r.raw == body
    assert r.model_extra == {"brand_new_field": {"x": [1, 2]}}
    # Built from a dict (as a collected stream is), raw still gives the fields that were set.
    assert ChatCompletionResponse.model_validate(body).raw["brand_new_field"] == {"x": [1, 2]}


@pytest.mark.parametrize("body", [b"", b"   ", b"<html>502</html>", b'{"id": ', b"\xff\xfe"])
def test_invalid_json_is_a_json_error(api: Api, body: bytes) -> None:
    client = api.make(httpx.Response(200, content=body))
    with pytest.raises(JsonError):
        api.run(client.chat.completions.create(model="m", messages=MSGS))


@pytest.mark.parametrize("body", [[], {"choices": "nope"}, {"id": "x"}, 3])
def test_wrong_shape_is_an_invalid_response_error(api: Api, body: Any) -> None:
    client = api.make(httpx.Response(200, json=body))
    with pytest.raises(InvalidResponseError, match="ChatCompletionResponse") as info:
        api.run(client.chat.completions.create(model="m", messages=MSGS))
    assert info.value.__cause__ is not None


def test_parse_errors_are_not_retried(api: Api) -> None:
    client = api.make(httpx.Response(200, content=b"not json"))
    with pytest.raises(JsonError):
        api.run(client.chat.completions.create(model="m", messages=MSGS))
    assert len(api.sent) == 1


def _transcript_json(name: str) -> bytes:
    raw = transcript(f"{name}.http").read_bytes()
    return raw.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[1]


@pytest.mark.parametrize(
    ("name", "content", "reasoning", "tools"),
    [
        ("A10_chat_nonstream", None, None, 0),
        ("B10_reasoning_nonstream", "\n\nHello! I am a tiny test model. How can I help you today?", None, 0),
        (
            "A20_tools_auto_nonstream",
            "\n\n",
            "\nThe user wants the weather in Paris. I will call get_weather.\n",
            1,
        ),
        ("A20d_tools_auto_parallel_nonstream", None, None, 2),
    ],
)
def test_real_vllm_bodies(name: str, content: str | None, reasoning: str | None, tools: int) -> None:
    body = _transcript_json(name)
    r = parse_response(ChatCompletionResponse, body)
    assert r.raw == json.loads(body)
    if content is not None:
        assert r.content == content
    if reasoning is not None:
        assert r.reasoning_content == reasoning
    if name == "B10_reasoning_nonstream":
        assert r.reasoning_content == "\nThe user greets me. I will greet back.\n"
    assert len(r.tool_calls) == tools
    for call in r.tool_calls:
        assert isinstance(call.parse_args(), dict)


@pytest.mark.parametrize(
    ("body", "cls", "status"),
    [
        (
            {"error": {"message": "prompt too long", "type": "BadRequestError", "code": 400}},
            BadRequestError,
            400,
        ),
        (
            {"object": "error", "message": "engine died", "type": "InternalServerError"},
            InternalServerError,
            500,
        ),
    ],
)
def test_an_error_body_with_a_2xx_status_is_an_api_error(
    api: Api, body: dict[str, Any], cls: type[ApiError], status: int
) -> None:
    client = api.make(httpx.Response(200, json=body))
    with pytest.raises(cls) as info:
        api.run(client.chat.completions.create(model="m", messages=MSGS))
    assert info.value.status_code == status
    assert info.value.message in ("prompt too long", "engine died")
