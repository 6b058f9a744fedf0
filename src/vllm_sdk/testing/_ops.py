"""The operator routes of the mock server: runtime LoRA adapters and ``/tokenizer_info``.

vLLM 0.32.0 registers these only behind flags (``VLLM_ALLOW_RUNTIME_LORA_UPDATING``,
``--enable-tokenizer-info-endpoint``); the mock always serves them. Shapes from vLLM's source:
``entrypoints/serve/lora/api_router.py`` and ``entrypoints/openai/models/serving.py`` (plain-text success,
error JSON for a name already loaded, one that is a base model, or an unknown one),
``entrypoints/serve/tokenize/api_router.py`` (``TokenizerInfoResponse``: ``tokenizer_class`` plus the
tokenizer config's keys).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._http import json_response, state_of
from ._validation import RequestRejected, parse_json_body
from ._wire import dumps, error_body

__all__ = ["LORA_KEY", "add_ops_routes"]

#: Loaded adapters of one app: name -> path (listed by ``/v1/models`` as vLLM does).
LORA_KEY: web.AppKey[dict[str, str]] = web.AppKey("vllm_mock_lora", dict)


async def _body(request: web.Request) -> dict[str, Any]:
    return parse_json_body(await request.read(), request.content_type if request.body_exists else "")


def _rejected(status: int, message: str, err_type: str) -> RequestRejected:
    return RequestRejected(status, error_body(message, err_type, status))


def _name(body: dict[str, Any], field: str, message: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise _rejected(400, message, "InvalidUserInput")
    return value


async def _load_lora(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    both = "Both 'lora_name' and 'lora_path' must be provided."
    name = _name(body, "lora_name", both)
    path = _name(body, "lora_path", both)
    adapters = request.app[LORA_KEY]
    if name in state_of(request).models:
        raise _rejected(
            400, f"The lora adapter '{name}' conflicts with a served base model.", "InvalidUserInput"
        )
    if name in adapters and not body.get("load_inplace"):
        raise _rejected(
            400,
            f"The lora adapter '{name}' has already been loaded. If you want to load the adapter in "
            "place, set 'load_inplace' to True.",
            "InvalidUserInput",
        )
    adapters[name] = path
    return web.Response(text=f"Success: LoRA adapter '{name}' added successfully.")


async def _unload_lora(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    name = _name(body, "lora_name", "'lora_name' needs to be provided to unload a LoRA adapter.")
    adapters = request.app[LORA_KEY]
    if name not in adapters:
        raise _rejected(404, f"The lora adapter '{name}' cannot be found.", "NotFoundError")
    del adapters[name]
    return web.Response(text=f"Success: LoRA adapter '{name}' removed successfully.")


async def _tokenizer_info(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    info = {
        "tokenizer_class": "MockByteTokenizer",
        "model_max_length": state.max_model_len,
        "name_or_path": state.models[0],
    }
    return json_response(dumps(info).encode())


def add_ops_routes(app: web.Application) -> None:
    """Mount the operator routes (and the adapter registry they share with ``/v1/models``)."""
    app[LORA_KEY] = {}
    app.router.add_post("/v1/load_lora_adapter", _load_lora)
    app.router.add_post("/v1/unload_lora_adapter", _unload_lora)
    app.router.add_get("/tokenizer_info", _tokenizer_info)
