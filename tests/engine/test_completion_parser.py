"""Legacy completions deltas → events, on both builds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vllm_sdk import StreamError
from vllm_sdk._events import Done, Error, FinishReason, Text, Usage

from .chunks import sse, stream
from .conftest import run_parser

if TYPE_CHECKING:
    from types import ModuleType


def cmpl(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 1,
        "model": "tiny",
        "choices": choices,
        **extra,
    }


def text(t: str, index: int = 0, finish: str | None = None, stop: Any = None) -> dict[str, Any]:
    return {"index": index, "text": t, "logprobs": None, "finish_reason": finish, "stop_reason": stop}


def test_text_finish_usage_done(engine: ModuleType) -> None:
    body = stream(
        cmpl([text(" there")]),
        cmpl([text(" was", 1)]),
        cmpl([text("", 0, "stop", 0)]),
        cmpl([text(".", 1, "length")]),
        cmpl([], usage={"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7}),
    )
    parser = engine.CompletionStreamParser()
    events, error = run_parser(parser, [body])
    assert error is None
    assert events == [
        Text(" there", 0),
        Text(" was", 1),
        FinishReason("stop", 0, 0),
        Text(".", 1),
        FinishReason("length", 1, None),
        Usage(4, 3, 7),
        Done(),
    ]
    assert parser.snapshot() == {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 1,
        "model": "tiny",
        "choices": [
            {"index": 0, "text": " there", "logprobs": None, "finish_reason": "stop", "stop_reason": 0},
            {"index": 1, "text": " was.", "logprobs": None, "finish_reason": "length", "stop_reason": None},
        ],
        "usage": {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7},
        "system_fingerprint": None,
    }


def test_logprobs_are_concatenated(engine: ModuleType) -> None:
    def lp(token: str, offset: int) -> dict[str, Any]:
        return {
            "text_offset": [offset],
            "token_logprobs": [-0.1],
            "tokens": [token],
            "top_logprobs": [{token: -0.1}],
        }

    body = stream(
        cmpl([{**text("a"), "logprobs": lp("a", 0)}]),
        cmpl([{**text("b", finish="stop"), "logprobs": lp("b", 1)}]),
    )
    parser = engine.CompletionStreamParser()
    parser.feed(body)
    assert parser.snapshot()["choices"][0]["logprobs"] == {
        "text_offset": [0, 1],
        "token_logprobs": [-0.1, -0.1],
        "tokens": ["a", "b"],
        "top_logprobs": [{"a": -0.1}, {"b": -0.1}],
    }


def test_error_event_and_truncation(engine: ModuleType) -> None:
    events, error = run_parser(
        engine.CompletionStreamParser(), [sse(cmpl([text("x")]), {"error": {"message": "m"}})]
    )
    assert error is None
    assert events[0] == Text("x", 0)
    assert isinstance(events[1], Error)
    assert events[1].error.partial_content == "x"
    events, error = run_parser(engine.CompletionStreamParser(), [sse(cmpl([text("x")]))])
    assert events == [Text("x", 0)]
    assert isinstance(error, StreamError)
    assert error.partial_content == "x"


def test_text_must_be_a_string(engine: ModuleType) -> None:
    events, error = run_parser(engine.CompletionStreamParser(), [sse(cmpl([{"index": 0, "text": 3}]))])
    assert events == []
    assert isinstance(error, StreamError)
