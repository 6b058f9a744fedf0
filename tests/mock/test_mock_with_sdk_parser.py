"""The mock's streams through the SDK's own stream parser: clean streams and every stream fault."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk import StreamError
from vllm_sdk.streaming import (
    Content,
    Done,
    Error,
    FinishReason,
    Reasoning,
    Text,
    ToolCallComplete,
    Usage,
    parse_chat_stream,
    parse_completion_stream,
)
from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from vllm_sdk.streaming import StreamEvent

STREAM = {
    "model": "mock",
    "messages": [{"role": "user", "content": "Hello"}],
    "max_tokens": 12,
    "ignore_eos": True,
    "stream": True,
}


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with MockVllmServer() as srv, httpx.Client(base_url=srv.base_url, timeout=5) as client:
        yield client


def raw_stream(http: httpx.Client, body: dict[str, Any], fault: str | None = None) -> bytes:
    headers = {"x-mock-fault": fault} if fault else {}
    return http.post("/chat/completions", json=body, headers=headers).content


def parse(data: bytes) -> list[StreamEvent]:
    # Re-split at odd boundaries: the parser must not care where chunks end.
    return list(parse_chat_stream(data[i : i + 7] for i in range(0, len(data), 7)))


def test_clean_stream_parses(http: httpx.Client) -> None:
    events = parse(raw_stream(http, {**STREAM, "stream_options": {"include_usage": True}}))
    text = "".join(e.text for e in events if isinstance(e, Content))
    full = http.post("/chat/completions", json={**STREAM, "stream": False}).json()
    assert text == full["choices"][0]["message"]["content"]
    finish = [e for e in events if isinstance(e, FinishReason)]
    assert [f.reason for f in finish] == ["length"]
    usage = [e for e in events if isinstance(e, Usage)]
    assert usage[-1].completion_tokens == 12
    assert isinstance(events[-1], Done)


def test_reasoning_and_tool_calls_parse(http: httpx.Client) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
    body = {
        **STREAM,
        "max_tokens": 200,
        "ignore_eos": False,
        "messages": [{"role": "user", "content": "get_weather in Paris"}],
        "tools": [tool],
        "chat_template_kwargs": {"enable_thinking": True},
    }
    events = parse(raw_stream(http, body))
    assert any(isinstance(e, Reasoning) for e in events)
    done = [e for e in events if isinstance(e, ToolCallComplete)]
    assert len(done) == 1
    assert done[0].tool_call.name == "get_weather"
    assert isinstance(done[0].tool_call.parse_args()["city"], str)
    assert [e.reason for e in events if isinstance(e, FinishReason)] == ["tool_calls"]


def test_error_event_fault(http: httpx.Client) -> None:
    events = parse(raw_stream(http, STREAM, "error_event_after=3:500"))
    errors = [e for e in events if isinstance(e, Error)]
    assert len(errors) == 1
    assert "Injected fault" in str(errors[0].error)


def test_malformed_json_raises_stream_error(http: httpx.Client) -> None:
    with pytest.raises(StreamError):
        parse(raw_stream(http, STREAM, "malformed_after=2"))


def test_invalid_utf8_decodes_with_replacement(http: httpx.Client) -> None:
    # SSE bodies decode as UTF-8 with replacement (WHATWG): the bad bytes survive as U+FFFD.
    events = parse(raw_stream(http, STREAM, "invalid_utf8_after=1"))
    texts = [e.text for e in events if isinstance(e, Content)]
    assert "\ufffd" in texts[0]
    assert isinstance(events[-1], Done)


def test_huge_event_fault_hits_the_size_limit(http: httpx.Client) -> None:
    data = raw_stream(http, STREAM, "huge_event=300000")
    with pytest.raises(StreamError):
        list(parse_chat_stream([data], max_event_size=100_000))
    # Under a big enough limit the same stream is fine.
    big = list(parse_chat_stream([data], max_event_size=1_000_000))
    assert isinstance(big[-1], Done)


def test_truncated_stream_raises(http: httpx.Client) -> None:
    pieces: list[bytes] = []
    with (
        http.stream(
            "POST", "/chat/completions", json=STREAM, headers={"x-mock-fault": "disconnect_after=4"}
        ) as r,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        pieces.extend(r.iter_raw())
    with pytest.raises(StreamError):
        parse(b"".join(pieces))


def test_completion_stream_parses(http: httpx.Client) -> None:
    body = {"model": "mock", "prompt": "Once upon a time", "max_tokens": 300, "stream": True, "echo": True}
    data = http.post("/completions", json=body).content
    events = list(parse_completion_stream([data]))
    text = "".join(e.text for e in events if isinstance(e, Text))
    plain = http.post("/completions", json={**body, "stream": False}).json()
    assert text == plain["choices"][0]["text"]
    assert json.loads(data.split(b"\n\n")[0][6:])["choices"][0]["prompt_token_ids"]
    assert isinstance(events[-1], Done)
