"""The memo of response heads (``_wire._HEADS``): a head seen before but for its ``Date`` value is read from
the memo, and what the connection then holds must equal a fresh parse of that head."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from hypothesis import given, settings
from hypothesis import strategies as st

from vllm_sdk._transports import _wire
from vllm_sdk._transports._wire import WireConnection

from .test_wire_protocol import FakeTransport

if TYPE_CHECKING:
    import pytest

FIELDS = (
    "failure", "status", "reason", "keep_alive", "body_left", "raw_headers", "content_encoding", "sets_cookie"
)  # fmt: skip

_names = st.sampled_from(
    [b"Content-Type", b"content-length", b"Transfer-Encoding", b"Connection", b"Content-Encoding",
     b"Set-Cookie", b"X-Request-ID", b"Server", b"DATE", b"Date", b"date", b"bad name"]
)  # fmt: skip
_values = st.sampled_from(
    [b"text/event-stream", b"12", b"chunked", b"close", b"keep-alive", b"gzip", b"identity", b"a=b",
     b" padded \t", b"", b"5, 5", b"x:y"]
)  # fmt: skip
_dates = st.sampled_from([b"Sun, 06 Dec 2026 02:02:19 GMT", b"", b"  spaced  ", b"x: y"])


@st.composite
def heads(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """Two heads equal but for the value of their first ``Date: ``/``date: `` line (if any)."""
    status = draw(st.sampled_from([b"HTTP/1.1 200 OK", b"HTTP/1.0 200 OK", b"HTTP/1.1 404 Not Found",
                                   b"HTTP/1.1 204 No Content", b"HTTP/1.1 100 Continue"]))  # fmt: skip
    lines = [name + b": " + value for name, value in draw(st.lists(st.tuples(_names, _values), max_size=6))]
    date_name = draw(st.sampled_from([b"Date", b"date", None]))
    if date_name is not None:
        at = draw(st.integers(0, len(lines)))
        first, second = draw(_dates), draw(_dates)
        return (
            b"\r\n".join([status, *lines[:at], date_name + b": " + first, *lines[at:]]),
            b"\r\n".join([status, *lines[:at], date_name + b": " + second, *lines[at:]]),
        )
    head = b"\r\n".join([status, *lines])
    return head, head


def _parsed(head: bytes, memo: bool) -> tuple[int, dict[str, object]]:
    conn = WireConnection(asyncio.new_event_loop(), None)
    try:
        if not memo:
            _wire._HEADS.clear()
        conn.connection_made(FakeTransport())
        status = conn._parse_head(head)
        return status, {name: getattr(conn, name) for name in FIELDS}
    finally:
        conn._loop.close()


@settings(max_examples=300, deadline=None)
@given(heads())
def test_a_head_from_the_memo_is_what_a_fresh_parse_gives(pair: tuple[bytes, bytes]) -> None:
    first, second = pair
    _parsed(first, memo=False)  # the memo now holds first (when it is a valid final head)
    from_memo = _parsed(second, memo=True)
    fresh = _parsed(second, memo=False)
    assert from_memo == fresh


def test_the_memo_is_used_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_wire, "_MAX_HEADS", 2)
    _wire._HEADS.clear()
    for i in range(5):
        _parsed(b"HTTP/1.1 200 OK\r\nDate: d%d\r\nX-Request-ID: r%d\r\nContent-Length: 0" % (i, i), memo=True)
        assert len(_wire._HEADS) <= 2
    _wire._HEADS.clear()
    _parsed(b"HTTP/1.1 200 OK\r\nDate: one\r\nContent-Length: 0", memo=True)
    key = b"HTTP/1.1 200 OK\r\nDate: \r\nContent-Length: 0"
    assert list(_wire._HEADS) == [key]
    status, fields = _parsed(b"HTTP/1.1 200 OK\r\nDate:   two\r\nContent-Length: 0", memo=True)
    assert status == 200
    assert fields["raw_headers"] == [(b"Date", b"two"), (b"Content-Length", b"0")]
