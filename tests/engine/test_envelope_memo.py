"""Chunks that share (or almost share) the envelope of an earlier chunk.

The compiled build decodes a repeated envelope once (see ``_sse_c.pyx``); these cases pin the results to
what decoding every chunk whole gives, on both builds.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import StreamError
from vllm_sdk._events import Content, Done, Error, Usage

from .conftest import run_parser

if TYPE_CHECKING:
    from types import ModuleType

ENV = b'{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m"'


def line(rest: bytes) -> bytes:
    return b"data: " + ENV + rest + b"\n\n"


def content(text: str) -> bytes:
    return line(b',"choices":[{"index":0,"delta":{"content":' + json.dumps(text).encode() + b"}}]}")


def parse(engine: ModuleType, body: bytes, **kwargs: Any) -> tuple[Any, list[Any], StreamError | None]:
    parser = engine.ChatStreamParser(**kwargs)
    events, error = run_parser(parser, [body])
    return parser, events, error


def test_repeated_envelope(engine: ModuleType) -> None:
    body = content("a") + content("b") + content("c") + b"data: [DONE]\n\n"
    parser, events, error = parse(engine, body)
    assert error is None
    assert events == [Content("a", 0), Content("b", 0), Content("c", 0), Done()]
    assert parser.snapshot()["id"] == "chatcmpl-1"


def test_members_after_choices_override_the_envelope(engine: ModuleType) -> None:
    # Duplicate keys: JSON's last one wins, also for keys of the remembered envelope.
    body = content("a") + line(b',"choices":[],"object":"error","message":"late"}') + b"data: [DONE]\n\n"
    _, events, error = parse(engine, body)
    assert error is None
    assert events[0] == Content("a", 0)
    assert isinstance(events[1], Error)
    assert events[1].error.message == "late"


def test_error_member_after_a_remembered_envelope(engine: ModuleType) -> None:
    body = content("a") + line(b',"choices":[],"error":{"message":"boom","code":500}}')
    _, events, error = parse(engine, body)
    assert error is None
    assert isinstance(events[1], Error)
    assert (events[1].error.message, events[1].error.code) == ("boom", 500)


@pytest.mark.parametrize(
    ("rest", "message"),
    [
        (b',"choices":[', "malformed JSON"),
        (b',"choices":[]} trailing', "malformed JSON"),
        (b',"choices":3}', "choices is not a list"),
        (b',"choices":[],"usage":5}', "usage is not an object"),
    ],
)
def test_broken_rest_reports_the_bytes_received(engine: ModuleType, rest: bytes, message: str) -> None:
    _, events, error = parse(engine, content("a") + line(rest))
    assert events == [Content("a", 0)]
    assert isinstance(error, StreamError)
    assert message in str(error)
    assert str(error).count("chatcmpl-1") == 1  # the whole payload as received, envelope included


def test_invalid_utf8_after_the_envelope(engine: ModuleType) -> None:
    body = (
        content("a") + line(b',"choices":[{"index":0,"delta":{"content":"x\xffy"}}]}') + b"data: [DONE]\n\n"
    )
    _, events, error = parse(engine, body)
    assert error is None
    assert events[1] == Content("x\ufffdy", 0)


def test_keep_raw_gives_whole_chunks(engine: ModuleType) -> None:
    body = content("a") + line(
        b',"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}'
    )
    parser, events, error = parse(engine, body + b"data: [DONE]\n\n", keep_raw=True)
    assert error is None
    assert events[1:] == [Usage(1, 2, 3), Done()]
    raw = parser.take_raw()
    assert raw[1] == {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    assert list(raw[1]) == ["id", "object", "created", "model", "choices", "usage"]


def test_a_different_envelope_is_decoded_whole(engine: ModuleType) -> None:
    other = (
        b'data: {"id":"chatcmpl-2","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}\n\n'
    )
    body = content("a") + other + content("b") + b"data: [DONE]\n\n"
    parser, events, error = parse(engine, body)
    assert error is None
    assert events == [Content("a", 0), Content("b", 0), Done()]
    assert parser.snapshot()["id"] == "chatcmpl-1"  # metadata comes from the first chunk


def test_multi_line_data_starting_with_the_envelope(engine: ModuleType) -> None:
    body = content("a") + b"data: " + ENV + b',"choices":\ndata: [{"index":0,"delta":{"content":"b"}}]}\n\n'
    _, events, error = parse(engine, body + b"data: [DONE]\n\n")
    assert error is None
    assert events == [Content("a", 0), Content("b", 0), Done()]
