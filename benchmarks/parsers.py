"""The contenders of the parser benchmark: each turns a list of body chunks into per-chunk results.

Every function takes the chunk list of one :class:`~benchmarks.corpus.Case` and returns how many items it
produced (so the runner can check that everyone did the whole job):

- ``openai``: openai-python's real ``Stream`` (its SSE decoder, ``json.loads`` and a pydantic
  ``ChatCompletionChunk`` per chunk), reading an in-memory ``httpx2.Response`` built on the same chunks.
- ``httpx-sse``: ``httpx_sse.EventSource`` over an in-memory ``httpx.Response``, ``json.loads`` per event.
- ``floor``: the least any parser must do — buffer, ``bytes.split(b"\\n\\n")``, ``orjson.loads`` — with
  no SSE rules, no validation and no typed output.
- ``vllm_sdk-py`` / ``vllm_sdk-c``: our ``ChatStreamParser``, pure-Python and compiled, producing typed
  events (``Content``, ``Reasoning``, ``ToolCallDelta``, ...).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import orjson

__all__ = ["CONTENDERS", "available"]

Contender = Callable[[Sequence[bytes]], int]


def _openai() -> Contender:
    import httpx2
    import openai
    from openai import Stream
    from openai.types.chat import ChatCompletionChunk

    client = openai.OpenAI(api_key="bench", base_url="http://127.0.0.1:9/v1")
    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    headers = {"content-type": "text/event-stream"}

    def run(chunks: Sequence[bytes]) -> int:
        response = httpx2.Response(200, headers=headers, content=iter(chunks), request=request)
        count = 0
        for _chunk in Stream(cast_to=ChatCompletionChunk, response=response, client=client):
            count += 1
        return count

    return run


def _httpx_sse() -> Contender:
    import httpx
    from httpx_sse import EventSource

    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    headers = {"content-type": "text/event-stream"}

    def run(chunks: Sequence[bytes]) -> int:
        response = httpx.Response(200, headers=headers, content=iter(chunks), request=request)
        count = 0
        for sse in EventSource(response).iter_sse():
            if sse.data != "[DONE]":
                json.loads(sse.data)
                count += 1
        return count

    return run


def _floor() -> Contender:
    loads = orjson.loads

    def run(chunks: Sequence[bytes]) -> int:
        count = 0
        buf = b""
        for chunk in chunks:
            parts = (buf + chunk).split(b"\n\n") if buf else chunk.split(b"\n\n")
            buf = parts.pop()
            for part in parts:
                data = part[6:]
                if data != b"[DONE]":
                    loads(data)
                    count += 1
        return count

    return run


def _ours(module: Any) -> Contender:
    parser_class = module.ChatStreamParser

    def run(chunks: Sequence[bytes]) -> int:
        parser = parser_class()
        count = 0
        for chunk in chunks:
            count += len(parser.feed(chunk))
        count += len(parser.close())
        return count

    return run


def _ours_py() -> Contender:
    from vllm_sdk._speedups import _sse_py

    return _ours(_sse_py)


def _ours_c() -> Contender:
    from vllm_sdk._speedups import _sse_c  # type: ignore[attr-defined,unused-ignore]

    return _ours(_sse_c)


CONTENDERS: dict[str, Callable[[], Contender]] = {
    "openai": _openai,
    "httpx-sse": _httpx_sse,
    "floor": _floor,
    "vllm_sdk-py": _ours_py,
    "vllm_sdk-c": _ours_c,
}


def available() -> dict[str, Contender]:
    """The contenders that can run here (the compiled build may be missing)."""
    out = {}
    for name, factory in CONTENDERS.items():
        try:
            out[name] = factory()
        except ImportError:
            continue
    return out
