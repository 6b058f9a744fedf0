"""``/v1/audio/transcriptions`` and ``/v1/audio/translations``: vLLM's speech-to-text routes in the mock.

No transcript was captured from a real server (the tiny test model is not a speech model), so the shapes
come from vLLM 0.32.0's source, ``vllm/entrypoints/speech_to_text/``:

* the request is a multipart form (``TranscriptionRequest`` read with ``Form()``): ``file``, ``model``,
  ``language``, ``prompt``, ``response_format``, ``temperature``, ``stream``, ``stream_include_usage``...
  (``transcription/protocol.py``, ``transcription/api_router.py``);
* ``response_format`` ``json`` → ``{"text", "usage": {"type": "duration", "seconds"}}`` for a
  transcription, ``{"text"}`` for a translation; ``text`` gets the same JSON object (the router returns
  every non-stream result with ``JSONResponse``); ``verbose_json`` → ``{"text", "language", "duration",
  "segments"}`` with ``TranscriptionSegment`` fields; any other format, or ``verbose_json`` with
  ``stream``, is a 400 with vLLM's messages (``base/serving.py``);
* ``stream`` → ``data:`` chunks ``{"id", "object": "transcription.chunk" | "translation.chunk",
  "created", "model", "choices": [{"delta": {"content"}}]}``, the last choice with ``finish_reason`` and
  ``stop_reason``, a usage chunk (``choices: []``) when ``stream_include_usage`` is true, then
  ``data: [DONE]`` (``_speech_to_text_stream_generator`` in ``base/serving.py``).

The transcript is deterministic text from the chat planner, seeded by the audio bytes and the prompt, so
the same file always gives the same words. The duration is read from a WAV header (16 kHz mono 16-bit
assumed for anything else).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import time
import wave
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._generation import CONTENT, GenParams, plan_choices
from ._http import hex16, json_response, resolve_model, state_of
from ._validation import bad_request
from ._wire import dumps

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ._state import ServerState

__all__ = ["add_audio_routes"]

_FORMATS = ("json", "text", "verbose_json")
_FALSE = ("", "false", "0", "no")


def _duration(audio: bytes) -> float:
    try:
        with wave.open(io.BytesIO(audio)) as wav:
            frames: int = wav.getnframes()
            rate: int = wav.getframerate() or 16000
            return frames / float(rate)
    except (wave.Error, EOFError):
        return len(audio) / 32000.0  # 16 kHz, 16-bit mono


_DISPOSITION = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


async def _form(request: web.Request) -> tuple[dict[str, str], bytes, str]:
    """The text fields, the file's bytes and its filename of a multipart body. Parsed from the bytes
    the middleware already read (aiohttp's reader wants the unread stream), split on the boundary."""
    boundary = _boundary(request.headers.get("Content-Type", ""))
    if request.content_type != "multipart/form-data" or not boundary:
        raise bad_request("the request must be multipart/form-data with a 'file' field", "file")
    raw = await request.read()
    fields: dict[str, str] = {}
    audio: bytes | None = None
    filename = ""
    for chunk in raw.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head, _, body = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        body = body.removesuffix(b"\r\n")
        disposition = next(
            (
                line
                for line in head.decode("utf-8", "replace").split("\r\n")
                if line.lower().startswith("content-disposition")
            ),
            "",
        )
        params = dict(_DISPOSITION.findall(disposition))
        name = params.get("name")
        if name == "file":
            audio, filename = body, params.get("filename", "")
        elif name:
            fields.setdefault(name, body.decode("utf-8", "replace"))
    if not audio:
        raise bad_request("Field required: file", "file")
    return fields, audio, filename


def _boundary(content_type: str) -> str:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    return match.group(1) if match else ""


def _handler(task: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        state: ServerState = state_of(request)
        fields, audio, _ = await _form(request)
        model = resolve_model(state, {"model": fields["model"]} if fields.get("model") else {})
        response_format = fields.get("response_format", "json")
        if response_format not in _FORMATS:
            raise bad_request(
                "Currently only support response_format: `text`, `json`, `verbose_json` or `diarized_json`"
            )
        stream = fields.get("stream", "false").lower() not in _FALSE
        if response_format == "verbose_json" and stream:
            raise bad_request("verbose_json format doesn't support streaming case")
        params = GenParams(
            seed_material=dumps([model, task, hashlib.sha256(audio).hexdigest(), fields.get("prompt", "")]),
            max_tokens=48,
        )
        plan = plan_choices(params)[0]
        words = [t.text for t in plan.tokens if t.kind == CONTENT]
        duration = _duration(audio)
        if stream:
            usage = fields.get("stream_include_usage", "false").lower() not in _FALSE
            return await _stream(request, task, model, words, plan.finish_reason, usage)
        text = "".join(words)
        if response_format == "verbose_json":
            body: dict[str, Any] = {
                "text": text,
                "language": fields.get("language"),
                "duration": duration,
                "segments": [
                    {
                        "id": 0,
                        "avg_logprob": -0.25,
                        "compression_ratio": 1.2,
                        "end": round(duration, 2),
                        "no_speech_prob": None,
                        "seek": 0,
                        "start": 0.0,
                        "temperature": float(fields.get("temperature", 0.0)),
                        "text": text,
                        "tokens": list(range(len(words))),
                    }
                ],
            }
        elif task == "transcribe":
            body = {"text": text, "usage": {"type": "duration", "seconds": math.ceil(duration)}}
        else:
            body = {"text": text}
        return json_response(dumps(body).encode())

    return handle


async def _stream(
    request: web.Request, task: str, model: str, words: list[str], finish: str, usage: bool
) -> web.StreamResponse:
    out = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8"})
    await out.prepare(request)
    head = {
        "id": f"{task}-{hex16()}",
        "object": "transcription.chunk" if task == "transcribe" else "translation.chunk",
        "created": int(time.time()),
        "model": model,
    }
    for i, word in enumerate(words):
        choice: dict[str, Any] = {"delta": {"content": word}}
        if i == len(words) - 1:
            choice.update(finish_reason=finish, stop_reason=None)
        await out.write(f"data: {dumps({**head, 'choices': [choice]})}\n\n".encode())
    if usage:
        prompt = 10
        counts = {
            "prompt_tokens": prompt,
            "completion_tokens": len(words),
            "total_tokens": prompt + len(words),
        }
        await out.write(f"data: {dumps({**head, 'choices': [], 'usage': counts})}\n\n".encode())
    await out.write(b"data: [DONE]\n\n")
    await out.write_eof()
    return out


def add_audio_routes(app: web.Application) -> None:
    """Register ``POST /v1/audio/transcriptions`` and ``POST /v1/audio/translations``."""
    app.router.add_post("/v1/audio/transcriptions", _handler("transcribe"))
    app.router.add_post("/v1/audio/translations", _handler("translate"))
