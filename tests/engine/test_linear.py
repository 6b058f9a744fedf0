"""Bounded, linear work however the input is cut: big events a byte at a time, many events at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from vllm_sdk import StreamError
from vllm_sdk._events import Content, Done

from .chunks import chunk, delta, sse

if TYPE_CHECKING:
    from types import ModuleType

# A quadratic implementation (re-joining the pending bytes on every read) would copy about
# len(event)^2 / 2 / piece bytes here: ~0.5 TB for the 4 MiB case. These tests would then hit the
# pytest timeout instead of finishing in well under a second each.
pytestmark = pytest.mark.timeout(60)


def test_one_byte_at_a_time_large_event(engine: ModuleType) -> None:
    text = "x" * (256 * 1024)
    body = sse(chunk([delta(0, content=text)]), "[DONE]")
    parser = engine.ChatStreamParser()
    events = []
    for i in range(len(body)):
        events.extend(parser.feed(body[i : i + 1]))
    events.extend(parser.close())
    assert events == [Content(text, 0), Done()]


def test_small_pieces_of_a_huge_event(engine: ModuleType) -> None:
    text = "y" * (4 * 1024 * 1024)
    body = sse(chunk([delta(0, content=text)]), "[DONE]")
    parser = engine.ChatStreamParser()
    events = []
    for i in range(0, len(body), 64):
        events.extend(parser.feed(body[i : i + 64]))
    assert events == [Content(text, 0), Done()]


def test_many_events_in_one_read(engine: ModuleType) -> None:
    n = 50_000
    body = sse(*[chunk([delta(0, content=str(i % 10))]) for i in range(n)], "[DONE]")
    events = engine.ChatStreamParser().feed(body)
    assert len(events) == n + 1
    assert "".join(e.text for e in events[:-1]) == "".join(str(i % 10) for i in range(n))


def test_many_data_lines_in_one_event(engine: ModuleType) -> None:
    lines = 100_000
    decoder = engine.SSEDecoder()
    body = b"data: a\n" * lines + b"\n"
    events = []
    for i in range(0, len(body), 1000):
        events.extend(decoder.decode(body[i : i + 1000]))
    assert len(events) == 1
    assert events[0].data == "\n".join(["a"] * lines)


def test_pure_python_pending_line_grows_in_place() -> None:
    # White-box check of the design: the line waiting for its newline is one bytearray extended in
    # place (amortised O(1) per byte), never rebuilt from the start.
    from vllm_sdk._speedups import _sse_py

    parser = _sse_py.ChatStreamParser()
    framer = parser._framer
    pending = framer._partial
    for _ in range(1000):
        parser.feed(b"x")
    assert framer._partial is pending
    assert len(pending) == 1000


def test_memory_bound_without_newline(engine: ModuleType) -> None:
    parser = engine.ChatStreamParser(max_event_size=1 << 20)
    piece = b"z" * 65536
    for _ in range(16):  # exactly 1 MiB without a newline is still allowed
        assert parser.feed(piece) == []
    with pytest.raises(StreamError, match="max_event_size"):
        parser.feed(b"z")
