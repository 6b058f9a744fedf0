"""The typed events of vLLM's realtime transcription protocol (``/v1/realtime`` over WebSocket).

Wire shapes from vLLM 0.32.0, ``vllm/entrypoints/speech_to_text/realtime/protocol.py`` (the models) and
``.../realtime/connection.py`` (which events the server accepts and sends, and the error codes). The
server accepts three client events: ``session.update`` (the model), ``input_audio_buffer.append``
(base64 PCM16, 16 kHz, mono) and ``input_audio_buffer.commit`` (``final`` ends the audio input). It sends
``session.created``, ``transcription.delta``, ``transcription.done`` and ``error``. A server event of any
other type is kept as :class:`UnknownServerEvent`, never dropped, so a newer server cannot break a client.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._exceptions import JsonError

__all__ = [
    "ClientEvent",
    "InputAudioBufferAppend",
    "InputAudioBufferCommit",
    "RealtimeErrorEvent",
    "RealtimeUsage",
    "ServerEvent",
    "SessionCreated",
    "SessionUpdate",
    "TranscriptionDelta",
    "TranscriptionDone",
    "UnknownServerEvent",
    "parse_server_event",
]


class _Event(BaseModel):
    # Extra fields a newer server adds are kept (and round-trip), as in vLLM's OpenAIBaseModel.
    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------- client -> server


class SessionUpdate(_Event):
    """Choose the session's model; vLLM answers ``error`` (``model_not_found``) if it is unknown."""

    type: Literal["session.update"] = "session.update"
    model: str | None = None


class InputAudioBufferAppend(_Event):
    """One chunk of audio: ``audio`` is base64 of PCM16 little-endian samples at 16 kHz, mono."""

    type: Literal["input_audio_buffer.append"] = "input_audio_buffer.append"
    audio: str


class InputAudioBufferCommit(_Event):
    """Start transcribing (``final=False``), or mark the end of the audio (``final=True``)."""

    type: Literal["input_audio_buffer.commit"] = "input_audio_buffer.commit"
    final: bool = False


#: Every client event vLLM 0.32.0 accepts.
ClientEvent = SessionUpdate | InputAudioBufferAppend | InputAudioBufferCommit


# ---------------------------------------------------------------- server -> client


class RealtimeUsage(_Event):
    """Token counts of one transcription (vLLM's ``UsageInfo``)."""

    prompt_tokens: int = 0
    completion_tokens: int | None = 0
    total_tokens: int = 0


class SessionCreated(_Event):
    """The first event of every connection."""

    type: Literal["session.created"] = "session.created"
    id: str
    created: int


class TranscriptionDelta(_Event):
    """A piece of the transcript."""

    type: Literal["transcription.delta"] = "transcription.delta"
    delta: str


class TranscriptionDone(_Event):
    """The end of one transcription: the whole ``text`` and its ``usage``."""

    type: Literal["transcription.done"] = "transcription.done"
    text: str
    usage: RealtimeUsage | None = None


class RealtimeErrorEvent(_Event):
    """An error the server reported; the connection stays open (``code`` e.g. ``invalid_audio``)."""

    type: Literal["error"] = "error"
    error: str
    code: str | None = None


class UnknownServerEvent(_Event):
    """A server event of a type this SDK does not know; every field is kept (``model_extra``)."""

    type: str = Field(default="")


#: Everything :meth:`AsyncRealtimeConnection.recv` can return.
ServerEvent = (
    SessionCreated | TranscriptionDelta | TranscriptionDone | RealtimeErrorEvent | UnknownServerEvent
)

_KNOWN: dict[str, type[_Event]] = {
    "session.created": SessionCreated,
    "transcription.delta": TranscriptionDelta,
    "transcription.done": TranscriptionDone,
    "error": RealtimeErrorEvent,
}


def parse_server_event(text: str | bytes) -> ServerEvent:
    """Decode one WebSocket message of the server into its typed event.

    A message that is not a JSON object, or a known type with fields of the wrong shape, is a
    :class:`~vllm_sdk.JsonError` (the server is not speaking the protocol); an unknown type is an
    :class:`UnknownServerEvent`.
    """
    try:
        data: Any = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonError(f"realtime event is not JSON: {exc}", text=_snippet(text)) from exc
    if not isinstance(data, dict):
        raise JsonError("realtime event is not a JSON object", text=_snippet(text))
    kind = data.get("type")
    model = _KNOWN.get(kind) if isinstance(kind, str) else None
    try:
        if model is None:
            return UnknownServerEvent.model_validate({**data, "type": kind if isinstance(kind, str) else ""})
        event = model.model_validate(data)
    except ValidationError as exc:
        raise JsonError(
            f"realtime event {kind!r} has an unexpected shape: {exc}", text=_snippet(text)
        ) from exc
    assert isinstance(event, SessionCreated | TranscriptionDelta | TranscriptionDone | RealtimeErrorEvent)
    return event


def _snippet(text: str | bytes) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text[:500]
