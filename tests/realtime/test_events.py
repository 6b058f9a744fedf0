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


class _RecordingSocket:
    """Stands in for aiohttp's WebSocket: keeps what is sent."""

    closed = False

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_str(self, text: str) -> None:
        self.sent.append(text)


@given(
    samples=st.binary(min_size=2, max_size=4000).map(lambda b: b[: len(b) - len(b) % 2]),
    chunk_samples=st.integers(min_value=1, max_value=700),
)
def test_append_audio_chunks_reassemble_to_the_audio(samples: bytes, chunk_samples: int) -> None:
    import asyncio
    import base64

    from vllm_sdk.realtime import AsyncRealtimeConnection

    ws = _RecordingSocket()
    conn = AsyncRealtimeConnection(
        None,  # type: ignore[arg-type]  # the HTTP session is only used by close()
        ws,  # type: ignore[arg-type]
        SessionCreated(id="s", created=0),
        idle_timeout=None,
        chunk_size=2,
    )
    count = asyncio.run(conn.append_audio(samples, chunk_size=2 * chunk_samples))
    events = [json.loads(text) for text in ws.sent]
    assert count == len(events) == -(-len(samples) // (2 * chunk_samples))
    assert {e["type"] for e in events} == {"input_audio_buffer.append"}
    assert b"".join(base64.b64decode(e["audio"]) for e in events) == samples
    assert all(len(base64.b64decode(e["audio"])) <= 2 * chunk_samples for e in events)
