"""Streaming through the clients: status checked before the stream starts, retries only before it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from vllm_sdk import (
    AsyncMessageStream,
    CompletionStream,
    Content,
    Done,
    FinishReason,
    InternalServerError,
    MessageStream,
    StreamError,
    VllmTimeoutError,
)

from .helpers import Api, delta_chunk, sse

MSGS = [{"role": "user", "content": "hi"}]


def stream_reply(*chunks: dict[str, Any] | str, done: bool = True) -> httpx.Response:
    body = sse(*chunks) if done else sse(*chunks).rsplit(b"data: [DONE]", 1)[0]
    return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})


GOOD = stream_reply(delta_chunk("Hel"), delta_chunk("lo", "stop"))


def collect(api: Api, client: Any, **kwargs: Any) -> tuple[list[Any], Any]:
    """Open a chat stream and read it whole; returns (events, collected response)."""
    if api.is_async:

        async def run() -> tuple[list[Any], Any]:
            stream = await client.chat.completions.create(model="m", messages=MSGS, stream=True, **kwargs)
            assert isinstance(stream, AsyncMessageStream)
            async with stream:
                events = [event async for event in stream]
                return events, await stream.collect()

        return asyncio.run(run())
    stream = client.chat.completions.create(model="m", messages=MSGS, stream=True, **kwargs)
    assert isinstance(stream, MessageStream)
    with stream:
        events = list(stream)
        return events, stream.collect()


def test_stream_events_and_collect(api: Api) -> None:
    client = api.make(GOOD)
    events, final = collect(api, client)
    assert events == [Content("Hel", 0), Content("lo", 0), FinishReason("stop", 0, None), Done()]
    assert final.content == "Hello"
    assert final.finish_reason == "stop"
    request = api.sent[0]
    assert request.headers["accept"] == "text/event-stream"
    assert json.loads(api.bodies[0])["stream"] is True


def test_stream_error_status_is_mapped_and_retried_before_streaming(api: Api) -> None:
    client = api.make(httpx.Response(503, json={"error": {"message": "busy"}}), GOOD)
    _, final = collect(api, client)
    assert final.content == "Hello"
    assert len(api.sent) == 2


def test_stream_error_status_raises_the_api_error(api: Api) -> None:
    client = api.make(httpx.Response(500, json={"error": {"message": "boom"}}), max_retries=0)
    with pytest.raises(InternalServerError, match="boom"):
        collect(api, client)


def test_a_truncated_stream_is_never_retried(api: Api) -> None:
    client = api.make(stream_reply(delta_chunk("partial"), done=False), GOOD)
    with pytest.raises(StreamError):
        collect(api, client)
    assert len(api.sent) == 1


def test_connection_failure_before_headers_is_retried_for_streams(api: Api) -> None:
    client = api.make(httpx.ConnectError("refused"), GOOD)
    _, final = collect(api, client)
    assert final.content == "Hello"
    assert len(api.sent) == 2


def test_builder_send_stream_and_completion_stream() -> None:
    api = Api("sync")
    client = api.make(GOOD)
    with client.chat.completions.create().model("m").user("hi").send_stream() as stream:
        assert stream.collect_content() == "Hello"
    completion_chunk = {
        "id": "c",
        "object": "text_completion",
        "model": "m",
        "choices": [{"index": 0, "text": "abc", "finish_reason": "length"}],
    }
    client = api.make(stream_reply(completion_chunk))
    with client.completions.create(model="m", prompt="x", stream=True) as cstream:
        assert isinstance(cstream, CompletionStream)
        assert cstream.collect_text() == "abc"
    assert json.loads(api.bodies[-1]) == {
        "model": "m",
        "prompt": "x",
        "stream": True,
        "stream_options": {"include_usage": True},
    }


class _Stalling(httpx.SyncByteStream):
    def __iter__(self) -> Any:
        yield b'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n'
        while True:  # comments only: bytes arrive, events do not
            yield b": keep-alive\n\n"


def test_client_stream_idle_timeout_reaches_the_stream() -> None:
    api = Api("sync")
    client = api.make(
        lambda request: httpx.Response(
            200, stream=_Stalling(), headers={"content-type": "text/event-stream"}
        ),
        stream_idle_timeout=0.05,
    )
    with client.chat.completions.create(model="m", messages=MSGS, stream=True) as stream:
        with pytest.raises(VllmTimeoutError):
            list(stream)


def test_per_request_idle_timeout_overrides_the_client() -> None:
    api = Api("sync")
    client = api.make(
        lambda request: httpx.Response(
            200, stream=_Stalling(), headers={"content-type": "text/event-stream"}
        ),
    )
    stream = client.chat.completions.create().model("m").user("hi").send_stream(stream_idle_timeout=0.05)
    with stream, pytest.raises(VllmTimeoutError):
        list(stream)


def test_ttft_counts_from_the_send() -> None:
    api = Api("sync")
    client = api.make(GOOD)
    with client.chat.completions.create(model="m", messages=MSGS, stream=True) as stream:
        list(stream)
        assert stream.ttft is not None
        assert 0 <= stream.ttft < 5
