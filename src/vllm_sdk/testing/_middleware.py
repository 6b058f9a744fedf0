"""The mock server's middleware: record every request, check auth, pick its faults, answer the early ones.

Authentication is checked before any fault (as in front of a real server). The faults that apply to a
request (server-wide ones and those of its ``x-mock-fault`` header, after "first N requests" counting)
are kept in a context variable for the handlers (:func:`request_faults`). Faults that answer before any
route runs (``stall``, ``delay_headers``, ``html_502``, ``rate_limit``, ``status``) are answered here; the
rest are the answer writers' business (:mod:`._answer`). The middleware also tells the connection's
header-read deadline (:mod:`._header_deadline`) when a request reaches the application and leaves it.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
from typing import TYPE_CHECKING

from aiohttp import web

from ._faults import FAULT_HEADER, FAULT_KEY_HEADER, Fault, FaultSpecError, error_type_for, parse_faults
from ._header_deadline import request_finished, request_started
from ._http import json_response, state_of
from ._state import RecordedRequest, ServerState
from ._validation import RequestRejected
from ._wire import error_body

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["middleware", "request_faults", "stall"]

#: The faults active for the request being handled (set by the middleware, read by the handlers).
_ACTIVE_FAULTS: contextvars.ContextVar[dict[str, Fault]] = contextvars.ContextVar("vllm_mock_faults")

#: Paths that server-wide faults leave alone, so health checks and scrapes keep working.
_UNFAULTED = frozenset({"/health", "/ping", "/version", "/metrics"})
_STALL_POLL = 0.05

_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def request_faults(request: web.Request) -> dict[str, Fault]:
    """The faults active for ``request`` (by name), as the middleware chose them."""
    return _ACTIVE_FAULTS.get({})


async def stall(request: web.Request, state: ServerState) -> None:
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
        body = error_body(f"Injected fault: HTTP {code}", error_type_for(code), code)
        return json_response(body, code, retry_headers if code in (429, 503) else None)
    return None


@web.middleware
async def middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Record, authenticate, fault, then run the route; vLLM's bodies for rejected and unknown requests."""
    request_started(request.transport)
    try:
        return await _handle(request, handler)
    finally:
        request_finished(request.transport)


async def _handle(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    state = state_of(request)
    raw = await request.read() if request.can_read_body else b""
    state.record(
        RecordedRequest(
            method=request.method,
            path=request.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=raw,
            query=dict(request.query),
        )
    )
    # Authentication comes before faults, as on a real deployment: a client with a wrong key gets 401, not
    # the injected failure, and uses up none of a fault's "first N requests".
    if (
        state.api_key is not None
        and request.path.startswith("/v1")
        and request.headers.get("Authorization", "") != f"Bearer {state.api_key}"
    ):
        return json_response(b'{"error":"Unauthorized"}', 401)
    try:
        faults = _active_faults(request, state)
    except FaultSpecError as exc:
        return json_response(error_body(f"Bad {FAULT_HEADER} header: {exc}", "BadRequestError", 400), 400)
    _ACTIVE_FAULTS.set(faults)
    if "stall" in faults:
        await stall(request, state)
        return web.Response(status=503, text="server stopping")
    if "delay_headers" in faults:
        await asyncio.sleep(faults["delay_headers"].a or 0.0)
    early = _pre_response_fault(faults)
    if early is not None:
        return early
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
