"""Event mode of the SDK's own connections (``WireBody.feed_to``): the protocol feeds the stream parser in its
read callback and the stream engine only takes events and waits (issue 13 item 6).

Protocol-level cases run on the test's event loop over the fake transport of ``test_wire_protocol``; the
end-to-end ones on the raw-socket server, through ``AsyncVllmClient``. Every parser case runs on both builds.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk import AsyncVllmClient, StreamError, VllmTimeoutError
from vllm_sdk._events import Content, Done
from vllm_sdk._streams import _async as stream_loop
from vllm_sdk._transports import TRANSPORT_ENV
from vllm_sdk._transports._wire import HIGH_WATER, WireBody, WireConnection

from .hostile_server import CHAT_CHUNK, DONE, LAST_CHUNK, Conn, HostileServer, chunk
from .test_wire_protocol import CHUNKED, _conn

if TYPE_CHECKING:
    from types import ModuleType

MESSAGES = [{"role": "user", "content": "x"}]
KEEP_ALIVE_SSE = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
ENV = b'{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m"'


def token(text: str) -> bytes:
    delta = json.dumps({"content": text}).encode()
    return b"data: " + ENV + b',"choices":[{"index":0,"delta":' + delta + b"}]}\n\n"


def framed(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)


def _wire_body(conn: WireConnection, released: list[bool]) -> WireBody:
    def make_request() -> httpx.Request:
        return httpx.Request("POST", "http://h/v1/chat/completions")

    return WireBody(conn, make_request, lambda _conn, reusable: released.append(reusable))


# ------------------------------------------------------------------ the protocol in event mode


async def test_only_a_read_that_completes_an_event_wakes_the_reader(engine: ModuleType) -> None:
    conn, _ = _conn()
    conn.data_received(CHUNKED)
    body = _wire_body(conn, [])
    body.feed_to(engine.ChatStreamParser().feed)
    line = token("hello")
    waiter = body.poll_events()
    assert isinstance(waiter, asyncio.Future)
    for i in range(len(line) - 1):  # every byte but the last: no event yet, nobody woken
        conn.data_received(framed(line[i : i + 1]))
        assert not waiter.done()
    conn.data_received(framed(line[-1:]))
    assert waiter.done()
    assert body.poll_events() == [Content("hello", 0)]
    assert isinstance(body.poll_events(), asyncio.Future)
    conn.data_received(framed(DONE) + b"0\r\n\r\n")
    assert body.poll_events() == [Done()]
    assert body.poll_events() is None  # complete, every event taken


async def test_bytes_queued_before_event_mode_are_parsed_at_once(engine: ModuleType) -> None:
    conn, _ = _conn()
    conn.data_received(CHUNKED + framed(token("a"), token("b")))  # arrived with the head
    body = _wire_body(conn, [])
    body.feed_to(engine.ChatStreamParser().feed)
    assert body.poll_events() == [Content("a", 0), Content("b", 0)]
    assert conn.pending == []


async def test_a_parser_error_is_raised_after_the_events_before_it(engine: ModuleType) -> None:
    conn, _ = _conn()
    conn.data_received(CHUNKED)
    body = _wire_body(conn, [])
    body.feed_to(engine.ChatStreamParser().feed)
    conn.data_received(framed(token("a")))
    conn.data_received(framed(b"data: {not json\n\n"))
    assert body.poll_events() == [Content("a", 0)]
    with pytest.raises(StreamError, match="malformed JSON"):
        body.poll_events()


async def test_a_connection_failure_is_raised_after_the_events_before_it(engine: ModuleType) -> None:
    conn, _ = _conn()
    conn.data_received(CHUNKED)
    body = _wire_body(conn, [])
    body.feed_to(engine.ChatStreamParser().feed)
    conn.data_received(framed(token("a")))
    conn.connection_lost(None)
    assert body.poll_events() == [Content("a", 0)]
    with pytest.raises(httpx.RemoteProtocolError):
        body.poll_events()


async def test_events_a_lagging_consumer_has_not_taken_pause_the_socket(engine: ModuleType) -> None:
    conn, transport = _conn()
    conn.data_received(CHUNKED)
    body = _wire_body(conn, [])
    body.feed_to(engine.ChatStreamParser().feed)
    line = token("x" * 1000)
    sent = 0
    while not transport.paused:
        conn.data_received(framed(line))
        sent += len(line)
        assert sent < 2 * HIGH_WATER
    assert sent > HIGH_WATER
    assert len(body.poll_events()) == sent // len(line)
    assert not transport.paused


async def test_one_event_larger_than_the_queue_bound_does_not_stall_reading(engine: ModuleType) -> None:
    # Bytes of an unfinished event are the parser's (bounded by max_event_size), not a lagging consumer's:
    # pausing for them would wait for a consumer that cannot take anything yet.
    conn, transport = _conn()
    conn.data_received(CHUNKED)
    body = _wire_body(conn, [])
    body.feed_to(engine.ChatStreamParser().feed)
    big = token("y" * (3 * HIGH_WATER))
    for i in range(0, len(big), 16384):
        conn.data_received(framed(big[i : i + 16384]))
        assert not transport.paused
    assert body.poll_events() == [Content("y" * (3 * HIGH_WATER), 0)]


async def test_drain_reads_to_the_end_of_the_body_and_keeps_the_connection() -> None:
    conn, _ = _conn()
    conn.data_received(CHUNKED + framed(DONE))
    released: list[bool] = []
    body = _wire_body(conn, released)
    drained = asyncio.ensure_future(body.drain(64 * 1024, 10.0))
    await asyncio.sleep(0)
    assert not drained.done()
    conn.data_received(framed(b": trailing comment\n\n") + b"0\r\n\r\n")
    await drained
    await body.aclose()
    assert released == [True]


async def test_drain_gives_up_past_its_byte_budget() -> None:
    conn, _ = _conn()
    conn.data_received(CHUNKED)
    released: list[bool] = []
    body = _wire_body(conn, released)
    drained = asyncio.ensure_future(body.drain(1000, 10.0))
    await asyncio.sleep(0)
    conn.data_received(framed(b": " + b"z" * 2000 + b"\n\n"))
    await drained
    await body.aclose()
    assert released == [False]


async def test_drain_gives_up_at_its_deadline() -> None:
    conn, _ = _conn()
    conn.data_received(CHUNKED)
    released: list[bool] = []
    body = _wire_body(conn, released)
    await asyncio.wait_for(body.drain(1000, 0.05), 5)
    await body.aclose()
    assert released == [False]


# ------------------------------------------------------------------ end to end, through the client


@pytest.fixture
def on_wire(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``VLLM_SDK_TRANSPORT=wire``; records which read loop each stream used."""
    monkeypatch.setenv(TRANSPORT_ENV, "wire")
    loops: list[str] = []
    wire_events, async_events = stream_loop._wire_events, stream_loop._async_events

    def spy_wire(*args: Any) -> Any:
        loops.append("wire")
        return wire_events(*args)

    def spy_bytes(*args: Any) -> Any:
        loops.append("bytes")
        return async_events(*args)

    monkeypatch.setattr(stream_loop, "_wire_events", spy_wire)
    monkeypatch.setattr(stream_loop, "_async_events", spy_bytes)
    return loops


async def test_a_plain_stream_reads_in_event_mode_and_reuses_its_connection(on_wire: list[str]) -> None:
    answer = KEEP_ALIVE_SSE + chunk(token("a")) + chunk(token("b")) + chunk(DONE) + LAST_CHUNK
    connections = []

    def behaviour(conn: Conn) -> None:
        connections.append(conn)
        conn.send(answer)
        conn.sock.settimeout(10)
        data = conn.sock.recv(65536)
        if data:
            conn.send(answer)

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            for _ in range(2):
                stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
                async with stream:
                    events = [event async for event in stream]
                assert events == [Content("a", 0), Content("b", 0), Done()]
    assert on_wire == ["wire", "wire"]
    assert len(connections) == 1


async def test_the_end_of_the_body_after_done_is_drained_then_reused(on_wire: list[str]) -> None:
    # [DONE] first, the chunked terminator a moment later: the drain waits for it and keeps the connection.
    connections = []

    def behaviour(conn: Conn) -> None:
        connections.append(conn)
        for _ in range(2):
            conn.send(KEEP_ALIVE_SSE + chunk(CHAT_CHUNK) + chunk(DONE))
            threading.Event().wait(0.05)
            conn.send(LAST_CHUNK)
            conn.sock.settimeout(10)
            if not conn.sock.recv(65536):
                return

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            for _ in range(2):
                stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
                async with stream:
                    assert await stream.collect_content()
    assert len(connections) == 1


async def test_the_idle_timeout_ignores_bytes_that_complete_no_event(on_wire: list[str]) -> None:
    # A server that trickles one byte of an event at a time never completes one: the idle timeout fires.
    stop = threading.Event()

    def behaviour(conn: Conn) -> None:
        conn.send(KEEP_ALIVE_SSE + chunk(CHAT_CHUNK))
        for byte in token("never finished")[:-2]:
            if stop.wait(0.02):
                return
            conn.send(chunk(bytes([byte])))
        stop.wait(10)

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(
            server.base_url, max_retries=0, timeout=10, stream_idle_timeout=0.3
        ) as client:
            stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            got: list[Any] = []

            async def read_all() -> None:
                async with stream:
                    async for event in stream:
                        got.append(event)

            with pytest.raises(VllmTimeoutError, match="idle"):
                await read_all()
            stop.set()
    assert got
    assert all(type(e) is Content for e in got)
    assert on_wire == ["wire"]


async def test_a_compressed_stream_reads_bytes_as_before(on_wire: list[str]) -> None:
    import gzip

    body = gzip.compress(CHAT_CHUNK + DONE)
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-encoding: gzip\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
    )
    with HostileServer(lambda conn: conn.send(head + chunk(body) + LAST_CHUNK)) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            async with stream:
                assert await stream.collect_content()
    assert on_wire == ["bytes"]


async def test_event_batches_read_in_event_mode_and_reuse_the_connection(on_wire: list[str]) -> None:
    # The batch runner's reading: one list per read that completed events, the same events, the connection
    # drained and kept as after iterating event by event.
    answer = KEEP_ALIVE_SSE + chunk(token("a") + token("b")) + chunk(DONE) + LAST_CHUNK
    connections = []

    def behaviour(conn: Conn) -> None:
        connections.append(conn)
        for _ in range(2):
            conn.send(answer)
            conn.sock.settimeout(10)
            if not conn.sock.recv(65536):
                return

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            for _ in range(2):
                stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
                async with stream:
                    batches = [batch async for batch in stream._event_batches()]
                assert all(batches)
                assert [event for batch in batches for event in batch] == [
                    Content("a", 0),
                    Content("b", 0),
                    Done(),
                ]
    assert on_wire == ["wire", "wire"]
    assert len(connections) == 1
