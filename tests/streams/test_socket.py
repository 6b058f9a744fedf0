"""Streams over real loopback sockets: connection reuse after the drain, and the idle timeout on a stalled
server that a mock transport cannot show (a blocking socket read in the sync client)."""

from __future__ import annotations

import asyncio
import socketserver
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk._events import Content, Done
from vllm_sdk._exceptions import VllmTimeoutError
from vllm_sdk._streams import AsyncMessageStream, MessageStream

from .conftest import DONE, chat_chunk

if TYPE_CHECKING:
    import socket
    from collections.abc import Iterator


class _Handler(socketserver.BaseRequestHandler):
    """A keep-alive HTTP/1.1 server: ``/ok`` streams three events and [DONE]; ``/stall`` streams one event
    and then sends nothing until the client goes away."""

    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        self.server.connections += 1
        buffered = b""
        while not self.server.stopping.is_set():
            while b"\r\n\r\n" not in buffered:
                data = sock.recv(65536)
                if not data:
                    return
                buffered += data
            head, _, buffered = buffered.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(buffered) < length:
                buffered += sock.recv(65536)
            buffered = buffered[length:]
            path = head.split(b" ")[1]
            sock.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
            )
            if path == b"/stall":
                self._chunk(sock, chat_chunk("a"))
                self.server.stopping.wait(5)  # stalls; the client gives up and closes
                return
            for piece in (chat_chunk("a"), chat_chunk("b"), chat_chunk(None, finish="stop"), DONE):
                self._chunk(sock, piece)
            sock.sendall(b"0\r\n\r\n")

    @staticmethod
    def _chunk(sock: socket.socket, data: bytes) -> None:
        sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.stopping.set()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def send(client: httpx.Client, path: str) -> httpx.Response:
    return client.send(client.build_request("POST", path, json={"stream": True}), stream=True)


async def asend(client: httpx.AsyncClient, path: str) -> httpx.Response:
    return await client.send(client.build_request("POST", path, json={"stream": True}), stream=True)


def test_connection_reused_after_done(server: _Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        for _ in range(3):
            with MessageStream(send(client, "/ok")) as stream:
                assert stream.collect_content() == "ab"
    assert server.connections == 1


def test_abandoned_stream_discards_its_connection(server: _Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        with MessageStream(send(client, "/ok")) as stream:
            assert next(iter(stream)) == Content("a", 0)
        with MessageStream(send(client, "/ok")) as stream:
            assert list(stream)[-1] == Done()
    assert server.connections == 2


def test_sync_idle_timeout_interrupts_a_blocking_read(server: _Server) -> None:
    with httpx.Client(base_url=server.url, timeout=httpx.Timeout(5.0)) as client:
        stream = MessageStream(send(client, "/stall"), idle_timeout=0.2)
        seen = []
        started = time.perf_counter()
        with pytest.raises(VllmTimeoutError, match="idle") as info:
            seen.extend(stream)
        elapsed = time.perf_counter() - started
    assert seen == [Content("a", 0)]
    assert 0.15 <= elapsed < 1.5  # the socket read timeout is 5 s
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert stream.closed


def _async_clients(url: str) -> list[Any]:
    from vllm_sdk._transports import AiohttpTransport, aiohttp_available

    makers: list[Any] = [lambda: httpx.AsyncClient(base_url=url)]
    if aiohttp_available():
        makers.append(lambda: httpx.AsyncClient(base_url=url, transport=AiohttpTransport()))
    return makers


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
async def test_async_reuse_and_idle_timeout(server: _Server, transport: str) -> None:
    makers = _async_clients(server.url)
    if transport == "aiohttp" and len(makers) < 2:
        pytest.skip("aiohttp not installed")
    async with makers[0 if transport == "httpx" else 1]() as client:
        for _ in range(3):
            async with AsyncMessageStream(await asend(client, "/ok")) as stream:
                assert await stream.collect_content() == "ab"
        assert server.connections == 1

        stream = AsyncMessageStream(await asend(client, "/stall"), idle_timeout=0.2)
        started = time.perf_counter()
        with pytest.raises(VllmTimeoutError, match="idle"):
            await stream.collect_content()
        assert 0.15 <= time.perf_counter() - started < 1.5
        assert stream.closed

        # The client still works: a fresh connection replaces the one the stalled stream used (the pooled
        # connection of the first three streams).
        async with AsyncMessageStream(await asend(client, "/ok")) as stream:
            assert await stream.collect_content() == "ab"
        await asyncio.sleep(0)
    assert server.connections == 2
