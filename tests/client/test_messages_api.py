"""``client.messages``: create (keyword and builder), streams, count_tokens and errors; sync and async,
over a scripted transport (vLLM 0.32.0's recorded bodies) and end to end against the mock server."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from pydantic import BaseModel

from vllm_sdk import (
    AnthropicMessage,
    AnthropicMessageStream,
    AsyncAnthropicMessageStream,
    AsyncVllmClient,
    BadRequestError,
    Content,
    Done,
    Error,
    MessageTokenCount,
    MissingParameterError,
    NotFoundError,
    Reasoning,
    StreamError,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
    VllmClient,
)
from vllm_sdk.testing import MockVllmServer
from vllm_sdk.testing._messages import ERROR_HEADER

from .helpers import BASE, Api

if TYPE_CHECKING:
    from collections.abc import Iterator

DATA = Path(__file__).resolve().parents[1] / "data" / "messages"
HELLO = [{"role": "user", "content": "Hello"}]


def _body(name: str) -> bytes:
    raw = (DATA / f"{name}.http").read_bytes()
    return raw[raw.index(b"\r\n\r\n") + 4 :]


def _json_reply(name: str) -> httpx.Response:
    return httpx.Response(200, content=_body(name), headers={"content-type": "application/json"})


def _stream_reply(name: str) -> httpx.Response:
    return httpx.Response(200, content=_body(name), headers={"content-type": "text/event-stream"})


def _sent(api: Api, i: int = -1) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(api.bodies[i])
    return body


class GetWeather(BaseModel):
    """Weather of a city."""

    city: str


# ---------------------------------------------------------------- scripted transport


def test_keyword_create_sends_the_body_and_parses_the_message(api: Api) -> None:
    client = api.make(_json_reply("A53_anthropic_messages"))
    message = api.run(client.messages.create(model="tiny", max_tokens=40, messages=HELLO, system="Be brief."))
    assert isinstance(message, AnthropicMessage)
    assert str(api.sent[0].url) == f"{BASE}/messages"
    assert _sent(api) == {"model": "tiny", "max_tokens": 40, "messages": HELLO, "system": "Be brief."}
    assert message.text.startswith("\n\nHello!")
    assert message.reasoning_content == "\nThe user greets me. I will greet back.\n"
    assert message.stop_reason == "end_turn"
    assert message.raw["usage"] == {"input_tokens": 12, "output_tokens": 31}
    api.close(client)


def test_builder_is_copy_on_write_and_sends_the_same_body(api: Api) -> None:
    client = api.make(_json_reply("A53_anthropic_messages"), _json_reply("A53_anthropic_messages"))
    base = client.messages.create().model("tiny").max_tokens(40)
    first = base.user("Hello").tool(GetWeather).tool_choice({"type": "auto"})
    second = base.user("Other").thinking(16).extra({"top_k": 5})
    assert base.to_dict() == {"model": "tiny", "max_tokens": 40}
    assert first.to_dict()["tools"] == [
        {
            "name": "GetWeather",
            "description": "Weather of a city.",
            "input_schema": GetWeather.model_json_schema() | {"additionalProperties": False},
        }
    ]
    assert second.to_dict() == {
        "model": "tiny",
        "max_tokens": 40,
        "messages": [{"role": "user", "content": "Other"}],
        "thinking": {"type": "enabled", "budget_tokens": 16},
        "top_k": 5,
    }
    copied = copy.deepcopy(first)
    assert copied.to_dict() == first.to_dict()
    message = api.run(base.user("Hello").send())
    assert _sent(api) == {"model": "tiny", "max_tokens": 40, "messages": HELLO}
    assert message.id == "chatcmpl-8d31f72200873167"
    api.close(client)


def test_missing_required_fields_raise_before_any_io(api: Api) -> None:
    client = api.make()
    with pytest.raises(MissingParameterError, match="max_tokens") as info:
        client.messages.create(model="tiny", messages=HELLO)
    assert info.value.parameter == "max_tokens"
    with pytest.raises(MissingParameterError, match="messages"):
        client.messages.create(model="tiny", max_tokens=5, messages=[])
    with pytest.raises(MissingParameterError, match="model"):
        api.run(client.messages.create().max_tokens(5).user("x").send())
    assert api.sent == []
    api.close(client)


def test_stream_maps_events_and_collects_the_message(api: Api) -> None:
    client = api.make(_stream_reply("B21_anthropic_messages_reasoning_stream"))
    stream = api.run(client.messages.create(model="tiny", max_tokens=64, messages=HELLO, stream=True))
    assert isinstance(stream, (AnthropicMessageStream, AsyncAnthropicMessageStream))
    assert _sent(api)["stream"] is True
    if api.is_async:

        async def consume() -> tuple[list[Any], AnthropicMessage]:
            events = [event async for event in stream]
            return events, await stream.collect()

        events, message = api.run(consume())
    else:
        events = list(stream)
        message = stream.collect()
    assert {type(e) for e in events} == {Reasoning, Content, Usage, Done}
    assert "".join(e.text for e in events if type(e) is Content) == message.text
    assert message.content[0].type == "thinking"
    assert message.reasoning_content == "".join(e.text for e in events if type(e) is Reasoning)
    api.close(client)


def test_raw_events_are_the_anthropic_events(api: Api) -> None:
    client = api.make(_stream_reply("A53b_anthropic_messages_stream"))
    stream = api.run(client.messages.create().model("tiny").max_tokens(20).user("Hello").send_stream())
    if api.is_async:

        async def consume() -> list[Any]:
            return [event async for event in stream.raw_events()]

        raw = api.run(consume())
    else:
        raw = list(stream.raw_events())
    assert raw[0].type == "message_start"
    assert raw[0].message["id"] == "chatcmpl-ac35482efd74e390"
    assert raw[-2].type == "message_delta"
    assert raw[-2].delta == {"stop_reason": "max_tokens", "stop_sequence": None}
    assert raw[-1].type == "message_stop"
    api.close(client)


def test_anthropic_error_body_becomes_a_typed_api_error(api: Api) -> None:
    # vLLM's translate_error_response: {"type": "error", "error": {"type", "message"}} with the status.
    body = {"type": "error", "error": {"type": "NotFoundError", "message": "The model `x` does not exist."}}
    client = api.make(httpx.Response(404, json=body), max_retries=0)
    with pytest.raises(NotFoundError) as info:
        api.run(client.messages.create(model="x", max_tokens=5, messages=HELLO))
    assert info.value.status_code == 404
    assert "does not exist" in str(info.value)
    api.close(client)


def test_count_tokens(api: Api) -> None:
    reply = httpx.Response(200, json={"input_tokens": 12}, headers={"x-request-id": "r1"})
    client = api.make(reply, httpx.Response(200, json={"input_tokens": 12}))
    count = api.run(client.messages.count_tokens(model="tiny", messages=HELLO))
    assert isinstance(count, MessageTokenCount)
    assert count.input_tokens == 12
    assert count.request_id == "r1"
    assert str(api.sent[0].url) == f"{BASE}/messages/count_tokens"
    # The builder leaves max_tokens out of the count request.
    api.run(client.messages.create().model("tiny").max_tokens(9).user("Hello").count_tokens())
    assert _sent(api) == {"model": "tiny", "messages": HELLO}
    api.close(client)


# ---------------------------------------------------------------- end to end (mock server)


@pytest.fixture(scope="module")
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


def test_mock_plain_and_streamed_agree(server: MockVllmServer) -> None:
    with VllmClient(server.base_url) as client:
        message = client.messages.create(model=server.model, max_tokens=30, messages=HELLO)
        assert message.text
        assert message.stop_reason in ("end_turn", "max_tokens")
        assert message.usage is not None
        with client.messages.create(model=server.model, max_tokens=30, messages=HELLO, stream=True) as stream:
            events = list(stream)
            final = stream.collect()
        assert "".join(e.text for e in events if type(e) is Content) == final.text == message.text
        assert next(e for e in events if type(e) is Usage).completion_tokens == final.usage.output_tokens  # type: ignore[union-attr]
        assert type(events[-1]) is Done
        count = client.messages.count_tokens(model=server.model, messages=HELLO)
        assert count.input_tokens == message.usage.input_tokens


def test_mock_tool_use_streamed_and_not(server: MockVllmServer) -> None:
    with VllmClient(server.base_url) as client:
        request = (
            client.messages.create()
            .model(server.model)
            .max_tokens(200)
            .user("Weather in Paris?")
            .tool(GetWeather)
            .tool_choice({"type": "any"})
        )
        message = request.send()
        assert message.stop_reason == "tool_use"
        (call,) = message.tool_calls
        assert call.name == "GetWeather"
        assert call.parse_args_as(GetWeather).city
        with request.send_stream() as stream:
            events = list(stream)
            final = stream.collect()
        deltas = [e for e in events if type(e) is ToolCallDelta]
        assert deltas[0].name == "GetWeather"
        (complete,) = [e for e in events if type(e) is ToolCallComplete]
        assert complete.tool_call.parse_args_as(GetWeather).city
        assert final.tool_calls[0].arguments == complete.tool_call.arguments


async def test_mock_async_thinking_stream(server: MockVllmServer) -> None:
    async with AsyncVllmClient(server.base_url) as client:
        stream = await client.messages.create(
            model=server.model,
            max_tokens=200,
            messages=HELLO,
            thinking={"type": "enabled", "budget_tokens": 50},
            stream=True,
        )
        async with stream:
            kinds = [type(e) async for e in stream]
            final = await stream.collect()
        assert {Reasoning, Content, Usage, Done} <= set(kinds)
        assert kinds.index(Reasoning) < kinds.index(Content)
        assert final.content[0].type == "thinking"
        assert final.content[0].signature
        assert final.reasoning_content
        plain = await client.messages.create(
            model=server.model,
            max_tokens=200,
            messages=HELLO,
            thinking={"type": "enabled", "budget_tokens": 50},
        )
        assert plain.reasoning_content == final.reasoning_content
        count = await client.messages.count_tokens(model=server.model, messages=HELLO)
        assert count.input_tokens > 0


def test_mock_error_event_mid_stream(server: MockVllmServer) -> None:
    with VllmClient(server.base_url) as client:
        with client.messages.create(
            model=server.model, max_tokens=30, messages=HELLO, stream=True, extra_headers={ERROR_HEADER: "1"}
        ) as stream:
            events = list(stream)
            assert type(events[-1]) is Error
            assert events[-1].error.error_type == "internal_error"  # type: ignore[attr-defined]
            with pytest.raises(StreamError):
                stream.collect()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"model": "nope", "max_tokens": 5, "messages": HELLO}, NotFoundError),
        ({"max_tokens": 5, "messages": [{"role": "robot", "content": "x"}]}, BadRequestError),
        ({"max_tokens": -1, "messages": HELLO}, BadRequestError),
    ],
)
def test_mock_errors_use_the_anthropic_shape(
    server: MockVllmServer, body: dict[str, Any], error: type[Exception]
) -> None:
    raw = httpx.post(f"{server.base_url}/messages", json=body)
    assert raw.json()["type"] == "error"
    assert set(raw.json()["error"]) == {"type", "message"}
    with VllmClient(server.base_url, max_retries=0) as client, pytest.raises(error):
        client.messages.create(**{"model": server.model, **body})
