"""Timeouts hold in every phase on every transport (issue 13 item 3, issue 16 item 8).

A raw-socket server stalls in one phase: a listener that never accepts, headers never sent, ``100 Continue``
then silence, a body that stalls part-way, a stream that stalls, a stream that trickles SSE comments. Each
client (sync httpx, async aiohttp, async native httpx, a user's own ``httpx.AsyncClient``) must raise the
SDK's timeout error (:class:`VllmTimeoutError`) within a bound of the configured timeout, never hang.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk import AsyncVllmClient, VllmClient
from vllm_sdk._exceptions import VllmTimeoutError
from vllm_sdk._transports import TRANSPORT_ENV

from .hostile_server import CHAT_CHUNK, JSON_HEAD, SSE_HEAD, Conn, HostileServer, black_hole, chunk

if TYPE_CHECKING:
    from collections.abc import Callable

TIMEOUT = 0.5
#: Each phase may take the connect and the read timeout (aiohttp's headers phase is bounded by both).
BOUND = 4 * TIMEOUT + 1.5

TRANSPORTS = ["sync", "aiohttp", "wire", "httpx", "user-httpx"]


def _headers_never(conn: Conn) -> None:
    conn.stall()


def _continue_then_silence(conn: Conn) -> None:
    conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
    conn.stall()


def _body_stalls(conn: Conn) -> None:
    conn.send(JSON_HEAD + b"content-length: 100\r\n\r\n" + b'{"object": "list", ')
    conn.stall()


def _stream_stalls(conn: Conn) -> None:
    conn.send(SSE_HEAD + chunk(CHAT_CHUNK))
    conn.stall()


PHASES: dict[str, Callable[[Conn], None]] = {
    "headers-never": _headers_never,
    "100-continue-then-silence": _continue_then_silence,
    "body-stalls": _body_stalls,
}


def _sync_client(base_url: str, **kw: Any) -> VllmClient:
    return VllmClient(base_url, timeout=TIMEOUT, max_retries=0, **kw)


def _async_client(
    transport: str, base_url: str, monkeypatch: pytest.MonkeyPatch, **kw: Any
) -> AsyncVllmClient:
    if transport == "user-httpx":
        return AsyncVllmClient(
            base_url, timeout=TIMEOUT, max_retries=0, http_client=httpx.AsyncClient(timeout=None), **kw
        )
    monkeypatch.setenv(TRANSPORT_ENV, transport)
    return AsyncVllmClient(base_url, timeout=TIMEOUT, max_retries=0, **kw)


async def _models(transport: str, base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if transport == "sync":
        with _sync_client(base_url) as client:
            client.models.list()
        return
    client = _async_client(transport, base_url, monkeypatch)
    try:
        await client.models.list()
    finally:
        await client.aclose()
        if transport == "user-httpx":
            await client.http_client.aclose()


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("phase", list(PHASES))
async def test_request_phase_times_out(transport: str, phase: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with HostileServer(PHASES[phase]) as server:
        started = time.monotonic()
        with pytest.raises(VllmTimeoutError):
            await _models(transport, server.base_url, monkeypatch)
        assert time.monotonic() - started < BOUND
        assert server.requests == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_connect_to_a_listener_that_never_accepts_times_out(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with black_hole() as base_url:
        started = time.monotonic()
        with pytest.raises(VllmTimeoutError):
            await _models(transport, base_url, monkeypatch)
        assert time.monotonic() - started < BOUND


async def _stream_first_then(
    transport: str, base_url: str, monkeypatch: pytest.MonkeyPatch, **kw: Any
) -> list[Any]:
    """Open a chat stream and read it; returns the events read before the error (which is re-raised)."""
    seen: list[Any] = []
    if transport == "sync":
        with _sync_client(base_url, **kw) as client:
            stream = client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "x"}], stream=True
            )
            with stream:
                try:
                    for event in stream:
                        seen.append(event)
                except VllmTimeoutError as exc:
                    exc.seen = seen  # type: ignore[attr-defined]
                    raise
        return seen
    client = _async_client(transport, base_url, monkeypatch, **kw)
    try:
        stream = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "x"}], stream=True
        )
        async with stream:
            try:
                async for event in stream:
                    seen.append(event)
            except VllmTimeoutError as exc:
                exc.seen = seen  # type: ignore[attr-defined]
                raise
    finally:
        await client.aclose()
        if transport == "user-httpx":
            await client.http_client.aclose()
    return seen


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_stream_that_stalls_times_out_after_its_first_event(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HostileServer(_stream_stalls) as server:
        started = time.monotonic()
        with pytest.raises(VllmTimeoutError) as info:
            await _stream_first_then(transport, server.base_url, monkeypatch)
        assert time.monotonic() - started < BOUND
        assert [type(e).__name__ for e in info.value.seen] == ["Content"]  # type: ignore[attr-defined]


def _trickle_comments(conn: Conn) -> None:
    """One event, then a keep-alive comment every 50 ms until the client goes away (never an event)."""
    conn.send(SSE_HEAD + chunk(CHAT_CHUNK))
    while not conn.stopping.wait(0.05):
        conn.send(chunk(b": keep-alive\n\n"))


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_stream_trickling_comments_hits_the_idle_timeout(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The read timeout (TIMEOUT) never fires: a comment arrives every 50 ms. Comments are not events, so
    # only stream_idle_timeout ends the stream.
    with HostileServer(_trickle_comments) as server:
        started = time.monotonic()
        with pytest.raises(VllmTimeoutError, match="idle") as info:
            await _stream_first_then(transport, server.base_url, monkeypatch, stream_idle_timeout=0.4)
        assert time.monotonic() - started < BOUND
        assert [type(e).__name__ for e in info.value.seen] == ["Content"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("transport", ["aiohttp", "wire", "httpx"])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
async def test_batch_results_in_a_timeout_error_on_1xx_then_silence(
    transport: str, stream: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TRANSPORT_ENV, transport)
    with HostileServer(_continue_then_silence) as server:
        client = AsyncVllmClient(server.base_url, timeout=TIMEOUT, max_retries=0)
        try:
            requests = [{"model": "m", "messages": [{"role": "user", "content": "x"}]}]
            started = time.monotonic()
            results = [r async for r in client.batch(requests, max_retries=0, stream=stream)]
        finally:
            await client.aclose()
    assert time.monotonic() - started < BOUND
    (result,) = results
    assert isinstance(result.error, VllmTimeoutError)
