"""The public replay helpers in vllm_sdk.streaming and the vllm_sdk.sse module."""

from __future__ import annotations

import pytest

from vllm_sdk import StreamError, sse, streaming
from vllm_sdk._events import Content, Done, FinishReason, Text

from .chunks import chunk, contents, delta, stream
from .chunks import sse as sse_body


def test_parse_chat_stream_replays_bytes() -> None:
    body = stream(*contents("a", "b"), chunk([delta(0, finish_reason="stop")]))
    pieces = [body[i : i + 5] for i in range(0, len(body), 5)]
    assert list(streaming.parse_chat_stream(pieces)) == [
        Content("a", 0),
        Content("b", 0),
        FinishReason("stop", 0, None),
        Done(),
    ]


def test_parse_chat_stream_raises_after_the_events_when_truncated() -> None:
    events = streaming.parse_chat_stream([sse_body(*contents("a"))])
    assert next(events) == Content("a", 0)
    with pytest.raises(StreamError, match="before"):
        next(events)


def test_parse_completion_stream() -> None:
    body = stream({"choices": [{"index": 0, "text": "hi", "finish_reason": "length"}]})
    assert list(streaming.parse_completion_stream([body])) == [
        Text("hi", 0),
        FinishReason("length", 0),
        Done(),
    ]


def test_max_event_size_is_passed_through() -> None:
    with pytest.raises(StreamError, match="max_event_size"):
        list(streaming.parse_chat_stream([b"data: " + b"x" * 100], max_event_size=50))


def test_public_names() -> None:
    for name in streaming.__all__:
        assert getattr(streaming, name) is not None
    assert set(sse.__all__) >= {"SSEDecoder", "PySSEDecoder", "CSSEDecoder", "ServerSentEvent"}
    assert sse.SSEDecoder().decode(b"data: x\n\n") == [sse.ServerSentEvent(data="x")]
    assert sse.DEFAULT_MAX_EVENT_SIZE == 16 * 1024 * 1024
