"""``with_raw_response`` / ``with_streaming_response`` on generated and hand-written resources and on the
client's own routes, sync and async, over a scripted transport."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from vllm_sdk import (
    AsyncRawResponse,
    AsyncStreamedRawResponse,
    AsyncVllmClient,
    ChatCompletionResponse,
    JsonError,
    MessageStream,
    NotFoundError,
    RawResponse,
    Response,
    StreamedRawResponse,
    VllmClient,
)
from vllm_sdk.types import ModelList

from .helpers import BASE, ChunkStream, Script, chat_body, delta_chunk, sse

HEADERS = {"content-type": "application/json", "x-request-id": "req-42"}
ARGS: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def _json(body: dict[str, Any], status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"x-request-id": "req-42"})


def _sse_reply() -> Any:
    body = sse(delta_chunk("Hel"), delta_chunk("lo", "stop"))
    # A function of the request: the scripted transport copies (reads) canned responses, not these.
    return lambda _request: httpx.Response(
        200, stream=ChunkStream(body), headers={"content-type": "text/event-stream"}
    )


def _sync(*replies: Any) -> tuple[VllmClient, Script]:
    script = Script(list(replies))
    client = VllmClient(BASE, http_client=httpx.Client(transport=httpx.MockTransport(script)))
    client._sleep = lambda _: None
    return client, script


def _async(*replies: Any) -> tuple[AsyncVllmClient, Script]:
    script = Script(list(replies))
    client = AsyncVllmClient(BASE, http_client=httpx.AsyncClient(transport=httpx.MockTransport(script)))

    async def no_sleep(_: float) -> None:
        return None

    client._sleep = no_sleep
    return client, script


class City(BaseModel):
    name: str


# ---------------------------------------------------------------- sync


def test_raw_chat_create_exposes_the_answer_and_parses_lazily_once() -> None:
    client, script = _sync(httpx.Response(503, json={"error": {"message": "busy"}}), _json(chat_body()))
    raw = client.chat.completions.with_raw_response.create(**ARGS)
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200
    assert raw.request_id == "req-42"
    assert raw.headers["x-request-id"] == "req-42"
    assert raw.retries_taken == 1
    assert raw.elapsed >= 0
    assert raw.http_request.url == f"{BASE}/chat/completions"
    assert raw.http_response.status_code == 200
    assert raw.method == "POST"
    assert raw.json()["choices"][0]["message"]["content"] == "Hello!"
    assert b'"Hello!"' in raw.content
    assert "Hello!" in raw.text
    parsed = raw.parse()
    assert isinstance(parsed, ChatCompletionResponse)
    assert parsed.content == "Hello!"
    assert parsed.request_id == "req-42"
    assert raw.parse() is parsed
    assert len(script.sent) == 2  # the retry; parse() sends nothing
    assert "RawResponse [200] POST" in repr(raw)


def test_raw_errors_stay_typed() -> None:
    client, _ = _sync(httpx.Response(404, json={"error": {"message": "no such model", "code": 404}}))
    with pytest.raises(NotFoundError):
        client.chat.completions.with_raw_response.create(**ARGS)


def test_raw_parse_validation_error_is_raised_by_parse_not_by_the_call() -> None:
    client, _ = _sync(_json({"unexpected": True}))
    raw = client.chat.completions.with_raw_response.create(**ARGS)
    assert raw.json() == {"unexpected": True}
    with pytest.raises(Exception, match="ChatCompletionResponse"):
        raw.parse()


def test_raw_json_of_a_non_json_body_is_a_json_error() -> None:
    client, _ = _sync(httpx.Response(200, text="plain", headers={"content-type": "text/plain"}))
    raw = client.chat.completions.with_raw_response.create(**ARGS)
    with pytest.raises(JsonError):
        raw.json()


def test_raw_stream_parses_into_the_sdk_stream() -> None:
    client, script = _sync(_sse_reply())
    raw = client.chat.completions.with_raw_response.create(**ARGS, stream=True)
    assert raw.headers["content-type"] == "text/event-stream"
    stream = raw.parse()
    assert isinstance(stream, MessageStream)
    with stream:
        assert stream.collect().content == "Hello"
    assert b'"stream":true' in script.bodies[0]


def test_streaming_response_reads_the_body_lazily_and_closes_it() -> None:
    client, _ = _sync(_sse_reply())
    manager = client.chat.completions.with_streaming_response.create(**ARGS, stream=True)
    with manager as raw:
        assert isinstance(raw, StreamedRawResponse)
        assert not raw.http_response.is_stream_consumed
        lines = [line for line in raw.iter_lines() if line]
    assert lines[0].startswith("data: ")
    assert lines[-1] == "data: [DONE]"
    assert raw.http_response.is_closed


def test_streaming_response_parse_of_a_json_route_and_of_a_stream() -> None:
    body = json.dumps(chat_body("Hi")).encode()
    unread = lambda _request: httpx.Response(200, stream=ChunkStream(body))  # noqa: E731
    client, script = _sync(unread, _sse_reply())
    with client.chat.completions.with_streaming_response.create(**ARGS) as raw:
        assert script.sent[0].headers["accept"] == "application/json"
        assert not raw.http_response.is_stream_consumed
        assert raw.parse().content == "Hi"
        assert raw.json()["id"] == "chatcmpl-1"
    with client.chat.completions.with_streaming_response.create(**ARGS, stream=True) as raw:
        assert raw.parse().collect().content == "Hello"


def test_raw_on_hand_written_parse_and_responses() -> None:
    client, _ = _sync(_json(chat_body('{"name": "Paris"}')), _json(_response_body()))
    raw = client.chat.completions.with_raw_response.parse(**ARGS, response_format=City)
    assert raw.parse().parsed == City(name="Paris")
    raw_response = client.responses.with_raw_response.create(model="m", input="hi")
    assert raw_response.request_id == "req-42"
    parsed = raw_response.parse()
    assert isinstance(parsed, Response)
    assert parsed.output_text == "Hi there"


def test_raw_on_the_clients_own_routes_and_sub_resources() -> None:
    client, _ = _sync(
        _json({"object": "list", "data": []}), _json({"tokens": [1, 2], "count": 2, "max_model_len": 8})
    )
    raw = client.models.with_raw_response.list()
    assert isinstance(raw.parse(), ModelList)
    tokens = client.with_raw_response.tokenize(model="m", prompt="hi")
    assert tokens.parse().tokens == [1, 2]


def test_a_builder_call_is_refused_with_a_clear_error() -> None:
    client, script = _sync(_json(chat_body()))
    with pytest.raises(TypeError, match="keywords"):
        client.chat.completions.with_raw_response.create()
    assert script.sent == []
    with pytest.raises(AttributeError):
        client.chat.completions.with_raw_response.no_such_method  # noqa: B018


def _response_body() -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "model": "m",
        "status": "completed",
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": "Hi there", "annotations": []}],
            }
        ],
    }


# ---------------------------------------------------------------- async


def test_async_raw_and_streaming_responses() -> None:
    async def main() -> None:
        client, script = _async(
            httpx.Response(503, json={"error": {"message": "busy"}}),
            _json(chat_body()),
            _sse_reply(),
            _json(chat_body("Hi")),
            _json(_response_body()),
        )
        async with client:
            raw = await client.chat.completions.with_raw_response.create(**ARGS)
            assert isinstance(raw, AsyncRawResponse)
            assert (raw.status_code, raw.request_id, raw.retries_taken) == (200, "req-42", 1)
            parsed = await raw.parse()
            assert parsed.content == "Hello!"
            assert await raw.parse() is parsed
            assert (await raw.json())["id"] == "chatcmpl-1"
            assert "Hello!" in await raw.text()

            async with client.chat.completions.with_streaming_response.create(**ARGS, stream=True) as sraw:
                assert isinstance(sraw, AsyncStreamedRawResponse)
                lines = [line async for line in sraw.iter_lines() if line]
            assert lines[-1] == "data: [DONE]"
            assert sraw.http_response.is_closed

            async with client.chat.completions.with_streaming_response.create(**ARGS) as sraw:
                assert (await sraw.parse()).content == "Hi"

            rraw = await client.responses.with_raw_response.create(model="m", input="hi")
            assert (await rraw.parse()).output_text == "Hi there"
        assert len(script.sent) == 5

    asyncio.run(main())


def test_async_raw_errors_stay_typed_and_builders_are_refused() -> None:
    async def main() -> None:
        client, _ = _async(httpx.Response(404, json={"error": {"message": "nope", "code": 404}}))
        async with client:
            with pytest.raises(NotFoundError):
                await client.chat.completions.with_raw_response.create(**ARGS)
            with pytest.raises(TypeError, match="keywords"):
                await client.chat.completions.with_raw_response.create()
            tokens = client.with_raw_response
            assert callable(tokens.tokenize)

    asyncio.run(main())


def test_raw_call_of_a_route_with_query_parameters_sends_them() -> None:
    client, script = _sync(_json({"status": "sleeping", "level": 2}))
    raw = client.with_raw_response.sleep(level=2, mode="wait")
    assert raw.http_response.request.url.params["level"] == "2"
    assert raw.http_response.request.url.params["mode"] == "wait"
    assert raw.parse().level == 2
    assert len(script.sent) == 1


def test_sub_resources_are_reached_through_the_clients_views_as_in_openai_python() -> None:
    client, script = _sync(_json(chat_body()), _sse_reply(), _json({"object": "list", "data": []}))
    raw = client.with_raw_response.chat.completions.create(**ARGS)
    assert isinstance(raw, RawResponse)
    assert raw.parse().content == "Hello!"
    with client.with_streaming_response.chat.completions.create(**ARGS, stream=True) as sraw:
        assert isinstance(sraw, StreamedRawResponse)
        lines = [line for line in sraw.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    # The resource's own view reaches its children the same way.
    assert isinstance(client.with_raw_response.models.list().parse(), ModelList)
    assert [str(r.url) for r in script.sent] == [
        f"{BASE}/chat/completions",
        f"{BASE}/chat/completions",
        f"{BASE}/models",
    ]


def test_async_sub_resources_are_reached_through_the_clients_views() -> None:
    async def main() -> None:
        client, script = _async(_json(chat_body()), _sse_reply())
        async with client:
            raw = await client.with_raw_response.chat.completions.create(**ARGS)
            assert isinstance(raw, AsyncRawResponse)
            assert (await raw.parse()).content == "Hello!"
            async with client.chat.with_streaming_response.completions.create(**ARGS, stream=True) as sraw:
                assert isinstance(sraw, AsyncStreamedRawResponse)
                lines = [line async for line in sraw.iter_lines() if line]
            assert lines[-1] == "data: [DONE]"
        assert len(script.sent) == 2

    asyncio.run(main())
