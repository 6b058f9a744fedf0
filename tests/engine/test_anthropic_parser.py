"""The Messages (Anthropic-style) stream parser (``_speedups._anthropic``) over both builds' SSE framing:
vLLM 0.32.0's recorded streams, thinking, tool_use, errors, truncation and arbitrary chunk boundaries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vllm_sdk import (
    AnthropicMessage,
    Content,
    Done,
    Error,
    Reasoning,
    StreamError,
    ToolCall,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
)
from vllm_sdk._speedups._anthropic import AnthropicStreamParser

if TYPE_CHECKING:
    from types import ModuleType

DATA = Path(__file__).resolve().parents[1] / "data" / "messages"


def _body(name: str) -> bytes:
    raw = (DATA / f"{name}.http").read_bytes()
    sep = b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n"
    return raw[raw.index(sep) + len(sep) :]


def _run(engine: ModuleType, pieces: list[bytes], **kwargs: Any) -> tuple[list[Any], AnthropicStreamParser]:
    parser = AnthropicStreamParser(decoder_cls=engine.SSEDecoder, **kwargs)
    events: list[Any] = []
    for piece in pieces:
        events += parser.feed(piece)
    events += parser.close()
    return events, parser


def _sse(*events: dict[str, Any]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def _text(events: list[Any], kind: type) -> str:
    return "".join(e.text for e in events if type(e) is kind)


START = {
    "type": "message_start",
    "message": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "tiny",
        "stop_reason": None,
        "usage": {"input_tokens": 5, "output_tokens": 0},
    },
}


def test_plain_stream_splits_the_think_block_like_the_collected_message(engine: ModuleType) -> None:
    # A53b: a server without a reasoning parser streams "<think>...</think>" as text.
    events, parser = _run(engine, [_body("A53b_anthropic_messages_stream")])
    reasoning = _text(events, Reasoning)
    content = _text(events, Content)
    assert reasoning == "\nThe user greets me. I will greet back.\n"
    assert content == "\n\nHello! I am a tiny"
    usage = [e for e in events if type(e) is Usage]
    assert usage == [Usage(12, 20, 32, None, None)]
    assert type(events[-1]) is Done
    message = AnthropicMessage.model_validate(parser.snapshot())
    assert message.stop_reason == "max_tokens"
    assert message.reasoning_content == reasoning
    assert message.text == content
    assert message.usage is not None
    assert message.usage.output_tokens == 20


def test_reasoning_stream_maps_thinking_and_keeps_the_signature(engine: ModuleType) -> None:
    events, parser = _run(engine, [_body("B21_anthropic_messages_reasoning_stream")])
    message = AnthropicMessage.model_validate(parser.snapshot())
    assert [b.type for b in message.content] == ["thinking", "text"]
    assert message.content[0].signature == "81f10cb08db84bbbb2a4168ad4f800ff"
    assert _text(events, Reasoning) == message.content[0].thinking
    assert _text(events, Content) == message.content[1].text
    assert message.reasoning_content == message.content[0].thinking
    assert type(events[-1]) is Done


def test_non_streamed_transcript_has_the_same_shortcuts() -> None:
    message = AnthropicMessage.model_validate_json(_body("A53_anthropic_messages"))
    assert message.reasoning_content == "\nThe user greets me. I will greet back.\n"
    assert message.text == "\n\nHello! I am a tiny test model. How can I help you today?"
    assert message.stop_reason == "end_turn"
    assert message.usage is not None
    assert message.usage.total_tokens == 43


def _tool_stream() -> bytes:
    return _sse(
        START,
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Checking."}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": '{"ci'},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": 'ty": "Oslo"}'},
        },
        {"type": "content_block_stop", "index": 1},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 9}},
        {"type": "message_stop"},
    )


def test_tool_use_becomes_tool_call_events(engine: ModuleType) -> None:
    events, parser = _run(engine, [_tool_stream()])
    deltas = [e for e in events if type(e) is ToolCallDelta]
    assert deltas[0] == ToolCallDelta(0, "toolu_1", "get_weather", "", 0)
    assert "".join(d.arguments for d in deltas) == '{"city": "Oslo"}'
    complete = [e for e in events if type(e) is ToolCallComplete]
    assert complete == [ToolCallComplete(ToolCall("toolu_1", "get_weather", '{"city": "Oslo"}'), 0)]
    # message_delta's usage is merged into message_start's (input tokens kept).
    assert [e for e in events if type(e) is Usage] == [Usage(5, 9, 14, None, None)]
    message = AnthropicMessage.model_validate(parser.snapshot())
    assert message.content[1].input == {"city": "Oslo"}
    assert message.tool_calls == [ToolCall("toolu_1", "get_weather", '{"city": "Oslo"}')]
    assert message.text == "Checking."


def test_error_event_ends_the_stream_with_an_error(engine: ModuleType) -> None:
    body = _sse(
        START,
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "error", "error": {"type": "internal_error", "message": "boom"}},
        {"type": "message_stop"},
    )
    events, _ = _run(engine, [body])
    assert type(events[-1]) is Error
    error = events[-1].error
    assert isinstance(error, StreamError)
    assert str(error) == "boom"
    assert error.error_type == "internal_error"
    assert error.partial_content == "Hi"
    assert _text(events, Content) == "Hi"


def test_truncated_stream_raises_with_the_partial_message(engine: ModuleType) -> None:
    body = _body("A53b_anthropic_messages_stream")
    cut = body.index(b"event: message_delta")
    parser = AnthropicStreamParser(decoder_cls=engine.SSEDecoder)
    parser.feed(body[:cut])
    with pytest.raises(StreamError, match="message_stop") as info:
        parser.close()
    assert info.value.partial_content is not None
    assert "tiny" in info.value.partial_content


def test_malformed_json_raises(engine: ModuleType) -> None:
    with pytest.raises(StreamError, match="malformed JSON"):
        _run(engine, [b"event: message_start\ndata: {nope\n\n"])


def test_raw_events_are_kept_when_asked(engine: ModuleType) -> None:
    parser = AnthropicStreamParser(decoder_cls=engine.SSEDecoder, keep_raw=True)
    parser.feed(_tool_stream())
    raw = parser.take_raw()
    assert [e["type"] for e in raw][:2] == ["message_start", "content_block_start"]
    assert raw[-1] == {"type": "message_stop"}
    assert parser.take_raw() == []


@settings(max_examples=40, deadline=None, derandomize=True)
@given(cuts=st.lists(st.integers(min_value=1, max_value=4000), max_size=30))
@pytest.mark.parametrize(
    "name", ["A53b_anthropic_messages_stream", "B21_anthropic_messages_reasoning_stream"]
)
def test_chunk_boundaries_do_not_change_the_events(engine: ModuleType, name: str, cuts: list[int]) -> None:
    body = _body(name)
    whole, whole_parser = _run(engine, [body])
    points = sorted({c % len(body) for c in cuts} - {0})
    pieces = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]
    events, parser = _run(engine, pieces)
    # Text may be split differently, but the joined text per kind, and everything else, is the same.
    assert _text(events, Content) == _text(whole, Content)
    assert _text(events, Reasoning) == _text(whole, Reasoning)
    assert [e for e in events if type(e) not in (Content, Reasoning)] == [
        e for e in whole if type(e) not in (Content, Reasoning)
    ]
    assert parser.snapshot() == whole_parser.snapshot()
