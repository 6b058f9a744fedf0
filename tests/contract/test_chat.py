"""API.md §2 (chat completions, both styles; ChatCompletionResponse; ToolCall) and issue 3's chat rows."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import TYPE_CHECKING, Any

import httpx
import pydantic
import pytest
from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from vllm_sdk import (
    AsyncMessageStream,
    ChatCompletionResponse,
    JsonError,
    MessageStream,
    MissingParameterError,
    ToolCall,
)

from .support import USER, Mode

if TYPE_CHECKING:
    from vllm_sdk.testing import MockVllmServer

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather of a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


def chat_json(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-7",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        **extra,
    }


class Replier:
    """A MockTransport handler answering ``body`` (and keeping the request bodies)."""

    def __init__(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self.body = body
        self.headers = headers or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json=self.body, headers=self.headers)


async def test_builder_snippet_sends_every_field(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    resp = await mode(
        client.chat.completions.create()
        .model("mock")
        .messages([{"role": "user", "content": "你好"}])
        .temperature(0.7)
        .top_p(0.9)
        .top_k(50)
        .max_tokens(512)
        .stop(["END"])
        .tools(TOOLS)
        .tool_choice("auto")
        .extra({"chat_template_kwargs": {"enable_thinking": True}})
        .send()
    )
    assert isinstance(resp, ChatCompletionResponse)
    sent = server.requests[-1].json
    assert sent["messages"] == [{"role": "user", "content": "你好"}]
    assert (sent["temperature"], sent["top_p"], sent["top_k"], sent["max_tokens"]) == (0.7, 0.9, 50, 512)
    assert (sent["stop"], sent["tools"], sent["tool_choice"]) == (["END"], TOOLS, "auto")
    assert sent["chat_template_kwargs"] == {"enable_thinking": True}
    assert "stream" not in sent
    assert resp.reasoning_content  # the mock thinks when enable_thinking is set


async def test_builder_send_stream_returns_message_stream(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    stream = await mode(client.chat.completions.create().model("mock").messages(USER).send_stream())
    assert isinstance(stream, AsyncMessageStream if mode.is_async else MessageStream)
    events = await mode.events(stream)
    assert events
    assert server.requests[-1].json["stream"] is True


async def test_keyword_style_returns_response(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    resp = await mode(client.chat.completions.create(model="mock", messages=USER))
    assert isinstance(resp, ChatCompletionResponse)
    assert resp.content


async def test_keyword_style_stream_true_returns_stream(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    stream = await mode(client.chat.completions.create(model="mock", messages=USER, stream=True))
    assert isinstance(stream, AsyncMessageStream if mode.is_async else MessageStream)
    await mode.close(stream)


async def test_vllm_parameters_are_keywords(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    await mode(
        client.chat.completions.create(
            model="mock",
            messages=USER,
            top_k=5,
            min_p=0.1,
            repetition_penalty=1.1,
            chat_template_kwargs={"enable_thinking": False},
            structured_outputs={"choice": ["yes", "no"]},
        )
    )
    sent = server.requests[-1].json
    assert (sent["top_k"], sent["min_p"], sent["repetition_penalty"]) == (5, 0.1, 1.1)
    assert sent["chat_template_kwargs"] == {"enable_thinking": False}
    assert sent["structured_outputs"] == {"choice": ["yes", "no"]}


async def test_per_call_extra_body_headers_query_timeout(mode: Mode) -> None:
    rec = Replier(chat_json({"content": "hi"}))
    client = mode.mock_client(rec)
    await mode(
        client.chat.completions.create(
            model="m",
            messages=USER,
            extra_body={"priority": 3, "new_field": [1]},
            extra_headers={"X-Per-Call": "yes"},
            extra_query={"q": "1"},
            timeout=4.0,
        )
    )
    request = rec.requests[0]
    body = json.loads(request.content)
    assert (body["priority"], body["new_field"]) == (3, [1])
    assert request.headers["x-per-call"] == "yes"
    assert request.url.params["q"] == "1"
    assert request.extensions["timeout"]["read"] == 4.0


async def test_builder_send_takes_per_call_options(mode: Mode) -> None:
    rec = Replier(chat_json({"content": "hi"}))
    client = mode.mock_client(rec)
    builder = client.chat.completions.create().model("m").messages(USER)
    await mode(builder.send(timeout=2.0, extra_headers={"X-B": "1"}, extra_query={"a": "b"}))
    request = rec.requests[0]
    assert request.extensions["timeout"]["read"] == 2.0
    assert (request.headers["x-b"], request.url.params["a"]) == ("1", "b")


@pytest.mark.parametrize("missing", ["model", "messages"])
async def test_builder_missing_parameter_before_io(mode: Mode, missing: str) -> None:
    rec = Replier(chat_json({"content": "hi"}))
    client = mode.mock_client(rec)
    builder = client.chat.completions.create()
    if missing != "model":
        builder = builder.model("m")
    if missing != "messages":
        builder = builder.messages(USER)
    with pytest.raises(MissingParameterError) as info:
        await mode(builder.send())
    with pytest.raises(MissingParameterError):
        await mode(builder.send_stream())
    assert info.value.parameter == missing
    assert isinstance(info.value, ValueError)
    assert rec.requests == []


async def test_keyword_missing_parameter_before_io(mode: Mode) -> None:
    rec = Replier(chat_json({"content": "hi"}))
    client = mode.mock_client(rec)
    with pytest.raises(MissingParameterError):
        await mode(client.chat.completions.create(messages=USER))
    with pytest.raises(MissingParameterError):
        await mode(client.chat.completions.create(model="m", stream=True))
    assert rec.requests == []


async def test_builder_and_keyword_bodies_byte_identical(mode: Mode) -> None:
    rec = Replier(chat_json({"content": "hi"}))
    client = mode.mock_client(rec)
    await mode(
        client.chat.completions.create()
        .max_tokens(8)
        .messages(USER)
        .temperature(0.5)
        .model("m")
        .top_k(3)
        .extra({"chat_template_kwargs": {"enable_thinking": True}})
        .send()
    )
    await mode(
        client.chat.completions.create(
            model="m",
            temperature=0.5,
            top_k=3,
            messages=USER,
            max_tokens=8,
            extra_body={"chat_template_kwargs": {"enable_thinking": True}},
        )
    )
    assert rec.requests[0].content == rec.requests[1].content


async def test_conveniences_system_user_message_tool_thinking(mode: Mode) -> None:
    rec = Replier(chat_json({"content": "hi"}))
    client = mode.mock_client(rec)
    await mode(
        client.chat.completions.create()
        .model("m")
        .system("Be brief.")
        .user("Hi")
        .message("assistant", "Hello")
        .tool(TOOLS[0]["function"])
        .thinking(True)
        .extra({"chat_template_kwargs": {"other": 1}})
        .send()
    )
    body = json.loads(rec.requests[0].content)
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant"]
    assert body["tools"] == TOOLS
    assert body["chat_template_kwargs"] == {"enable_thinking": True, "other": 1}


async def test_stream_options_convenience(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    stream = await mode(
        client.chat.completions.create()
        .model("mock")
        .messages(USER)
        .stream_options(include_usage=True, continuous_usage_stats=True)
        .send_stream()
    )
    await mode.events(stream)
    assert server.requests[-1].json["stream_options"] == {
        "include_usage": True,
        "continuous_usage_stats": True,
    }


async def test_image_convenience_data_url(mode: Mode) -> None:
    rec = Replier(chat_json({"content": "a cat"}))
    client = mode.mock_client(rec)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    await mode(client.chat.completions.create().model("m").image(png, text="What is it?").send())
    parts = json.loads(rec.requests[0].content)["messages"][0]["content"]
    assert parts[0] == {"type": "text", "text": "What is it?"}
    url = parts[1]["image_url"]["url"]
    assert url == "data:image/png;base64," + base64.b64encode(png).decode()


async def test_image_convenience_http_url_kept(mode: Mode) -> None:
    rec = Replier(chat_json({"content": "a cat"}))
    client = mode.mock_client(rec)
    await mode(client.chat.completions.create().model("m").image("https://x.test/cat.jpg").send())
    parts = json.loads(rec.requests[0].content)["messages"][0]["content"]
    assert parts == [{"type": "image_url", "image_url": {"url": "https://x.test/cat.jpg"}}]


# ---------------------------------------------------------------- ChatCompletionResponse


async def test_response_full_model_unknown_fields_kept(mode: Mode) -> None:
    client = mode.mock_client(Replier(chat_json({"content": "hi"}, brand_new_field={"x": 1})))
    resp = await mode(client.chat.completions.create(model="m", messages=USER))
    assert (resp.id, resp.object, resp.created, resp.model) == ("chatcmpl-7", "chat.completion", 1, "m")
    assert resp.choices[0].message.content == "hi"
    assert resp.brand_new_field == {"x": 1}
    assert resp.raw["brand_new_field"] == {"x": 1}


async def test_response_shortcuts(mode: Mode) -> None:
    body = chat_json({"content": "Hello!"})
    client = mode.mock_client(Replier(body))
    resp = await mode(client.chat.completions.create(model="m", messages=USER))
    assert resp.content == "Hello!"
    assert resp.reasoning_content is None
    assert resp.finish_reason == "stop"
    assert resp.tool_calls == []
    assert not resp.has_tool_calls()
    assert resp.usage is not None
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens, resp.usage.total_tokens) == (3, 2, 5)
    assert resp.raw == body
    assert resp.assistant_message() == {"role": "assistant", "content": "Hello!"}


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content"])
async def test_reasoning_content_reads_both_fields(mode: Mode, field: str) -> None:
    client = mode.mock_client(Replier(chat_json({"content": "42", field: "Let me think."})))
    resp = await mode(client.chat.completions.create(model="m", messages=USER))
    assert (resp.reasoning_content, resp.content) == ("Let me think.", "42")
    assert resp.assistant_message() == {"role": "assistant", "content": "42"}


async def test_reasoning_content_split_from_think_block(mode: Mode) -> None:
    client = mode.mock_client(Replier(chat_json({"content": "<think>hmm, 6*7</think>\n\n42"})))
    resp = await mode(client.chat.completions.create(model="m", messages=USER))
    assert resp.reasoning_content == "hmm, 6*7"
    assert resp.content == "\n\n42"


async def test_tool_calls_round_trip(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    messages: list[dict[str, Any]] = [{"role": "user", "content": "What is the weather in Tokyo?"}]
    resp = await mode(
        client.chat.completions.create(model="mock", messages=messages, tools=TOOLS, tool_choice="required")
    )
    assert resp.has_tool_calls()
    assert resp.finish_reason == "tool_calls"
    call = resp.tool_calls[0]
    assert isinstance(call, ToolCall)
    assert call.name == "get_weather"
    assert call.id
    assert isinstance(call.arguments, str)
    assert isinstance(call.parse_args()["city"], str)
    assistant = resp.assistant_message()
    assert assistant["role"] == "assistant"
    assert assistant["tool_calls"] == [
        {"id": call.id, "type": "function", "function": {"name": "get_weather", "arguments": call.arguments}}
    ]
    messages += [assistant, call.result({"temp_c": 21})]
    final = await mode(client.chat.completions.create(model="mock", messages=messages, tools=TOOLS))
    assert final.content
    assert server.requests[-1].json["messages"][-1] == {
        "role": "tool",
        "tool_call_id": call.id,
        "content": '{"temp_c": 21}',
    }


class CityModel(pydantic.BaseModel):
    city: str
    days: int = 1


class CityDict(TypedDict):
    city: str


@dataclasses.dataclass
class CityData:
    city: str


def test_tool_call_parse_args_and_as() -> None:
    call = ToolCall(id="c1", name="get_weather", arguments='{"city": "Paris"}')
    assert call.parse_args() == {"city": "Paris"}
    assert call.parse_args_as(CityModel) == CityModel(city="Paris")
    assert call.parse_args_as(CityDict) == {"city": "Paris"}
    assert call.parse_args_as(CityData) == CityData(city="Paris")


def test_tool_call_result_message() -> None:
    call = ToolCall(id="c1", name="f", arguments="{}")
    assert call.result("sunny") == {"role": "tool", "tool_call_id": "c1", "content": "sunny"}
    assert call.result({"a": "é"}) == {"role": "tool", "tool_call_id": "c1", "content": '{"a": "é"}'}


def test_tool_call_bad_arguments_is_json_error() -> None:
    with pytest.raises(JsonError):
        ToolCall(id="c1", name="f", arguments="{not json").parse_args()
    with pytest.raises(JsonError):
        ToolCall(id="c1", name="f", arguments="[1, 2]").parse_args()


async def test_response_request_id_from_header(mode: Mode) -> None:
    client = mode.mock_client(Replier(chat_json({"content": "hi"}), headers={"x-request-id": "req-123"}))
    resp = await mode(client.chat.completions.create(model="m", messages=USER))
    assert resp.request_id == "req-123"
    legacy = {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "text": "x", "finish_reason": "length"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    client = mode.mock_client(Replier(legacy, headers={"x-request-id": "req-456"}))
    completion = await mode(client.completions.create(model="m", prompt="p"))
    assert completion.request_id == "req-456"


async def test_response_request_id_none_without_header(mode: Mode) -> None:
    client = mode.mock_client(Replier(chat_json({"content": "hi"})))
    resp = await mode(client.chat.completions.create(model="m", messages=USER))
    assert resp.request_id is None


async def test_collected_stream_request_id(mode: Mode) -> None:
    body = (
        b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,'
        b'"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    )

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream", "x-request-id": "req-789"}
        return httpx.Response(200, content=body, headers=headers)

    client = mode.mock_client(handler)
    stream = await mode(client.chat.completions.create(model="m", messages=USER, stream=True))
    assert stream.request_id == "req-789"
    resp = await mode(stream.collect())
    assert (resp.content, resp.request_id) == ("hi", "req-789")


@pytest.mark.parametrize(
    ("content", "reasoning", "answer"),
    [
        ("<think>plan</think>Hi", "plan", "Hi"),
        ("<think>unfinished", "unfinished", ""),
        ("<think></think>Hi", None, "Hi"),
        ("Hi <think>not a prefix</think>", None, "Hi <think>not a prefix</think>"),
    ],
)
async def test_think_split_in_every_choice(
    mode: Mode, content: str, reasoning: str | None, answer: str
) -> None:
    body = chat_json({"content": content})
    body["choices"].append({**body["choices"][0], "index": 1})
    client = mode.mock_client(Replier(body))
    resp = await mode(client.chat.completions.create(model="m", messages=USER, n=2))
    assert [(c.message.reasoning, c.message.content) for c in resp.choices] == [(reasoning, answer)] * 2
    assert (resp.reasoning_content, resp.content) == (reasoning, answer)
    assert resp.raw["choices"][0]["message"]["content"] == content


@pytest.mark.parametrize("option", [{"timeout": 5.0}, {"extra_headers": {"X": "1"}}, {"max_retries": 0}])
async def test_keyword_call_with_only_options_is_not_a_builder(mode: Mode, option: dict[str, Any]) -> None:
    rec = Replier(chat_json({"content": "hi"}))
    client = mode.mock_client(rec)
    with pytest.raises(MissingParameterError):  # the keyword style, missing model: never a silent builder
        await mode(client.chat.completions.create(**option))
    with pytest.raises(MissingParameterError):
        await mode(client.completions.create(**option))
    assert rec.requests == []
