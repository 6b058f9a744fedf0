"""A header-read deadline for the mock server's connections (a client that never finishes its head).

aiohttp parses a request head however slowly it arrives; its keep-alive timer is the only bound, and it is
long (75 s). A slowloris client that sends its head a byte at a time would hold a connection (and the
mock's test) for that long. :class:`HeaderDeadline` wraps each connection's aiohttp protocol: the first
byte of a request head arms a timer, the middleware disarms it when the request reaches the application
(:func:`request_started`), and a timer that fires closes the connection. Body bytes of a request being
handled never arm it, so slow uploads and long streams are unaffected.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["HeaderDeadline", "guarded_factory", "request_finished", "request_started"]


class HeaderDeadline(asyncio.Protocol):
    """An ``asyncio.Protocol`` forwarding to aiohttp's, closing the connection when a head takes too long."""

    def __init__(self, inner: asyncio.Protocol, timeout: float, loop: asyncio.AbstractEventLoop) -> None:
        self._inner = inner
        self._timeout = timeout
        self._loop = loop
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._busy = 0
        #: Whether this deadline closed its connection.
        self.expired = False

    # -------------------------------------------------------------------------- protocol callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        # Arm on the first byte of a head; a request in the application (busy) is sending its body.
        if data and self._busy == 0 and self._timer is None:
            self._timer = self._loop.call_later(self._timeout, self._expire)
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    # ------------------------------------------------------------------------------ request phases

    def started(self) -> None:
        """A request's head was parsed and reached the application: the deadline is met."""
        self._busy += 1
        self._disarm()

    def finished(self) -> None:
        """The application is done with a request; the next head gets a fresh deadline."""
        self._busy = max(0, self._busy - 1)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self._timer = None
        if self._busy == 0 and self._transport is not None:
            self.expired = True
            self._transport.abort()


def guarded_factory(
    factory: Callable[[], asyncio.Protocol], timeout: float | None, loop: asyncio.AbstractEventLoop
) -> Callable[[], asyncio.Protocol]:
    """``factory`` whose protocols get a :class:`HeaderDeadline` (``factory`` itself without a timeout)."""
    if timeout is None:
        return factory
    return lambda: HeaderDeadline(factory(), timeout, loop)


def _deadline_of(transport: asyncio.BaseTransport | None) -> HeaderDeadline | None:
    protocol = None if transport is None else transport.get_protocol()
    return protocol if isinstance(protocol, HeaderDeadline) else None


def request_started(transport: asyncio.BaseTransport | None) -> None:
    """Tell the connection's deadline (if any) that a request reached the application."""
    deadline = _deadline_of(transport)
    if deadline is not None:
        deadline.started()


def request_finished(transport: asyncio.BaseTransport | None) -> None:
    """Tell the connection's deadline (if any) that the application is done with a request."""
    deadline = _deadline_of(transport)
    if deadline is not None:
        deadline.finished()
