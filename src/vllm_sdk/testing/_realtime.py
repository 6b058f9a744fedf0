"""``/v1/realtime``: vLLM's realtime transcription over WebSocket, with a scripted transcript.

Wire shapes and behaviour from vLLM 0.32.0: ``vllm/entrypoints/speech_to_text/realtime/protocol.py``
(event fields), ``.../realtime/connection.py`` (the event loop: ``session.created`` on accept; the
``session.update`` model check; ``input_audio_buffer.append`` decoding and its ``invalid_audio`` error;
``commit`` needing a validated model, starting a transcription, ``final`` ending the audio; the error codes
``invalid_json``, ``invalid_event``, ``model_not_found``, ``model_not_validated``, ``unknown_event``,
``processing_error``) and ``.../realtime/api_router.py`` (the route).

The mock's transcript is scripted instead of heard: once the audio ends (``commit`` with ``final``) it
says how much audio arrived (``"heard 1.50 seconds of audio in 3 chunks"``), one ``transcription.delta``
per word, then ``transcription.done`` with the text and usage. Faults (``x-mock-fault`` on the handshake,
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

__all__ = ["add_realtime_routes"]

#: PCM16 at 16 kHz mono: bytes per second of audio (the format vLLM's realtime endpoint takes).
_BYTES_PER_SECOND = 32_000


class _Session:
    """One connection's state: the validated model, the audio of the current transcription, the faults."""

    def __init__(self, ws: web.WebSocketResponse, state: ServerState, faults: dict[str, Fault]) -> None:
        self.ws = ws
        self.state = state
        self.faults = faults
        self.sent = 0
        self.silent = False
        self.model_validated = False
        self.generating = False
        self.audio_bytes = 0
        self.chunks = 0

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
            self.audio_bytes += len(data)
            self.chunks += 1
        elif kind == "input_audio_buffer.commit":
            if not self.model_validated:
                await self.error(
                    "Model not validated. Make sure to validate the model by sending a session.update event.",
                    "model_not_validated",
                )
                return
            if event.get("final"):
                if self.generating:
                    await self.transcribe()
            else:
                # A commit while a transcription runs is ignored, as in start_generation().
                self.generating = True
        else:
            await self.error(f"Unknown event type: {kind}", "unknown_event")

    async def transcribe(self) -> None:
        seconds = self.audio_bytes / _BYTES_PER_SECOND
        words = f"heard {seconds:.2f} seconds of audio in {self.chunks} chunks".split(" ")
        pieces = [words[0]] + [" " + w for w in words[1:]]
        for piece in pieces:
            if not await self.send({"type": "transcription.delta", "delta": piece}):
                return
        prompt = max(1, self.audio_bytes // 640)  # one "audio token" per 20 ms
        usage = {
            "prompt_tokens": prompt,
            "total_tokens": prompt + len(pieces),
            "completion_tokens": len(pieces),
            "prompt_tokens_details": None,
        }
        await self.send({"type": "transcription.done", "text": "".join(pieces), "usage": usage})
        self.generating = False
        self.audio_bytes = 0
        self.chunks = 0


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
