"""The benchmark corpus: vLLM-shaped chat streams, cut into chunks the way networks cut them.

Three streams, each byte-for-byte in vLLM 0.32.0's wire format (see ``tests/data/reference/transcripts``:
A11, B11, A20c): ``plain`` (content deltas), ``reasoning`` (``reasoning`` deltas then content, with
continuous usage stats on the last part) and ``tools`` (two parallel tool calls streamed one argument
fragment per chunk). Four chunkings: one SSE event per read (what uvicorn sends), 1 KiB and 16 KiB reads,
and random read sizes (seeded, 1 B to 4 KiB).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

__all__ = ["CHUNKINGS", "STREAMS", "Case", "cases", "chunked", "stream_body"]

MODEL = "Qwen/Qwen2.5-7B-Instruct"
CREATED = 1795679601
_TEXT = (
    "The quick brown fox jumps over the lazy dog . In 2026 , vLLM served 你好 世界 and "
    "naïve café résumé tokens — streaming every delta as one server-sent event , while the "
    "client parsed each chunk into typed events without building a pydantic model per token ."
)
WORDS = _TEXT.split(" ")

#: Number of token deltas per stream (each is one SSE event).
TOKENS = 600


def _chunk(choice: dict[str, object], cid: str, **extra: object) -> bytes:
    body: dict[str, object] = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": MODEL,
        "choices": [choice],
    }
    body.update(extra)
    return b"data: " + json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


def _choice(delta: dict[str, object], finish: str | None = None, first: bool = False) -> dict[str, object]:
    choice: dict[str, object] = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    if finish is not None:
        choice["stop_reason"] = None
    if not first:
        choice["token_ids"] = None
    return choice


def _tokens(n: int, rng: random.Random) -> list[str]:
    return [(" " if i else "") + rng.choice(WORDS) for i in range(n)]


def stream_body(kind: str) -> bytes:
    """The full SSE body of one stream kind: ``plain``, ``reasoning`` or ``tools``."""
    rng = random.Random(kind)
    cid = "chatcmpl-" + "".join(rng.choice("0123456789abcdef") for _ in range(16))
    events = [_chunk(_choice({"role": "assistant", "content": ""}, first=True), cid)]
    if kind == "plain":
        events += [_chunk(_choice({"content": t}), cid) for t in _tokens(TOKENS, rng)]
        events.append(_chunk(_choice({}, "stop"), cid, system_fingerprint="vllm-0.32.0-3eb073d5"))
    elif kind == "reasoning":
        half = TOKENS // 2
        events += [_chunk(_choice({"reasoning": t}), cid) for t in _tokens(half, rng)]
        events.append(_chunk(_choice({"content": "\n\n"}), cid))
        for i, t in enumerate(_tokens(TOKENS - half - 1, rng)):
            usage = {"prompt_tokens": 12, "total_tokens": 13 + half + i, "completion_tokens": 1 + half + i}
            events.append(_chunk(_choice({"content": t}), cid, usage=usage))
        events.append(_chunk(_choice({}, "stop"), cid, system_fingerprint="vllm-0.32.0-3eb073d5"))
    elif kind == "tools":
        per_call = TOKENS // 2
        for index, name in enumerate(("get_weather", "get_time")):
            head = {
                "id": f"chatcmpl-tool-{index:016x}",
                "type": "function",
                "index": index,
                "function": {"name": name},
            }
            events.append(_chunk(_choice({"content": None, "tool_calls": [head]}), cid))
            fragments = (
                ['{"', "city", '":', ' "']
                + [t.strip() or "x" for t in _tokens(per_call - 6, rng)]
                + ['"', "}"]
            )
            for frag in fragments:
                delta = {"content": None, "tool_calls": [{"index": index, "function": {"arguments": frag}}]}
                events.append(_chunk(_choice(delta), cid))
        events.append(_chunk(_choice({}, "tool_calls"), cid, system_fingerprint="vllm-0.32.0-3eb073d5"))
    else:
        raise ValueError(f"unknown stream kind {kind!r}")
    events.append(b"data: [DONE]\n\n")
    return b"".join(events)


def chunked(body: bytes, how: str) -> list[bytes]:
    """``body`` cut into reads: ``event`` (one SSE event each), ``1k``, ``16k`` or ``random``."""
    if how == "event":
        return [part + b"\n\n" for part in body.split(b"\n\n") if part]
    if how in ("1k", "16k"):
        size = 1024 if how == "1k" else 16384
        return [body[i : i + size] for i in range(0, len(body), size)]
    if how == "random":
        rng = random.Random(len(body))
        out, pos = [], 0
        while pos < len(body):
            size = rng.randint(1, 4096)
            out.append(body[pos : pos + size])
            pos += size
        return out
    raise ValueError(f"unknown chunking {how!r}")


STREAMS = ("plain", "reasoning", "tools")
CHUNKINGS = ("event", "1k", "16k", "random")


@dataclass(frozen=True)
class Case:
    """One benchmark input: a stream kind cut one way; ``events`` counts its SSE events (chunks)."""

    stream: str
    chunking: str
    chunks: tuple[bytes, ...]
    events: int

    @property
    def name(self) -> str:
        """``stream/chunking``."""
        return f"{self.stream}/{self.chunking}"


def cases(streams: tuple[str, ...] = STREAMS, chunkings: tuple[str, ...] = CHUNKINGS) -> list[Case]:
    """Every (stream, chunking) input."""
    out = []
    for stream in streams:
        body = stream_body(stream)
        events = body.count(b"\n\n")
        out.extend(Case(stream, how, tuple(chunked(body, how)), events) for how in chunkings)
    return out
