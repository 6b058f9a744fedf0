"""The Responses stream parser (``_speedups._responses``) over both builds' SSE framing: vLLM 0.32.0's
recorded streams, function calls, errors, truncation, and arbitrary chunk boundaries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vllm_sdk import (
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
from vllm_sdk._speedups._responses import ResponsesStreamParser
from vllm_sdk.types.responses import Response

if TYPE_CHECKING:
    from types import ModuleType

DATA = Path(__file__).resolve().parents[1] / "data" / "responses"


def _body(name: str) -> bytes:
    raw = (DATA / f"{name}.http").read_bytes()
    return raw[raw.index(b"\r\n\r\n") + 4 :]


def _parser(engine: ModuleType, **kwargs: Any) -> ResponsesStreamParser:
    return ResponsesStreamParser(decoder_cls=engine.SSEDecoder, **kwargs)


def _run(engine: ModuleType, pieces: list[bytes], **kwargs: Any) -> tuple[list[Any], ResponsesStreamParser]:
    parser = _parser(engine, **kwargs)
    events: list[Any] = []
    for piece in pieces:
        events += parser.feed(piece)
    events += parser.close()
    return events, parser


def _sse(*events: dict[str, Any]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


@pytest.mark.parametrize(
    ("stream", "plain"),
    [
        ("A52b_responses_stream", "A52_responses_nonstream"),
        ("B20b_responses_reasoning_stream", "B20_responses_reasoning_nonstream"),
    ],
)
def test_recorded_stream_maps_to_events_and_collects_the_plain_body(
    engine: ModuleType, stream: str, plain: str
) -> None:
    events, parser = _run(engine, [_body(stream)])
    assert type(events[-1]) is Done
    assert type(events[-2]) is Usage
    assert events[-2].prompt_tokens == 12
    assert parser.done
    final = Response.model_validate(parser.snapshot())
    expected = Response.model_validate_json(_body(plain))
    text = "".join(e.text for e in events if type(e) is Content)
    reasoning = "".join(e.text for e in events if type(e) is Reasoning)
    # the two requests ran separately (different ids); the generated text is the same (temperature 0)
    assert [item.type for item in final.output] == [item.type for item in expected.output]
    assert final.output_text == expected.output_text
    assert final.reasoning_content == expected.reasoning_content
    if stream.startswith("B20"):
        assert reasoning == expected.reasoning_content
        assert text == expected.output_text
    else:
        assert reasoning == ""
        assert text.startswith("<think>")  # no reasoning parser: the block is text; Response splits it
        assert final.reasoning_content == "\nThe user greets me. I will greet back.\n"


FC = "fc_1"


def _function_call_stream(*, finished: bool = True) -> bytes:
    item = {
        "arguments": "",
        "call_id": "call_1",
        "name": "get_weather",
        "type": "function_call",
        "id": FC,
        "status": "in_progress",
    }
    done = {**item, "arguments": '{"city": "Paris"}', "status": "completed"}
    events = [
        {
            "type": "response.created",
            "response": {"id": "resp_1", "object": "response", "output": [], "status": "in_progress"},
        },
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {
            "type": "response.function_call_arguments.delta",
            "output_index": 0,
            "item_id": FC,
            "delta": '{"city": ',
        },
        {
            "type": "response.function_call_arguments.delta",
            "output_index": 0,
            "item_id": FC,
            "delta": '"Paris"}',
        },
        {
            "type": "response.function_call_arguments.done",
            "output_index": 0,
            "item_id": FC,
            "arguments": done["arguments"],
        },
        {"type": "response.output_item.done", "output_index": 0, "item": done},
    ]
    if finished:
        events.append(
            {
                "type": "response.completed",
                "response": {
                    "id": "resp_1",
                    "object": "response",
                    "output": [done],
                    "status": "completed",
                    "usage": {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12},
                },
            }
        )
    return _sse(*[{**e, "sequence_number": n} for n, e in enumerate(events)])


def test_function_call_events(engine: ModuleType) -> None:
    events, parser = _run(engine, [_function_call_stream()])
    call = ToolCall("call_1", "get_weather", '{"city": "Paris"}')
    assert events == [
        ToolCallDelta(0, "call_1", "get_weather", "", 0),
        ToolCallDelta(0, None, None, '{"city": ', 0),
        ToolCallDelta(0, None, None, '"Paris"}', 0),
        ToolCallComplete(call, 0),
        Usage(5, 7, 12),
        Done(),
    ]
    assert Response.model_validate(parser.snapshot()).tool_calls == [call]


def test_snapshot_accumulates_before_the_end(engine: ModuleType) -> None:
    parser = _parser(engine)
    parser.feed(_function_call_stream(finished=False))
    snapshot = Response.model_validate(parser.snapshot())
    assert snapshot.status == "in_progress"
    assert snapshot.tool_calls[0].arguments == '{"city": "Paris"}'
    with pytest.raises(StreamError, match=r"before response\.completed") as info:
        parser.close()
    assert info.value.partial["output"][0]["name"] == "get_weather"


def test_error_event_ends_the_stream(engine: ModuleType) -> None:
    body = _sse(
        {"type": "response.created", "response": {"id": "r", "output": []}},
        {
            "type": "error",
            "code": "server_error",
            "message": "engine died",
            "param": None,
            "sequence_number": 1,
        },
        {"type": "response.output_text.delta", "delta": "never", "output_index": 0},
    )
    events, parser = _run(engine, [body])
    assert len(events) == 1
    assert type(events[0]) is Error
    assert events[0].error.message == "engine died"
    assert events[0].error.code == "server_error"
    assert not parser.done


def test_response_failed_is_an_error(engine: ModuleType) -> None:
    failed = {
        "id": "r",
        "output": [],
        "status": "failed",
        "error": {"code": "server_error", "message": "boom"},
    }
    events, _ = _run(engine, [_sse({"type": "response.failed", "response": failed})])
    assert [type(e) for e in events] == [Error]
    assert events[0].error.message == "boom"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"data: {not json}\n\n", "malformed JSON"),
        (b"data: [1, 2]\n\n", "no type"),
        (
            b'data: {"type": "response.output_item.added", "output_index": "x", "item": {}}\n\n',
            "output_index",
        ),
    ],
)
def test_malformed_events_raise_stream_error(engine: ModuleType, body: bytes, match: str) -> None:
    with pytest.raises(StreamError, match=match):
        _parser(engine).feed(body)


def test_events_before_a_malformed_one_come_first(engine: ModuleType) -> None:
    parser = _parser(engine)
    good = _sse({"type": "response.output_text.delta", "delta": "hi", "output_index": 0})
    assert parser.feed(good + b"data: {oops\n\n") == [Content("hi", 0)]
    with pytest.raises(StreamError):
        parser.feed(b"")


def test_oversized_event_is_refused(engine: ModuleType) -> None:
    with pytest.raises(StreamError, match="max_event_size"):
        _parser(engine, max_event_size=64).feed(b"data: " + b"x" * 200)


def test_raw_events_are_kept_on_request(engine: ModuleType) -> None:
    parser = _parser(engine, keep_raw=True)
    parser.feed(_body("A52b_responses_stream"))
    raw = parser.take_raw()
    assert raw[0]["type"] == "response.created"
    assert [r["sequence_number"] for r in raw] == list(range(len(raw)))
    assert parser.take_raw() == []


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    out, last = [], 0
    for p in points:
        out.append(data[last:p])
        last = p
    out.append(data[last:])
    return out


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    cuts=st.lists(st.integers(min_value=0, max_value=100_000), max_size=12),
    which=st.sampled_from(["A52b_responses_stream", "B20b_responses_reasoning_stream", None]),
)
def test_chunk_boundaries_never_change_the_events_in_either_build(cuts: list[int], which: str | None) -> None:
    import importlib

    body = _body(which) if which else _function_call_stream()
    builds = [importlib.import_module("vllm_sdk._speedups._sse_py")]
    try:
        builds.append(importlib.import_module("vllm_sdk._speedups._sse_c"))
    except ImportError:
        pass
    whole, _ = _run(builds[0], [body])
    for build in builds:
        events, parser = _run(build, _split(body, cuts))
        assert events == whole
        assert parser.done
