"""A hard time bound on the sync drain after ``[DONE]``: one shared timer thread that shuts a socket down.

A sync stream reads the rest of the body after ``[DONE]`` so the connection can go back to the pool. The
read blocks in the socket, and httpcore fixes its read timeout when the body starts (the request's read
timeout, 600 s by default), so a server that stays silent after ``[DONE]`` without ending the body would
hold ``close()`` that long. Shutting the socket down from another thread wakes the blocked read (it fails,
the drain gives up and the connection is discarded) - the same bound async streams get from their timer.

One daemon thread serves every stream: arming and cancelling cost a heap push and a flag, no thread per
stream. Only the transports that expose their socket (httpx's own, through the ``network_stream``
response extension) can be bounded this way; others keep the between-reads check.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

__all__ = ["Watch", "response_socket", "watch"]


class Watch:
    """One armed deadline; :meth:`cancel` before it passes and the socket is left alone."""

    __slots__ = ("cancelled", "fired", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.cancelled = False
        self.fired = False

    def cancel(self) -> None:
        self.cancelled = True


class _Watchdog:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, sock: socket.socket, seconds: float) -> Watch:
        item = Watch(sock)
        with self._wake:
            heapq.heappush(self._heap, (time.monotonic() + seconds, next(self._order), item))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="vllm-sdk-drain-watchdog", daemon=True)
                self._thread.start()
            self._wake.notify()
        return item

    def _run(self) -> None:
        with self._wake:
            while True:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    # Nothing armed: wait for work, and end the thread after a quiet minute.
                    if not self._wake.wait(60.0) and not self._heap:
                        self._thread = None
                        return
                    continue
                deadline, _, item = self._heap[0]
                remaining = deadline - time.monotonic()
                if remaining > 0:
                    self._wake.wait(remaining)
                    continue
                heapq.heappop(self._heap)
                item.fired = True
                with contextlib.suppress(OSError):
                    item.sock.shutdown(socket.SHUT_RDWR)


_WATCHDOG = _Watchdog()


def watch(sock: socket.socket, seconds: float) -> Watch:
    """Shut ``sock`` down in ``seconds`` unless the returned :class:`Watch` is cancelled first."""
    return _WATCHDOG.arm(sock, seconds)


def response_socket(response: httpx.Response) -> socket.socket | None:
    """The socket under ``response`` when its transport exposes it (httpx's own transports do)."""
    stream = response.extensions.get("network_stream")
    get_extra_info = getattr(stream, "get_extra_info", None)
    if get_extra_info is None:
        return None
    sock = get_extra_info("socket")
    return sock if isinstance(sock, socket.socket) else None
