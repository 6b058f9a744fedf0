"""Small helpers shared by the mock server's route modules."""

from __future__ import annotations

import json
import random
from typing import Any

from aiohttp import web

from ._state import ServerState
from ._validation import RequestRejected
from ._wire import error_body

__all__ = [
    "JSON",
    "STATE_KEY",
    "chat_prompt",
    "hex16",
    "json_response",
    "resolve_model",
    "state_of",
    "text_of",
]

STATE_KEY: web.AppKey[ServerState] = web.AppKey("vllm_mock_state", ServerState)
JSON = "application/json"


def json_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response with vLLM's bare ``application/json`` content type."""
    return web.Response(body=body, status=status, content_type=JSON, headers=headers)


def state_of(request: web.Request) -> ServerState:
    """The state of the server handling ``request``."""
    return request.app[STATE_KEY]


def hex16() -> str:
    """16 random hex digits, the tail of vLLM's ids."""
    return f"{random.getrandbits(64):016x}"


def resolve_model(
    state: ServerState, body: dict[str, Any], *, param: str | None = "model", aliases: bool = True
) -> str:
    """The requested model name (default: the first served), or vLLM's 404."""
    model = body.get("model")
    if model is None:
        return state.models[0]
    if model not in state.models:
        suffix = f" Valid aliases: {', '.join(state.models)}." if aliases else ""
        raise RequestRejected(
            404, error_body(f"The model `{model}` does not exist.{suffix}", "NotFoundError", 404, param)
        )
    return str(model)


def text_of(content: Any) -> str:
    """The text of a message's content (a string, or the text parts of a list)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type", "text") == "text"
        )
    return ""


def chat_prompt(messages: list[Any], tools: Any) -> str:
    """The Qwen-style chat template the mock tokenizes to count prompt tokens."""
    parts = []
    if tools:
        parts.append(f"<|im_start|>system\n# Tools\n{json.dumps(tools, ensure_ascii=False)}<|im_end|>\n")
    for m in messages:
        if isinstance(m, dict):
            parts.append(f"<|im_start|>{m.get('role', '')}\n{text_of(m.get('content'))}<|im_end|>\n")
    parts.append("<|im_start|>assistant\n")
    return "".join(parts)
