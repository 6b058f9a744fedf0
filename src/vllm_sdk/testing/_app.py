"""The aiohttp application of the mock server: routes, auth, fault injection and response writing."""

from __future__ import annotations

import asyncio
import contextvars
import json
import math
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import _tokenizer as tok
from ._faults import FAULT_HEADER, FAULT_KEY_HEADER, Fault, FaultSpecError, parse_faults
from ._generation import ChoicePlan, GenParams, plan_choices, request_seed
from ._http import STATE_KEY, chat_prompt, hex16, json_response, resolve_model, state_of, text_of
from ._pooling import add_pooling_routes
from ._state import RecordedRequest, ServerState
from ._validation import (
    RequestRejected,
    bad_request,
    check_context,
    check_sampling,
    check_tools,
    coerce_fields,
    json_schema_of,
    parse_json_body,
    validation_error,
)
from ._wire import (
    DONE,
    VLLM_VERSION,
    chat_body,
    chat_stream_head,
    chat_stream_suffixes,
    completion_body,
    completion_stream_head,
    completion_stream_suffixes,
    dumps,
    error_body,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["STATE_KEY", "build_app"]

#: The faults active for the request being handled (set by the middleware, read by the handlers).
_ACTIVE_FAULTS: contextvars.ContextVar[dict[str, Fault]] = contextvars.ContextVar("vllm_mock_faults")

TOKEN_DELAY_HEADER = "x-mock-token-delay"
SSE = "text/event-stream; charset=utf-8"
#: Paths that server-wide faults leave alone, so health checks and scrapes keep working.
_UNFAULTED = frozenset({"/health", "/ping", "/version", "/metrics"})
#: Yield to the event loop every this many events when there is no delay, so streams share the loop.
_YIELD_EVERY = 8
_STALL_POLL = 0.05
#: Bound on prompts x n in one completions request (the mock keeps all output in memory).
_MAX_COMPLETION_CHOICES = 1024

_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def _faults(request: web.Request) -> dict[str, Fault]:
    return _ACTIVE_FAULTS.get({})


# ------------------------------------------------------------------------------------------ middleware


async def _stall(request: web.Request, state: ServerState) -> None:
    """Wait until the server stops or the client goes away (handler cancellation ends it too)."""
    while not state.closing:
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await asyncio.sleep(_STALL_POLL)


def _active_faults(request: web.Request, state: ServerState) -> dict[str, Fault]:
    """The faults that apply to this request, after "first N requests" counting."""
    header = request.headers.get(FAULT_HEADER)
    chosen: list[tuple[Fault, tuple[str, ...]]] = []
    if request.path not in _UNFAULTED:
        chosen.extend((f, ("server", str(i), f.text)) for i, f in enumerate(state.faults))
    if header:
        fault_key = request.headers.get(FAULT_KEY_HEADER, "")
        chosen.extend((f, ("header", header, fault_key, f.text)) for f in parse_faults(header))
    active: dict[str, Fault] = {}
    for fault, count_key in chosen:
        if fault.limited and state.fault_counter.hit(count_key) >= fault.limit:
            continue
        active[fault.name] = fault
    return active


def _pre_response_fault(faults: dict[str, Fault]) -> web.StreamResponse | None:
    retry_after = faults["retry_after"].a if "retry_after" in faults else 0.0
    assert retry_after is not None
    retry_headers = {
        "Retry-After": str(math.ceil(retry_after)),
        "retry-after-ms": str(round(retry_after * 1000)),
    }
    if "html_502" in faults:
        return web.Response(body=_HTML_502, status=502, content_type="text/html")
    if "rate_limit" in faults:
        body = error_body("Too many requests, please retry later.", "RateLimitError", 429)
        return json_response(body, 429, retry_headers)
    status_fault = faults.get("status")
    if status_fault is not None and status_fault.a is not None:
        code = int(status_fault.a)
        kinds = {
            500: "InternalServerError",
            502: "BadGatewayError",
            503: "ServiceUnavailableError",
            504: "GatewayTimeoutError",
            429: "RateLimitError",
        }
        body = error_body(f"Injected fault: HTTP {code}", kinds.get(code, "InternalServerError"), code)
        return json_response(body, code, retry_headers if code in (429, 503) else None)
    return None


@web.middleware
async def _middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    state = state_of(request)
    raw = await request.read() if request.can_read_body else b""
    parsed: Any = None
    if raw:
        try:
            parsed = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            parsed = None
    state.record(
        RecordedRequest(
            method=request.method,
            path=request.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            json=parsed,
            body=raw,
            query=dict(request.query),
        )
    )
    try:
        faults = _active_faults(request, state)
    except FaultSpecError as exc:
        return json_response(error_body(f"Bad {FAULT_HEADER} header: {exc}", "BadRequestError", 400), 400)
    _ACTIVE_FAULTS.set(faults)
    if "stall" in faults:
        await _stall(request, state)
        return web.Response(status=503, text="server stopping")
    if "delay_headers" in faults:
        await asyncio.sleep(faults["delay_headers"].a or 0.0)
    early = _pre_response_fault(faults)
    if early is not None:
        return early
    if (
        state.api_key is not None
        and request.path.startswith("/v1")
        and request.headers.get("Authorization", "") != f"Bearer {state.api_key}"
    ):
        return json_response(b'{"error":"Unauthorized"}', 401)
    try:
        return await handler(request)
    except RequestRejected as exc:
        return json_response(exc.body, exc.status, exc.headers)
    except web.HTTPMethodNotAllowed as exc:
        return json_response(
            b'{"detail":"Method Not Allowed"}', 405, {"Allow": ",".join(sorted(exc.allowed_methods))}
        )
    except web.HTTPNotFound:
        return json_response(b'{"detail":"Not Found"}', 404)


# ---------------------------------------------------------------------------------------- simple routes


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
            "permission": [
                {
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
            ],
        }
        for name in state.models
    ]
    return json_response(dumps({"object": "list", "data": data}).encode())


def _token_delay(request: web.Request, state: ServerState) -> float:
    value = request.headers.get(TOKEN_DELAY_HEADER)
    delay = state.token_delay
    if value is not None:
        try:
            delay = float(value)
        except ValueError:
            delay = -1.0
        if not 0.0 <= delay < 3600.0:
            raise bad_request(f"Bad {TOKEN_DELAY_HEADER} header: {value!r} (seconds, 0 <= s < 3600)")
    fault = _faults(request).get("delay_events")
    if fault is not None and fault.a is not None:
        delay += fault.a
    return delay


# ------------------------------------------------------------------------------------- stream writing


async def _write_stream(
    request: web.Request,
    head: bytes,
    suffixes: list[bytes],
    delay: float,
    *,
    finish: Callable[[str], None],
) -> web.StreamResponse:
    """Send a stream, one event per write, applying the request's stream faults."""
    state = state_of(request)
    faults = _faults(request)
    resp = web.StreamResponse(status=200, headers={"Content-Type": SSE})
    event_faults = {name: int(f.a or 0) for name, f in faults.items() if name.endswith("_after")}
    huge = faults.get("huge_event")
    if huge is not None:
        event_faults["huge_event"] = int(huge.b) if huge.b is not None else 1
    try:
        # Inside the try: a client that gave up before the headers went out (a connect/header timeout
        # test) is an ordinary abort, not an "Error handling request" traceback in aiohttp's log.
        await resp.prepare(request)
        # Send the status line and headers now, as vLLM does, not with the first event: a client
        # waiting for a slow first token (or a stalled stream) has its response already.
        await resp.write(b"")
        for k in range(len(suffixes) + 1):
            if event_faults:
                done = await _event_fault(request, resp, head, k, event_faults, huge, state)
                if done:
                    finish("abort")
                    return resp
            if k == len(suffixes):
                break
            if delay:
                await asyncio.sleep(delay)
            elif k % _YIELD_EVERY == _YIELD_EVERY - 1:
                await asyncio.sleep(0)
            await resp.write(head + suffixes[k])
        await resp.write(DONE)
    except ConnectionError:
        # The client went away mid-stream; nothing more to send.
        finish("abort")
        return resp
    except asyncio.CancelledError:
        finish("abort")
        raise
    finish("ok")
    return resp


async def _event_fault(
    request: web.Request,
    resp: web.StreamResponse,
    head: bytes,
    k: int,
    event_faults: dict[str, int],
    huge: Fault | None,
    state: ServerState,
) -> bool:
    """Apply the faults due before event ``k``; True when the stream must end here."""
    if event_faults.get("malformed_after") == k:
        await resp.write(head + b'{"index":0,"delta":{"content":"oops"},"logprobs":null,"finish_reason"\n\n')
    if event_faults.get("invalid_utf8_after") == k:
        await resp.write(
            head + b'{"index":0,"delta":{"content":"bad \xff\xfe\xc3( bytes"},"logprobs":null,'
            b'"finish_reason":null,"token_ids":null}]}\n\n'
        )
    if huge is not None and event_faults.get("huge_event") == k:
        size = int(huge.a or 0)
        await resp.write(
            head + b'{"index":0,"delta":{"content":"' + b"x" * size + b'"},"logprobs":null,'
            b'"finish_reason":null,"token_ids":null}]}\n\n'
        )
    if event_faults.get("error_event_after") == k:
        fault = _faults(request)["error_event_after"]
        code = int(fault.b) if fault.b is not None else 500
        kind = "BadRequestError" if code == 400 else "InternalServerError"
        await resp.write(
            b"data: " + error_body("Injected fault: error event mid-stream", kind, code) + b"\n\n"
        )
        await resp.write(DONE)
        return True
    if event_faults.get("disconnect_after") == k:
        if request.transport is not None:
            request.transport.abort()
        return True
    if event_faults.get("stall_after") == k:
        await _stall(request, state)
        return True
    return False


async def _non_stream_faults(request: web.Request) -> web.StreamResponse | None:
    faults = _faults(request)
    if "disconnect_after" in faults:
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)
    if "stall_after" in faults:
        await _stall(request, state_of(request))
        return web.Response(status=503, text="server stopping")
    if "error_event_after" in faults:
        fault = faults["error_event_after"]
        code = int(fault.b) if fault.b is not None else 500
        return json_response(error_body("Injected fault", "InternalServerError", code), code)
    return None


def _mangle_body(request: web.Request, body: bytes) -> bytes:
    faults = _faults(request)
    if "malformed_after" in faults:
        return body[: max(1, len(body) // 2)]
    if "invalid_utf8_after" in faults:
        return body.replace(b'"content":"', b'"content":"\xff\xfe', 1)
    huge = faults.get("huge_event")
    if huge is not None:
        return body.replace(b'"content":"', b'"content":"' + b"x" * int(huge.a or 0), 1)
    return body


# ---------------------------------------------------------------------------------------------- chat


def _structured_outputs(body: dict[str, Any]) -> dict[str, Any]:
    so = body.get("structured_outputs")
    return so if isinstance(so, dict) else {}


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


async def _chat(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    raw = await request.read()
    body = parse_json_body(raw, request.content_type if request.body_exists else "")
    coerce_fields(body, required=("messages",), logprobs_is_int=False)
    model = resolve_model(state, body)
    check_sampling(body, max_model_len=state.max_model_len, logprobs_key="top_logprobs")
    messages = body["messages"]
    if not messages:
        raise bad_request(
            "Cannot apply chat template to an empty conversation. Provide at least one message."
        )
    check_tools(body)
    schema = json_schema_of(body)
    stream = bool(body.get("stream"))
    delay = _token_delay(request, state)
    key = ("chat", model, raw)
    cached = state.cache_get(key)
    if cached is None:
        prompt_ids = tok.encode(chat_prompt(messages, body.get("tools")))
        prompt_tokens = len(prompt_ids)
        wanted_ids = prompt_ids if body.get("return_token_ids") else None
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        check_context(prompt_tokens, max_tokens, state.max_model_len)
        top_logprobs = (body.get("top_logprobs") or 0) if body.get("logprobs") else None
        kwargs = body.get("chat_template_kwargs") or {}
        last = messages[-1] if isinstance(messages[-1], dict) else {}
        so = _structured_outputs(body)
        params = GenParams(
            seed_material=dumps([model, messages, body.get("seed"), body.get("tools"), schema, so]),
            n=body.get("n") or 1,
            max_tokens=max_tokens or (state.max_model_len - prompt_tokens),
            min_tokens=body.get("min_tokens") or 0,
            ignore_eos=bool(body.get("ignore_eos")),
            stop=_stop_list(body),
            stop_token_ids=_stop_token_ids(body),
            include_stop_str_in_output=bool(body.get("include_stop_str_in_output")),
            temperature=1.0 if body.get("temperature") is None else body["temperature"],
            top_logprobs=top_logprobs,
            thinking=kwargs.get("enable_thinking") is True,
            include_reasoning=body.get("include_reasoning") is not False,
            tools=body.get("tools") or (),
            tool_choice=body.get("tool_choice"),
            parallel_tool_calls=body.get("parallel_tool_calls") is not False,
            last_user_text=text_of(last.get("content")) if last.get("role") == "user" else None,
            json_schema=schema,
            choice=so.get("choice") if isinstance(so.get("choice"), list) else None,
            echo_prefix=(
                text_of(last.get("content")) or None
                if body.get("echo") and last.get("role") == "assistant"
                else None
            ),
        )
        plans = plan_choices(params)
        if stream:
            opts = body.get("stream_options") or {}
            include_usage = bool(opts.get("include_usage"))
            payload: Any = chat_stream_suffixes(
                plans,
                prompt_tokens,
                include_usage=include_usage,
                continuous_usage=include_usage and bool(opts.get("continuous_usage_stats")),
                top_logprobs=top_logprobs,
                reasoning_parser=params.thinking,
                prompt_ids=wanted_ids,
            )
            size = sum(len(s) for s in payload)
        else:
            payload = chat_body("", 0, model, plans, prompt_tokens, top_logprobs, params.thinking, wanted_ids)
            # Cache what follows the id and created time; they are spliced in per request.
            payload = payload[payload.index(b',"model":') :]
            size = len(payload)
        cached = (prompt_tokens, plans, payload)
        state.cache_put(key, cached, size)
    prompt_tokens, plans, payload = cached
    req_id = request.headers.get("X-Request-Id")
    request_id = f"chatcmpl-{req_id}" if req_id else f"chatcmpl-{hex16()}"
    created = int(time.time())
    return await _answer(
        request,
        state,
        plans,
        prompt_tokens,
        payload,
        stream,
        delay,
        lambda: chat_stream_head(request_id, created, model),
        lambda: f'{{"id":{dumps(request_id)},"object":"chat.completion","created":{created}'.encode(),
    )


async def _answer(
    request: web.Request,
    state: ServerState,
    plans: list[ChoicePlan],
    prompt_tokens: int,
    payload: Any,
    stream: bool,
    delay: float,
    stream_head: Callable[[], bytes],
    body_head: Callable[[], bytes],
) -> web.StreamResponse:
    generated = sum(len(p.tokens) for p in plans)
    reason = plans[0].finish_reason if plans else "stop"
    state.metrics.request_started()
    finished = False

    def finish(outcome: str) -> None:
        nonlocal finished
        if not finished:
            finished = True
            state.metrics.request_finished(
                "abort" if outcome == "abort" else ("length" if reason == "length" else "stop"),
                prompt_tokens,
                generated if outcome != "abort" else 0,
            )

    try:
        if stream:
            return await _write_stream(request, stream_head(), payload, delay, finish=finish)
        faulted = await _non_stream_faults(request)
        if faulted is not None:
            finish("abort")
            return faulted
        if delay:
            await asyncio.sleep(delay * max(1, max((len(p.tokens) for p in plans), default=1)))
        finish("ok")
        return json_response(_mangle_body(request, body_head() + payload))
    finally:
        finish("abort")


# ----------------------------------------------------------------------------------------- completions


def _prompts_of(body: dict[str, Any]) -> list[tuple[str, list[str], list[int]]]:
    prompt = body.get("prompt")
    items: list[Any]
    token_list = isinstance(prompt, list) and prompt and all(isinstance(x, int) for x in prompt)
    if isinstance(prompt, str) or token_list:
        items = [prompt]
    elif isinstance(prompt, list):
        items = list(prompt)
    else:
        items = []
    out: list[tuple[str, list[str], list[int]]] = []
    for item in items:
        if isinstance(item, str):
            out.append((item, tok.split_pieces(item), tok.encode(item)))
        elif isinstance(item, list) and all(isinstance(x, int) for x in item):
            try:
                text = tok.decode(item)
            except IndexError:
                raise bad_request("Token id out of vocabulary (parameter=prompt)", "prompt") from None
            out.append((text, tok.split_pieces(text), list(item)))
        else:
            raise validation_error("string_type", "body.prompt", "Input should be a valid string", item)
    if not out or not any(text or ids for text, _, ids in out):
        raise bad_request(
            "Either prompt or prompt_embeds must be provided and non-empty. (parameter=prompt)", "prompt"
        )
    return out


async def _completions(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    raw = await request.read()
    body = parse_json_body(raw, request.content_type if request.body_exists else "")
    coerce_fields(body, required=(), logprobs_is_int=True)
    model = resolve_model(state, body)
    check_sampling(body, max_model_len=state.max_model_len, logprobs_key="logprobs")
    prompts = _prompts_of(body)
    if len(prompts) * (body.get("n") or 1) > _MAX_COMPLETION_CHOICES:
        raise bad_request(
            f"At most {_MAX_COMPLETION_CHOICES} choices (prompts x n) per request on the mock server.",
            "prompt",
        )
    stream = bool(body.get("stream"))
    delay = _token_delay(request, state)
    n = body.get("n") or 1
    key = ("completions", model, raw)
    cached = state.cache_get(key)
    if cached is None:
        max_tokens = body.get("max_tokens") or 16
        for _, _, ids in prompts:
            check_context(len(ids), max_tokens, state.max_model_len)
        logprobs = body.get("logprobs")
        so = _structured_outputs(body)
        schema = json_schema_of(body)
        plans: list[ChoicePlan] = []
        for text, _, _ in prompts:
            params = GenParams(
                seed_material=dumps(["completion", model, text, body.get("seed"), schema, so]),
                space_first=bool(text) and not text[-1].isspace() and schema is None and not so,
                n=n,
                max_tokens=max_tokens,
                min_tokens=body.get("min_tokens") or 0,
                ignore_eos=bool(body.get("ignore_eos")),
                stop=_stop_list(body),
                stop_token_ids=_stop_token_ids(body),
                include_stop_str_in_output=bool(body.get("include_stop_str_in_output")),
                temperature=1.0 if body.get("temperature") is None else body["temperature"],
                top_logprobs=logprobs,
                json_schema=schema,
                choice=so.get("choice") if isinstance(so.get("choice"), list) else None,
            )
            plans.extend(plan_choices(params))
        echo = bool(body.get("echo"))
        prompt_tokens = sum(len(ids) for _, _, ids in prompts) * n
        if stream:
            opts = body.get("stream_options") or {}
            include_usage = bool(opts.get("include_usage"))
            payload: Any = completion_stream_suffixes(
                plans,
                prompts,
                n,
                echo=echo,
                include_usage=include_usage,
                continuous_usage=include_usage and bool(opts.get("continuous_usage_stats")),
                logprobs=logprobs,
            )
            size = sum(len(s) for s in payload)
        else:
            payload = completion_body("", 0, model, plans, prompts, n, echo=echo, logprobs=logprobs)
            payload = payload[payload.index(b',"model":') :]
            size = len(payload)
        cached = (prompt_tokens, plans, payload)
        state.cache_put(key, cached, size)
    prompt_tokens, plans, payload = cached
    req_id = request.headers.get("X-Request-Id")
    request_id = f"cmpl-{req_id}" if req_id else f"cmpl-{hex16()}"
    created = int(time.time())
    return await _answer(
        request,
        state,
        plans,
        prompt_tokens,
        payload,
        stream,
        delay,
        lambda: completion_stream_head(request_id, created, model),
        lambda: f'{{"id":{dumps(request_id)},"object":"text_completion","created":{created}'.encode(),
    )


def build_app(state: ServerState) -> web.Application:
    """The aiohttp application serving one :class:`ServerState`."""
    app = web.Application(middlewares=[_middleware], client_max_size=64 * 1024 * 1024)
    app[STATE_KEY] = state
    app.router.add_get("/health", _health)
    app.router.add_get("/ping", _health)
    app.router.add_post("/ping", _health)
    app.router.add_get("/version", _version)
    app.router.add_get("/metrics", _metrics)
    app.router.add_get("/v1/models", _models)
    app.router.add_post("/v1/chat/completions", _chat)
    app.router.add_post("/v1/completions", _completions)
    add_pooling_routes(app)
    return app
