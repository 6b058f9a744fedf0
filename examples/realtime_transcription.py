"""Realtime transcription over WebSocket: stream audio to /v1/realtime, read the transcript as it comes.

Against a real server, pass an audio model (e.g. --model mistralai/Voxtral-Mini-4B-Realtime-2602) and
``--wav`` a 16 kHz mono 16-bit WAV file; without ``--wav`` a generated tone is sent. The mock server
answers with a scripted transcript that describes the audio it received.
"""

import argparse
import asyncio
import math
import struct
import wave

from _common import example

from vllm_sdk import AsyncVllmClient, Content, Done, Error, Usage
from vllm_sdk.realtime import RealtimeError, TranscriptionDelta, TranscriptionDone

SAMPLE_RATE = 16_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wav", help="a 16 kHz mono PCM16 WAV file to transcribe")


def tone(seconds: float, hertz: float = 440.0) -> bytes:
    """PCM16 samples of a sine tone (what a microphone would hand over, minus the words)."""
    count = int(seconds * SAMPLE_RATE)
    return b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * hertz * i / SAMPLE_RATE))) for i in range(count)
    )


def load_audio(path: str | None) -> bytes:
    if path is None:
        return tone(1.5)
    with wave.open(path, "rb") as wav:
        if (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) != (SAMPLE_RATE, 1, 2):
            raise SystemExit("the WAV file must be 16 kHz, mono, 16-bit")
        return wav.readframes(wav.getnframes())


with example(__doc__, add_arguments) as ex, ex.client() as client:
    audio = load_audio(ex.args.wav)

    # Sync: the connection runs on an event loop in a background thread.
    with client.realtime.connect(model=ex.model) as conn:
        print("session:", conn.session.id)
        conn.commit()  # start a transcription
        chunks = conn.append_audio(audio, chunk_size=16_000)  # half a second per message
        conn.commit(final=True)  # the audio is complete
        print(f"sent {len(audio)} bytes in {chunks} chunks")
        print("transcript: ", end="")
        for event in conn.events():
            match event:
                case Content(text=text):
                    print(text, end="", flush=True)
                case Usage(total_tokens=total):
                    print(f"\n[usage: {total} tokens]")
                case Done():
                    print("[done]")
                case Error(error=error):
                    print(f"\n[error: {error}]")

    # A server error event is typed and leaves the session open.
    with client.realtime.connect(model=ex.model) as conn:
        conn.send({"type": "response.create"})
        for event in conn.events():
            if isinstance(event, Error) and isinstance(event.error, RealtimeError):
                print(f"server error: {type(event.error).__name__} code={event.error.code}")

    # Async, reading the raw typed events with recv().
    async def main() -> None:
        aclient = AsyncVllmClient(ex.base_url, api_key=ex.api_key)
        async with aclient, aclient.realtime.connect(model=ex.model) as aconn:
            await aconn.commit()
            await aconn.append_audio(audio)
            await aconn.commit(final=True)
            while True:
                event = await aconn.recv()
                if isinstance(event, TranscriptionDelta):
                    continue
                if isinstance(event, TranscriptionDone):
                    print("async transcript:", event.text)
                    break
                print("other event:", event.type)

    asyncio.run(main())
