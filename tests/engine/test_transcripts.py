"""Real vLLM 0.32.0 stream bodies (tests/data/reference/transcripts) through both builds."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import StreamError
from vllm_sdk._events import (
    Content,
    Done,
    FinishReason,
    Reasoning,
    Text,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
)

from .conftest import TRANSCRIPTS, run_parser, split_every, transcript_body

if TYPE_CHECKING:
    from types import ModuleType

CHAT_STREAMS = [
    "A11_chat_stream",
    "A12_chat_stream_usage",
    "A12b_chat_stream_include_usage_only",
    "A13_chat_n2_stream",
    "A13c_chat_n3_temp2_stream",
    "A14b_chat_logprobs_stream",
    "A20b_tools_auto_stream",
    "A20c_tools_auto_parallel_stream",
    "A21b_tool_choice_required_stream",
    "A21d_tool_choice_required_strict_stream",
    "A22b_tool_choice_named_stream",
    "A22e_tool_choice_named_strict_stream",
    "A22f_tools_auto_strict_parallel_stream",
    "A23b_tool_result_followup_stream",
    "A30b_response_format_json_schema_stream",
    "A40c_extra_stop_string_stream",
    "B11_reasoning_stream",
    "B12_reasoning_stream_usage",
    "B13b_thinking_disabled_stream",
    "B13e_include_reasoning_false_stream",
    "B14b_reasoning_tools_auto_stream",
    "B14c_reasoning_tools_parallel_stream",
    "B14d_reasoning_tool_choice_required_strict_stream",
    "B15b_reasoning_json_schema_stream",
    "B16b_reasoning_cut_by_max_tokens_stream",
    "B18_reasoning_logprobs_stream",
    "B19_reasoning_n2_stream",
    "C11_r1_reasoning_stream",
    "C12b_r1_thinking_disabled_stream",
]
COMPLETION_STREAMS = ["A17_completions_stream_echo_logprobs", "A17b_completions_stream_plain"]


def nonstream(name: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(transcript_body(name))
    return result


def parse(
    engine: ModuleType, name: str, pieces: int | None = None, completion: bool = False
) -> tuple[Any, list[Any]]:
    body = transcript_body(name)
    parser = engine.CompletionStreamParser() if completion else engine.ChatStreamParser()
    events, error = run_parser(parser, [body] if pieces is None else split_every(body, pieces))
    assert error is None, error
    return parser, events


def think_split(content: str) -> tuple[str | None, str]:
    """vLLM's qwen3 reasoning split of a raw content string (for comparing against tools-mode servers)."""
    if not content.startswith("<think>"):
        return None, content
    reasoning, _, rest = content[len("<think>") :].partition("</think>")
    return reasoning, rest


def test_transcripts_are_present() -> None:
    missing = [n for n in CHAT_STREAMS + COMPLETION_STREAMS if not (TRANSCRIPTS / f"{n}.http").exists()]
    assert missing == []


@pytest.mark.parametrize("name", CHAT_STREAMS)
def test_chat_stream_invariants(engine: ModuleType, name: str) -> None:
    parser, events = parse(engine, name)
    assert events[-1] == Done()
    assert parser.done
    # Any chunking gives the same events.
    for size in (1, 97):
        assert parse(engine, name, size)[1] == events
    snapshot = parser.snapshot()
    for choice in snapshot["choices"]:
        index = choice["index"]
        content = "".join(e.text for e in events if isinstance(e, Content) and e.index == index)
        reasoning = "".join(e.text for e in events if isinstance(e, Reasoning) and e.index == index)
        assert (choice["message"]["content"] or "") == content
        assert (choice["message"]["reasoning"] or "") == reasoning
        finishes = [e for e in events if isinstance(e, FinishReason) and e.index == index]
        assert [(f.reason, f.stop_reason) for f in finishes] == [
            (choice["finish_reason"], choice["stop_reason"])
        ]
        completes = [e.tool_call for e in events if isinstance(e, ToolCallComplete) and e.choice == index]
        assert [c.to_dict() for c in completes] == choice["message"]["tool_calls"]
        # Every fragment was reported, and the fragments add up to the completed arguments.
        for position, call in enumerate(completes):
            fragments = [
                e
                for e in events
                if isinstance(e, ToolCallDelta) and e.choice == index and e.index == position
            ]
            assert "".join(f.arguments for f in fragments) == call.arguments
            assert [f.name for f in fragments if f.name] == [call.name]


def test_think_block_in_content_matches_the_reasoning_parser(engine: ModuleType) -> None:
    # A11 ran without a reasoning parser (the think block is in content); B11 the same prompt with qwen3.
    plain = parse(engine, "A11_chat_stream")[0].snapshot()["choices"][0]["message"]
    parsed = parse(engine, "B11_reasoning_stream")[0].snapshot()["choices"][0]["message"]
    assert (plain["reasoning"], plain["content"]) == (parsed["reasoning"], parsed["content"])
    raw = nonstream("A10_chat_nonstream")["choices"][0]["message"]["content"]
    assert think_split(raw) == (plain["reasoning"], plain["content"])


@pytest.mark.parametrize(
    ("stream", "reference"),
    [
        ("B11_reasoning_stream", "B10_reasoning_nonstream"),
        ("C11_r1_reasoning_stream", "C10_r1_reasoning_nonstream"),
    ],
)
def test_collected_stream_equals_the_non_streaming_answer(
    engine: ModuleType, stream: str, reference: str
) -> None:
    got = parse(engine, stream)[0].snapshot()["choices"][0]
    want = nonstream(reference)["choices"][0]
    assert got["message"]["content"] == want["message"]["content"]
    assert got["message"]["reasoning"] == want["message"]["reasoning"]
    assert got["finish_reason"] == want["finish_reason"]


@pytest.mark.parametrize(
    ("stream", "reference"),
    [
        ("A20c_tools_auto_parallel_stream", "A20d_tools_auto_parallel_nonstream"),
        ("B14b_reasoning_tools_auto_stream", "B14_reasoning_tools_auto_nonstream"),
    ],
)
def test_streamed_tool_calls_equal_the_non_streaming_ones(
    engine: ModuleType, stream: str, reference: str
) -> None:
    got = parse(engine, stream)[0].snapshot()["choices"][0]["message"]["tool_calls"]
    want = nonstream(reference)["choices"][0]["message"]["tool_calls"]
    assert [c["function"] for c in got] == [c["function"] for c in want]
    assert all(c["id"].startswith("chatcmpl-tool-") and c["type"] == "function" for c in got)


def test_parallel_tool_calls_transcript(engine: ModuleType) -> None:
    _, events = parse(engine, "A20c_tools_auto_parallel_stream")
    completes = [e for e in events if isinstance(e, ToolCallComplete)]
    assert [(c.tool_call.name, c.tool_call.parse_args()) for c in completes] == [
        ("get_weather", {"city": "Tokyo"}),
        ("get_weather", {"city": "London"}),
    ]
    first_of_second = next(i for i, e in enumerate(events) if isinstance(e, ToolCallDelta) and e.index == 1)
    assert events[first_of_second - 1] == completes[0]


def test_continuous_usage_transcript(engine: ModuleType) -> None:
    parser, events = parse(engine, "A12_chat_stream_usage")
    usages = [e for e in events if isinstance(e, Usage)]
    chunks = transcript_body("A12_chat_stream_usage").count(b'"usage":{')
    assert len(usages) == chunks
    assert [u.completion_tokens for u in usages[:3]] == [0, 1, 2]  # the role chunk counts 0
    assert usages[-1] == Usage(12, 31, 43)
    assert parser.snapshot()["usage"] == {"prompt_tokens": 12, "total_tokens": 43, "completion_tokens": 31}


def test_reasoning_usage_details(engine: ModuleType) -> None:
    _, events = parse(engine, "B12_reasoning_stream_usage")
    last = [e for e in events if isinstance(e, Usage)][-1]
    assert last.completion_tokens_details == {"reasoning_tokens": 11}


def test_n2_transcript_keeps_choices_apart(engine: ModuleType) -> None:
    parser, events = parse(engine, "A13_chat_n2_stream")
    choices = parser.snapshot()["choices"]
    assert [c["index"] for c in choices] == [0, 1]
    assert [e for e in events if isinstance(e, FinishReason)] == [
        FinishReason("length", 0),
        FinishReason("length", 1),
    ]


def test_logprobs_transcript(engine: ModuleType) -> None:
    parser, _ = parse(engine, "A14b_chat_logprobs_stream")
    tokens = [t["token"] for t in parser.snapshot()["choices"][0]["logprobs"]["content"]]
    assert tokens == ["<think>", "\n", "The", " user", " greets", " me"]


def test_aborted_transcript_raises_after_its_events(engine: ModuleType) -> None:
    body = transcript_body("X01_aborted_stream")
    parser = engine.ChatStreamParser()
    events, error = run_parser(parser, split_every(body, 4096))
    assert isinstance(error, StreamError)
    assert len(events) > 100
    assert not any(isinstance(e, Done) for e in events)
    assert error.partial_content == "".join(e.text for e in events if isinstance(e, Content))


@pytest.mark.parametrize(
    ("name", "tail"),
    [
        ("A17_completions_stream_echo_logprobs", [FinishReason("stop", 0, 0), Usage(4, 7, 11), Done()]),
        ("A17b_completions_stream_plain", [Text(".", 0), FinishReason("stop", 0, 0), Done()]),
    ],
)
def test_completion_transcripts(engine: ModuleType, name: str, tail: list[Any]) -> None:
    parser, events = parse(engine, name, completion=True)
    assert events[-1] == Done()
    assert parse(engine, name, 13, completion=True)[1] == events
    choice = parser.snapshot()["choices"][0]
    assert choice["text"] == "".join(e.text for e in events if isinstance(e, Text))
    assert events[-3:] == tail


def test_completion_stream_equals_non_streaming(engine: ModuleType) -> None:
    parser, _ = parse(engine, "A17b_completions_stream_plain", completion=True)
    want = nonstream("A16b_completions_nonstream_plain")["choices"][0]
    got = parser.snapshot()["choices"][0]
    assert (got["text"], got["finish_reason"], got["stop_reason"]) == (
        want["text"],
        want["finish_reason"],
        want["stop_reason"],
    )


def test_dechunk_helper() -> None:
    from .conftest import dechunk

    assert dechunk(b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n") == b"hello world"
