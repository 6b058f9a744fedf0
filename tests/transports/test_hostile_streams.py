"""Streams against hostile servers: closing after ``[DONE]`` on a server that then goes silent (issue 16
item 13) is bounded in time on every transport."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from vllm_sdk import AsyncVllmClient, VllmClient
from vllm_sdk._streams._state import DRAIN_TIMEOUT
from vllm_sdk._transports import TRANSPORT_ENV

from .hostile_server import CHAT_CHUNK, DONE, SSE_HEAD, Conn, HostileServer, chunk

MESSAGES = [{"role": "user", "content": "x"}]
#: The read timeout is long: only the drain's own bound can end close() in time.
READ_TIMEOUT = 60.0


def _silent_after_done(conn: Conn) -> None:
    conn.send(SSE_HEAD + chunk(CHAT_CHUNK) + chunk(DONE))
    conn.stall()  # never sends the last chunk: the body does not end


def test_sync_close_after_done_is_bounded_on_a_silent_server() -> None:
    with (
        HostileServer(_silent_after_done) as server,
        VllmClient(server.base_url, timeout=READ_TIMEOUT, max_retries=0) as client,
    ):
        stream = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        started = time.monotonic()
        assert stream.collect_content() == "hi"
        stream.close()
        assert time.monotonic() - started < DRAIN_TIMEOUT + 2.0
        assert stream.closed


@pytest.mark.parametrize("transport", ["aiohttp", "wire", "httpx", "user-httpx"])
async def test_async_close_after_done_is_bounded_on_a_silent_server(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = httpx.AsyncClient() if transport == "user-httpx" else None
    if own is None:
        monkeypatch.setenv(TRANSPORT_ENV, transport)
    with HostileServer(_silent_after_done) as server:
        client: Any = AsyncVllmClient(server.base_url, timeout=READ_TIMEOUT, max_retries=0, http_client=own)
        try:
            stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            started = time.monotonic()
            assert await stream.collect_content() == "hi"
            await stream.aclose()
            assert time.monotonic() - started < DRAIN_TIMEOUT + 2.0
        finally:
            await client.aclose()
            if own is not None:
                await own.aclose()
