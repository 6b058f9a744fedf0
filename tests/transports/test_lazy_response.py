"""The streaming response of the direct paths (``LazyRequestResponse``): its ``headers`` and ``request`` are
built only when asked for, and ``header_value`` answers the SDK's own look-ups from the raw head meanwhile.

Asking for them must give what an ``httpx.Response`` built eagerly from the same head gives, before, after
the stream ended, and after it failed.
"""

from __future__ import annotations

import socket
import threading

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vllm_sdk import AsyncVllmClient, StreamError
from vllm_sdk._transports import header_value
from vllm_sdk._transports._lazy_response import LazyRequestResponse

from .hostile_server import CHAT_CHUNK, DONE, LAST_CHUNK, Conn, HostileServer, chunk

MESSAGES = [{"role": "user", "content": "x"}]
NAMES = ["content-type", "content-encoding", "x-request-id", "set-cookie"]


class _Body(httpx.AsyncByteStream):
    def __init__(self, error: Exception | None = None) -> None:
        self.closed = 0
        self.error = error

    async def aclose(self) -> None:
        self.closed += 1
        if self.error is not None:
            raise self.error


def _request() -> httpx.Request:
    return httpx.Request("POST", "http://h/v1/chat/completions")


def _lazy(raw: list[tuple[bytes, bytes]], body: httpx.AsyncByteStream | None = None) -> LazyRequestResponse:
    return LazyRequestResponse(_request, 0.0, status_code=200, headers=raw, stream=body or _Body())


# Header names in any case (the look-ups are lower-case), values of any bytes a head may carry.
_name = st.sampled_from([n.encode() for n in NAMES] + [b"Content-Type", b"X-Request-ID", b"Date", b"x-other"])
_value = st.binary(max_size=12).filter(lambda v: b"\r" not in v and b"\n" not in v)
_heads = st.lists(st.tuples(_name, _value), max_size=8)


@given(_heads)
def test_header_value_is_what_httpx_headers_give(raw: list[tuple[bytes, bytes]]) -> None:
    eager = httpx.Response(200, headers=raw)
    for name in NAMES:
        assert header_value(_lazy(raw), name) == eager.headers.get(name)


@given(_heads)
def test_the_headers_built_late_equal_the_eager_ones(raw: list[tuple[bytes, bytes]]) -> None:
    lazy = _lazy(raw)
    header_value(lazy, "x-request-id")  # a look-up first must not change what the headers are
    eager = httpx.Response(200, headers=raw)
    assert isinstance(lazy.headers, httpx.Headers)
    assert lazy.headers.raw == eager.headers.raw
    assert lazy.headers.multi_items() == eager.headers.multi_items()
    assert lazy.headers.encoding == eager.headers.encoding


def test_the_attributes_are_those_httpx_response_sets() -> None:
    # The constructor sets httpx.Response's attributes itself (not calling its __init__): same names, same
    # values, so that a new httpx attribute fails here rather than in a caller.
    raw = [(b"Content-Type", b"text/event-stream"), (b"X-Request-ID", b"r-1")]
    stream = _Body()
    extensions = {"http_version": b"HTTP/1.1", "reason_phrase": b"OK"}
    request = _request()
    eager = httpx.Response(200, headers=raw, stream=stream, extensions=extensions, request=request)
    lazy = LazyRequestResponse(
        lambda: request, 0.0, status_code=200, headers=raw, stream=stream, extensions=extensions
    )
    assert lazy.headers.raw == eager.headers.raw
    assert lazy.request is request
    ours = {
        k: v
        for k, v in vars(lazy).items()
        if k not in ("_make_request", "_sent_at", "_header_source", "_lazy_headers")
    }
    theirs = {k: v for k, v in vars(eager).items() if k != "headers"}
    assert ours == theirs
    assert lazy.extensions is not extensions  # a copy, as httpx makes


def test_a_look_up_does_not_build_the_headers_and_later_changes_are_seen() -> None:
    lazy = _lazy([(b"X-Request-ID", b"r-1"), (b"Content-Type", b"text/event-stream")])
    assert header_value(lazy, "x-request-id") == "r-1"
    assert lazy._lazy_headers is None  # the point: no httpx.Headers for the SDK's own look-ups
    lazy.headers["x-request-id"] = "changed"  # once built, the headers are the truth
    assert header_value(lazy, "x-request-id") == "changed"
    lazy.headers = httpx.Headers({"x-request-id": "set"})
    assert header_value(lazy, "x-request-id") == "set"


def test_header_value_of_other_responses_asks_their_headers() -> None:
    plain = httpx.Response(200, headers={"X-Request-ID": "r-2"})
    assert header_value(plain, "x-request-id") == "r-2"
    assert header_value(plain, "content-encoding") is None


async def test_aclose_closes_the_body_once_and_sets_elapsed() -> None:
    body = _Body()
    lazy = _lazy([], body)
    await lazy.aclose()
    await lazy.aclose()
    assert body.closed == 1
    assert lazy.is_closed
    assert lazy.elapsed.total_seconds() > 0


async def test_a_request_error_of_the_close_carries_the_request_once_built() -> None:
    lazy = _lazy([], _Body(httpx.ReadError("gone")))
    request = lazy.request
    with pytest.raises(httpx.ReadError) as info:
        await lazy.aclose()
    assert info.value.request is request


async def test_aclose_of_a_sync_body_is_refused_as_httpx_does() -> None:
    lazy = LazyRequestResponse(_request, 0.0, status_code=200, stream=httpx.SyncByteStream())
    with pytest.raises(RuntimeError, match="sync stream"):
        await lazy.aclose()


# ------------------------------------------------------------------ end to end, over the SDK's connections

HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Request-ID: r-9\r\nX-Request-ID: r-10\r\n"
    b"Server: hostile\r\nTransfer-Encoding: chunked\r\n\r\n"
)


def _check_response(response: httpx.Response) -> None:
    eager = httpx.Response(
        200,
        headers=[
            (b"Content-Type", b"text/event-stream"),
            (b"X-Request-ID", b"r-9"),
            (b"X-Request-ID", b"r-10"),
            (b"Server", b"hostile"),
            (b"Transfer-Encoding", b"chunked"),
        ],
    )
    assert response.headers.multi_items() == eager.headers.multi_items()
    assert response.status_code == 200
    assert response.reason_phrase == "OK"
    assert response.http_version == "HTTP/1.1"
    assert str(response.request.url).endswith("/chat/completions")
    assert response.is_closed
    assert response.elapsed.total_seconds() >= 0


async def test_a_stream_response_read_to_the_end_is_as_before() -> None:
    with HostileServer(lambda conn: conn.send(HEAD + chunk(CHAT_CHUNK) + chunk(DONE) + LAST_CHUNK)) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            async with stream:
                assert stream.request_id == "r-9, r-10"
                assert await stream.collect_content() == "hi"
    assert type(stream.response) is LazyRequestResponse
    _check_response(stream.response)


async def test_a_stream_response_that_failed_is_as_before() -> None:
    stop = threading.Event()

    def cut(conn: Conn) -> None:  # the server closes the connection part-way
        conn.send(HEAD + chunk(CHAT_CHUNK))
        stop.wait(0.05)
        conn.sock.shutdown(socket.SHUT_RDWR)

    with HostileServer(cut) as server:
        async with AsyncVllmClient(server.base_url, max_retries=0, timeout=10) as client:
            stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            with pytest.raises(StreamError):
                async with stream:
                    await stream.collect_content()
    stop.set()
    assert stream.response._lazy_headers is None  # nothing asked for the headers until now
    assert stream.request_id == "r-9, r-10"
    _check_response(stream.response)
