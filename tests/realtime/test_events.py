"""The typed realtime events: parsing the server's, encoding the client's, the ws:// URL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vllm_sdk import Content, Done, Error, JsonError, Usage
from vllm_sdk.realtime import (
    InputAudioBufferAppend,
    InputAudioBufferCommit,
    RealtimeError,
    RealtimeErrorEvent,
    SessionCreated,
    SessionUpdate,
    TranscriptionDelta,
    TranscriptionDone,
    UnknownServerEvent,
    parse_server_event,
    websocket_url,
)
from vllm_sdk.realtime._translate import stream_events


def test_known_server_events() -> None:
    created = parse_server_event('{"type":"session.created","id":"sess-1","created":5}')
    assert created == SessionCreated(id="sess-1", created=5)
    assert parse_server_event(b'{"type":"transcription.delta","delta":"hi"}') == TranscriptionDelta(
        delta="hi"
    )
    done = parse_server_event(
        '{"type":"transcription.done","text":"hi","usage":{"prompt_tokens":3,"total_tokens":4,'
        '"completion_tokens":1,"prompt_tokens_details":null}}'
    )
    assert isinstance(done, TranscriptionDone)
    assert done.usage is not None
    assert done.usage.total_tokens == 4
    error = parse_server_event('{"type":"error","error":"Invalid audio data","code":"invalid_audio"}')
    assert error == RealtimeErrorEvent(error="Invalid audio data", code="invalid_audio")


@given(
    kind=st.text(min_size=1).filter(
        lambda k: k not in {"session.created", "transcription.delta", "transcription.done", "error"}
    ),
    extra=st.dictionaries(st.sampled_from(["a", "b", "item", "delta"]), st.integers() | st.text()),
)
def test_unknown_server_events_are_kept_whole(kind: str, extra: dict[str, Any]) -> None:
    event = parse_server_event(json.dumps({"type": kind, **extra}))
    assert isinstance(event, UnknownServerEvent)
    assert event.type == kind
    assert event.model_dump() == {"type": kind, **extra}
    assert stream_events(event) == ()


@pytest.mark.parametrize(
    "text",
    ["not json", "[1, 2]", '{"type":"transcription.delta"}', '{"type":"session.created","id":1}', b"\xff"],
)
def test_malformed_server_events_are_json_errors(text: str | bytes) -> None:
    with pytest.raises(JsonError):
        parse_server_event(text)


def test_client_events_are_vllm_shapes() -> None:
    assert json.loads(SessionUpdate(model="m").model_dump_json()) == {"type": "session.update", "model": "m"}
    assert json.loads(InputAudioBufferAppend(audio="AAA=").model_dump_json()) == {
        "type": "input_audio_buffer.append",
        "audio": "AAA=",
    }
    assert json.loads(InputAudioBufferCommit(final=True).model_dump_json()) == {
        "type": "input_audio_buffer.commit",
        "final": True,
    }


def test_stream_events() -> None:
    assert stream_events(TranscriptionDelta(delta="a")) == (Content("a", 0),)
    assert stream_events(TranscriptionDelta(delta="")) == ()
    assert stream_events(TranscriptionDone(text="a")) == (Done(),)
    done = parse_server_event(
        '{"type":"transcription.done","text":"a","usage":{"prompt_tokens":2,"total_tokens":3,"completion_tokens":1}}'
    )
    assert stream_events(done) == (Usage(2, 1, 3), Done())
    (error,) = stream_events(RealtimeErrorEvent(error="boom", code="processing_error"))
    assert isinstance(error, Error)
    assert isinstance(error.error, RealtimeError)
    assert error.error.code == "processing_error"
    assert stream_events(SessionCreated(id="s", created=1)) == ()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://h:8000/v1/realtime", "ws://h:8000/v1/realtime"),
        ("https://h/v1/realtime", "wss://h/v1/realtime"),
        ("ws://h/v1/realtime", "ws://h/v1/realtime"),
    ],
)
def test_websocket_url(url: str, expected: str) -> None:
    assert websocket_url(url) == expected
