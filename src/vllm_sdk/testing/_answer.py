"""Sending a generation's answer: paced stream events or one body, with the request's faults, and metrics.

The route handlers (:mod:`._generate`) hand over what is already rendered - the stream's events after
their per-request head, or the body after its per-request id and creation time - and :func:`answer`
sends it: event by event at the request's token delay, applying the mid-stream faults
(``malformed_after``, ``invalid_utf8_after``, ``huge_event``, ``error_event_after``, ``disconnect_after``,
``stall_after``) or their non-streaming counterparts, and counting the request in the server's metrics
whatever becomes of it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from ._http import json_response, state_of
from ._middleware import request_faults, stall
from ._validation import bad_request
from ._wire import DONE, error_body

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._faults import Fault
    from ._generation import ChoicePlan
    from ._state import ServerState

__all__ = ["SSE", "TOKEN_DELAY_HEADER", "answer", "token_delay"]

TOKEN_DELAY_HEADER = "x-mock-token-delay"
SSE = "text/event-stream; charset=utf-8"
#: Yield to the event loop every this many events when there is no delay, so streams share the loop.
_YIELD_EVERY = 8


def token_delay(request: web.Request, state: ServerState) -> float:
    """Seconds between events: the request's ``x-mock-token-delay`` or the server's, plus ``delay_events``."""
    value = request.headers.get(TOKEN_DELAY_HEADER)
    delay = state.token_delay
    if value is not None:
        try:
            delay = float(value)
        except ValueError:
            delay = -1.0
        if not 0.0 <= delay < 3600.0:
            raise bad_request(f"Bad {TOKEN_DELAY_HEADER} header: {value!r} (seconds, 0 <= s < 3600)")
    fault = request_faults(request).get("delay_events")
    if fault is not None and fault.a is not None:
        delay += fault.a
    return delay


async def answer(
    request: web.Request,
    state: ServerState,
    plans: list[ChoicePlan],
    prompt_tokens: int,
    payload: list[bytes] | bytes,
    delay: float,
    stream_head: Callable[[], bytes],
    body_head: Callable[[], bytes],
) -> web.StreamResponse:
    """Send ``payload``: stream events (a list, each sent after ``stream_head()``) or one body.

    A body is sent after ``body_head()``, the part with the per-request id and creation time.
    """
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
        if isinstance(payload, list):
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
    faults = request_faults(request)
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
        fault = request_faults(request)["error_event_after"]
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
        await stall(request, state)
        return True
    return False


# ------------------------------------------------------------------------------------ body writing


async def _non_stream_faults(request: web.Request) -> web.StreamResponse | None:
    faults = request_faults(request)
    if "disconnect_after" in faults:
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)
    if "stall_after" in faults:
        await stall(request, state_of(request))
        return web.Response(status=503, text="server stopping")
    if "error_event_after" in faults:
        fault = faults["error_event_after"]
        code = int(fault.b) if fault.b is not None else 500
        return json_response(error_body("Injected fault", "InternalServerError", code), code)
    return None


def _mangle_body(request: web.Request, body: bytes) -> bytes:
    faults = request_faults(request)
    if "malformed_after" in faults:
        return body[: max(1, len(body) // 2)]
    if "invalid_utf8_after" in faults:
        return body.replace(b'"content":"', b'"content":"\xff\xfe', 1)
    huge = faults.get("huge_event")
    if huge is not None:
        return body.replace(b'"content":"', b'"content":"' + b"x" * int(huge.a or 0), 1)
    return body
