"""Non-streamed calls over the SDK's own HTTP/1.1 connections (the ``wire`` transport's direct path), end to
end on a raw-socket server: the same request bytes as the aiohttp direct path, the answers and typed errors,
the size limit, keep-alive and its one retry, cancellation, connection slots, the batch paths, and the
switches that keep a call off it (issue 13 item 6, non-streamed)."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from typing import Any

import httpx
import pytest

from vllm_sdk import AsyncVllmClient
from vllm_sdk._exceptions import BadRequestError, HttpError, InvalidResponseError, VllmTimeoutError
from vllm_sdk._transports import TRANSPORT_ENV
from vllm_sdk._transports._wire_pool import RawHeaders, WirePool

from .hostile_server import CHAT_CHUNK, DONE, LAST_CHUNK, Conn, HostileServer, chunk

MESSAGES = [{"role": "user", "content": "x"}]
COMPLETION = (
    b'{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,'
    b'"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}'
)
MODELS = b'{"object":"list","data":[{"id":"m","object":"model","created":1,"owned_by":"vllm"}]}'


def _json_answer(body: bytes, *extra: bytes) -> bytes:
    """A keep-alive JSON answer with a Content-Length (no ``connection: close``)."""
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: req-n\r\n"
    return (
        head + b"".join(line + b"\r\n" for line in extra) + b"content-length: %d\r\n\r\n" % len(body) + body
    )


def _answer_for(head: bytes) -> bytes:
    if head.startswith(b"GET /v1/models "):
        return _json_answer(MODELS)
    if b"text/event-stream" in head.lower():  # the Accept header of a streamed call
        return (
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
            + chunk(CHAT_CHUNK)
            + chunk(DONE)
            + LAST_CHUNK
        )
    return _json_answer(COMPLETION)


def _next_request(conn: Conn) -> bytes | None:
    """The head of the next request on a kept-alive connection (its body read too), or ``None`` at close."""
    buffered = b""
    while b"\r\n\r\n" not in buffered:
        data = conn.sock.recv(65536)
        if not data:
            return None
        buffered += data
    head, _, body = buffered.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += conn.sock.recv(65536)
    return head


def _serve_all(conn: Conn) -> None:
    """Answer every request of the connection, keeping it alive."""
    head: bytes | None = conn.head
    while head is not None:
        conn.send(_answer_for(head))
        head = _next_request(conn)


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


async def _chat(client: AsyncVllmClient) -> str | None:
    completion = await client.chat.completions.create(model="m", messages=MESSAGES, max_tokens=3)
    return completion.choices[0].message.content


def _pool(client: AsyncVllmClient) -> WirePool:
    pool = client.http_client._transport._wire  # type: ignore[attr-defined]
    assert isinstance(pool, WirePool)
    return pool


async def test_a_non_streamed_call_goes_over_the_wire_path(wire: dict[str, int]) -> None:
    with HostileServer(_serve_all) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            completion = await client.chat.completions.create(model="m", messages=MESSAGES)
            models = await client.models.list()
    assert completion.choices[0].message.content == "hello"
    assert completion.request_id == "req-n"
    assert [model.id for model in models.data] == ["m"]
    assert wire["wire"] == 2


@pytest.mark.parametrize("call", ["chat", "models", "stream-then-chat"])
async def test_a_non_streamed_call_sends_the_same_bytes_as_the_aiohttp_path(
    monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    sent: dict[str, list[tuple[bytes, bytes]]] = {}
    for name in ("aiohttp", "wire"):
        monkeypatch.setenv(TRANSPORT_ENV, name)
        with HostileServer(_serve_all) as server:
            async with AsyncVllmClient(
                server.base_url, api_key="sk-1", max_retries=0, timeout=10, headers={"X-Custom": "v"}
            ) as client:
                if call == "models":
                    await client.models.list(extra_headers={"X-Call": "c"})
                else:
                    if call == "stream-then-chat":
                        stream = await client.chat.completions.create(
                            model="m", messages=MESSAGES, stream=True
                        )
                        async with stream:
                            assert await stream.collect_content() == "hi"
                    assert await _chat(client) == "hello"
            sent[name] = [
                (conn.head.replace(b"%d" % server.port, b"PORT"), conn.body) for conn in server.connections
            ]
    if call == "stream-then-chat":
        # aiohttp has its own pool for the non-streamed call; the wire path reuses the stream's connection.
        assert len(sent["wire"]) == 1
        assert len(sent["aiohttp"]) == 1
        return
    ((aiohttp_head, aiohttp_body),) = sent["aiohttp"]
    ((wire_head, wire_body),) = sent["wire"]
    assert wire_body == aiohttp_body
    # Header by header, in aiohttp's order (request line, Host, then the client's headers and the length).
    assert wire_head.split(b"\r\n") == aiohttp_head.split(b"\r\n")
    names = [line.split(b":")[0].lower() for line in wire_head.split(b"\r\n")[1:]]
    expected = [b"host", b"authorization", b"user-agent", b"accept", b"x-custom"]
    if call == "chat":
        expected += [b"content-type", b"content-length"]
    else:
        expected.append(b"x-call")
        assert b"content-length" not in names  # a GET without a body has none, as on aiohttp
    assert set(expected) <= set(names)


async def test_calls_reuse_one_keep_alive_connection_streamed_or_not(wire: dict[str, int]) -> None:
    with HostileServer(_serve_all) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            assert [await _chat(client) for _ in range(3)] == ["hello"] * 3
            stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            async with stream:
                assert await stream.collect_content() == "hi"
            assert await _chat(client) == "hello"
            assert _pool(client)._idle_count == 1
        assert len(server.connections) == 1
    assert wire["wire"] == 5


async def test_a_stale_pooled_connection_is_retried_once_on_a_fresh_one(wire: dict[str, int]) -> None:
    def behaviour(conn: Conn) -> None:
        conn.send(_answer_for(conn.head))
        if _next_request(conn) is not None:
            conn.sock.close()  # read the next request and answered nothing: a keep-alive timeout's race

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            assert await _chat(client) == "hello"
            assert await _chat(client) == "hello"  # max_retries=0: the retry is the pool's own
        assert len(server.connections) == 2
    assert wire["wire"] == 2


async def test_a_pooled_connection_cut_after_part_of_the_answer_is_not_retried(wire: dict[str, int]) -> None:
    def behaviour(conn: Conn) -> None:
        conn.send(_answer_for(conn.head))
        if _next_request(conn) is not None:
            conn.send(b"HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n{")
            conn.sock.close()

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            assert await _chat(client) == "hello"
            with pytest.raises(HttpError, match="complete message body") as info:
                await _chat(client)
        assert len(server.connections) == 1  # something arrived: the request may have run, no resend
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)


async def test_a_fresh_connection_closed_without_an_answer_is_not_retried(wire: dict[str, int]) -> None:
    with HostileServer(lambda conn: conn.sock.close()) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            with pytest.raises(HttpError, match="without sending a response"):
                await _chat(client)
        assert len(server.connections) == 1


async def test_the_client_retries_resend_on_the_wire_path(wire: dict[str, int]) -> None:
    answers = iter([b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 2\r\n\r\n{}", None])

    def behaviour(conn: Conn) -> None:
        head: bytes | None = conn.head
        while head is not None:
            answer = next(answers, None)
            conn.send(answer if answer is not None else _answer_for(head))
            head = _next_request(conn)

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=2, timeout=10) as client:
            client._sleep = _no_sleep  # type: ignore[method-assign]
            assert await _chat(client) == "hello"
        assert len(server.connections) == 1  # the 503's body was read whole: its connection was reused
    assert wire["wire"] == 2


async def _no_sleep(delay: float) -> None:
    return None


@pytest.mark.parametrize("framing", ["length-announced", "chunked"])
async def test_a_body_over_max_response_size_is_refused_and_its_connection_closed(
    wire: dict[str, int], framing: str
) -> None:
    size = 4 * 1024 * 1024
    closed = threading.Event()

    def behaviour(conn: Conn) -> None:
        try:
            if framing == "chunked":
                conn.send(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                )
                piece = chunk(b"x" * 65536)
                for _ in range(size // 65536):
                    conn.send(piece)
                conn.send(LAST_CHUNK)
            else:
                conn.send(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % size
                )
            conn.sock.settimeout(30)
            conn.sock.recv(1)  # b"" (or a reset) once the client closed the connection
        except OSError:
            pass
        closed.set()

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(
            server.base_url, max_retries=0, timeout=10, max_response_size=1024 * 1024
        ) as client:
            with pytest.raises(InvalidResponseError, match="max_response_size"):
                await _chat(client)
            assert await asyncio.to_thread(closed.wait, 10)
            assert not _pool(client)._live
        sent = sum(server.connections[0].sent)
    if framing == "length-announced":
        assert sent < 200  # refused on its Content-Length: the body was never waited for


@pytest.mark.parametrize("framing", ["length", "chunked", "until-close"])
async def test_a_large_body_arriving_in_many_reads_is_whole(wire: dict[str, int], framing: str) -> None:
    # 1 MiB of content: many socket reads, and past the connection's high-water mark (reading pauses).
    text = "y" * (1024 * 1024)
    body = COMPLETION.replace(b'"hello"', json.dumps(text).encode())

    def behaviour(conn: Conn) -> None:
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        if framing == "length":
            conn.send(head + b"content-length: %d\r\n\r\n" % len(body))
            for start in range(0, len(body), 50_000):
                conn.send(body[start : start + 50_000])
        elif framing == "chunked":
            conn.send(head + b"transfer-encoding: chunked\r\n\r\n")
            for start in range(0, len(body), 50_000):
                conn.send(chunk(body[start : start + 50_000]))
            conn.send(LAST_CHUNK)
        else:
            conn.send(head + b"connection: close\r\n\r\n" + body)
            conn.sock.close()

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            assert await _chat(client) == text
            assert _pool(client)._idle_count == (0 if framing == "until-close" else 1)
    assert wire["wire"] == 1


async def test_cancelling_a_call_mid_body_closes_its_connection(
    wire: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vllm_sdk._transports._wire import WireBody

    closed = threading.Event()
    reading = asyncio.Event()
    read_whole = WireBody.aread_whole

    async def noting(self: WireBody, limit: int | None) -> bytes | None:
        reading.set()  # the head is in: the call now waits for the rest of the body
        return await read_whole(self, limit)

    monkeypatch.setattr(WireBody, "aread_whole", noting)

    def behaviour(conn: Conn) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{")
        conn.sock.settimeout(30)
        try:
            conn.sock.recv(1)
        except OSError:
            pass
        closed.set()

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            task = asyncio.ensure_future(_chat(client))
            await asyncio.wait_for(reading.wait(), 10)
            assert not task.done()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await asyncio.to_thread(closed.wait, 10)
            assert not _pool(client)._live
            assert _pool(client)._idle_count == 0
        assert len(server.connections) == 1


async def test_the_connection_slots_hold_and_the_pool_timeout_is_typed(wire: dict[str, int]) -> None:
    release = threading.Event()
    holding = threading.Event()

    def behaviour(conn: Conn) -> None:
        if conn.path == "/v1/models":
            holding.set()
            release.wait(30)  # holds the only slot until the test lets it go
        _serve_all(conn)

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with HostileServer(behaviour) as server:
        timeout = httpx.Timeout(10.0, pool=0.2)
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=timeout, limits=limits) as client:
            held = asyncio.ensure_future(client.models.list())
            assert await asyncio.to_thread(holding.wait, 10)
            with pytest.raises(VllmTimeoutError) as info:
                await _chat(client)
            assert isinstance(info.value.__cause__, httpx.PoolTimeout)
            release.set()
            assert [model.id for model in (await held).data] == ["m"]
            # The same pool with room to wait: six calls queued on one connection take longer than 0.2 s
            # on a loaded machine.
            patient = client.with_timeout(httpx.Timeout(10.0))
            texts = await asyncio.gather(*(_chat(patient) for _ in range(6)))
        assert len(server.connections) == 1  # every later call waited for the one connection
    assert texts == ["hello"] * 6


async def test_a_read_timeout_before_the_head_is_typed(wire: dict[str, int]) -> None:
    with HostileServer(lambda conn: conn.stall()) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=0.3) as client:
            with pytest.raises(VllmTimeoutError):
                await _chat(client)
    assert wire["wire"] == 1


async def test_an_error_status_and_a_cookie_are_answered_as_on_httpx(wire: dict[str, int]) -> None:
    error = b'{"error":{"message":"bad value","type":"BadRequestError","param":"x","code":400}}'
    heads: list[bytes] = []

    def behaviour(conn: Conn) -> None:
        head: bytes | None = conn.head
        while head is not None:
            heads.append(head)
            if head.startswith(b"POST"):
                conn.send(b"HTTP/1.1 400 Bad Request\r\ncontent-length: %d\r\n\r\n" % len(error) + error)
            else:
                conn.send(_json_answer(MODELS, b"set-cookie: session=abc; Path=/"))
            head = _next_request(conn)

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            with pytest.raises(BadRequestError, match="bad value") as info:
                await _chat(client)
            await client.models.list()
            assert client.http_client.cookies.get("session") == "abc"
            assert wire["wire"] == 2
            await client.models.list()  # a cookie to send: httpx's path, which sends it back
            assert wire["wire"] == 2
    assert info.value.status_code == 400
    assert b"cookie: session=abc" in heads[-1].lower()
    assert all(b"cookie" not in head.lower() for head in heads[:-1])


async def test_client_batch_without_stream_goes_over_the_wire_path(wire: dict[str, int]) -> None:
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
            results = [result async for result in client.batch(requests)]
    assert sorted(result.custom_id for result in results) == ["0", "1", "2"]
    assert all(result.error is None for result in results)
    assert wire["wire"] == 3


async def test_the_batch_http_sender_sends_whole_bodies_over_the_wire_path(wire: dict[str, int]) -> None:
    from vllm_sdk._transports import create_async_http_client
    from vllm_sdk.batch._prepare import PreparedRequest
    from vllm_sdk.batch._senders import Endpoint, HttpSender

    with HostileServer(_serve_all) as server:
        http = create_async_http_client(timeout=httpx.Timeout(10.0), limits=httpx.Limits())
        try:
            endpoint = Endpoint(server.base_url, http)
            outcomes = []
            for i in range(3):
                request = PreparedRequest(
                    str(i), "POST", "/chat/completions", {"model": "m", "messages": MESSAGES}
                )
                outcomes.append(await HttpSender()(endpoint, request, False))
        finally:
            await http.aclose()
        assert len(server.connections) == 1
    assert [outcome.body["choices"][0]["message"]["content"] for outcome in outcomes if outcome.body] == [
        "hello"
    ] * 3
    assert all(outcome.request_id == "req-n" for outcome in outcomes)
    assert wire["wire"] == 3


@pytest.mark.parametrize("how", ["aiohttp", "httpx"])
async def test_the_transport_switch_keeps_non_streamed_calls_off_the_wire_path(
    wire: dict[str, int], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setenv(TRANSPORT_ENV, how)
    with HostileServer(_serve_all) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            assert await _chat(client) == "hello"
    assert wire["wire"] == 0


@pytest.mark.parametrize("case", ["hook", "query", "user-httpx"])
async def test_calls_that_need_httpx_objects_stay_off_the_wire_path(wire: dict[str, int], case: str) -> None:
    seen: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request)

    with HostileServer(_serve_all) as server:
        options: dict[str, Any] = {}
        own = None
        if case == "hook":
            options["event_hooks"] = {"request": [hook]}
        elif case == "query":
            options["default_query"] = {"q": "1"}
        else:
            own = options["http_client"] = httpx.AsyncClient()
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10, **options) as client:
            assert await _chat(client) == "hello"
        if own is not None:
            await own.aclose()
        if case == "query":
            assert server.connections[0].path == "/v1/chat/completions?q=1"
    assert wire["wire"] == 0
    assert len(seen) == (1 if case == "hook" else 0)


async def test_credentials_of_the_base_url_are_basic_auth_on_the_wire_path(
    wire: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VLLM_API_KEY", raising=False)
    with HostileServer(_serve_all) as server:
        url = server.base_url.replace("http://", "http://alice:pw%40x@")
        async with AsyncVllmClient(url, max_retries=0, timeout=10) as client:
            assert await _chat(client) == "hello"
        head = server.connections[0].head
    assert b"\r\nAuthorization: Basic " + base64.b64encode(b"alice:pw@x") + b"\r\n" in head
    assert b"alice" not in head.split(b"\r\n")[0]
    assert wire["wire"] == 1


def test_raw_headers_read_like_httpx_headers() -> None:
    raw = [
        (b"Content-Type", b"application/json"),
        (b"X-Multi", b"a"),
        (b"x-multi", b"b"),
        (b"X-U", "é".encode()),
    ]
    headers = RawHeaders(raw)
    reference = httpx.Headers(raw)
    for name in ("content-type", "CONTENT-TYPE", "x-multi", "x-u"):
        assert headers[name] == reference[name]
        assert name in headers
    assert headers.get("missing") is None
    assert headers.get("ünï€ode") is None
    assert 3 not in headers  # type: ignore[comparison-overlap]
    assert list(headers) == ["content-type", "x-multi", "x-u"]
    assert len(headers) == 3
    assert dict(headers) == {"content-type": "application/json", "x-multi": "a, b", "x-u": "é"}
    assert RawHeaders([(b"x", b"\xff")])["x"] == "\xff"  # not UTF-8: Latin-1, never an error
    with pytest.raises(KeyError):
        headers["nope"]


def test_header_blocks_are_encoded_once_per_header_set_and_bounded() -> None:
    from vllm_sdk._transports import _wire_pool
    from vllm_sdk._transports._wire_pool import WireTarget, _request_bytes

    target = WireTarget(httpx.URL("http://127.0.0.1:8000/v1/models"))
    request = httpx.Request("GET", "http://127.0.0.1:8000/v1/models")
    blocks: dict[tuple[tuple[str, str], ...], bytes] = {}
    headers = [("Accept", "application/json"), ("Authorization", "Bearer a")]
    first = _request_bytes(target, "GET", headers, None, lambda: request, blocks)
    assert first == _request_bytes(target, "GET", list(headers), None, lambda: request, blocks)
    assert first == _request_bytes(target, "GET", headers, None, lambda: request)  # cached == uncached
    assert len(blocks) == 1
    other = _request_bytes(target, "GET", [("Authorization", "Bearer b")], None, lambda: request, blocks)
    assert b"\r\nAuthorization: Bearer b\r\n\r\n" in other
    assert len(blocks) == 2
    bad = [("x-bad", "a\r\nInjected: 1")]
    for _ in range(2):  # refused every time: a refused set is never kept
        with pytest.raises(httpx.LocalProtocolError):
            _request_bytes(target, "GET", bad, None, lambda: request, blocks)
    assert len(blocks) == 2
    for i in range(_wire_pool._MAX_HEADER_BLOCKS + 5):
        _request_bytes(target, "GET", [("x-i", str(i))], None, lambda: request, blocks)
    assert len(blocks) <= _wire_pool._MAX_HEADER_BLOCKS


async def test_a_non_ascii_default_header_set_later_moves_calls_off_the_direct_path(
    wire: dict[str, int],
) -> None:
    with HostileServer(_serve_all) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            assert await _chat(client) == "hello"
            assert wire["wire"] == 1
            client.http_client.headers["X-Name"] = "café"  # httpx keeps it as UTF-8 bytes
            assert await _chat(client) == "hello"
            assert wire["wire"] == 1  # httpx's path: it sends the raw bytes as given
            del client.http_client.headers["X-Name"]
            assert await _chat(client) == "hello"
            assert wire["wire"] == 2
        # The httpx path's call opened its own connection; its request carried the header as UTF-8.
        assert [b"\r\nX-Name: caf\xc3\xa9\r\n" in conn.head for conn in server.connections] == [False, True]
