"""Streams end to end against the embedded mock vLLM server and its fault injection, sync and async."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk._events import Content, Done, Error, FinishReason
from vllm_sdk._exceptions import HttpError, StreamError, VllmTimeoutError
from vllm_sdk._streams import AsyncMessageStream, MessageStream
from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import Iterator

BODY: dict[str, Any] = {
    "model": "mock",
    "messages": [{"role": "user", "content": "Tell me a story"}],
    "stream": True,
    "max_tokens": 8,
}


@pytest.fixture(scope="module")
def mock_server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as server:
        yield server


def open_sync(client: httpx.Client, fault: str | None = None) -> httpx.Response:
    headers = {"x-mock-fault": fault} if fault else {}
    request = client.build_request("POST", "/chat/completions", json=BODY, headers=headers)
    return client.send(request, stream=True)


async def open_async(client: httpx.AsyncClient, fault: str | None = None) -> httpx.Response:
    headers = {"x-mock-fault": fault} if fault else {}
    request = client.build_request("POST", "/chat/completions", json=BODY, headers=headers)
    return await client.send(request, stream=True)


def test_sync_stream(mock_server: MockVllmServer) -> None:
    with httpx.Client(base_url=mock_server.base_url) as client:
        with MessageStream(open_sync(client)) as stream:
            events = list(stream)
        with MessageStream(open_sync(client)) as again:
            content = again.collect_content()
    assert events[-1] == Done()
    assert type(events[-2]) is FinishReason
    assert "".join(e.text for e in events if type(e) is Content) == content
    assert content
    assert stream.ttft is not None


def test_sync_faults(mock_server: MockVllmServer) -> None:
    with httpx.Client(base_url=mock_server.base_url) as client:
        seen: list[Any] = []
        with pytest.raises(StreamError) as dropped:
            seen.extend(MessageStream(open_sync(client, "disconnect_after=3")))
        assert isinstance(dropped.value.__cause__, HttpError)
        assert dropped.value.partial_content == "".join(e.text for e in seen if type(e) is Content)

        events = list(MessageStream(open_sync(client, "error_event_after=2")))
        assert type(events[-1]) is Error
        with pytest.raises(StreamError) as failed:
            MessageStream(open_sync(client, "error_event_after=2")).collect_content()
        assert failed.value.partial_content

        with pytest.raises(StreamError, match="JSON"):
            MessageStream(open_sync(client, "malformed_after=2")).collect_content()

        with pytest.raises(StreamError, match="max_event_size"):
            MessageStream(open_sync(client, "huge_event=100000"), max_event_size=10_000).collect_content()

        stalled = MessageStream(open_sync(client, "stall_after=2"), idle_timeout=0.2)
        started = time.perf_counter()
        with pytest.raises(VllmTimeoutError):
            stalled.collect_content()
        assert time.perf_counter() - started < 2.0
        assert stalled.closed

        # The client is still usable after all of that.
        assert MessageStream(open_sync(client)).collect_content()


async def test_async_stream_and_faults(mock_server: MockVllmServer) -> None:
    async with httpx.AsyncClient(base_url=mock_server.base_url) as client:
        async with AsyncMessageStream(await open_async(client)) as stream:
            events = [e async for e in stream]
        assert events[-1] == Done()

        with pytest.raises(StreamError) as dropped:
            await AsyncMessageStream(await open_async(client, "disconnect_after=3")).collect_content()
        assert isinstance(dropped.value.__cause__, HttpError)

        failing = AsyncMessageStream(await open_async(client, "error_event_after=2"))
        with pytest.raises(StreamError):
            await failing.collect_content()

        stalled = AsyncMessageStream(await open_async(client, "stall_after=2"), idle_timeout=0.2)
        started = time.perf_counter()
        with pytest.raises(VllmTimeoutError, match="idle"):
            await stalled.collect_content()
        assert time.perf_counter() - started < 2.0

        assert await AsyncMessageStream(await open_async(client)).collect_content()
