"""The aiohttp application of the mock server: its routes, behind the middleware.

The small routes (``/health``, ``/ping``, ``/version``, ``/metrics``, ``/v1/models``) live here; the
generation routes are :mod:`._chat` and :mod:`._completions` on one handler shape (:mod:`._generate`,
answers written by :mod:`._answer`); the pooling-style routes are :mod:`._pooling`. Recording, faults
and auth are the middleware's (:mod:`._middleware`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._audio import add_audio_routes
from ._chat import CHAT
from ._completions import COMPLETIONS
from ._decisions import add_decision_routes
from ._extra import add_extra_routes
from ._generate import generation_handler
from ._generation import request_seed
from ._http import STATE_KEY, json_response, state_of
from ._messages import add_messages_routes
from ._middleware import middleware
from ._ops import LORA_KEY, add_ops_routes, add_sleep_routes
from ._pooling import add_pooling_routes
from ._realtime import add_realtime_routes
from ._responses import add_responses_routes
from ._wire import VLLM_VERSION, dumps

if TYPE_CHECKING:
    from ._state import ServerState

__all__ = ["STATE_KEY", "build_app"]


async def _health(request: web.Request) -> web.StreamResponse:
    return web.Response(status=200)


async def _version(request: web.Request) -> web.StreamResponse:
    return json_response(dumps({"version": VLLM_VERSION}).encode())


async def _metrics(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    return web.Response(
        body=state.metrics.render(state.models[0]).encode(),
        headers={"Content-Type": "text/plain; version=1.0.0; charset=utf-8"},
    )


def _permission(state: ServerState, name: str) -> dict[str, Any]:
    return {
        "id": f"modelperm-{request_seed('perm', name):016x}",
        "object": "model_permission",
        "created": state.created,
        "allow_create_engine": False,
        "allow_sampling": True,
        "allow_logprobs": True,
        "allow_search_indices": False,
        "allow_view": True,
        "allow_fine_tuning": False,
        "organization": "*",
        "group": None,
        "is_blocking": False,
    }


async def _models(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    data = [
        {
            "id": name,
            "object": "model",
            "created": state.created,
            "owned_by": "vllm",
            "root": state.models[0],
            "parent": None,
            "max_model_len": state.max_model_len,
            "permission": [_permission(state, name)],
        }
        for name in state.models
    ]
    # Runtime LoRA adapters are listed after the base models, rooted at their path (vLLM's models route).
    for name, path in request.app[LORA_KEY].items():
        data.append(
            {
                "id": name,
                "object": "model",
                "created": state.created,
                "owned_by": "vllm",
                "root": path,
                "parent": state.models[0],
                "max_model_len": None,
                "permission": [_permission(state, name)],
            }
        )
    return json_response(dumps({"object": "list", "data": data}).encode())


def build_app(state: ServerState) -> web.Application:
    """The aiohttp application serving one :class:`ServerState`."""
    app = web.Application(middlewares=[middleware], client_max_size=64 * 1024 * 1024)
    app[STATE_KEY] = state
    app.router.add_get("/health", _health)
    app.router.add_get("/ping", _health)
    app.router.add_post("/ping", _health)
    app.router.add_get("/version", _version)
    app.router.add_get("/metrics", _metrics)
    app.router.add_get("/v1/models", _models)
    app.router.add_post("/v1/chat/completions", generation_handler(CHAT))
    app.router.add_post("/v1/completions", generation_handler(COMPLETIONS))
    add_pooling_routes(app)
    add_responses_routes(app)
    add_realtime_routes(app)
    add_ops_routes(app)
    add_sleep_routes(app)
    add_extra_routes(app)
    add_decision_routes(app)
    add_messages_routes(app)
    add_audio_routes(app)
    return app
