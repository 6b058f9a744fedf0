"""The operator routes of the mock server: runtime LoRA adapters, ``/tokenizer_info`` and sleep mode.

vLLM 0.32.0 registers these only behind flags (``VLLM_ALLOW_RUNTIME_LORA_UPDATING``,
``--enable-tokenizer-info-endpoint``); the mock always serves them. Shapes from vLLM's source:
``entrypoints/serve/lora/api_router.py`` and ``entrypoints/openai/models/serving.py`` (plain-text success,
error JSON for a name already loaded, one that is a base model, or an unknown one),
``entrypoints/serve/tokenize/api_router.py`` (``TokenizerInfoResponse``: ``tokenizer_class`` plus the
tokenizer config's keys). Sleep mode (``/sleep``, ``/wake_up``, ``/is_sleeping``; a real server registers
them only with ``VLLM_SERVER_DEV_MODE=1``): ``entrypoints/serve/dev/sleep/api_router.py`` (query
parameters ``level`` in 0..2 and ``mode`` in ``abort``/``wait``/``keep``; ``wake_up`` reads repeated
``tags``, none meaning all) and ``vllm/v1/engine`` (level 1 sleeps the ``weights`` and the ``kv_cache``;
waking some tags leaves the engine sleeping until every tag is awake).

KV events and elastic EP (every vLLM 0.32.0 server serves the first, every generative one the others):
``GET /kv_event_sources`` answers ``{}`` (``serve/instrumentator/basic.py``: only engines that publish KV
events are listed, and the mock publishes none); ``POST /scale_elastic_ep`` validates its body as
``serve/elastic_ep/api_router.py`` does (``HTTPException`` details as ``ErrorResponse`` with the status
phrase as type) and, the mock being one data-parallel engine that is not an elastic-EP deployment,
succeeds only for the size it already has and otherwise answers vLLM's ``500 Scale failed``;
``POST /is_scaling_elastic_ep`` answers ``{"is_scaling_elastic_ep": false}``.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ._http import json_response, state_of
from ._validation import RequestRejected, parse_json_body, validation_error
from ._wire import dumps, error_body

__all__ = ["LORA_KEY", "SLEEP_KEY", "add_ops_routes", "add_sleep_routes"]

#: Loaded adapters of one app: name -> path (listed by ``/v1/models`` as vLLM does).
LORA_KEY: web.AppKey[dict[str, str]] = web.AppKey("vllm_mock_lora", dict)


#: The tags of one app's engine that sleep (empty: awake).
SLEEP_KEY: web.AppKey[set[str]] = web.AppKey("vllm_mock_sleeping", set)

#: What a sleeping engine has released: ``wake_up?tags=...`` takes these names.
_SLEEP_TAGS = ("weights", "kv_cache")
_MODES = ("abort", "wait", "keep")


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


def _query_error(loc: str, msg: str, kind: str, value: str, ctx: dict[str, Any] | None) -> RequestRejected:
    """FastAPI's query validation failure, as vLLM's handler answers it (400, like a body's)."""
    return validation_error(kind, f"query.{loc}", msg, value, ctx)


def _level(request: web.Request) -> int:
    raw = request.query.get("level")
    if raw is None:
        return 1
    try:
        level = int(raw)
    except ValueError:
        raise _query_error(
            "level",
            "Input should be a valid integer, unable to parse string as an integer",
            "int_parsing",
            raw,
            None,
        ) from None
    if level < 0:
        raise _query_error(
            "level", "Input should be greater than or equal to 0", "greater_than_equal", raw, {"ge": 0}
        )
    if level > 2:
        raise _query_error(
            "level", "Input should be less than or equal to 2", "less_than_equal", raw, {"le": 2}
        )
    return level


async def _sleep(request: web.Request) -> web.StreamResponse:
    level = _level(request)
    mode = request.query.get("mode", "abort")
    if mode not in _MODES:
        raise _query_error(
            "mode",
            "Input should be 'abort', 'wait' or 'keep'",
            "literal_error",
            mode,
            {"expected": "'abort', 'wait' or 'keep'"},
        )
    request.app[SLEEP_KEY].update(_SLEEP_TAGS)
    return json_response(dumps({"status": "sleeping", "level": level}).encode())


async def _wake_up(request: web.Request) -> web.StreamResponse:
    tags: list[str] | None = request.query.getall("tags", []) or None
    sleeping = request.app[SLEEP_KEY]
    if tags is None:
        sleeping.clear()
    else:
        sleeping.difference_update(tags)
    status = "sleeping" if sleeping else "awake"
    return json_response(dumps({"status": status, "tags": tags}).encode())


async def _is_sleeping(request: web.Request) -> web.StreamResponse:
    return json_response(dumps({"is_sleeping": bool(request.app[SLEEP_KEY])}).encode())


def add_sleep_routes(app: web.Application) -> None:
    """Mount the sleep-mode routes (dev mode on a real server) and the sleeping state they share."""
    app[SLEEP_KEY] = set()
    app.router.add_post("/sleep", _sleep)
    app.router.add_post("/wake_up", _wake_up)
    app.router.add_get("/is_sleeping", _is_sleeping)


async def _kv_event_sources(request: web.Request) -> web.StreamResponse:
    return json_response(b"{}")


def _http_exception(status: int, phrase: str, detail: str) -> RequestRejected:
    """FastAPI's ``HTTPException`` as vLLM's handler answers it: the status phrase is the error type."""
    return _rejected(status, detail, phrase)


def _positive_int(value: Any) -> bool:
    # vLLM's own test, so ``true`` passes as 1 there too.
    return isinstance(value, int) and value > 0


async def _scale_elastic_ep(request: web.Request) -> web.StreamResponse:
    if "json" not in (request.content_type if request.body_exists else ""):
        parse_json_body(b"", request.content_type or "text/plain")  # vLLM's 400 "Unsupported Media Type"
    try:
        body = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        raise _http_exception(400, "Bad Request", "Invalid JSON format") from None
    if not isinstance(body, dict):
        # vLLM calls body.get(...) on whatever JSON it got: a non-object body is an unhandled error.
        missing = f"'{type(body).__name__}' object has no attribute 'get'"
        raise _rejected(500, missing, "InternalServerError")
    size = body.get("new_data_parallel_size")
    drain_timeout = body.get("drain_timeout", 120)
    if size is None:
        raise _http_exception(400, "Bad Request", "new_data_parallel_size is required")
    if not _positive_int(size):
        raise _http_exception(400, "Bad Request", "new_data_parallel_size must be a positive integer")
    if not _positive_int(drain_timeout):
        raise _http_exception(400, "Bad Request", "drain_timeout must be a positive integer")
    if size != 1:  # one engine, not an elastic-EP (Ray) deployment: the engine client refuses to scale
        raise _http_exception(500, "Internal Server Error", "Scale failed")
    return json_response(dumps({"message": f"Scaled to {size} data parallel engines"}).encode())


async def _is_scaling_elastic_ep(request: web.Request) -> web.StreamResponse:
    return json_response(dumps({"is_scaling_elastic_ep": False}).encode())


def add_ops_routes(app: web.Application) -> None:
    """Mount the operator routes (and the adapter registry they share with ``/v1/models``)."""
    app[LORA_KEY] = {}
    app.router.add_get("/kv_event_sources", _kv_event_sources)
    app.router.add_post("/scale_elastic_ep", _scale_elastic_ep)
    app.router.add_post("/is_scaling_elastic_ep", _is_scaling_elastic_ep)
    app.router.add_post("/v1/load_lora_adapter", _load_lora)
    app.router.add_post("/v1/unload_lora_adapter", _unload_lora)
    app.router.add_get("/tokenizer_info", _tokenizer_info)
