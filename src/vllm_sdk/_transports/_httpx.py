"""The native httpx transport: httpx's own :class:`httpx.AsyncHTTPTransport`, bound to one event loop.

The async client's fallback when aiohttp is not installed (or ``VLLM_SDK_TRANSPORT=httpx``). httpcore's
pool belongs to the loop that opened its connections; :class:`LoopBoundHTTPTransport` moves the client
from one loop to the next (successive ``asyncio.run`` calls) by closing the finished loop's pool without
touching that loop (:mod:`._event_loops`), and refuses to serve two running loops at once.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx

from .._exceptions import VllmError
from ._event_loops import LoopShutdownHook, abandon_httpx_transport, close_on_loop, ensure_loop_released

if TYPE_CHECKING:
    import ssl

__all__ = ["LoopBoundHTTPTransport"]


class LoopBoundHTTPTransport(httpx.AsyncBaseTransport):
    """httpx's own :class:`httpx.AsyncHTTPTransport`, one per event loop, used one loop at a time.

    httpcore's pool keeps connections opened on the loop that made them. When a request arrives on a new
    loop and the previous one is closed or idle (successive ``asyncio.run`` calls), the old pool's
    connections are closed synchronously and a fresh transport serves the new loop. When the previous
    loop still runs in another thread, the request raises :class:`~vllm_sdk.VllmError`: an async client
    belongs to one event loop at a time - the same rule, with the same error, as :class:`AiohttpTransport`.
    """

    def __init__(
        self,
        *,
        limits: httpx.Limits = httpx.Limits(max_connections=None),  # noqa: B008 - immutable value
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self._limits = limits
        self._verify = verify
        # Built now, as httpx.AsyncClient would, so a bad ``verify`` fails at construction.
        self._transport: httpx.AsyncHTTPTransport | None = self._new_transport()
        self._loop: asyncio.AbstractEventLoop | None = None  # bound at first use
        self._shutdown_hook: LoopShutdownHook | None = None
        self._closed = False

    def _new_transport(self) -> httpx.AsyncHTTPTransport:
        return httpx.AsyncHTTPTransport(limits=self._limits, verify=self._verify)

    def _get_transport(self) -> httpx.AsyncHTTPTransport:
        loop = asyncio.get_running_loop()
        transport = self._transport
        if transport is not None and self._loop is not None and self._loop is not loop:
            ensure_loop_released(self._loop)
            self._transport = self._loop = None
            self._cancel_shutdown_hook()
            abandon_httpx_transport(transport)
            transport = None
        if self._closed:
            raise VllmError("cannot send a request: the HTTP transport is closed")
        if transport is None:
            transport = self._transport = self._new_transport()
        if self._loop is not loop:
            self._loop = loop
            self._shutdown_hook = LoopShutdownHook(self._on_loop_shutdown)
        return transport

    async def _on_loop_shutdown(self) -> None:
        """The loop is winding down (``asyncio.run`` ends): close the pool on it; a later loop opens anew."""
        self._shutdown_hook = None
        transport = self._transport
        self._transport = self._loop = None
        if transport is not None:
            await transport.aclose()

    def _cancel_shutdown_hook(self) -> None:
        hook, self._shutdown_hook = self._shutdown_hook, None
        if hook is not None:
            hook.cancel()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request through the current loop's httpx transport."""
        return await self._get_transport().handle_async_request(request)

    async def aclose(self) -> None:
        """Close the pool: on its own loop normally, on a dead loop synchronously (see the class)."""
        self._closed = True
        transport, loop = self._transport, self._loop
        self._transport = self._loop = None
        self._cancel_shutdown_hook()
        if transport is None:
            return
        if loop is None or loop is asyncio.get_running_loop():
            await transport.aclose()
        elif loop.is_running():
            await close_on_loop(loop, transport.aclose())
        else:
            abandon_httpx_transport(transport)
