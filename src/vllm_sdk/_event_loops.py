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

The helpers reach into a few private attributes (asyncio's selector transports, aiohttp's connector,
httpcore's pool), because none of these libraries offers a public "forget this dead loop" call. Every
access is guarded: an unknown object is left alone (at worst the old behaviour, a ``ResourceWarning``),
never an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from typing import TYPE_CHECKING, Any

from ._exceptions import VllmError

if TYPE_CHECKING:
    import aiohttp
    import httpx

__all__ = [
    "abandon_aiohttp_session",
    "abandon_asyncio_transport",
    "abandon_httpx_transport",
    "close_on_loop",
    "ensure_loop_released",
]


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
