"""The wire path over TLS (``https://``): the connection is made with ``loop.create_connection(ssl=...)``
from the transport's ``verify`` setting - a trusted certificate streams, an untrusted one is a typed connect
error, ``verify=False`` skips the check (issue 13 item 6).

The certificate is a self-signed one for ``localhost`` / ``127.0.0.1`` kept in ``tests/data/tls`` (valid for
a century; test use only).
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from vllm_sdk._transports import AiohttpTransport
from vllm_sdk._transports._wire_pool import WireResponse

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

TLS = Path(__file__).parent.parent / "data" / "tls"
BODY = b'data: {"x": 1}\n\ndata: [DONE]\n\n'


class _Answer(asyncio.Protocol):
    """Answers every request head with one chunked SSE body (keep-alive)."""

    def __init__(self, heads: list[bytes]) -> None:
        self.heads = heads
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, _, rest = self.buffer.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            if len(rest) < length:
                return
            self.buffer = rest[length:]
            self.heads.append(head)
            assert self.transport is not None
            self.transport.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
                + b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
            )


@pytest.fixture
async def tls_server() -> AsyncIterator[tuple[str, list[bytes]]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS / "localhost.crt", TLS / "localhost.key")
    heads: list[bytes] = []
    server = await asyncio.get_running_loop().create_server(
        lambda: _Answer(heads), "127.0.0.1", 0, ssl=context
    )
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"https://localhost:{port}/v1/chat/completions", heads
    finally:
        server.close()
        await server.wait_closed()


async def _stream(transport: AiohttpTransport, url: str) -> bytes:
    def make_request() -> httpx.Request:
        return httpx.Request("POST", url, content=b"{}")

    head = await transport.fetch(
        "POST", url, [("content-type", "application/json")], b"{}", httpx.Timeout(10.0), make_request, True
    )
    assert isinstance(head, WireResponse)  # the wire path, not aiohttp
    response = head.to_streaming_httpx()
    try:
        return b"".join([chunk async for chunk in response.aiter_raw()])
    finally:
        await response.aclose()


async def test_a_trusted_certificate_streams_over_tls(tls_server: tuple[str, list[bytes]]) -> None:
    url, heads = tls_server
    trusted = ssl.create_default_context(cafile=str(TLS / "localhost.crt"))
    transport = AiohttpTransport(verify=trusted, wire_streams=True)
    try:
        assert await _stream(transport, url) == BODY
        assert await _stream(transport, url) == BODY  # the TLS connection is kept alive and reused
    finally:
        await transport.aclose()
    assert len(heads) == 2
    assert heads[0].startswith(b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost:")


async def test_an_untrusted_certificate_is_a_connect_error(tls_server: tuple[str, list[bytes]]) -> None:
    url, heads = tls_server
    transport = AiohttpTransport(verify=True, wire_streams=True)
    try:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await _stream(transport, url)
    finally:
        await transport.aclose()
    assert heads == []


async def test_verify_false_skips_the_certificate_check(tls_server: tuple[str, list[bytes]]) -> None:
    url, _ = tls_server
    transport = AiohttpTransport(verify=False, wire_streams=True)
    try:
        assert await _stream(transport, url) == BODY
    finally:
        await transport.aclose()
