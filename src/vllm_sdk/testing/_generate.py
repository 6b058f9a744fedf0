"""The one handler shape of the generation routes (``/v1/chat/completions``, ``/v1/completions``).

Every generation request goes the same way: parse and validate the body (the checks both routes share,
then the route's own), plan the choices and render their wire bytes - once per (route, model, raw body),
from the server's cache after that - then splice in the per-request id and creation time and send the
answer (:func:`._answer.answer`: stream events or one body, with the request's faults). What differs
between the routes is a :class:`GenerationRoute`: its request checks, how it plans choices and renders a
body or stream events (:class:`Planned`), and the ids, ``object`` and chunk head of its wire format.
The routes themselves are in :mod:`._chat` and :mod:`._completions`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._answer import answer, token_delay
from ._http import hex16, resolve_model, state_of
from ._validation import check_sampling, coerce_fields, parse_json_body
from ._wire import dumps

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aiohttp import web

    from ._generation import ChoicePlan
    from ._state import ServerState

__all__ = ["GenerationRoute", "Planned", "generation_handler", "sampling_fields", "structured_outputs"]

_Checked = TypeVar("_Checked")


@dataclass(frozen=True)
class Planned:
    """A request's planned choices, and how to render them as stream events or as a body."""

    prompt_tokens: int
    plans: list[ChoicePlan]
    #: ``(include_usage, continuous_usage) ->`` every event after the per-request head, ``[DONE]`` excluded.
    stream_events: Callable[[bool, bool], list[bytes]]
    #: ``model ->`` the whole non-streaming body, with an empty id and ``created`` 0.
    body: Callable[[str], bytes]


@dataclass(frozen=True)
class GenerationRoute(Generic[_Checked]):
    """What one generation route adds to the shared handler shape."""

    #: The route's name in the server's cache keys.
    name: str
    #: The prefix of response ids (``chatcmpl``, ``cmpl``).
    id_prefix: str
    #: The ``object`` of a non-streaming response.
    object: str
    #: :func:`coerce_fields`' arguments and the field :func:`check_sampling` reads logprobs from.
    required: tuple[str, ...]
    logprobs_is_int: bool
    logprobs_key: str
    #: The route's own checks of every request, after the shared ones; the result goes to ``plan``.
    check: Callable[[dict[str, Any]], _Checked]
    #: ``(checked, body, model, state) ->`` the planned choices (on a cache miss only; may reject too).
    plan: Callable[[_Checked, dict[str, Any], str, ServerState], Planned]
    #: ``(request_id, created, model) ->`` the start of every stream event, up to ``"choices":[``.
    stream_head: Callable[[str, int, str], bytes]


def generation_handler(
    route: GenerationRoute[Any],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp handler of ``route``."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return await _generate(request, route)

    return handle


async def _generate(request: web.Request, route: GenerationRoute[Any]) -> web.StreamResponse:
    state = state_of(request)
    raw = await request.read()
    body = parse_json_body(raw, request.content_type if request.body_exists else "")
    coerce_fields(body, required=route.required, logprobs_is_int=route.logprobs_is_int)
    model = resolve_model(state, body)
    check_sampling(body, max_model_len=state.max_model_len, logprobs_key=route.logprobs_key)
    checked = route.check(body)
    stream = bool(body.get("stream"))
    delay = token_delay(request, state)
    key = (route.name, model, raw)
    cached = state.cache_get(key)
    if cached is None:
        planned = route.plan(checked, body, model, state)
        payload: list[bytes] | bytes
        if stream:
            opts = body.get("stream_options") or {}
            include_usage = bool(opts.get("include_usage"))
            continuous_usage = include_usage and bool(opts.get("continuous_usage_stats"))
            payload = planned.stream_events(include_usage, continuous_usage)
            size = sum(len(s) for s in payload)
        else:
            payload = planned.body(model)
            # Cache what follows the id and created time; they are spliced in per request.
            payload = payload[payload.index(b',"model":') :]
            size = len(payload)
        cached = (planned.prompt_tokens, planned.plans, payload)
        state.cache_put(key, cached, size)
    prompt_tokens, plans, payload = cached
    req_id = request.headers.get("X-Request-Id")
    request_id = f"{route.id_prefix}-{req_id}" if req_id else f"{route.id_prefix}-{hex16()}"
    created = int(time.time())
    return await answer(
        request,
        state,
        plans,
        prompt_tokens,
        payload,
        delay,
        lambda: route.stream_head(request_id, created, model),
        lambda: f'{{"id":{dumps(request_id)},"object":"{route.object}","created":{created}'.encode(),
    )


# ---------------------------------------------------------------------- body fields both routes read


def structured_outputs(body: dict[str, Any]) -> dict[str, Any]:
    """The request's ``structured_outputs`` object, or an empty one."""
    so = body.get("structured_outputs")
    return so if isinstance(so, dict) else {}


def sampling_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The :class:`~._generation.GenParams` fields both routes take from the body as they are."""
    return {
        "min_tokens": body.get("min_tokens") or 0,
        "ignore_eos": bool(body.get("ignore_eos")),
        "stop": _stop_list(body),
        "stop_token_ids": _stop_token_ids(body),
        "include_stop_str_in_output": bool(body.get("include_stop_str_in_output")),
        "temperature": 1.0 if body.get("temperature") is None else body["temperature"],
    }


def _stop_token_ids(body: dict[str, Any]) -> frozenset[int]:
    ids = body.get("stop_token_ids")
    if not isinstance(ids, list):
        return frozenset()
    return frozenset(i for i in ids if isinstance(i, int) and not isinstance(i, bool))


def _stop_list(body: dict[str, Any]) -> list[str]:
    stop = body.get("stop")
    if stop is None:
        return []
    return [stop] if isinstance(stop, str) else list(stop)
