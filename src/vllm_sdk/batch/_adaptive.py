"""Fewer requests in flight when the servers' waiting queue grows: the ``adapt=`` option of
``run_partition`` and the Ray processor.

Three parts, the first two without I/O:

* :class:`WaitingQueueController`: additive increase, multiplicative decrease over samples of the
  servers' waiting queue. A queue that grows past ``threshold`` halves the limit; a queue at or under
  ``threshold`` raises it by a step, up to the ceiling (``max_in_flight``); a long queue that holds
  steady leaves it where it is.
* :class:`InFlightLimit`: an async bound on requests in flight whose size can change while requests run
  (lowering it never cancels a request: new ones wait until enough have finished).
* :func:`poll_waiting`: one sample, summed over the replicas: ``vllm:num_requests_waiting`` from
  ``/metrics``, or ``server_load`` from ``/load`` (vLLM started with ``--enable-server-load-tracking``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from typing import TYPE_CHECKING, Any, Literal

from .._logging import logger

if TYPE_CHECKING:
    from types import TracebackType

    from ._prepare import PreparedRequest
    from ._senders import Outcome, Sender

__all__ = [
    "AdaptSource",
    "InFlightLimit",
    "WaitingQueueController",
    "adapt_loop",
    "gated",
    "parse_waiting",
    "poll_waiting",
]

#: Where the waiting queue is read: vLLM's Prometheus ``/metrics`` or its ``/load``.
AdaptSource = Literal["metrics", "load"]

_WAITING = "vllm:num_requests_waiting"


class WaitingQueueController:
    """The in-flight limit, from successive samples of the servers' waiting queue (AIMD)."""

    def __init__(
        self, ceiling: int, *, floor: int = 1, threshold: float = 0.0, decrease: float = 0.5, step: int = 0
    ) -> None:
        if ceiling < 1 or floor < 1 or floor > ceiling:
            raise ValueError(f"need 1 <= floor <= ceiling, not floor={floor}, ceiling={ceiling}")
        if not 0 < decrease < 1:
            raise ValueError(f"decrease must be between 0 and 1, not {decrease!r}")
        self.ceiling = ceiling
        self.floor = floor
        self.threshold = threshold
        self.decrease = decrease
        # Coming back up by 1 per sample would take minutes from a large ceiling: an eighth per sample.
        self.step = step or max(1, ceiling // 8)
        self.limit = ceiling
        self._previous: float | None = None

    def observe(self, waiting: float) -> int:
        """Take one sample (requests waiting, summed over the servers); the new limit."""
        previous, self._previous = self._previous, waiting
        if waiting > self.threshold:
            if previous is None or waiting > previous:
                self.limit = max(self.floor, int(self.limit * self.decrease))
        else:
            self.limit = min(self.ceiling, self.limit + self.step)
        return self.limit


class InFlightLimit:
    """At most :attr:`limit` holders at a time (``async with limit:``); :meth:`set_limit` resizes it.

    A freed place is handed to the first waiter directly (first come, first served), so a release
    wakes one task, not all of them: the Ray actor has hundreds of requests waiting here.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the in-flight limit must be at least 1")
        self.limit = limit
        self.in_flight = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    async def __aenter__(self) -> None:
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # the place is ours (in_flight already counts it) once this returns
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed a place while being cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._release()

    def _release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)

    async def set_limit(self, limit: int) -> None:
        """Resize; waiters are let in when the limit grows (lowering it cancels nothing: new requests
        wait until enough have finished)."""
        self.limit = max(1, limit)
        self._wake()


def gated(send: Sender[Any], limit: InFlightLimit) -> Sender[Any]:
    """``send`` under ``limit``: each attempt holds a place while it runs."""

    async def send_gated(client: Any, request: PreparedRequest, stream: bool, /) -> Outcome:
        async with limit:
            return await send(client, request, stream)

    return send_gated


def parse_waiting(metrics: str) -> float:
    """The sum of every ``vllm:num_requests_waiting`` sample in a Prometheus text exposition."""
    total = 0.0
    for line in metrics.splitlines():
        if not line.startswith(_WAITING):
            continue
        rest = line[len(_WAITING) :]
        if rest[:1] not in ("{", " "):
            continue  # another metric whose name starts the same way
        value = rest.rsplit("}", 1)[-1].split()
        if value:
            try:
                total += float(value[0])
            except ValueError:
                continue
    return total


async def poll_waiting(client: Any, source: AdaptSource) -> float | None:
    """One sample of the waiting queue, summed over the client's replicas; ``None`` when no replica
    answered (the sample is skipped; the limit stays as it is)."""
    urls = tuple(getattr(client, "base_urls", ())) or (client.base_url,)
    total = 0.0
    answered = False
    for url in urls:
        replica = client if len(urls) == 1 else client.with_base_url(url)
        try:
            if source == "metrics":
                total += parse_waiting(await replica.metrics(max_retries=0))
            else:
                total += float((await replica.load(max_retries=0)).server_load)
            answered = True
        except Exception as exc:  # a sample is advice: a failed one is skipped, never a row's failure
            logger.debug("reading the waiting queue of %s failed: %r", url, exc)
        finally:
            if replica is not client:
                await replica.close()
    return total if answered else None


async def adapt_loop(
    client: Any,
    limit: InFlightLimit,
    controller: WaitingQueueController,
    source: AdaptSource,
    interval: float,
) -> None:
    """Every ``interval`` seconds, a sample of the waiting queue resizes ``limit`` (till cancelled)."""
    while True:
        await asyncio.sleep(interval)
        waiting = await poll_waiting(client, source)
        if waiting is not None:
            await limit.set_limit(controller.observe(waiting))
