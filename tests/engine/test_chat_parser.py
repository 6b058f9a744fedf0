"""Chat deltas → events on both builds: content, reasoning, think, tool calls, finish, usage, errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from vllm_sdk import StreamError
from vllm_sdk._events import (
    Content,
    Done,
    Error,
    FinishReason,
    Reasoning,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
)
from vllm_sdk._tool_call import ToolCall

from .chunks import chunk, contents, delta, sse, stream, tool
from .conftest import chat_events, run_parser, split_every

if TYPE_CHECKING:
    from types import ModuleType

STOP = chunk([delta(0, finish_reason="stop")])


def events_of(engine: ModuleType, body: bytes, size: int | None = None) -> list[object]:
    events, error = chat_events(engine, [body] if size is None else split_every(body, size))
    assert error is None, error
    return events


def test_plain_content(engine: ModuleType) -> None:
    body = stream(chunk([delta(0, role="assistant", content="")]), *contents("Hel", "lo"), STOP)
    assert events_of(engine, body) == [
        Content("Hel", 0),
        Content("lo", 0),
        FinishReason("stop", 0, None),
        Done(),
    ]


def test_same_events_whatever_the_chunking(engine: ModuleType) -> None:
    body = stream(*contents("a", "é", "你好"), STOP)
    expected = events_of(engine, body)
    for size in (1, 2, 7, 64):
        assert events_of(engine, body, size) == expected


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content"])
def test_reasoning_field(engine: ModuleType, field: str) -> None:
    body = stream(chunk([delta(0, **{field: "think"})]), chunk([delta(0, content="\n\nanswer")]), STOP)
    assert events_of(engine, body)[:2] == [Reasoning("think", 0), Content("\n\nanswer", 0)]


def test_reasoning_preferred_over_reasoning_content_when_both_sent(engine: ModuleType) -> None:
    body = stream(chunk([delta(0, reasoning="r", reasoning_content="r")]), STOP)
    assert events_of(engine, body)[0] == Reasoning("r", 0)
    body = stream(chunk([delta(0, reasoning=None, reasoning_content="old")]), STOP)
    assert events_of(engine, body)[0] == Reasoning("old", 0)


def test_think_block_inside_content(engine: ModuleType) -> None:
    body = stream(*contents("<think>", "\n", "hmm", "\n", "</think>", "\n\n", "Hi"), STOP)
    assert events_of(engine, body)[:-2] == [
        Reasoning("\n", 0),
        Reasoning("hmm", 0),
        Reasoning("\n", 0),
        Content("\n\n", 0),
        Content("Hi", 0),
    ]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 6, 7, 8, 9])
def test_think_tags_split_across_deltas(engine: ModuleType, size: int) -> None:
    text = "<think>abc</think>\n\ndone"
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    events = events_of(engine, stream(*contents(*pieces), STOP))
    reasoning = "".join(e.text for e in events if isinstance(e, Reasoning))
    content = "".join(e.text for e in events if isinstance(e, Content))
    assert (reasoning, content) == ("abc", "\n\ndone")


def test_think_open_and_close_in_one_delta(engine: ModuleType) -> None:
    events = events_of(engine, stream(*contents("<think>r</think>c"), STOP))
    assert events[:2] == [Reasoning("r", 0), Content("c", 0)]


def test_think_only_at_the_start_of_content(engine: ModuleType) -> None:
    events = events_of(engine, stream(*contents("Hi ", "<think>x</think>"), STOP))
    assert events[:2] == [Content("Hi ", 0), Content("<think>x</think>", 0)]


def test_content_that_looks_like_a_tag_start_is_released(engine: ModuleType) -> None:
    events = events_of(engine, stream(*contents("<th", "ree>"), STOP))
    assert events[:1] == [Content("<three>", 0)]


def test_held_tag_prefix_flushed_at_finish(engine: ModuleType) -> None:
    assert events_of(engine, stream(*contents("<thi"), STOP))[:2] == [
        Content("<thi", 0),
        FinishReason("stop", 0),
    ]
    events = events_of(engine, stream(*contents("<think>", "a</thi"), STOP))
    assert events[:3] == [Reasoning("a", 0), Reasoning("</thi", 0), FinishReason("stop", 0)]


def test_unclosed_think_is_all_reasoning(engine: ModuleType) -> None:
    parser = engine.ChatStreamParser()
    events, error = run_parser(
        parser, [stream(*contents("<think>", "long", " thought"), chunk([delta(0, finish_reason="length")]))]
    )
    assert error is None
    assert events[:2] == [Reasoning("long", 0), Reasoning(" thought", 0)]
    message = parser.snapshot()["choices"][0]["message"]
    assert (message["content"], message["reasoning"]) == ("", "long thought")


def test_think_split_disabled_once_the_server_sends_reasoning(engine: ModuleType) -> None:
    body = stream(chunk([delta(0, reasoning="r")]), *contents("<think>not reasoning"), STOP)
    assert events_of(engine, body)[:2] == [Reasoning("r", 0), Content("<think>not reasoning", 0)]


def test_tool_call_fragments_and_completion(engine: ModuleType) -> None:
    body = stream(
        chunk([delta(0, content=None, tool_calls=[tool(0, id="call-1", name="get_weather")])]),
        chunk([delta(0, content=None, tool_calls=[tool(0, arguments='{"city": ')])]),
        chunk([delta(0, content=None, tool_calls=[tool(0, arguments='"Paris"}')])]),
        chunk([delta(0, finish_reason="tool_calls")]),
    )
    call = ToolCall("call-1", "get_weather", '{"city": "Paris"}')
    assert events_of(engine, body) == [
        ToolCallDelta(0, "call-1", "get_weather", "", 0),
        ToolCallDelta(0, None, None, '{"city": ', 0),
        ToolCallDelta(0, None, None, '"Paris"}', 0),
        ToolCallComplete(call, 0),
        FinishReason("tool_calls", 0, None),
        Done(),
    ]


def test_parallel_tool_calls_complete_when_the_next_starts(engine: ModuleType) -> None:
    body = stream(
        chunk([delta(0, tool_calls=[tool(0, id="a", name="f", arguments="{}")])]),
        chunk([delta(0, tool_calls=[tool(1, id="b", name="g")])]),
        chunk([delta(0, tool_calls=[tool(1, arguments='{"x": 1}')])]),
        chunk([delta(0, finish_reason="tool_calls")]),
    )
    events = events_of(engine, body)
    completes = [(i, e) for i, e in enumerate(events) if isinstance(e, ToolCallComplete)]
    assert [e.tool_call for _, e in completes] == [ToolCall("a", "f", "{}"), ToolCall("b", "g", '{"x": 1}')]
    # The first completes before the second's first fragment; the second before the finish reason.
    assert events[completes[0][0] + 1] == ToolCallDelta(1, "b", "g", "", 0)
    assert events[completes[1][0] + 1] == FinishReason("tool_calls", 0, None)


def test_tool_call_parts_in_separate_chunks_and_arguments_on_the_finish_chunk(engine: ModuleType) -> None:
    body = stream(
        chunk([delta(0, tool_calls=[{"index": 0, "id": "x1"}])]),
        chunk([delta(0, tool_calls=[{"index": 0, "type": "function"}])]),
        chunk([delta(0, tool_calls=[{"index": 0, "function": {"name": "lookup"}}])]),
        chunk([delta(0, finish_reason="tool_calls", tool_calls=[tool(0, arguments='{"q": "a"}')])]),
    )
    events = events_of(engine, body)
    completes = [e for e in events if isinstance(e, ToolCallComplete)]
    assert completes == [ToolCallComplete(ToolCall("x1", "lookup", '{"q": "a"}'), 0)]
    assert events[-4:] == [
        ToolCallDelta(0, None, None, '{"q": "a"}', 0),
        completes[0],
        FinishReason("tool_calls", 0, None),
        Done(),
    ]


def test_repeated_tool_call_fields_take_the_latest_value(engine: ModuleType) -> None:
    # Servers that resend id/name on every fragment must not produce "f" + "f" names or stale ids.
    body = stream(
        chunk([delta(0, tool_calls=[tool(0, id="a", name="f", arguments="{")])]),
        chunk([delta(0, tool_calls=[tool(0, id="b", name="f", arguments="}")])]),
        chunk([delta(0, finish_reason="tool_calls")]),
    )
    completes = [e for e in events_of(engine, body) if isinstance(e, ToolCallComplete)]
    assert completes == [ToolCallComplete(ToolCall("b", "f", "{}"), 0)]


def test_open_tool_call_completed_at_done(engine: ModuleType) -> None:
    body = stream(chunk([delta(0, tool_calls=[tool(0, id="a", name="f", arguments="{}")])]))
    assert events_of(engine, body)[-2:] == [ToolCallComplete(ToolCall("a", "f", "{}"), 0), Done()]


def test_truncated_stream_does_not_complete_tool_calls(engine: ModuleType) -> None:
    parser = engine.ChatStreamParser()
    events, error = run_parser(
        parser, [sse(chunk([delta(0, tool_calls=[tool(0, id="a", name="f", arguments="{")])]))]
    )
    assert isinstance(error, StreamError)
    assert not any(isinstance(e, ToolCallComplete) for e in events)
    assert error.partial["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == "{"


def test_finish_reason_with_stop_reason(engine: ModuleType) -> None:
    body = stream(
        chunk([delta(0, content="a", finish_reason="stop", stop_reason="END")]),
        chunk([delta(1, finish_reason="stop", stop_reason=151643)]),
    )
    events = events_of(engine, body)
    assert FinishReason("stop", 0, "END") in events
    assert FinishReason("stop", 1, 151643) in events


def test_n_choices_kept_apart(engine: ModuleType) -> None:
    body = stream(
        chunk([delta(0, role="assistant", content="")]),
        chunk([delta(1, role="assistant", content="")]),
        chunk([delta(0, content="<think>")]),
        chunk([delta(1, content="plain")]),
        chunk([delta(0, content="r</think>a")]),
        chunk([delta(1, content=" text", finish_reason="length")]),
        chunk([delta(0, finish_reason="stop")]),
    )
    parser = engine.ChatStreamParser()
    events, error = run_parser(parser, [body])
    assert error is None
    assert events == [
        Content("plain", 1),
        Reasoning("r", 0),
        Content("a", 0),
        Content(" text", 1),
        FinishReason("length", 1, None),
        FinishReason("stop", 0, None),
        Done(),
    ]
    choices = parser.snapshot()["choices"]
    assert [(c["index"], c["message"]["content"], c["message"]["reasoning"]) for c in choices] == [
        (0, "a", "r"),
        (1, "plain text", None),
    ]


def test_usage_chunk_and_continuous_usage(engine: ModuleType) -> None:
    usage1 = {
        "prompt_tokens": 3,
        "completion_tokens": 1,
        "total_tokens": 4,
        "completion_tokens_details": None,
    }
    final = {
        "prompt_tokens": 3,
        "completion_tokens": 2,
        "total_tokens": 5,
        "completion_tokens_details": {"reasoning_tokens": 1},
    }
    body = stream(
        chunk([delta(0, content="a")], usage=usage1),
        chunk([delta(0, content="b")], usage=None),
        chunk([], usage=final, system_fingerprint="fp"),
    )
    parser = engine.ChatStreamParser()
    events, error = run_parser(parser, [body])
    assert error is None
    assert events == [
        Content("a", 0),
        Usage(3, 1, 4),
        Content("b", 0),
        Usage(3, 2, 5, None, {"reasoning_tokens": 1}),
        Done(),
    ]
    snap = parser.snapshot()
    assert snap["usage"] == final
    assert snap["system_fingerprint"] == "fp"


def test_error_event_ends_the_stream(engine: ModuleType) -> None:
    err = {"error": {"message": "boom", "type": "InternalServerError", "param": None, "code": 500}}
    body = sse(*contents("partial"), err) + stream(*contents("ignored"))
    parser = engine.ChatStreamParser()
    events, error = run_parser(parser, [body])
    assert error is None  # close() after an error event does not raise again
    assert events[0] == Content("partial", 0)
    assert isinstance(events[1], Error)
    assert len(events) == 2
    exc = events[1].error
    assert isinstance(exc, StreamError)
    assert (exc.message, exc.error_type, exc.code, exc.partial_content) == (
        "boom",
        "InternalServerError",
        500,
        "partial",
    )
    assert parser.feed(stream(*contents("more"))) == []
    assert parser.done is False


def test_flat_error_event(engine: ModuleType) -> None:
    body = sse({"object": "error", "message": "bad", "type": "BadRequestError", "param": None, "code": 400})
    events, error = chat_events(engine, [body])
    assert error is None
    assert len(events) == 1
    assert isinstance(events[0], Error)
    assert (events[0].error.message, events[0].error.code) == ("bad", 400)


def test_string_error_event(engine: ModuleType) -> None:
    events, _ = chat_events(engine, [sse({"error": "Unauthorized"})])
    assert isinstance(events[0], Error)
    assert events[0].error.message == "Unauthorized"


def test_missing_done_raises_after_the_events(engine: ModuleType) -> None:
    parser = engine.ChatStreamParser()
    assert parser.feed(sse(*contents("a", "b"))) == [Content("a", 0), Content("b", 0)]
    assert parser.done is False
    with pytest.raises(StreamError, match=r"before \[DONE\]") as info:
        parser.close()
    assert info.value.partial_content == "ab"
    assert parser.close() == []  # reported once


def test_close_after_done_returns_nothing(engine: ModuleType) -> None:
    parser = engine.ChatStreamParser()
    parser.feed(stream(*contents("a")))
    assert parser.done is True
    assert parser.close() == []
    assert parser.feed(b"data: junk\n\n") == []


def test_malformed_json_raises_typed_error(engine: ModuleType) -> None:
    parser = engine.ChatStreamParser()
    with pytest.raises(StreamError, match="malformed JSON") as info:
        parser.feed(b"data: {not json" + b"x" * 1000 + b"\n\n")
    assert len(str(info.value)) < 400  # the offending text is trimmed


def test_events_before_malformed_json_are_returned_first(engine: ModuleType) -> None:
    parser = engine.ChatStreamParser()
    assert parser.feed(sse(*contents("ok")) + b"data: {oops\n\n") == [Content("ok", 0)]
    with pytest.raises(StreamError, match="malformed JSON") as info:
        parser.feed(b"")
    assert info.value.partial_content == "ok"
    assert parser.feed(stream(*contents("x"))) == []
    assert parser.close() == []


@pytest.mark.parametrize(
    "payload",
    [
        "[1, 2]",
        '{"choices": 3}',
        '{"choices": [1]}',
        '{"choices": [{"index": "0"}]}',
        '{"choices": [{"index": 0, "delta": {"content": 5}}]}',
        '{"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"name": 1}}]}}]}',
        '{"choices": [], "usage": 7}',
    ],
)
def test_wrong_shapes_raise_stream_error(engine: ModuleType, payload: str) -> None:
    events, error = chat_events(engine, [sse(payload)])
    assert events == []
    assert isinstance(error, StreamError)
    assert "unexpected stream chunk" in str(error)


def test_invalid_utf8_in_content_becomes_replacement_character(engine: ModuleType) -> None:
    body = b'data: {"choices": [{"index": 0, "delta": {"content": "a\xffb"}}]}\n\n' + stream()
    assert events_of(engine, body)[0] == Content("a\ufffdb", 0)


def test_keep_raw(engine: ModuleType) -> None:
    first = chunk([delta(0, content="a")])
    parser = engine.ChatStreamParser(keep_raw=True)
    parser.feed(stream(first))
    assert parser.take_raw() == [first]
    assert parser.take_raw() == []
    plain = engine.ChatStreamParser()
    plain.feed(stream(first))
    assert plain.take_raw() == []


def test_snapshot_shape(engine: ModuleType) -> None:
    body = stream(
        chunk([delta(0, role="assistant", content="")]),
        chunk(
            [
                {
                    "index": 0,
                    "delta": {"content": "Hi"},
                    "logprobs": {"content": [{"token": "Hi", "logprob": -0.1}]},
                    "finish_reason": None,
                }
            ]
        ),
        chunk(
            [
                {
                    "index": 0,
                    "delta": {"content": "!"},
                    "logprobs": {"content": [{"token": "!", "logprob": -0.2}]},
                    "finish_reason": "stop",
                    "stop_reason": None,
                }
            ],
            system_fingerprint="fp",
        ),
        chunk([], usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}),
    )
    parser = engine.ChatStreamParser()
    parser.feed(body)
    assert parser.snapshot() == {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "tiny",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hi!", "reasoning": None, "tool_calls": []},
                "logprobs": {"content": [{"token": "Hi", "logprob": -0.1}, {"token": "!", "logprob": -0.2}]},
                "finish_reason": "stop",
                "stop_reason": None,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        "system_fingerprint": "fp",
    }


def test_snapshot_of_tool_calls(engine: ModuleType) -> None:
    body = stream(
        chunk([delta(0, role="assistant", content="")]),
        chunk([delta(0, tool_calls=[tool(0, id="a", name="f", arguments='{"k"')])]),
        chunk([delta(0, tool_calls=[tool(0, arguments=": 1}")])]),
        chunk([delta(0, finish_reason="tool_calls")]),
    )
    parser = engine.ChatStreamParser()
    parser.feed(body)
    message = parser.snapshot()["choices"][0]["message"]
    assert message == {
        "role": "assistant",
        "content": None,
        "reasoning": None,
        "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": '{"k": 1}'}}],
    }


def test_empty_data_and_comments_are_skipped(engine: ModuleType) -> None:
    body = b": ping\n\ndata:\n\n" + stream(*contents("a"))
    assert events_of(engine, body)[0] == Content("a", 0)


def test_done_with_surrounding_whitespace(engine: ModuleType) -> None:
    assert events_of(engine, sse(*contents("a")) + b"data:  [DONE] \n\n")[-1] == Done()


def test_oversized_event(engine: ModuleType) -> None:
    events, error = chat_events(engine, [sse(*contents("ok")) + b"data: " + b"x" * 600], max_event_size=400)
    assert events == [Content("ok", 0)]
    assert isinstance(error, StreamError)
    assert "max_event_size" in str(error)
