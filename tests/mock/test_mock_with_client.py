"""The SDK clients against the mock: responses, streams, tool calls, retries and error mapping via faults."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import (
    AsyncVllmClient,
    AuthenticationError,
    Content,
    Done,
    Error,
    InternalServerError,
    ModelNotFoundError,
    RateLimitError,
    Reasoning,
    StreamError,
    ToolCallComplete,
    VllmClient,
    VllmTimeoutError,
)
from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import Iterator

MESSAGES = [{"role": "user", "content": "Hello"}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


def fault(spec: str, **extra: str) -> dict[str, Any]:
    return {"extra_headers": {"x-mock-fault": spec, **extra}}


def test_chat_and_stream_agree(server: MockVllmServer) -> None:
    with VllmClient(server.base_url, max_retries=0) as client:
        resp = client.chat.completions.create(model="mock", messages=MESSAGES, seed=3)
        assert resp.content
        assert resp.finish_reason == "stop"
        stream = client.chat.completions.create(model="mock", messages=MESSAGES, seed=3, stream=True)
        assert stream.collect_content() == resp.content


def test_reasoning_stream(server: MockVllmServer) -> None:
    with VllmClient(server.base_url) as client:
        events = list(
            client.chat.completions.create(
                model="mock", messages=MESSAGES, stream=True, chat_template_kwargs={"enable_thinking": True}
            )
        )
    kinds = [type(e) for e in events]
    assert kinds.index(Reasoning) < kinds.index(Content)
    assert isinstance(events[-1], Done)


def test_tool_call_round_trip(server: MockVllmServer) -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Use get_weather for Paris"}]
    with VllmClient(server.base_url) as client:
        stream = client.chat.completions.create(model="mock", messages=messages, tools=[WEATHER], stream=True)
        calls = [e.tool_call for e in stream if isinstance(e, ToolCallComplete)]
        assert [c.name for c in calls] == ["get_weather"]
        args = calls[0].parse_args()
        assert isinstance(args["city"], str)
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": calls[0].id,
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": calls[0].arguments},
                    }
                ],
            }
        )
        messages.append(calls[0].result({"temperature": 21}))
        final = client.chat.completions.create(model="mock", messages=messages, tools=[WEATHER])
        assert final.finish_reason == "stop"
        assert final.content
        assert not final.has_tool_calls()
    last = server.requests[-1].json
    assert last["messages"][-1]["role"] == "tool"
    assert json.loads(last["messages"][-1]["content"]) == {"temperature": 21}


def test_client_retries_through_injected_503s(server: MockVllmServer) -> None:
    with VllmClient(server.base_url, max_retries=2) as client:
        expected = client.chat.completions.create(model="mock", messages=MESSAGES, max_tokens=8).content
        server.reset()
        resp = client.chat.completions.create(
            model="mock", messages=MESSAGES, max_tokens=8, **fault("status=503:2")
        )
        assert resp.content == expected  # the answer of the third attempt, the same as without faults
    # three attempts of the very same request: two 503s, then the answer
    sent = [(r.method, r.path, r.json, r.headers["x-mock-fault"]) for r in server.requests]
    body = {"model": "mock", "messages": MESSAGES, "max_tokens": 8}
    assert sent == [("POST", "/v1/chat/completions", body, "status=503:2")] * 3
    with VllmClient(server.base_url, max_retries=1) as client, pytest.raises(InternalServerError) as info:
        client.chat.completions.create(model="mock", messages=MESSAGES, **fault("status=500"))
    assert info.value.status_code == 500


def test_rate_limit_and_auth_and_unknown_model() -> None:
    with MockVllmServer(api_key="k") as srv:
        with VllmClient(srv.base_url, api_key="k", max_retries=0) as client:
            with pytest.raises(RateLimitError):
                client.chat.completions.create(model="mock", messages=MESSAGES, **fault("rate_limit"))
            with pytest.raises(ModelNotFoundError):
                client.chat.completions.create(model="nope", messages=MESSAGES)
        with (
            VllmClient(srv.base_url, api_key="wrong", max_retries=0) as client,
            pytest.raises(AuthenticationError),
        ):
            client.models.list()


def test_stream_faults_surface_as_sdk_errors(server: MockVllmServer) -> None:
    with VllmClient(server.base_url, max_retries=0, timeout=2.0) as client:
        events = list(
            client.chat.completions.create(
                model="mock", messages=MESSAGES, stream=True, **fault("error_event_after=2")
            )
        )
        assert any(isinstance(e, Error) for e in events)
        with pytest.raises(StreamError):
            list(
                client.chat.completions.create(
                    model="mock", messages=MESSAGES, stream=True, **fault("malformed_after=2")
                )
            )


def test_stall_becomes_a_timeout(server: MockVllmServer) -> None:
    with VllmClient(server.base_url, max_retries=0, timeout=0.3) as client, pytest.raises(VllmTimeoutError):
        client.chat.completions.create(model="mock", messages=MESSAGES, **fault("stall"))


async def test_async_client() -> None:
    async with MockVllmServer() as srv, AsyncVllmClient(srv.base_url, max_retries=2) as client:
        resp = await client.chat.completions.create(model="mock", messages=MESSAGES, **fault("status=503:1"))
        # the 503 was retried: two identical attempts reached the server, the second answered
        attempts = [(r.path, r.json) for r in srv.requests]
        assert attempts == [("/v1/chat/completions", {"model": "mock", "messages": MESSAGES})] * 2
        retried = await client.chat.completions.create(model="mock", messages=MESSAGES)
        assert resp.content == retried.content  # the mock answers the same request the same way
        stream = await client.chat.completions.create(model="mock", messages=MESSAGES, stream=True)
        text = await stream.collect_content()
        assert text
