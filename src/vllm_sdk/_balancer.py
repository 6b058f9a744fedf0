"""Least-outstanding-requests balancing over replicas of one model, with ejection of failing replicas.

Used by both clients (``ClientConfig(base_url=[u1, u2])``) and by the batch runner. No I/O here except
the async wait: the caller asks for a replica before each attempt and reports how the attempt went. A
replica that fails ``eject_after`` times in a row (connection errors, timeouts, 5xx) is ejected for a
cool-down that doubles on every new ejection (up to ``max_cooldown``); when the cool-down ends it gets
traffic again, and one success makes it healthy. With a single replica nothing is ever ejected: there
is nowhere else to go, and the retry back-off already spaces the attempts.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from ._exceptions import ApiError, HttpError, StreamError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["Balancer", "Replica", "replica_failed"]

T = TypeVar("T")


def replica_failed(error: BaseException) -> bool:
    """Whether an attempt's failure says something about the replica rather than about the request:
    connection errors, timeouts, broken streams, 5xx and 429 (the replica is overloaded)."""
    if isinstance(error, HttpError):
        return True
    if isinstance(error, ApiError):
        return error.status_code >= 500 or error.status_code == 429
    return isinstance(error, StreamError)


@dataclass(eq=False)
class Replica(Generic[T]):
    """One replica: its URL, the client that talks to it, and what the balancer knows about it."""

    url: str
    client: T
    outstanding: int = 0
    consecutive_failures: int = 0
    ejections: int = 0
    ejected_until: float = 0.0
    requests: int = 0
    failures: int = field(default=0)

    def is_ejected(self, now: float) -> bool:
        """Whether the replica is in its cool-down at time ``now`` (monotonic seconds)."""
        return self.ejected_until > now


class Balancer(Generic[T]):
    """Chooses, for every attempt, the healthy replica with the fewest requests in flight."""

    def __init__(
        self,
        replicas: Sequence[Replica[T]],
        *,
        eject_after: int = 1,
        cooldown: float = 5.0,
        max_cooldown: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not replicas:
            raise ValueError("at least one replica is required")
        if eject_after < 1:
            raise ValueError("eject_after must be at least 1")
        self.replicas = list(replicas)
        self._eject_after = eject_after
        self._cooldown = cooldown
        self._max_cooldown = max_cooldown
        self._clock = clock
        self._next = 0  # rotating start, so ties do not always go to the first replica
        # A sync client may be shared by threads: choosing and counting must not interleave (the lock is
        # uncontended in the async case, where one loop drives everything).
        self._lock = threading.Lock()

    def pick(self) -> Replica[T] | float:
        """The replica to use now, or (all ejected) how many seconds until the first one comes back."""
        now = self._clock()
        n = len(self.replicas)
        best: Replica[T] | None = None
        start = self._next
        self._next = (start + 1) % n
        for i in range(n):
            replica = self.replicas[(start + i) % n]
            if n > 1 and replica.is_ejected(now):
                continue
            if best is None or replica.outstanding < best.outstanding:
                best = replica
        if best is None:
            return max(0.0, min(r.ejected_until for r in self.replicas) - now)
        return best

    def take(self) -> Replica[T] | float:
        """Like :meth:`pick`, and count the attempt on the replica chosen (atomically, for threads)."""
        with self._lock:
            choice = self.pick()
            if isinstance(choice, Replica):
                choice.outstanding += 1
                choice.requests += 1
            return choice

    async def acquire(self) -> Replica[T]:
        """Wait for a replica (only waits while every replica is ejected) and count the attempt on it."""
        while True:
            choice = self.take()
            if isinstance(choice, Replica):
                return choice
            await asyncio.sleep(choice)

    def acquire_sync(self, sleep: Callable[[float], None] = time.sleep) -> Replica[T]:
        """:meth:`acquire` for sync callers: ``sleep`` waits while every replica is ejected."""
        while True:
            choice = self.take()
            if isinstance(choice, Replica):
                return choice
            sleep(choice)

    def release(self, replica: Replica[T], *, failed: bool) -> None:
        """End an attempt; ``failed`` means the replica itself failed (not the request's own fault)."""
        with self._lock:
            self._release(replica, failed=failed)

    def _release(self, replica: Replica[T], *, failed: bool) -> None:
        replica.outstanding -= 1
        if not failed:
            replica.consecutive_failures = 0
            replica.ejections = 0
            return
        replica.failures += 1
        replica.consecutive_failures += 1
        now = self._clock()
        if (
            len(self.replicas) > 1
            and replica.consecutive_failures >= self._eject_after
            and not replica.is_ejected(now)
        ):
            replica.ejections += 1
            cooldown = min(self._cooldown * 2 ** (replica.ejections - 1), self._max_cooldown)
            replica.ejected_until = now + cooldown
            replica.consecutive_failures = 0
