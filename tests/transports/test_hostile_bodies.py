"""Hostile bodies on every transport: huge error bodies and success bodies are read with a cap, a 2xx of
the wrong content type is named, deep JSON in an error body stays typed (issue 13 item 1's error-body cap,
issue 16 items 9, 11 and 12)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk import AsyncVllmClient, VllmClient
from vllm_sdk._body_read import MAX_ERROR_BODY
from vllm_sdk._exceptions import ApiError, InternalServerError, InvalidResponseError, JsonError
from vllm_sdk._response import TRUNCATED_MARK
from vllm_sdk._transports import TRANSPORT_ENV

from .hostile_server import Conn, HostileServer

if TYPE_CHECKING:
    from collections.abc import Callable

TRANSPORTS = ["sync", "aiohttp", "wire", "httpx", "user-httpx"]
MESSAGES = [{"role": "user", "content": "x"}]
#: Far more than any socket buffers hold: a client that read it all would show it in ``conn.sent``.
HUGE = 300 * 1024 * 1024
#: What the kernel's socket buffers and the client's read-ahead may take before the client stops reading.
SLACK = 24 * 1024 * 1024


async def _call(
    transport: str,
    base_url: str,
    monkeypatch: pytest.MonkeyPatch,
    action: Callable[[Any], Any],
    **kw: Any,
) -> Any:
    """Run ``action(client)`` (awaited on async clients) on a fresh client of ``transport``."""
    if transport == "sync":
        with VllmClient(base_url, max_retries=0, timeout=10, **kw) as client:
            return action(client)
    own = httpx.AsyncClient() if transport == "user-httpx" else None
    if own is None:
        monkeypatch.setenv(TRANSPORT_ENV, transport)
    client = AsyncVllmClient(base_url, max_retries=0, timeout=10, http_client=own, **kw)
    try:
        return await action(client)
    finally:
        await client.aclose()
        if own is not None:
            await own.aclose()


def _models(client: Any) -> Any:
    return client.models.list()


def _huge(status: bytes, content_type: bytes) -> Callable[[Conn], None]:
    def behaviour(conn: Conn) -> None:
        conn.send(
            b"HTTP/1.1 "
            + status
            + b"\r\ncontent-type: "
            + content_type
            + b"\r\ncontent-length: %d\r\n\r\n" % HUGE
        )
        piece = b"x" * 65536
        for _ in range(HUGE // len(piece)):
            conn.send(piece)  # raises once the client closed the connection

    return behaviour


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_huge_error_body_is_read_only_up_to_its_cap(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HostileServer(_huge(b"500 Internal Server Error", b"text/plain")) as server:
        with pytest.raises(InternalServerError) as info:
            await _call(transport, server.base_url, monkeypatch, _models)
        assert server.finished.wait(10)  # the client closed the connection: the server's send failed
        sent = sum(server.connections[0].sent)
    assert sent < MAX_ERROR_BODY + SLACK
    assert info.value.message.startswith("xxxx")
    assert info.value.message.endswith(TRUNCATED_MARK)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_success_body_over_max_response_size_raises(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HostileServer(_huge(b"200 OK", b"application/json")) as server:
        with pytest.raises(InvalidResponseError, match="max_response_size"):
            await _call(transport, server.base_url, monkeypatch, _models, max_response_size=1024 * 1024)
        assert server.finished.wait(10)
        sent = sum(server.connections[0].sent)
    assert sent < 1024 * 1024 + SLACK


def _answer(content_type: bytes, body: bytes, status: bytes = b"200 OK") -> Callable[[Conn], None]:
    def behaviour(conn: Conn) -> None:
        head = b"HTTP/1.1 %s\r\ncontent-type: %s\r\ncontent-length: %d\r\n\r\n" % (
            status,
            content_type,
            len(body),
        )
        conn.send(head + body)

    return behaviour


HTML = b"<html><body>Please log in<pre>\ndata: [DONE]\n\n</pre></body></html>"


def _stream_collect(client: Any) -> Any:
    if isinstance(client, VllmClient):
        with client.chat.completions.create(model="m", messages=MESSAGES, stream=True) as stream:
            return stream.collect_content()

    async def run() -> str:
        stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        async with stream:
            return str(await stream.collect_content())

    return run()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_html_answer_to_a_stream_request_names_its_content_type(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HostileServer(_answer(b"text/html; charset=utf-8", HTML)) as server:
        with pytest.raises(InvalidResponseError) as info:
            await _call(transport, server.base_url, monkeypatch, _stream_collect)
    message = str(info.value)
    assert "'text/html'" in message
    assert "Please log in" in message


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_json_error_with_status_200_to_a_stream_request_is_an_api_error(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b'{"error": {"message": "model is asleep", "type": "ServiceUnavailable", "code": 503}}'
    with HostileServer(_answer(b"application/json", body)) as server:
        with pytest.raises(ApiError, match="model is asleep") as info:
            await _call(transport, server.base_url, monkeypatch, _stream_collect)
    assert info.value.status_code == 503


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_html_answer_to_a_json_request_names_its_content_type(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # JsonError (API.md: a body that is not valid JSON), its message naming what came instead.
    with HostileServer(_answer(b"text/html", HTML)) as server:
        with pytest.raises(JsonError) as info:
            await _call(transport, server.base_url, monkeypatch, _models)
    assert "'text/html'" in str(info.value)
    assert "Please log in" in str(info.value)


DEEP = b"[" * 5000 + b"]" * 5000


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    "body", [DEEP, b'{"error": {"message": "m", "detail": ' + DEEP + b"}}"], ids=["bare", "in-error"]
)
async def test_a_deeply_nested_error_body_is_an_api_error(
    transport: str, body: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HostileServer(_answer(b"application/json", body, b"400 Bad Request")) as server:
        with pytest.raises(ApiError) as info:
            await _call(transport, server.base_url, monkeypatch, _models)
    assert info.value.status_code == 400
    assert len(str(info.value)) < 1000


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_health_is_false_on_a_deeply_nested_answer(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HostileServer(_answer(b"application/json", DEEP, b"503 Service Unavailable")) as server:
        assert (
            await _maybe_await(await _call(transport, server.base_url, monkeypatch, lambda c: c.health()))
            is False
        )


async def _maybe_await(value: Any) -> Any:
    return value


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("transport", ["aiohttp", "wire", "httpx"])
async def test_the_batch_http_sender_caps_error_bodies_too(transport: str, stream: bool) -> None:
    from vllm_sdk._transports import create_async_http_client
    from vllm_sdk.batch._prepare import PreparedRequest
    from vllm_sdk.batch._senders import Endpoint, HttpSender

    with HostileServer(_huge(b"502 Bad Gateway", b"text/html")) as server:
        http = create_async_http_client(
            timeout=httpx.Timeout(10.0),
            limits=httpx.Limits(),
            transport=transport,  # type: ignore[arg-type]
        )
        try:
            request = PreparedRequest("a", "POST", "/chat/completions", {"model": "m", "messages": MESSAGES})
            with pytest.raises(InternalServerError) as info:
                await HttpSender()(Endpoint(server.base_url, http), request, stream)
        finally:
            await http.aclose()
        assert server.finished.wait(10)
        sent = sum(server.connections[0].sent)
    assert sent < MAX_ERROR_BODY + SLACK
    assert info.value.status_code == 502
    assert info.value.message.endswith(TRUNCATED_MARK)


def test_max_response_size_is_checked_and_carried_by_derived_clients() -> None:
    with VllmClient("http://127.0.0.1:1/v1") as client:
        assert client.max_response_size == 64 * 1024 * 1024
        assert client.with_options(max_response_size=10).max_response_size == 10
        assert client.with_options(max_response_size=None).max_response_size is None
        assert client.with_timeout(3).max_response_size == 64 * 1024 * 1024
        assert client._async_twin().max_response_size == 64 * 1024 * 1024
    with VllmClient.builder().base_url("http://127.0.0.1:1/v1").max_response_size(5).build() as built:
        assert built.max_response_size == 5
    for bad in (0, -1, True, 1.5):
        with pytest.raises((ValueError, TypeError), match="max_response_size"):
            VllmClient("http://127.0.0.1:1/v1", max_response_size=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
async def test_the_batch_http_sender_names_a_wrong_content_type(stream: bool) -> None:
    from vllm_sdk._transports import create_async_http_client
    from vllm_sdk.batch._prepare import PreparedRequest
    from vllm_sdk.batch._senders import Endpoint, HttpSender

    with HostileServer(_answer(b"text/html", HTML)) as server:
        http = create_async_http_client(timeout=httpx.Timeout(10.0), limits=httpx.Limits())
        try:
            request = PreparedRequest("a", "POST", "/chat/completions", {"model": "m", "messages": MESSAGES})
            with pytest.raises((InvalidResponseError, JsonError)) as info:
                await HttpSender()(Endpoint(server.base_url, http), request, stream)
        finally:
            await http.aclose()
    if stream:
        assert isinstance(info.value, InvalidResponseError)
        assert "'text/html'" in str(info.value)
        assert "Please log in" in str(info.value)
    else:  # the batch's own JSON error, which keeps the start of the body
        assert isinstance(info.value, JsonError)
        assert "Please log in" in info.value.text
