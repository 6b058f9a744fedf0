"""Transcription and translation results of vLLM's audio routes (``/v1/audio/transcriptions``,
``/v1/audio/translations``).

Hand-written: the vendored OpenAI schema that codegen reads has no audio routes (vLLM registers them from
``vllm/entrypoints/speech_to_text/``, with multipart form bodies). The models follow vLLM 0.32.0's
``TranscriptionResponse`` / ``TranscriptionResponseVerbose`` / ``TranscriptionSegment`` /
``TranscriptionWord`` (``speech_to_text/transcription/protocol.py``) and their translation twins; unknown
fields are kept.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from ._wire import WireResponse

__all__ = ["Transcription", "TranscriptionSegment", "TranscriptionVerbose", "TranscriptionWord"]


class TranscriptionSegment(BaseModel):
    """One segment of a ``verbose_json`` result: ``id``, ``start`` / ``end`` seconds, ``text``, ``tokens``
    and the decoder's statistics."""

    model_config = ConfigDict(extra="allow")

    id: int
    start: float
    end: float
    text: str
    seek: int | None = None
    tokens: list[int] | None = None
    temperature: float | None = None
    avg_logprob: float | None = None
    compression_ratio: float | None = None
    no_speech_prob: float | None = None


class TranscriptionWord(BaseModel):
    """One word of a ``verbose_json`` result with word timestamps."""

    model_config = ConfigDict(extra="allow")

    word: str
    start: float
    end: float


class Transcription(WireResponse):
    """A ``json`` transcription or translation: ``text`` (and, for transcriptions, ``usage`` with the
    audio duration: ``{"type": "duration", "seconds": n}``)."""

    model_config = ConfigDict(extra="allow")

    text: str
    usage: dict[str, Any] | None = None


class TranscriptionVerbose(WireResponse):
    """A ``verbose_json`` transcription or translation: ``text``, ``language``, ``duration`` (seconds),
    ``segments`` and, when asked for, ``words``."""

    model_config = ConfigDict(extra="allow")

    text: str
    language: str | None = None
    duration: float | None = None
    segments: list[TranscriptionSegment] | None = None
    words: list[TranscriptionWord] | None = None
    usage: dict[str, Any] | None = None
