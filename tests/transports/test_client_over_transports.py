"""The client behaves the same on both transports: errors, timeouts, idle timeout, retries, cancellation."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import AsyncVllmClient, Content
from vllm_sdk._exceptions import (
    HttpError,
    InternalServerError,
    ModelNotFoundError,
    StreamError,
    VllmTimeoutError,
)
from vllm_sdk._transports import TRANSPORT_ENV, AiohttpTransport
from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.fixture
async def srv() -> AsyncIterator[MockVllmServer]:
    async with MockVllmServer() as server:
        yield server


@pytest.fixture
async def client(
    srv: MockVllmServer, transport_name: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AsyncVllmClient]:
    monkeypatch.setenv(TRANSPORT_ENV, transport_name)
    c = AsyncVllmClient(srv.base_url, max_retries=2, timeout=5.0)
    assert isinstance(c.http_client._transport, AiohttpTransport) is (transport_name in ("aiohttp", "wire"))

    async def no_sleep(seconds: float) -> None:
        await asyncio.sleep(0)

    c._sleep = no_sleep  # retries without waiting out the back-off
    async with c:
        yield c


def fault(spec: str) -> dict[str, Any]:
    return {"extra_headers": {"x-mock-fault": spec}}


async def test_server_errors_are_retried(client: AsyncVllmClient, srv: MockVllmServer) -> None:
    resp = await client.chat.completions.create(
        model="mock", messages=MESSAGES, max_tokens=4, **fault("status=503:2")
    )
    assert resp.content
    assert len([r for r in srv.requests if r.path.endswith("/chat/completions")]) == 3


async def test_retries_exhausted_raise_the_mapped_error(client: AsyncVllmClient) -> None:
    with pytest.raises(InternalServerError) as info:
        await client.chat.completions.create(model="mock", messages=MESSAGES, **fault("status=500"))
    assert info.value.status_code == 500


async def test_unknown_model(client: AsyncVllmClient) -> None:
    with pytest.raises(ModelNotFoundError):
        await client.chat.completions.create(model="nope", messages=MESSAGES)


async def test_read_timeout_before_headers(client: AsyncVllmClient) -> None:
    slow = client.with_options(timeout=0.3, max_retries=0)
    with pytest.raises(VllmTimeoutError):
        await slow.chat.completions.create(model="mock", messages=MESSAGES, **fault("delay_headers=3"))


async def test_stream_idle_timeout(client: AsyncVllmClient) -> None:
    idle = client.with_options(stream_idle_timeout=0.3, max_retries=0)
    stream = await idle.chat.completions.create(
        model="mock", messages=MESSAGES, max_tokens=20, stream=True, **fault("stall_after=3")
    )
    seen: list[Any] = []
    with pytest.raises(VllmTimeoutError):
        await drain(stream, seen)
    assert seen  # the events before the stall were delivered


async def drain(stream: Any, into: list[Any]) -> None:
    async with stream:
        async for event in stream:
            into.append(event)


async def test_disconnect_mid_stream_is_a_stream_error(client: AsyncVllmClient) -> None:
    stream = await client.chat.completions.create(
        model="mock", messages=MESSAGES, max_tokens=20, stream=True, **fault("disconnect_after=3")
    )
    seen: list[Any] = []
    with pytest.raises(StreamError, match="connection lost mid-stream: RemoteProtocolError") as info:
        await drain(stream, seen)
    assert seen
    assert not isinstance(info.value, VllmTimeoutError)


async def test_connection_refused(transport_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TRANSPORT_ENV, transport_name)
    async with AsyncVllmClient("http://127.0.0.1:9/v1", max_retries=0) as c:
        with pytest.raises(HttpError) as info:
            await c.chat.completions.create(model="mock", messages=MESSAGES)
    assert type(info.value) is HttpError


async def test_cancelling_a_stream_frees_its_connection(
    srv: MockVllmServer, transport_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TRANSPORT_ENV, transport_name)
    import httpx

    first = asyncio.Event()
    async with AsyncVllmClient(srv.base_url, limits=httpx.Limits(max_connections=1)) as c:

        async def consume() -> None:
            stream = await c.chat.completions.create(
                model="mock", messages=MESSAGES, max_tokens=200, stream=True, **fault("delay_events=0.05")
            )
            async with stream:
                async for event in stream:
                    if type(event) is Content:
                        first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # One connection in the pool: the next request only gets through if the cancelled one freed it.
        resp = await asyncio.wait_for(
            c.chat.completions.create(model="mock", messages=MESSAGES, max_tokens=2), 5
        )
        assert resp.content
