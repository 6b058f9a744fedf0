"""``/v1/realtime``: vLLM's realtime transcription over WebSocket, with a scripted transcript.

Wire shapes and behaviour from vLLM 0.32.0: ``vllm/entrypoints/speech_to_text/realtime/protocol.py``
(event fields), ``.../realtime/connection.py`` (the event loop: ``session.created`` on accept; the
``session.update`` model check; ``input_audio_buffer.append`` decoding and its ``invalid_audio`` error;
``commit`` needing a validated model, starting a transcription, ``final`` ending the audio; the error codes
``invalid_json``, ``invalid_event``, ``model_not_found``, ``model_not_validated``, ``unknown_event``,
``processing_error``) and ``.../realtime/api_router.py`` (the route).

Transcription streams while the audio arrives, as on vLLM (``connection.py``): a non-final ``commit``
starts a generation task (``start_generation``) that reads the connection's audio queue as it fills
(``audio_stream_generator``); the model cuts the audio into segments (``buffer_realtime_audio`` of the
realtime model classes, e.g. ``model_executor/models/qwen3_asr_realtime.py``: fixed-length segments, the
remainder flushed when the audio ends) and the engine's output for each segment goes out at once as
``transcription.delta`` events (``_run_generation``); ``commit`` with ``final`` queues the end of the audio
(``None``), after which the last segment is flushed and ``transcription.done`` carries the whole text and
usage, and the queue is cleared. Audio appended before the first ``commit`` waits in the queue; a
``commit`` while a generation runs is ignored; ``final`` with no generation running leaves the end marker
queued for the next one (so a later ``commit`` transcribes what came before it at once).

The mock's transcript is scripted instead of heard: each segment of :data:`SEGMENT_BYTES` (half a second;
vLLM's Qwen3-ASR realtime model uses 5 s, short test audio needs shorter ones) transcribes as the time
range it covers, ``"heard 0.00-0.50 s"``, one ``transcription.delta`` per word, so the deltas of a segment
arrive as soon as its audio has. Faults (``x-mock-fault`` on the handshake,
or server-wide) that apply here, counting every server event including ``session.created``:
``delay_events=S`` waits before each event, ``stall_after=K`` sends nothing after K events (the socket
stays open), ``disconnect_after=K`` drops the TCP connection after K events without a close frame.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from ._http import hex16, state_of
from ._middleware import request_faults, stall
from ._wire import dumps

if TYPE_CHECKING:
    from ._faults import Fault
    from ._state import ServerState

__all__ = ["SEGMENT_BYTES", "add_realtime_routes"]

#: PCM16 at 16 kHz mono: bytes per second of audio (the format vLLM's realtime endpoint takes).
_BYTES_PER_SECOND = 32_000

#: The audio of one transcribed segment: half a second.
SEGMENT_BYTES = _BYTES_PER_SECOND // 2


class _Session:
    """One connection's state: the validated model, the audio of the current transcription, the faults."""

    def __init__(self, ws: web.WebSocketResponse, state: ServerState, faults: dict[str, Fault]) -> None:
        self.ws = ws
        self.state = state
        self.faults = faults
        self.sent = 0
        self.silent = False
        self.model_validated = False
        # vLLM's audio queue: chunk sizes, ``None`` for the end of the audio (commit with final).
        self.queue: list[int | None] = []
        self.generating = False
        self._reset()

    def _reset(self) -> None:
        """A new transcription: no audio consumed, no text."""
        self.consumed = 0  # bytes of the current transcription read from the queue
        self.buffered = 0  # bytes read but not yet transcribed (less than a segment)
        self.text = ""
        self.deltas = 0

    async def send(self, event: dict[str, Any]) -> bool:
        """Send one event, applying the event faults; False once the connection is gone."""
        if self.silent:
            return False
        delay = self.faults.get("delay_events")
        if delay is not None and delay.a:
            await asyncio.sleep(delay.a)
        stall_after = self.faults.get("stall_after")
        if stall_after is not None and self.sent >= (stall_after.a or 0):
            self.silent = True
            return False
        drop = self.faults.get("disconnect_after")
        if drop is not None and self.sent >= (drop.a or 0):
            transport = self.ws._req.transport if self.ws._req is not None else None
            if transport is not None:
                transport.abort()
            self.silent = True
            return False
        await self.ws.send_str(dumps(event))
        self.sent += 1
        return True

    async def error(self, message: str, code: str) -> None:
        # connection.py send_error(): ErrorEvent(error=message, code=code)
        await self.send({"type": "error", "error": message, "code": code})

    async def handle(self, event: dict[str, Any]) -> None:
        """``RealtimeConnection.handle_event`` of vLLM, with the scripted transcription."""
        kind = event.get("type")
        if kind == "session.update":
            model = event.get("model")
            if model is None:
                await self.error("Missing required field: model", "invalid_event")
            elif model not in self.state.models:
                await self.error(f"The model `{model}` does not exist.", "model_not_found")
            else:
                self.model_validated = True
        elif kind == "input_audio_buffer.append":
            audio = event.get("audio")
            if not isinstance(audio, str):
                # InputAudioBufferAppend(**event) fails validation: the outer handler's processing_error.
                await self.error(
                    "1 validation error for InputAudioBufferAppend: audio: Field required", "processing_error"
                )
                return
            try:
                data = base64.b64decode(audio, validate=True)
            except (binascii.Error, ValueError):
                await self.error("Invalid audio data", "invalid_audio")
                return
            if not data or len(data) % 2:
                # np.frombuffer(int16) rejects half samples; empty audio is refused explicitly.
                await self.error("Invalid audio data", "invalid_audio")
                return
            self.queue.append(len(data))
            await self.pump()
        elif kind == "input_audio_buffer.commit":
            if not self.model_validated:
                await self.error(
                    "Model not validated. Make sure to validate the model by sending a session.update event.",
                    "model_not_validated",
                )
                return
            if event.get("final"):
                self.queue.append(None)
            elif not self.generating:  # a commit while a transcription runs is ignored (start_generation)
                self.generating = True
            await self.pump()
        else:
            await self.error(f"Unknown event type: {kind}", "unknown_event")

    async def pump(self) -> None:
        """The generation task's work so far: read the queued audio, send the deltas of every complete
        segment, and at the end of the audio flush the rest and send ``transcription.done``."""
        while self.generating and self.queue:
            item = self.queue.pop(0)
            if item is None:
                if self.buffered and not await self.segment(self.buffered):
                    return
                await self.done()
                return
            self.consumed += item
            self.buffered += item
            while self.buffered >= SEGMENT_BYTES:
                if not await self.segment(SEGMENT_BYTES):
                    return

    async def segment(self, size: int) -> bool:
        """Transcribe the next ``size`` bytes of buffered audio: one delta per word, sent at once."""
        end = self.consumed - self.buffered + size
        start = end - size
        words = ["heard", f"{start / _BYTES_PER_SECOND:.2f}-{end / _BYTES_PER_SECOND:.2f}", "s"]
        self.buffered -= size
        for i, word in enumerate(words):
            piece = word if not self.text and i == 0 else " " + word
            self.text += piece
            self.deltas += 1
            if not await self.send({"type": "transcription.delta", "delta": piece}):
                return False
        return True

    async def done(self) -> None:
        prompt = max(1, self.consumed // 640)  # one "audio token" per 20 ms
        # vLLM's UsageInfo as TranscriptionDone dumps it.
        usage = {
            "prompt_tokens": prompt,
            "total_tokens": prompt + self.deltas,
            "completion_tokens": self.deltas,
            "prompt_tokens_details": None,
        }
        await self.send({"type": "transcription.done", "text": self.text, "usage": usage})
        self.generating = False
        self.queue.clear()  # "Clear queue for next utterance" (_run_generation)
        self._reset()


async def _realtime(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    ws = web.WebSocketResponse(max_msg_size=64 * 1024 * 1024)
    await ws.prepare(request)
    session = _Session(ws, state, request_faults(request))
    await session.send({"type": "session.created", "id": f"sess-{hex16()}", "created": int(time.time())})
    async for message in ws:
        if message.type is WSMsgType.TEXT:
            try:
                event = json.loads(message.data)
            except ValueError:
                await session.error("Invalid JSON", "invalid_json")
                continue
            if not isinstance(event, dict):
                # event.get() on a list raises inside handle_event: the processing_error path.
                await session.error(
                    f"'{type(event).__name__}' object has no attribute 'get'", "processing_error"
                )
                continue
            await session.handle(event)
        elif message.type is WSMsgType.BINARY:
            # vLLM reads with receive_text(): a binary frame ends the connection (an unexpected error).
            await ws.close(code=1011)
            break
        if session.silent and "stall_after" in session.faults:
            await stall(request, state)
            break
    return ws


def add_realtime_routes(app: web.Application) -> None:
    """Mount ``/v1/realtime`` (a WebSocket upgrade on GET)."""
    app.router.add_get("/v1/realtime", _realtime)
