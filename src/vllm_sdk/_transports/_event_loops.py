"""Moving an async HTTP transport from one event loop to the next, without touching the old loop.

An :class:`~vllm_sdk.AsyncVllmClient` made once (at module level, say) and used from successive
``asyncio.run(...)`` calls meets a new event loop each time. Pooled connections belong to the loop that
opened them, and by the time a later loop runs, that loop is usually closed: closing a connection the
normal way (``transport.close()``) would schedule a callback on it and fail with "Event loop is closed",
while dropping the connection unclosed leaks its socket (a ``ResourceWarning``). The helpers here close
such connections synchronously - the socket is closed, the asyncio transport is marked closed - so the
old loop is never asked to run anything.

A loop that is still *running* (in another thread) cannot be handled like that: its connections may be in
use right now. :func:`ensure_loop_released` turns that case into a clear :class:`~vllm_sdk.VllmError`.

Better still is not to leave connections behind at all: :class:`LoopShutdownHook` closes a transport's pool
*on its own loop* while ``asyncio.run``, ``asyncio.Runner`` or ``uvloop.run`` winds the loop down (they all
call ``loop.shutdown_asyncgens()`` before ``loop.close()``). That matters most on uvloop, which warns about
every handle still open when the loop closes and whose transports the synchronous helpers cannot reach.

The helpers reach into a few private attributes (asyncio's selector transports, aiohttp's connector,
httpcore's pool), because none of these libraries offers a public "forget this dead loop" call. Every
access is guarded: an unknown object is left alone (at worst the old behaviour, a ``ResourceWarning``),
never an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import threading
from typing import TYPE_CHECKING, Any, cast

from .._exceptions import VllmError

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Awaitable, Callable

    import aiohttp
    import httpx

__all__ = [
    "LoopShutdownHook",
    "abandon_aiohttp_session",
    "abandon_asyncio_transport",
    "abandon_httpx_transport",
    "close_on_loop",
    "ensure_loop_released",
]


class LoopShutdownHook:
    """Runs an async ``callback`` on the current event loop when that loop shuts down.

    The hook is an async generator parked at its first ``yield``. Starting it inside the running loop
    registers it through the loop's async-generator hooks (PEP 525), and ``loop.shutdown_asyncgens()`` -
    which ``asyncio.run``, ``asyncio.Runner`` and ``uvloop.run`` await after cancelling the remaining
    tasks and before closing the loop - closes it, so its ``finally`` awaits ``callback`` while the loop
    can still run it. A loop closed without that step (``loop.close()`` by hand) never fires the hook;
    the synchronous ``abandon_*`` helpers below remain the fallback for that case.

    Must be created from a coroutine running on the loop to watch. :meth:`cancel` disarms it without
    running anything on any loop (the pool was closed another way).
    """

    __slots__ = ("__weakref__", "_agen", "_armed")

    def __init__(self, callback: Callable[[], Awaitable[None]]) -> None:
        self._armed = True
        self._agen: AsyncGenerator[None, None] | None = None
        if sys.get_asyncgen_hooks().firstiter is None:
            # A loop without async-generator hooks would never close the generator; left to the garbage
            # collector, its ``finally`` could not await. Such a loop gets no hook (the fallback applies).
            self._armed = False
            return
        self._agen = self._watch(callback)
        # One synchronous step runs the generator to its ``yield``; asking for that step is what calls
        # the running loop's "first iteration" hook, which adds the generator to the loop's shutdown list.
        step = cast("Any", self._agen.__anext__())  # an async_generator_asend: it has send()
        with contextlib.suppress(StopIteration):
            step.send(None)

    async def _watch(self, callback: Callable[[], Awaitable[None]]) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            if self._armed:  # closed by the loop's shutdown, not by cancel()
                self._armed = False
                self._agen = None
                await callback()

    @property
    def armed(self) -> bool:
        """True until the hook has fired or was cancelled."""
        return self._armed

    def cancel(self) -> None:
        """Disarm the hook and finish its generator synchronously; nothing runs on any loop."""
        self._armed = False
        agen, self._agen = self._agen, None
        if agen is None:
            return
        # Throwing GeneratorExit into the parked generator runs its (now disarmed) ``finally`` and ends
        # it at once, so the loop has nothing left to close and its finaliser never schedules anything.
        closing = cast("Any", agen.aclose())
        with contextlib.suppress(StopIteration):
            closing.send(None)


def ensure_loop_released(loop: asyncio.AbstractEventLoop) -> None:
    """Raise :class:`VllmError` when ``loop`` (the transport's previous loop) is still running.

    The current thread runs the current loop, so a running ``loop`` is another thread's: its connections
    may be mid-request and cannot be shared or closed from here.
    """
    if loop.is_running():
        raise VllmError(
            "this async client is in use by an event loop that is still running in another thread "
            f"(current thread: {threading.current_thread().name}); an AsyncVllmClient belongs to one "
            "event loop at a time - create one client per thread/event loop, or use VllmClient"
        )


async def close_on_loop(loop: asyncio.AbstractEventLoop, close: Any) -> None:
    """Await the coroutine ``close`` on ``loop`` (running in another thread), from the current loop."""
    future = asyncio.run_coroutine_threadsafe(close, loop)
    await asyncio.wrap_future(future)


def abandon_asyncio_transport(transport: object) -> None:
    """Close an asyncio transport's socket without calling into its (closed or idle) event loop."""
    target: Any = transport  # private attributes of asyncio's transport classes below
    ssl_protocol = getattr(target, "_ssl_protocol", None)
    if ssl_protocol is not None:
        # asyncio's TLS transport wraps a socket transport; its own __del__ warns unless marked closed.
        with contextlib.suppress(AttributeError):
            target._closed = True
        target = getattr(ssl_protocol, "_transport", None)
    sock = getattr(target, "_sock", None)
    if not isinstance(sock, socket.socket):
        return
    loop = getattr(target, "_loop", None)
    fd = sock.fileno()
    if loop is not None and not loop.is_closed() and fd >= 0:
        # An idle (not closed) loop still has the fd in its selector; unregister it so a reused fd
        # number cannot confuse that loop if it ever runs again. Both are plain synchronous calls.
        for name in ("_remove_reader", "_remove_writer"):
            remove = getattr(loop, name, None)
            if remove is not None:
                remove(fd)
    # ``_closing`` makes a later close() a no-op; ``_sock = None`` is what the transport's __del__
    # checks before warning about an unclosed transport.
    target._closing = True
    target._sock = None
    sock.close()


def abandon_aiohttp_session(session: aiohttp.ClientSession) -> None:
    """Close every connection of ``session`` and mark it and its connector closed, synchronously."""
    connector = session.connector
    session.detach()  # public: the session is closed from now on, the connector left to us
    if connector is None:
        return
    protocols: list[Any] = []
    for pooled in getattr(connector, "_conns", {}).values():
        protocols.extend(proto for proto, _ in pooled)
    protocols.extend(getattr(connector, "_acquired", ()))
    for proto in protocols:
        abandon_asyncio_transport(getattr(proto, "transport", None))
    # ``_close`` is the synchronous half of ``close()``: on a closed loop it only marks the connector
    # closed and forgets its connections; on an idle one it also cancels its timers (our transports
    # are already marked closing, so their close() does nothing).
    close = getattr(connector, "_close", None)
    if close is not None:
        close()


def abandon_httpx_transport(transport: httpx.AsyncHTTPTransport) -> None:
    """Close every pooled connection of httpx's own transport synchronously (httpcore over anyio)."""
    pool = getattr(transport, "_pool", None)
    connections = getattr(pool, "_connections", None)
    if not isinstance(connections, list):
        return
    for connection in connections:
        inner = getattr(connection, "_connection", None)  # HTTP/1.1 or HTTP/2 connection, once open
        stream: Any = getattr(getattr(inner, "_network_stream", None), "_stream", None)  # anyio stream
        while hasattr(stream, "transport_stream"):  # anyio's TLSStream wraps the socket stream
            stream = stream.transport_stream
        abandon_asyncio_transport(getattr(stream, "_transport", None))
    connections.clear()
