"""Streamed calls over the SDK's own HTTP/1.1 connections (``VLLM_SDK_TRANSPORT=wire``), end to end on a
raw-socket server: the request bytes equal the aiohttp direct path's, keep-alive and its one retry, closing
and cancelling, compressed streams, error statuses, caps, and the switch itself (issue 13 item 6)."""

from __future__ import annotations

import asyncio
import gzip
import threading
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk import AsyncVllmClient, VllmError
from vllm_sdk._exceptions import HttpError, NotFoundError, StreamError
from vllm_sdk._transports import TRANSPORT_ENV, AiohttpTransport, TransportSettingError, selected_transport
from vllm_sdk._transports._wire import MAX_HEADERS
from vllm_sdk._transports._wire_pool import WirePool

from .hostile_server import CHAT_CHUNK, DONE, LAST_CHUNK, Conn, HostileServer, chunk

if TYPE_CHECKING:
    from collections.abc import Callable

MESSAGES = [{"role": "user", "content": "x"}]
#: A keep-alive streamed answer (no ``connection: close``): the client may send its next request on it.
KEEP_ALIVE_SSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-request-id: req-w\r\n"
    b"transfer-encoding: chunked\r\n\r\n"
)
ANSWER = KEEP_ALIVE_SSE + chunk(CHAT_CHUNK) + chunk(DONE) + LAST_CHUNK


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """``VLLM_SDK_TRANSPORT=wire``, and a count of the requests the wire pool sent."""
    monkeypatch.setenv(TRANSPORT_ENV, "wire")
    counts = {"wire": 0}
    fetch = WirePool.fetch

    async def counting(self: WirePool, *args: Any) -> Any:
        counts["wire"] += 1
        return await fetch(self, *args)

    monkeypatch.setattr(WirePool, "fetch", counting)
    return counts


def _next_request(conn: Conn) -> bytes | None:
    """Read the next request (head and body by Content-Length) on a kept-alive connection, or ``None``."""
    buffered = b""
    while b"\r\n\r\n" not in buffered:
        data = conn.sock.recv(65536)
        if not data:
            return None
        buffered += data
    head, _, body = buffered.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    while len(body) < length:
        body += conn.sock.recv(65536)
    return head


def _serve_all(conn: Conn) -> None:
    """Answer every request of the connection with a complete keep-alive stream."""
    conn.send(ANSWER)
    while _next_request(conn) is not None:
        conn.send(ANSWER)


async def _collect(client: AsyncVllmClient) -> str:
    stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    async with stream:
        return await stream.collect_content()


def test_the_switch_selects_wire_and_rejects_unknown_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TRANSPORT_ENV, "wire")
    assert selected_transport() == "wire"
    monkeypatch.setenv(TRANSPORT_ENV, "sockets")
    with pytest.raises(TransportSettingError, match="'wire', 'aiohttp', 'httpx'") as info:
        selected_transport()
    assert isinstance(info.value, VllmError)
    assert isinstance(info.value, ValueError)
    with pytest.raises(TransportSettingError):
        AsyncVllmClient("http://127.0.0.1:1/v1")
    monkeypatch.delenv(TRANSPORT_ENV)
    client = AsyncVllmClient("http://127.0.0.1:1/v1", transport="wire")
    transport = client.http_client._transport  # type: ignore[attr-defined]
    assert isinstance(transport, AiohttpTransport)
    assert transport.wire_streams
    plain = AsyncVllmClient("http://127.0.0.1:1/v1", transport="aiohttp")
    assert not plain.http_client._transport.wire_streams  # type: ignore[attr-defined]


async def test_a_stream_sends_the_same_bytes_as_the_aiohttp_path(monkeypatch: pytest.MonkeyPatch) -> None:
    heads: dict[str, tuple[bytes, bytes]] = {}
    for name in ("aiohttp", "wire"):
        monkeypatch.setenv(TRANSPORT_ENV, name)
        with HostileServer(_serve_all) as server:
            async with AsyncVllmClient(
                server.base_url, api_key="sk-1", max_retries=0, timeout=10, headers={"X-Custom": "v"}
            ) as client:
                assert await _collect(client) == "hi"
            conn = server.connections[0]
            # Only the port differs between the two servers.
            heads[name] = (conn.head.replace(b"%d" % server.port, b"PORT"), conn.body)
    aiohttp_head, aiohttp_body = heads["aiohttp"]
    wire_head, wire_body = heads["wire"]
    assert wire_body == aiohttp_body
    request_line, *lines = wire_head.split(b"\r\n")
    assert request_line == aiohttp_head.split(b"\r\n")[0] == b"POST /v1/chat/completions HTTP/1.1"
    # Header by header, in aiohttp's order: Host, authorization, user agent, content type and length ...
    assert lines == aiohttp_head.split(b"\r\n")[1:]
    names = [line.split(b":")[0].lower() for line in lines]
    for name in (b"host", b"authorization", b"user-agent", b"content-type", b"content-length", b"x-custom"):
        assert name in names


async def test_streams_reuse_one_keep_alive_connection(wire: dict[str, int]) -> None:
    with HostileServer(_serve_all) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            texts = [await _collect(client) for _ in range(3)]
        assert len(server.connections) == 1
    assert texts == ["hi"] * 3
    assert wire["wire"] == 3


async def test_a_pooled_connection_the_server_closed_is_retried_once_on_a_fresh_one(
    wire: dict[str, int],
) -> None:
    def behaviour(conn: Conn) -> None:
        conn.send(ANSWER)
        if _next_request(conn) is not None:
            conn.sock.close()  # the request was read, and nothing answered: as a keep-alive timeout does

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            assert await _collect(client) == "hi"
            assert await _collect(client) == "hi"  # max_retries=0: the retry is the pool's own
        assert len(server.connections) == 2


async def test_the_retry_takes_a_fresh_connection_when_every_pooled_one_is_stale(
    wire: dict[str, int],
) -> None:
    def behaviour(conn: Conn) -> None:
        conn.send(ANSWER)
        if _next_request(conn) is not None:
            conn.sock.close()  # as a server that went away: every kept-alive connection to it is stale

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            # Two streams at once: two connections, both pooled afterwards.
            assert await asyncio.gather(_collect(client), _collect(client)) == ["hi", "hi"]
            assert len(server.connections) == 2
            # The first pooled one is stale; the retry must not take the other stale one.
            assert await _collect(client) == "hi"
        assert len(server.connections) == 3


async def test_a_fresh_connection_closed_without_an_answer_is_not_retried(wire: dict[str, int]) -> None:
    with HostileServer(lambda conn: conn.sock.close()) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            with pytest.raises(HttpError, match="without sending a response") as info:
                await _collect(client)
        assert len(server.connections) == 1
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)


def _endless(closed: threading.Event) -> Callable[[Conn], None]:
    def behaviour(conn: Conn) -> None:
        conn.send(KEEP_ALIVE_SSE + chunk(CHAT_CHUNK))
        conn.sock.settimeout(30)
        try:
            if conn.sock.recv(1) == b"":  # the client's close (it sends nothing more)
                closed.set()
        except OSError:
            closed.set()  # reset: closed too

    return behaviour


async def test_closing_a_stream_part_way_closes_its_connection(wire: dict[str, int]) -> None:
    closed = threading.Event()
    with HostileServer(_endless(closed)) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            async for _event in stream:
                break
            await stream.aclose()
            assert await asyncio.to_thread(closed.wait, 10)
            pool = client.http_client._transport._wire  # type: ignore[attr-defined]
            assert pool._idle_count == 0
            assert not pool._live


async def test_cancelling_the_consuming_task_closes_its_connection(wire: dict[str, int]) -> None:
    closed = threading.Event()
    first = asyncio.Event()

    async def consume(client: AsyncVllmClient) -> None:
        stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        async with stream:
            async for _event in stream:
                first.set()

    with HostileServer(_endless(closed)) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            task = asyncio.ensure_future(consume(client))
            await first.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await asyncio.to_thread(closed.wait, 10)


async def test_a_gzip_compressed_stream_is_decoded(wire: dict[str, int]) -> None:
    body = gzip.compress(CHAT_CHUNK + DONE)

    def behaviour(conn: Conn) -> None:
        head = (
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-encoding: gzip\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )
        conn.send(head + chunk(body[:10]) + chunk(body[10:]) + LAST_CHUNK)

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            assert await _collect(client) == "hi"
    assert wire["wire"] == 1


async def test_an_error_status_on_a_stream_is_typed_with_its_message(wire: dict[str, int]) -> None:
    error = b'{"error":{"message":"no such model","type":"NotFoundError","code":404}}'

    def behaviour(conn: Conn) -> None:
        conn.send(
            b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
            % len(error)
        )
        conn.send(error)

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            with pytest.raises(NotFoundError, match="no such model") as info:
                await _collect(client)
    assert info.value.status_code == 404
    assert wire["wire"] == 1


async def test_a_head_with_too_many_headers_is_a_typed_error(wire: dict[str, int]) -> None:
    def behaviour(conn: Conn) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\n" + b"x-h: 1\r\n" * (MAX_HEADERS + 1) + b"\r\n")

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            with pytest.raises(HttpError, match="header lines"):
                await _collect(client)


async def test_a_bad_chunk_size_mid_stream_is_a_stream_error(wire: dict[str, int]) -> None:
    def behaviour(conn: Conn) -> None:
        conn.send(KEEP_ALIVE_SSE + chunk(CHAT_CHUNK) + b"zz\r\n")

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            with pytest.raises(StreamError) as info:
                await _collect(client)
    assert isinstance(info.value.__cause__, HttpError)
    assert "invalid chunk size" in str(info.value.__cause__)


async def test_1xx_then_silence_on_a_stream_times_out(wire: dict[str, int]) -> None:
    stop = threading.Event()

    def behaviour(conn: Conn) -> None:
        conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        stop.wait(30)

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=0.3) as client:
            with pytest.raises(VllmError, match="no response headers"):
                await _collect(client)
        stop.set()


async def test_the_connection_limit_holds_for_wire_streams(wire: dict[str, int]) -> None:
    with HostileServer(_serve_all) as server:
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10, limits=limits) as client:
            texts = await asyncio.gather(*(_collect(client) for _ in range(8)))
        assert len(server.connections) <= 2
    assert texts == ["hi"] * 8


async def test_client_batch_streams_over_the_wire_path(wire: dict[str, int]) -> None:
    with HostileServer(_serve_all) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            requests = [
                {
                    "custom_id": str(i),
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": {"model": "m", "messages": MESSAGES},
                }
                for i in range(3)
            ]
            results = [result async for result in client.batch(requests, stream=True)]
    assert sorted(result.custom_id for result in results) == ["0", "1", "2"]
    assert all(result.error is None for result in results)
    assert wire["wire"] == 3


async def test_the_batch_http_sender_streams_over_the_wire_path(wire: dict[str, int]) -> None:
    from vllm_sdk._transports import create_async_http_client
    from vllm_sdk.batch._prepare import PreparedRequest
    from vllm_sdk.batch._senders import Endpoint, HttpSender

    with HostileServer(_serve_all) as server:
        http = create_async_http_client(timeout=httpx.Timeout(10.0), limits=httpx.Limits())
        try:
            endpoint = Endpoint(server.base_url, http)
            sender = HttpSender()
            outcomes = []
            for i in range(3):
                request = PreparedRequest(
                    str(i), "POST", "/chat/completions", {"model": "m", "messages": MESSAGES}
                )
                outcomes.append(await sender(endpoint, request, True))
        finally:
            await http.aclose()
        assert len(server.connections) == 1
    assert [outcome.body["choices"][0]["message"]["content"] for outcome in outcomes if outcome.body] == [
        "hi"
    ] * 3
    assert all(outcome.request_id == "req-w" and outcome.ttft is not None for outcome in outcomes)
    assert wire["wire"] == 3


async def test_the_default_pool_keeps_every_connection_of_a_wide_round_alive(wire: dict[str, int]) -> None:
    # 150 streams that end together, then 150 more: with the default limits the second round reuses every
    # connection of the first (a keep-alive cap of 100 closed 50 of them and opened 50 new ones).
    with HostileServer(_serve_all) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            for _ in range(2):
                texts = await asyncio.gather(*(_collect(client) for _ in range(150)))
                assert texts == ["hi"] * 150
        assert len(server.connections) == 150
    assert wire["wire"] == 300


@pytest.mark.parametrize(
    "limits",
    [httpx.Limits(keepalive_expiry=0), httpx.Limits(max_keepalive_connections=0)],
    ids=["expired", "no-keepalive"],
)
async def test_connections_past_the_keepalive_limits_are_not_reused(
    wire: dict[str, int], limits: httpx.Limits
) -> None:
    with HostileServer(_serve_all) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10, limits=limits) as client:
            assert await _collect(client) == "hi"
            assert await _collect(client) == "hi"
            pool = client.http_client._transport._wire  # type: ignore[attr-defined]
            assert len(pool._live) <= 1  # the first connection was closed, not kept
        assert len(server.connections) == 2


async def test_a_url_the_wire_path_does_not_serve_goes_through_aiohttp() -> None:
    pool = WirePool(asyncio.get_running_loop(), verify=True, keepalive_expiry=5.0, max_keepalive=None)
    assert pool.target("http://user:pw@127.0.0.1:8000/v1/chat/completions") is None  # credentials
    target = pool.target("http://127.0.0.1:8000/v1/chat/completions?x=1")
    assert target is not None
    assert target.request_target == b"/v1/chat/completions?x=1"
    assert target.host_header == b"127.0.0.1:8000"
    default_port = pool.target("https://example.test/v1/completions")
    assert default_port is not None
    assert default_port.host_header == b"example.test"
    assert default_port.port == 443
    assert default_port.tls
    v6 = pool.target("http://[::1]:9000/v1")
    assert v6 is not None
    assert v6.host_header == b"[::1]:9000"
    pool.close()


@pytest.mark.parametrize(
    "header", [("x-bad", "a\r\nInjected: 1"), ("x-bad", "a\nb"), ("x-bad", "a\0b"), ("bad:name", "v")]
)
def test_a_header_that_would_break_the_request_framing_is_refused(header: tuple[str, str]) -> None:
    from vllm_sdk._transports._wire_pool import WireTarget, _request_bytes

    target = WireTarget(httpx.URL("http://127.0.0.1:8000/v1/chat/completions"))
    request = httpx.Request("POST", "http://127.0.0.1:8000/v1/chat/completions")
    with pytest.raises(httpx.LocalProtocolError, match="invalid request header"):
        _request_bytes(target, "POST", [header], b"{}", lambda: request)
    good = _request_bytes(target, "POST", [("x-ok", "v")], b"{}", lambda: request)
    assert good == (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
        b"x-ok: v\r\nContent-Length: 2\r\n\r\n{}"
    )
