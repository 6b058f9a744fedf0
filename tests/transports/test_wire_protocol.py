"""The SDK's own HTTP/1.1 response protocol (``_transports/_wire.py``) fed byte by byte: framing, caps,
1xx answers, keep-alive rules, flow control and the head and read deadlines (issue 13 item 6).

The connection runs on the test's event loop over a fake transport that records what the protocol asks of
the socket (writes, pause, resume, abort); no network.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from vllm_sdk._transports._wire import HIGH_WATER, MAX_HEAD, MAX_HEADERS, WireBody, WireConnection


class FakeTransport(asyncio.Transport):
    """Records what the protocol does to its socket."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.paused = False
        self.pauses = 0
        self.aborted = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written.append(bytes(data))

    def pause_reading(self) -> None:
        self.paused = True
        self.pauses += 1

    def resume_reading(self) -> None:
        self.paused = False

    def abort(self) -> None:
        self.aborted = True

    def close(self) -> None:
        self.aborted = True

    def is_closing(self) -> bool:
        return self.aborted


def _conn(read_timeout: float | None = None, no_body: bool = False) -> tuple[WireConnection, FakeTransport]:
    conn = WireConnection(asyncio.get_running_loop(), ("http", "h", 80, False))
    transport = FakeTransport()
    conn.connection_made(transport)
    conn.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", read_timeout, no_body)
    return conn, transport


def _body(conn: WireConnection) -> bytes:
    return b"".join(conn.pending)


async def _read_into(body: WireBody, got: list[bytes]) -> None:
    async for data in body:
        got.append(data)


CHUNKED = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
BODY = b"data: one\n\ndata: two\n\n"


def _chunked(*pieces: bytes, last: bytes = b"0\r\n\r\n") -> bytes:
    return CHUNKED + b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + last


async def test_a_chunked_body_is_de_framed_and_the_connection_is_reusable() -> None:
    conn, transport = _conn()
    conn.data_received(_chunked(b"data: one\n\n", b"data: two\n\n"))
    assert conn.status == 200
    assert (b"content-type", b"text/event-stream") in conn.raw_headers
    assert _body(conn) == BODY
    assert conn.done
    assert conn.reusable
    assert conn.failure is None
    assert not transport.aborted


async def test_chunk_extensions_and_trailers_are_accepted_and_dropped() -> None:
    conn, _ = _conn()
    wire = (
        CHUNKED
        + b"b;name=value;x\r\ndata: one\n\n\r\n"
        + b'B ; y="z"\r\ndata: two\n\n\r\n'
        + b"0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n"
    )
    conn.data_received(wire)
    assert _body(conn) == BODY
    assert conn.done
    assert conn.reusable


@given(cuts=st.lists(st.integers(min_value=1, max_value=200), max_size=12))
@example(cuts=list(range(1, 200)))  # every byte in its own read
async def test_a_chunked_body_cut_across_reads_anywhere_gives_the_same_bytes(cuts: list[int]) -> None:
    wire = _chunked(b"data: one\n\n", b"x" * 40, b"data: two\n\n", last=b"0;e=1\r\nT: v\r\n\r\n")
    conn, _ = _conn()
    points = sorted({cut for cut in cuts if cut < len(wire)})
    start = 0
    for point in [*points, len(wire)]:
        if point > start:
            conn.data_received(wire[start:point])
        start = point
    assert conn.failure is None
    assert _body(conn) == b"data: one\n\n" + b"x" * 40 + b"data: two\n\n"
    assert conn.done
    assert conn.reusable


@pytest.mark.parametrize(
    "size_line",
    [b"zz", b"0x5", b"+5", b"-1", b"", b"12345678901234567", b" 5 5", b"5\x00"],
    ids=["not-hex", "0x", "plus", "minus", "empty", "too-long", "two-numbers", "nul"],
)
async def test_a_bad_chunk_size_is_a_protocol_error(size_line: bytes) -> None:
    conn, transport = _conn()
    conn.data_received(CHUNKED + size_line + b"\r\nhello\r\n0\r\n\r\n")
    assert conn.failure is not None
    assert conn.failure[0] is httpx.RemoteProtocolError
    assert transport.aborted
    assert not conn.reusable


async def test_chunk_data_not_followed_by_crlf_is_a_protocol_error() -> None:
    conn, _ = _conn()
    conn.data_received(CHUNKED + b"5\r\nhelloXX0\r\n\r\n")
    assert conn.failure == (httpx.RemoteProtocolError, "chunk data not followed by CRLF")


async def test_an_endless_chunk_size_line_is_capped() -> None:
    conn, _ = _conn()
    conn.data_received(CHUNKED + b"5;" + b"e" * 5000)
    assert conn.failure is not None
    assert "chunk line longer" in conn.failure[1]


async def test_endless_trailers_are_capped() -> None:
    conn, _ = _conn()
    conn.data_received(CHUNKED + b"0\r\n" + b"T: v\r\n" * (MAX_HEADERS + 1))
    assert conn.failure is not None
    assert "trailer lines" in conn.failure[1]


async def test_a_head_over_its_size_cap_is_a_protocol_error_before_it_ends() -> None:
    conn, transport = _conn()
    conn.data_received(b"HTTP/1.1 200 OK\r\n")
    for _ in range(MAX_HEAD // 1000 + 1):
        if conn.failure is not None:
            break
        conn.data_received(b"x-filler: " + b"a" * 988 + b"\r\n")
    assert conn.failure is not None
    assert "larger than" in conn.failure[1]
    assert transport.aborted


async def test_too_many_header_lines_is_a_protocol_error() -> None:
    conn, _ = _conn()
    conn.data_received(b"HTTP/1.1 200 OK\r\n" + b"x: 1\r\n" * (MAX_HEADERS + 1) + b"\r\n")
    assert conn.failure is not None
    assert "header lines" in conn.failure[1]


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/2 200 OK",
        b"HTTP/1.1 20 OK",
        b"ICY 200 OK",
        b"HTTP/1.1 200 OK\r\nno colon here",
        b"HTTP/1.1 200 OK\r\nbad name: 1",
        b"HTTP/1.1 200 OK\r\n folded: 1",
        b"HTTP/1.1 200 OK\r\nx: a\nb",
        b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6",
        b"HTTP/1.1 200 OK\r\ncontent-length: -5",
        b"HTTP/1.1 200 OK\r\ncontent-length: 0x10",
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, chunked",
        b"HTTP/1.1 101 Switching Protocols",
    ],
)
async def test_a_malformed_head_is_a_protocol_error(head: bytes) -> None:
    conn, _ = _conn()
    conn.data_received(head + b"\r\n\r\n")
    assert conn.failure is not None
    assert conn.failure[0] is httpx.RemoteProtocolError


async def test_informational_answers_are_skipped() -> None:
    conn, _ = _conn()
    conn.data_received(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n")
    assert conn.status == 0
    assert not conn.done
    conn.data_received(b"HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\nno")
    assert conn.status == 404
    assert conn.reason == b"Not Found"
    assert conn.raw_headers == [(b"content-length", b"2")]
    assert _body(conn) == b"no"
    assert conn.done
    assert conn.reusable


async def test_a_content_length_body_ends_at_its_length() -> None:
    conn, _ = _conn()
    conn.data_received(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\ncontent-length: 10\r\n\r\n01234")
    assert not conn.done
    conn.data_received(b"56789")
    assert _body(conn) == b"0123456789"
    assert conn.done
    assert conn.reusable


async def test_bytes_past_the_body_make_the_connection_single_use() -> None:
    conn, _ = _conn()
    conn.data_received(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA")
    assert _body(conn) == b"ok"
    assert conn.done
    assert not conn.reusable


async def test_bytes_while_idle_close_the_connection() -> None:
    conn, transport = _conn()
    conn.data_received(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert conn.done
    assert conn.reusable
    conn.state = 0  # back in the pool
    conn.data_received(b"HTTP/1.1 200 OK\r\n")
    assert transport.aborted
    assert not conn.reusable


async def test_a_close_delimited_body_ends_with_the_connection() -> None:
    conn, _ = _conn()
    conn.data_received(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nsome")
    conn.data_received(b" text")
    assert not conn.done
    conn.connection_lost(None)
    assert _body(conn) == b"some text"
    assert conn.done
    assert conn.failure is None
    assert not conn.reusable


async def test_a_body_cut_short_is_a_protocol_error() -> None:
    conn, _ = _conn()
    conn.data_received(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n0123")
    conn.connection_lost(None)
    assert conn.failure is not None
    assert conn.failure[0] is httpx.RemoteProtocolError
    assert "complete message body" in conn.failure[1]


async def test_a_close_before_any_answer_says_so_and_no_byte_arrived() -> None:
    conn, _ = _conn()
    conn.connection_lost(None)
    assert conn.failure == (httpx.RemoteProtocolError, "Server disconnected without sending a response.")
    assert not conn.got_bytes  # what lets the pool retry a stale keep-alive connection


async def test_a_reset_is_a_read_error() -> None:
    conn, _ = _conn()
    conn.data_received(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n0")
    conn.connection_lost(OSError(113, "No route to host"))
    assert conn.failure is not None
    assert conn.failure[0] is httpx.ReadError


@pytest.mark.parametrize(
    ("version", "connection", "reusable"),
    [
        (b"1.1", b"", True),
        (b"1.1", b"connection: close\r\n", False),
        (b"1.1", b"connection: Keep-Alive, Close\r\n", False),
        (b"1.0", b"", False),
        (b"1.0", b"connection: keep-alive\r\n", True),
    ],
)
async def test_keep_alive_follows_the_version_and_connection_header(
    version: bytes, connection: bytes, reusable: bool
) -> None:
    conn, _ = _conn()
    conn.data_received(b"HTTP/" + version + b" 200 OK\r\n" + connection + b"content-length: 0\r\n\r\n")
    assert conn.done
    assert conn.reusable is reusable


async def test_no_body_for_204_304_and_head_requests() -> None:
    for head, no_body in [
        (b"HTTP/1.1 204 No Content\r\n\r\n", False),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n", True),
    ]:
        conn, _ = _conn(no_body=no_body)
        conn.data_received(head)
        assert conn.done
        assert conn.reusable
        assert not conn.pending


async def test_a_consumer_that_lags_pauses_the_socket_and_taking_resumes_it() -> None:
    conn, transport = _conn()
    conn.data_received(CHUNKED)
    piece = b"data: " + b"x" * 8000 + b"\n\n"
    reads = 0
    while not transport.paused:  # a real socket delivers nothing more once paused
        conn.data_received(b"%x\r\n%s\r\n" % (len(piece), piece))
        reads += 1
    assert reads == HIGH_WATER // len(piece) + 1
    assert conn.paused
    assert transport.pauses == 1
    assert conn.pending_size <= HIGH_WATER + len(piece)  # bounded by one read past the mark
    taken = conn.take()
    assert len(taken) > HIGH_WATER
    assert not transport.paused
    assert conn.pending_size == 0


async def test_one_read_wakes_the_waiting_consumer_once_with_everything() -> None:
    conn, _ = _conn()
    conn.data_received(CHUNKED)
    body = WireBody(conn, lambda: httpx.Request("GET", "http://h/"), lambda conn, reusable: None)
    reader = body.__aiter__()
    waiting = asyncio.ensure_future(reader.__anext__())
    await asyncio.sleep(0)  # the reader now waits for data
    assert conn.waiter is not None
    conn.data_received(b"5\r\nhello\r\n6\r\n world\r\n")  # two chunks in one read
    assert await waiting == b"hello world"
    conn.data_received(b"0\r\n\r\n")
    with pytest.raises(StopAsyncIteration):
        await reader.__anext__()


async def test_the_failure_is_raised_after_the_bytes_that_came_before_it() -> None:
    conn, _ = _conn()
    conn.data_received(CHUNKED + b"5\r\nhello\r\n")
    conn.connection_lost(None)
    request = httpx.Request("POST", "http://h/v1/chat/completions")
    released: list[bool] = []
    body = WireBody(conn, lambda: request, lambda conn, reusable: released.append(reusable))
    got: list[bytes] = []
    with pytest.raises(httpx.RemoteProtocolError) as info:
        await _read_into(body, got)
    assert got == [b"hello"]
    assert info.value.request is request
    await body.aclose()
    await body.aclose()
    assert released == [False]


async def test_the_head_deadline_counts_from_the_request_and_1xx_does_not_reset_it() -> None:
    conn, transport = _conn(read_timeout=0.05)
    conn.data_received(b"HTTP/1.1 100 Continue\r\n\r\n")
    await conn.head()  # returns when the deadline fails the exchange
    assert conn.failure is not None
    assert conn.failure[0] is httpx.ReadTimeout
    assert "no response headers" in conn.failure[1]
    assert transport.aborted


async def test_a_body_read_deadline_fails_a_silent_body() -> None:
    conn, _ = _conn(read_timeout=0.05)
    conn.data_received(CHUNKED + b"5\r\nhello\r\n")
    body = WireBody(conn, lambda: httpx.Request("GET", "http://h/"), lambda conn, reusable: None)
    got: list[bytes] = []
    with pytest.raises(httpx.ReadTimeout, match="no data"):
        await _read_into(body, got)
    assert got == [b"hello"]


async def test_a_paused_connection_is_not_timed_out_for_the_consumer_s_own_delay() -> None:
    conn, _ = _conn(read_timeout=30.0)
    conn.data_received(CHUNKED)
    conn.paused = True
    conn._last_read -= 3600  # an hour without a read, all of it paused
    conn._on_timer()
    assert conn.failure is None
    conn.paused = False
    conn._on_timer()  # not paused any more: the server has been silent too long
    assert conn.failure is not None
    assert conn.failure[0] is httpx.ReadTimeout
    conn.close()


def test_wire_connection_has_no_instance_dict() -> None:
    # Every socket read touches a dozen attributes: slots keep that cheap (and catch typos).
    conn: Any = WireConnection.__new__(WireConnection)
    with pytest.raises(AttributeError):
        conn.not_an_attribute = 1


@pytest.mark.parametrize("first_timeout", [0.1, 30.0])
async def test_the_head_deadline_holds_for_the_next_request_on_a_connection(first_timeout: float) -> None:
    # The timer of the first request is left pending after its body (it serves the next request when due no
    # later than its deadline, and is replaced when due later): the second head's deadline holds either way.
    conn, _ = _conn(read_timeout=first_timeout)
    conn.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert conn.done
    assert conn.failure is None
    conn.send(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", 0.1, False)
    await conn.head()  # nothing arrives: the deadline ends the wait
    assert conn.failure is not None
    assert conn.failure[0] is httpx.ReadTimeout
