"""The same checks over both async transports: bodies, errors, timeouts, limits, cancellation."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk._exceptions import HttpError, VllmTimeoutError, map_transport_error
from vllm_sdk._transports import (
    TRANSPORT_ENV,
    AiohttpTransport,
    create_async_http_client,
    create_sync_http_client,
    selected_transport,
)

if TYPE_CHECKING:
    from .conftest import ServerState


def client(
    name: str, *, timeout: float | httpx.Timeout = 5.0, max_connections: int | None = None, **timeouts: Any
) -> httpx.AsyncClient:
    t = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout, **timeouts)
    return create_async_http_client(
        timeout=t,
        limits=httpx.Limits(max_connections=max_connections),
        transport=name,  # type: ignore[arg-type]
    )


def test_selection_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TRANSPORT_ENV, raising=False)
    assert selected_transport() == "wire"  # aiohttp is a dependency: the default, with the SDK's own streams
    monkeypatch.setenv(TRANSPORT_ENV, "httpx")
    assert selected_transport() == "httpx"
    monkeypatch.setenv(TRANSPORT_ENV, "AIOHTTP")
    assert selected_transport() == "aiohttp"
    monkeypatch.setenv(TRANSPORT_ENV, "curl")
    with pytest.raises(ValueError, match="VLLM_SDK_TRANSPORT"):
        selected_transport()


async def test_env_forces_native_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TRANSPORT_ENV, "httpx")
    async with create_async_http_client(timeout=httpx.Timeout(1.0), limits=httpx.Limits()) as c:
        assert not isinstance(c._transport, AiohttpTransport)
    monkeypatch.setenv(TRANSPORT_ENV, "aiohttp")
    async with create_async_http_client(timeout=httpx.Timeout(1.0), limits=httpx.Limits()) as c:
        assert isinstance(c._transport, AiohttpTransport)


def test_sync_client_is_plain_httpx() -> None:
    with create_sync_http_client(timeout=httpx.Timeout(1.0), limits=httpx.Limits()) as c:
        assert isinstance(c, httpx.Client)


async def test_json_round_trip(server: ServerState, transport_name: str) -> None:
    async with client(transport_name) as c:
        resp = await c.post(
            f"{server.base_url}/echo?x=1",
            json={"model": "m", "n": [1, 2]},
            headers={"Authorization": "Bearer k"},
        )
    assert resp.status_code == 200
    assert resp.headers["x-request-id"] == "req-1"
    data = resp.json()
    assert data["body"] == {"model": "m", "n": [1, 2]}
    assert data["headers"]["Authorization"] == "Bearer k"
    assert data["headers"]["Content-Type"] == "application/json"
    assert data["query"] == {"x": "1"}
    assert resp.http_version == "HTTP/1.1"


async def test_error_status_is_a_response_not_an_exception(server: ServerState, transport_name: str) -> None:
    async with client(transport_name) as c:
        resp = await c.get(f"{server.base_url}/status/503")
    assert resp.status_code == 503
    assert resp.json()["error"]["message"] == "nope"


async def test_stream_yields_every_byte(server: ServerState, transport_name: str) -> None:
    async with client(transport_name) as c, c.stream("GET", f"{server.base_url}/stream?n=50") as resp:
        body = b"".join([chunk async for chunk in resp.aiter_raw()])
    expected = b"".join(b'data: {"i": %d}\n\n' % i for i in range(50)) + b"data: [DONE]\n\n"
    assert body == expected


async def test_connection_refused_maps_to_http_error(transport_name: str) -> None:
    async with client(transport_name) as c:
        with pytest.raises(httpx.ConnectError) as info:
            await c.get("http://127.0.0.1:1/")
    mapped = map_transport_error(info.value)
    assert type(mapped) is HttpError
    assert mapped.is_retryable


async def test_read_timeout_before_headers(server: ServerState, transport_name: str) -> None:
    async with client(transport_name, timeout=httpx.Timeout(5.0, read=0.2)) as c:
        with pytest.raises(httpx.ReadTimeout) as info:
            await c.get(f"{server.base_url}/slow_headers?delay=2")
    assert isinstance(map_transport_error(info.value), VllmTimeoutError)


async def drain(resp: httpx.Response, into: list[bytes]) -> None:
    async for chunk in resp.aiter_raw():
        into.append(chunk)


async def test_read_timeout_while_streaming_is_an_idle_timeout(
    server: ServerState, transport_name: str
) -> None:
    chunks: list[bytes] = []
    async with client(transport_name, timeout=httpx.Timeout(5.0, read=0.2)) as c:
        async with c.stream("GET", f"{server.base_url}/stall") as resp:
            with pytest.raises(httpx.ReadTimeout) as info:
                await drain(resp, chunks)
    assert chunks == [b"data: first\n\n"]
    assert isinstance(map_transport_error(info.value), VllmTimeoutError)


async def test_disconnect_mid_stream_is_a_protocol_error_not_a_timeout(
    server: ServerState, transport_name: str
) -> None:
    got: list[bytes] = []
    async with client(transport_name) as c, c.stream("GET", f"{server.base_url}/cut") as resp:
        with pytest.raises(httpx.RemoteProtocolError) as info:
            await drain(resp, got)
    assert b"".join(got) == b"data: one\n\ndata: two\n\n"
    mapped = map_transport_error(info.value)
    assert type(mapped) is HttpError


async def test_disconnect_before_response(server: ServerState, transport_name: str) -> None:
    async with client(transport_name) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            await c.get(f"{server.base_url}/drop")


async def test_connection_limit_is_honoured(server: ServerState, transport_name: str) -> None:
    async with client(transport_name, max_connections=3) as c:
        await asyncio.gather(*(c.get(f"{server.base_url}/stream?n=3&delay=0.02") for _ in range(12)))
    assert server.max_in_flight == 3


async def test_pool_timeout_when_all_connections_are_busy(server: ServerState, transport_name: str) -> None:
    async with client(transport_name, timeout=httpx.Timeout(5.0, pool=0.2), max_connections=1) as c:
        async with c.stream("GET", f"{server.base_url}/stall") as held:
            body = held.aiter_raw()
            assert await body.__anext__() == b"data: first\n\n"
            with pytest.raises(httpx.TimeoutException) as info:
                await c.get(f"{server.base_url}/echo")
            assert isinstance(map_transport_error(info.value), VllmTimeoutError)


async def test_cancel_mid_stream_releases_the_connection(server: ServerState, transport_name: str) -> None:
    first = asyncio.Event()

    async with client(transport_name, max_connections=1) as c:

        async def consume() -> None:
            async with c.stream("GET", f"{server.base_url}/forever") as resp:
                async for _ in resp.aiter_raw():
                    first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(server.disconnected.wait(), 5)  # the server saw the connection close
        # The single pooled connection is free again: the next request does not wait for the pool.
        resp = await asyncio.wait_for(c.get(f"{server.base_url}/echo"), 2)
        assert resp.status_code == 200
    assert server.disconnects == 1


async def test_abandoned_stream_close_releases_connection(server: ServerState, transport_name: str) -> None:
    async with client(transport_name, max_connections=1) as c:
        for _ in range(3):  # would block on the pool if the abandoned connection were kept
            async with c.stream("GET", f"{server.base_url}/forever") as resp:
                await resp.aiter_raw().__anext__()
        resp2 = await asyncio.wait_for(c.get(f"{server.base_url}/echo"), 2)
        assert resp2.status_code == 200


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
async def test_thousand_concurrent_streams_leak_nothing(server: ServerState, transport_name: str) -> None:
    # httpcore's pool costs O(n^2) in the number of connections: 1,000 concurrent streams take ~30 s of
    # CPU on native httpx alone, so that transport runs the same check at 300 (the aiohttp one at 1,000).
    total = 1000 if transport_name in ("aiohttp", "wire") else 300
    ok_streams, cancelled_streams = total * 9 // 10, total // 10
    before = _open_fds()
    async with client(transport_name, timeout=30.0) as c:

        async def one(i: int) -> int:
            async with c.stream("GET", f"{server.base_url}/stream?n=2") as resp:
                n = 0
                async for chunk in resp.aiter_raw():
                    n += chunk.count(b"data:")
                return n

        async def cancelled_one() -> None:
            async with c.stream("GET", f"{server.base_url}/forever") as resp:
                async for _ in resp.aiter_raw():
                    raise asyncio.CancelledError

        counts, cancels = await asyncio.gather(
            asyncio.gather(*(one(i) for i in range(ok_streams))),
            asyncio.gather(*(cancelled_one() for _ in range(cancelled_streams)), return_exceptions=True),
        )
    assert counts == [3] * ok_streams
    assert all(isinstance(x, asyncio.CancelledError) for x in cancels)
    # Connection-release callbacks may still be finishing: wait for them (bounded), then none may be left.
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    if others:
        await asyncio.wait(others, timeout=10)
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()] == []
    assert _open_fds() <= before + 5


async def test_cookies_still_work(server: ServerState, transport_name: str) -> None:
    async with client(transport_name) as c:
        resp = await c.get(f"{server.base_url}/cookie")
        assert resp.status_code == 200
        assert c.cookies.get("session") == "abc"
        echoed = (await c.get(f"{server.base_url}/echo")).json()
        assert echoed["headers"]["Cookie"] == "session=abc"
        await c.get(f"{server.base_url}/echo")  # no Set-Cookie: the jar is unchanged
        assert c.cookies.get("session") == "abc"
