"""Builders of vLLM-shaped stream chunks for the engine tests."""

from __future__ import annotations

import json
from typing import Any


def chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A chat.completion.chunk with the usual envelope."""
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "tiny",
        "choices": choices,
    }
    body.update(extra)
    return body


def delta(
    index: int = 0, finish_reason: str | None = None, stop_reason: Any = None, **fields: Any
) -> dict[str, Any]:
    """One chat choice with ``delta`` = ``fields``."""
    choice: dict[str, Any] = {
        "index": index,
        "delta": fields,
        "logprobs": None,
        "finish_reason": finish_reason,
    }
    if finish_reason is not None:
        choice["stop_reason"] = stop_reason
    return choice


def tool(
    index: int, id: str | None = None, name: str | None = None, arguments: str | None = None
) -> dict[str, Any]:
    """One tool-call fragment."""
    frag: dict[str, Any] = {"index": index}
    if id is not None:
        frag["id"] = id
        frag["type"] = "function"
    function: dict[str, Any] = {}
    if name is not None:
        function["name"] = name
    if arguments is not None:
        function["arguments"] = arguments
    if function:
        frag["function"] = function
    return frag


def sse(*payloads: Any) -> bytes:
    """An SSE body: dicts as JSON ``data:`` events, strings as raw data, then nothing else."""
    out = []
    for payload in payloads:
        data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        out.append(f"data: {data}\n\n")
    return "".join(out).encode()


def stream(*payloads: Any) -> bytes:
    """``sse(...)`` followed by ``data: [DONE]``."""
    return sse(*payloads, "[DONE]")


def contents(*texts: str, index: int = 0) -> list[dict[str, Any]]:
    """One chunk per content delta."""
    return [chunk([delta(index, content=t)]) for t in texts]
