"""Realtime transcription over WebSocket (vLLM's ``/v1/realtime``).

::

    async with client.realtime.connect(model="openai/whisper-large-v3") as conn:
        await conn.commit()                 # start a transcription
        await conn.append_audio(pcm16)      # 16 kHz mono PCM16, sent in base64 chunks
        await conn.commit(final=True)       # end of the audio
        async for event in conn.events():   # Content ... Usage, Done
            ...

``VllmClient.realtime.connect`` is the same, blocking. Typed client and server events are here;
``conn.recv()`` returns the raw typed server events.
"""

from ._connection import (
    DEFAULT_CHUNK_SIZE,
    AsyncRealtime,
    AsyncRealtimeConnection,
    AsyncRealtimeConnectionManager,
)
from ._errors import RealtimeError, RealtimeInputError
from ._events import (
    ClientEvent,
    InputAudioBufferAppend,
    InputAudioBufferCommit,
    RealtimeErrorEvent,
    RealtimeUsage,
    ServerEvent,
    SessionCreated,
    SessionUpdate,
    TranscriptionDelta,
    TranscriptionDone,
    UnknownServerEvent,
    parse_server_event,
)
from ._sync import Realtime, RealtimeConnection, RealtimeConnectionManager
from ._target import RealtimeTarget, websocket_url

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "AsyncRealtime",
    "AsyncRealtimeConnection",
    "AsyncRealtimeConnectionManager",
    "ClientEvent",
    "InputAudioBufferAppend",
    "InputAudioBufferCommit",
    "Realtime",
    "RealtimeConnection",
    "RealtimeConnectionManager",
    "RealtimeError",
    "RealtimeErrorEvent",
    "RealtimeInputError",
    "RealtimeTarget",
    "RealtimeUsage",
    "ServerEvent",
    "SessionCreated",
    "SessionUpdate",
    "TranscriptionDelta",
    "TranscriptionDone",
    "UnknownServerEvent",
    "parse_server_event",
    "websocket_url",
]
