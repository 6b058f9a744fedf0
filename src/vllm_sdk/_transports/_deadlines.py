"""Deadlines of many concurrent waits on a few event-loop timers (the aiohttp transport's header wait).

Every request of the aiohttp transport bounds its wait for the response head (see
``_aiohttp._headers_by``). One ``asyncio.timeout`` per request costs a timer handle pushed on the loop's
heap and cancelled again - about a tenth of the client's CPU for a small non-streamed request here. The
waits of one client nearly all share one limit, and waits of one limit expire in the order they started,
so :class:`Deadlines` keeps one first-in-first-out queue and one timer per limit: starting and finishing a
wait is an append and a flag, and the timer, armed for the oldest wait still running, fires at that
wait's deadline exactly (or earlier, when that wait finished, to re-arm for the next one).

Python 3.11+ (``Task.uncancel``). An expired wait's task is cancelled, as ``asyncio.timeout`` does;
:meth:`Wait.expired` tells the waiter that the cancellation was the deadline's and not its caller's.
"""

from __future__ import annotations

import asyncio
import collections

__all__ = ["Deadlines", "Wait"]


class Wait:
    """One running wait: finish it in a ``finally``; ask :meth:`expired` on ``CancelledError``."""

    __slots__ = ("_cancelling", "_queue", "_task", "_withdrawn", "deadline", "done", "fired")

    def __init__(self, queue: _Queue, task: asyncio.Task[object], deadline: float) -> None:
        self._queue = queue
        self._task = task
        # The task's pending cancellations when the wait began: more at the end means someone else
        # (the caller) cancelled it too, and then the cancellation is theirs to see.
        self._cancelling: int = task.cancelling()  # type: ignore[attr-defined]  # Python 3.11+ only
        self.deadline = deadline
        self.done = False
        self.fired = False
        self._withdrawn = False

    def expired(self) -> bool:
        """On ``CancelledError``: whether the deadline caused it (then the cancellation is withdrawn
        from the task and the waiter raises its timeout error instead); ``False`` means re-raise."""
        if not self.fired:
            return False
        return self._withdraw() <= self._cancelling

    def _withdraw(self) -> int:
        self._withdrawn = True
        remaining: int = self._task.uncancel()  # type: ignore[attr-defined]  # Python 3.11+ only
        return remaining

    def finish(self) -> None:
        """The wait is over (answered, failed or expired)."""
        if not self.done:
            self.done = True
            self._queue.finished()
        if self.fired and not self._withdrawn:  # answered as the deadline struck: as asyncio.timeout does
            self._withdraw()

    def _fire(self) -> None:
        self.fired = True
        self._task.cancel()


class _Queue:
    """The waits of one limit, oldest first, and the timer of the oldest still running."""

    __slots__ = ("_handle", "_loop", "live", "waits")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._handle: asyncio.TimerHandle | None = None
        self.waits: collections.deque[Wait] = collections.deque()
        self.live = 0

    def add(self, wait: Wait) -> None:
        self.waits.append(wait)
        self.live += 1
        if self._handle is None:
            self._handle = self._loop.call_at(wait.deadline, self._on_timer)

    def finished(self) -> None:
        self.live -= 1
        waits = self.waits
        while waits and waits[0].done:
            waits.popleft()
        # One long wait at the front keeps every later finished one queued behind it: past twice the
        # running ones, drop them all (amortised: memory stays proportional to the waits running).
        if len(waits) > 64 and len(waits) > 2 * self.live:
            self.waits = collections.deque(wait for wait in waits if not wait.done)

    def _on_timer(self) -> None:
        self._handle = None
        now = self._loop.time()
        waits = self.waits
        while waits:
            oldest = waits[0]
            if oldest.done:
                waits.popleft()
            elif oldest.deadline <= now:
                waits.popleft()
                oldest._fire()  # its finish() follows when the waiter sees the cancellation
            else:
                self._handle = self._loop.call_at(oldest.deadline, self._on_timer)
                return


class Deadlines:
    """The header-wait deadlines of one event loop (create it on that loop)."""

    __slots__ = ("_loop", "_queues")

    #: Distinct limits kept (a client uses a handful of timeouts); past this a queue is made per wait.
    MAX_LIMITS = 64

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queues: dict[float, _Queue] = {}

    def start(self, limit: float) -> Wait:
        """A wait of the current task that expires ``limit`` seconds from now."""
        task = asyncio.current_task(self._loop)
        if task is None:
            raise RuntimeError("a deadline needs a running task")
        queue = self._queues.get(limit)
        if queue is None:
            queue = _Queue(self._loop)
            if len(self._queues) < self.MAX_LIMITS:
                self._queues[limit] = queue
        wait = Wait(queue, task, self._loop.time() + limit)
        queue.add(wait)
        return wait
