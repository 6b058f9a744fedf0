"""The mock server's ``/v1/realtime`` on the wire (aiohttp's own WebSocket client, not the SDK)."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import aiohttp

from vllm_sdk.testing import MockVllmServer


async def _exchange(url: str, messages: list[Any], replies: int) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        for message in messages:
            if isinstance(message, bytes):
                await ws.send_bytes(message)
            else:
                await ws.send_str(message if isinstance(message, str) else json.dumps(message))
        out = []
        for _ in range(replies):
            msg = await asyncio.wait_for(ws.receive(), 10)
            if msg.type is not aiohttp.WSMsgType.TEXT:
                out.append({"closed": ws.close_code})
                break
            out.append(json.loads(msg.data))
        return out


def test_mock_realtime_errors_follow_vllm() -> None:
    with MockVllmServer() as server:
        url = server.url + "/v1/realtime"
        replies = asyncio.run(
            _exchange(
                url,
                [
                    "{not json",
                    {"type": "session.update"},
                    {"type": "input_audio_buffer.commit"},
                    {"type": "input_audio_buffer.append", "audio": "***"},
                    {"type": "input_audio_buffer.append"},
                    {"type": "nope"},
                ],
                7,
            )
        )
    assert replies[0]["type"] == "session.created"
    codes = [r["code"] for r in replies[1:]]
    assert codes == [
        "invalid_json",
        "invalid_event",
        "model_not_validated",
        "invalid_audio",
        "processing_error",
        "unknown_event",
    ]


def test_mock_realtime_transcript_and_binary_frame() -> None:
    audio = base64.b64encode(b"\x00\x00" * 8000).decode()
    with MockVllmServer() as server:
        url = server.url + "/v1/realtime"
        script = [
            {"type": "session.update", "model": "mock"},
            {"type": "input_audio_buffer.commit"},
            {"type": "input_audio_buffer.append", "audio": audio},
            {"type": "input_audio_buffer.commit", "final": True},
        ]
        replies = asyncio.run(_exchange(url, script, 5))
        # Half a second of audio is one segment: its three word deltas, then the done event.
        assert [r["type"] for r in replies[1:-1]] == ["transcription.delta"] * 3
        assert [r["delta"] for r in replies[1:-1]] == ["heard", " 0.00-0.50", " s"]
        assert replies[-1]["type"] == "transcription.done"
        assert replies[-1]["text"] == "heard 0.00-0.50 s"
        assert replies[-1]["usage"] == {
            "prompt_tokens": 25,
            "total_tokens": 28,
            "completion_tokens": 3,
            "prompt_tokens_details": None,
        }
        closed = asyncio.run(_exchange(url, [b"\x00"], 2))
        assert closed[-1] == {"closed": 1011}
