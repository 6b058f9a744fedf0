"""The direct aiohttp path of non-streamed async calls (``AiohttpTransport.fetch``): taken only where nothing
can tell it from the httpx path, and indistinguishable there - the same bytes on the wire, the same answers,
the same typed errors, retries, decoding and cookies (issue 13 item 6: client CPU per request)."""

from __future__ import annotations

import gzip
import json
import logging
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk import AsyncVllmClient
from vllm_sdk._exceptions import HttpError, NotFoundError, StreamError
from vllm_sdk._logging import logger
from vllm_sdk._transports import TRANSPORT_ENV, AiohttpTransport

from .hostile_server import Conn, HostileServer

if TYPE_CHECKING:
    from collections.abc import Callable

MODELS = b'{"object":"list","data":[{"id":"m","object":"model","created":1,"owned_by":"vllm"}]}'


def _answer(body: bytes, *extra: bytes, status: bytes = b"200 OK") -> Callable[[Conn], None]:
    # One request per connection (the hostile server's way): the next call opens a fresh one.
    def behaviour(conn: Conn) -> None:
        head = (
            b"HTTP/1.1 %s\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            % (
                status,
                len(body),
            )
        )
        conn.send(head + b"".join(line + b"\r\n" for line in extra) + b"\r\n" + body)

    return behaviour


@pytest.fixture(params=["aiohttp", "wire"])
def calls(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, int]:
    """Counts of the aiohttp transport's two entry points: ``fetch`` (direct) and httpx's; on ``wire`` the
    streamed direct calls go over the SDK's own HTTP/1.1 connections (``fetch`` is their entry too)."""
    monkeypatch.setenv(TRANSPORT_ENV, request.param)
    counts = {"direct": 0, "httpx": 0}
    fetch, handle = AiohttpTransport.fetch, AiohttpTransport.handle_async_request

    async def counting_fetch(self: AiohttpTransport, *args: Any) -> Any:
        counts["direct"] += 1
        return await fetch(self, *args)

    async def counting_handle(self: AiohttpTransport, request: httpx.Request) -> httpx.Response:
        counts["httpx"] += 1
        return await handle(self, request)

    monkeypatch.setattr(AiohttpTransport, "fetch", counting_fetch)
    monkeypatch.setattr(AiohttpTransport, "handle_async_request", counting_handle)
    return counts


def _header_lines(head: bytes) -> list[tuple[str, str]]:
    lines = head.split(b"\r\n")[1:]
    pairs = [line.decode("latin-1").partition(":") for line in lines if line]
    return sorted((name.strip().lower(), value.strip()) for name, _, value in pairs)


async def test_a_plain_call_goes_direct_and_sends_what_the_httpx_path_sends(calls: dict[str, int]) -> None:
    with HostileServer(_answer(MODELS)) as server:
        async with AsyncVllmClient(server.base_url, api_key="k", max_retries=0, timeout=10) as client:
            direct = await client.models.list()
            assert calls == {"direct": 1, "httpx": 0}
            hooked = client.with_options()  # same settings, but a request hook forces the httpx path
            hooked._request_hooks = (lambda request: None,)
            via_httpx = await hooked.models.list()
            assert calls == {"direct": 1, "httpx": 1}
        first, second = server.connections
    assert direct == via_httpx
    assert direct.data[0].id == "m"
    assert _header_lines(first.head) == _header_lines(second.head)
    assert first.head.split(b"\r\n")[0] == second.head.split(b"\r\n")[0]


async def test_the_request_body_and_x_request_id_are_the_same_as_on_httpx(calls: dict[str, int]) -> None:
    body = (
        b'{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,'
        b'"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],'
        b'"usage":{"prompt_tokens":1,"total_tokens":2,"completion_tokens":1}}'
    )
    with HostileServer(_answer(body, b"x-request-id: req-7")) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            answer = await client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "x"}], max_tokens=3
            )
        conn = server.connections[0]
    assert calls["direct"] == 1
    assert answer.choices[0].message.content == "hi"
    assert answer.request_id == "req-7"
    assert answer.raw == json.loads(body)
    assert conn.body == b'{"messages":[{"role":"user","content":"x"}],"model":"m","max_tokens":3}'


@pytest.mark.parametrize(
    "case", ["query", "hook", "debug", "user-client", "cookie", "default-query", "replicas"]
)
async def test_calls_that_need_httpx_objects_stay_on_httpx(case: str, calls: dict[str, int]) -> None:
    with HostileServer(_answer(MODELS)) as server:
        own = httpx.AsyncClient(transport=AiohttpTransport()) if case == "user-client" else None
        hooks = {"response": [lambda response: None]} if case == "hook" else None
        kw: dict[str, Any] = {"default_query": {"a": "1"}} if case == "default-query" else {}
        urls: Any = [server.base_url, server.base_url] if case == "replicas" else server.base_url
        client = AsyncVllmClient(urls, max_retries=0, timeout=10, http_client=own, event_hooks=hooks, **kw)
        level = logger.level
        if case == "debug":
            logger.setLevel(logging.DEBUG)
        if case == "cookie":
            client.http_client.cookies.set("session", "s1")
        try:
            if case == "query":
                await client.models.list(extra_query={"a": "1"})
            else:
                await client.models.list()
        finally:
            logger.setLevel(level)
            await client.aclose()
            if own is not None:
                await own.aclose()
        head = server.connections[0].head
    assert calls == {"direct": 0, "httpx": 1}
    if case in ("query", "default-query"):
        assert b"/v1/models?a=1 " in head
    if case == "cookie":
        assert b"session=s1" in head.lower()


async def test_a_compressed_body_is_decoded(calls: dict[str, int]) -> None:
    with HostileServer(_answer(gzip.compress(MODELS), b"content-encoding: gzip")) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            models = await client.models.list()
    assert calls == {"direct": 1, "httpx": 0}
    assert models.data[0].id == "m"


async def test_a_cookie_set_by_the_server_is_kept_and_sent_back(calls: dict[str, int]) -> None:
    with HostileServer(_answer(MODELS, b"set-cookie: route=r2; Path=/")) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            await client.models.list()
            assert client.http_client.cookies.get("route") == "r2"
            await client.models.list()  # the jar is no longer empty: httpx merges it
        second = server.connections[1].head
    assert calls == {"direct": 1, "httpx": 1}
    assert b"route=r2" in second


async def test_an_error_status_is_typed(calls: dict[str, int]) -> None:
    error = b'{"object":"error","message":"no such model","type":"NotFoundError","param":null,"code":404}'
    with HostileServer(_answer(error, status=b"404 Not Found")) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            with pytest.raises(NotFoundError, match="no such model"):
                await client.models.list()
    assert calls["direct"] == 1


async def test_a_body_cut_short_is_retried_then_answered(calls: dict[str, int]) -> None:
    def behaviour(conn: Conn) -> None:
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(
            MODELS
        )
        if not served:
            served.append(conn)
            conn.send(head + MODELS[:10])
            conn.sock.close()
            return
        conn.send(head + MODELS)

    served: list[Conn] = []
    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=1, timeout=10) as client:
            models = await client.models.list()
        attempts = server.requests
    assert models.data[0].id == "m"
    assert attempts == 2
    assert calls["direct"] == 2


async def test_a_body_cut_short_without_retries_is_an_http_error(calls: dict[str, int]) -> None:
    def behaviour(conn: Conn) -> None:
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(
            MODELS
        )
        conn.send(head + MODELS[:10])
        conn.sock.close()

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            with pytest.raises(HttpError) as info:
                await client.models.list()
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)
    assert calls["direct"] == 1


async def test_default_headers_changed_on_the_httpx_client_are_sent(calls: dict[str, int]) -> None:
    with HostileServer(_answer(MODELS)) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            await client.models.list()
            client.http_client.headers["X-Tenant"] = "t1"
            await client.models.list()
            del client.http_client.headers["X-Tenant"]
            await client.models.list()
        heads = [conn.head for conn in server.connections]
    assert calls == {"direct": 3, "httpx": 0}
    assert [b"x-tenant: t1" in head.lower() for head in heads] == [False, True, False]


def _sse(*events: bytes) -> Callable[[Conn], None]:
    body = b"".join(b"data: " + event + b"\n\n" for event in events) + b"data: [DONE]\n\n"

    def behaviour(conn: Conn) -> None:
        head = (
            b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: text/event-stream\r\n"
            b"x-request-id: req-s\r\ncontent-length: %d\r\n\r\n" % len(body)
        )
        conn.send(head + body)

    return behaviour


CHUNK = (
    b'{"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"content":"%s"}}]}'
)


async def test_a_stream_goes_direct_and_its_response_is_a_full_httpx_response(calls: dict[str, int]) -> None:
    with HostileServer(_sse(CHUNK % b"Hel", CHUNK % b"lo")) as server:
        async with AsyncVllmClient(server.base_url, api_key="k", max_retries=0, timeout=10) as client:
            stream = await client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "x"}], stream=True
            )
            async with stream:
                text = await stream.collect_content()
            response = stream.response
        head = server.connections[0].head
    assert calls == {"direct": 1, "httpx": 0}
    assert text == "Hello"
    assert stream.request_id == "req-s"
    assert response.status_code == 200
    assert response.is_closed
    assert response.elapsed.total_seconds() >= 0
    assert response.request.method == "POST"  # built when asked for
    assert str(response.request.url) == server.base_url + "/chat/completions"
    assert response.request.headers["authorization"] == "Bearer k"
    assert response.raise_for_status() is response
    assert head.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")


async def test_a_stream_cut_before_its_end_is_a_typed_error_on_the_direct_path(calls: dict[str, int]) -> None:
    def behaviour(conn: Conn) -> None:
        head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: 100000\r\n\r\n"
        conn.send(head + b"data: " + CHUNK % b"Hel" + b"\n\n")
        conn.sock.close()

    with HostileServer(behaviour) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            stream = await client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "x"}], stream=True
            )
            with pytest.raises(StreamError, match="connection lost mid-stream") as info:
                async with stream:
                    await stream.collect_content()
    cause = info.value.__cause__
    assert isinstance(cause, HttpError)
    assert isinstance(cause.__cause__, httpx.RemoteProtocolError)  # mapped as on the httpx path
    assert calls["direct"] == 1
