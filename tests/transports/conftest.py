"""A small aiohttp.web server with misbehaving routes, and the transport parameter (both transports)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@dataclass
class ServerState:
    base_url: str = ""
    in_flight: int = 0
    max_in_flight: int = 0
    disconnects: int = 0
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)


def _app(state: ServerState) -> web.Application:
    async def track(request: web.Request, handler: object) -> web.StreamResponse:
        state.in_flight += 1
        state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            return await handler(request)  # type: ignore[operator, no-any-return]
        finally:
            state.in_flight -= 1

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response(
            {
                "body": json.loads(body) if body else None,
                "headers": dict(request.headers),
                "method": request.method,
                "query": dict(request.query),
            },
            headers={"x-request-id": "req-1"},
        )

    async def stream(request: web.Request) -> web.StreamResponse:
        n = int(request.query.get("n", "5"))
        delay = float(request.query.get("delay", "0"))
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        for i in range(n):
            await resp.write(b'data: {"i": %d}\n\n' % i)
            if delay:
                await asyncio.sleep(delay)
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    async def forever(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        try:
            while True:
                await resp.write(b"data: tick\n\n")
                await asyncio.sleep(0.01)
        except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
            state.disconnects += 1
            state.disconnected.set()
            raise

    async def stall(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(b"data: first\n\n")
        await asyncio.sleep(3600)
        return resp

    async def slow_headers(request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.query.get("delay", "2")))
        return web.Response(text="late")

    async def cut(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(b"data: one\n\n")
        await resp.write(b"data: two\n\n")
        await asyncio.sleep(0.05)
        assert request.transport is not None
        request.transport.abort()
        return resp

    async def drop(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.abort()
        await asyncio.sleep(0.05)
        return web.Response(text="never sent")

    async def status(request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        return web.json_response(
            {"error": {"message": "nope", "type": "X", "param": None, "code": code}}, status=code
        )

    async def cookie(request: web.Request) -> web.Response:
        resp = web.Response(text="ok")
        resp.set_cookie("session", "abc")
        return resp

    app = web.Application(middlewares=[web.middleware(track)])
    app.router.add_get("/cookie", cookie)
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/stream", stream)
    app.router.add_get("/forever", forever)
    app.router.add_get("/stall", stall)
    app.router.add_get("/slow_headers", slow_headers)
    app.router.add_get("/cut", cut)
    app.router.add_get("/drop", drop)
    app.router.add_get("/status/{code}", status)
    return app


@pytest.fixture
async def server() -> AsyncIterator[ServerState]:
    state = ServerState()
    runner = web.AppRunner(_app(state), handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.base_url = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


@pytest.fixture(params=["httpx", "aiohttp", "wire"])
def transport_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)
