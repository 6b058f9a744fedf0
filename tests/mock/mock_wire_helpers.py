"""Helpers for comparing the mock server's bytes with the real vLLM 0.32.0 transcripts."""

from __future__ import annotations

import json
from typing import Any

from reference_data import TRANSCRIPTS, require

REAL_MODEL = "tiny"


def load_request(name: str, model: str = "mock") -> tuple[str, str, dict[str, str], bytes]:
    """(method, path, headers, body) of a recorded request, with the model renamed."""
    text = require(TRANSCRIPTS / f"{name}.req").read_bytes()
    head, _, body = text.partition(b"\n\n")
    lines = head.decode().splitlines()
    method, url = lines[0].split(" ", 1)
    path = "/" + url.split("/", 3)[3]
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    body = body.rstrip(b"\n").replace(f'"model":"{REAL_MODEL}"'.encode(), f'"model":"{model}"'.encode())
    return method, path, headers, body


def load_response(name: str) -> tuple[int, dict[str, str], bytes]:
    """(status, lower-case headers, body bytes) of a recorded response."""
    raw = require(TRANSCRIPTS / f"{name}.http").read_bytes()
    head, _, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw[:2000] else raw.partition(b"\n\n")
    lines = head.decode().splitlines()
    status = int(lines[0].split()[1])
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:] if ": " in line)}
    return status, headers, body


def sse_events(body: bytes) -> list[bytes]:
    """The ``data:`` payloads of an SSE body, in order (``[DONE]`` included)."""
    out = []
    for block in body.split(b"\n\n"):
        block = block.strip(b"\n")
        if block:
            assert block.startswith(b"data: "), block[:80]
            out.append(block[len(b"data: ") :])
    return out


def kind_of(event: dict[str, Any]) -> str:
    """Classify a chat/completion chunk: role, content, reasoning, tool_start, tool_args, finish, usage."""
    choices = event.get("choices")
    if choices == []:
        return "usage"
    choice = choices[0]
    if "text" in choice:
        if choice.get("finish_reason") is not None:
            return "finish_text" if choice["text"] == "" else "finish_on_token"
        return "text"
    delta = choice["delta"]
    if "role" in delta:
        return "role"
    if choice.get("finish_reason") is not None:
        return "finish" if delta == {} else "finish_on_token"
    if "reasoning" in delta:
        return "reasoning"
    if "tool_calls" in delta:
        return "tool_start" if "id" in delta["tool_calls"][0] else "tool_args"
    return "content"


def key_shape(value: Any) -> Any:
    """The nested key order of a JSON value (values themselves dropped; lists reduced to their first item)."""
    if isinstance(value, dict):
        return [(k, key_shape(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [key_shape(value[0])] if value else []
    return None


def assert_same_keys(real: Any, mock: Any, path: str = "$") -> None:
    """Every object present on both sides has the same keys in the same order (recursively)."""
    if isinstance(real, dict) and isinstance(mock, dict):
        assert list(real) == list(mock), f"{path}: real keys {list(real)} != mock keys {list(mock)}"
        for k in real:
            assert_same_keys(real[k], mock[k], f"{path}.{k}")
    elif isinstance(real, list) and isinstance(mock, list) and real and mock:
        assert_same_keys(real[0], mock[0], f"{path}[0]")


def first_of_each_kind(events: list[bytes]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for raw in events:
        if raw == b"[DONE]":
            continue
        ev = json.loads(raw)
        out.setdefault(kind_of(ev), ev)
    return out


def kinds(events: list[bytes]) -> list[str]:
    return [("done" if raw == b"[DONE]" else kind_of(json.loads(raw))) for raw in events]


def compact(kind_list: list[str]) -> list[str]:
    """Collapse runs of the same kind: the structure of a stream."""
    out: list[str] = []
    for k in kind_list:
        if not out or out[-1] != k:
            out.append(k)
    return out
