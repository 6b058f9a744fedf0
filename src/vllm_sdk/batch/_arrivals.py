"""Request arrivals of a load test: a Poisson process at ``--request-rate`` (``vllm bench serve``'s model).

The gaps between arrivals are exponentially distributed with mean ``1 / rate``, drawn from a seeded
:class:`random.Random`, so a run's schedule is reproducible. Arrival times are absolute offsets from the
start: a request whose time has come waits for a free worker (``--max-concurrency``) and the ones after
it are not shifted, which is what a semaphore in front of an open arrival process does. ``rate = inf``
releases every request at once, so only the concurrency limits the load.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator

__all__ = ["arrival_offsets", "check_rate", "paced"]

T = TypeVar("T")


def check_rate(rate: float) -> float:
    """``rate`` as a float, or :class:`ValueError` unless it is positive (``inf`` allowed)."""
    rate = float(rate)
    if not rate > 0:  # also refuses NaN
        raise ValueError(f"the request rate must be > 0 requests per second or inf, not {rate!r}")
    return rate


def arrival_offsets(rate: float, rng: random.Random) -> Iterator[float]:
    """Endless arrival times (seconds after the start) of a Poisson process with ``rate`` per second.

    The first arrival, like every other, comes one exponential gap after the previous one (the start).
    With ``rate = inf`` every offset is 0.
    """
    rate = check_rate(rate)
    at = 0.0
    while True:
        if not math.isinf(rate):
            at += rng.expovariate(rate)
        yield at


async def paced(
    items: Iterable[T],
    rate: float,
    *,
    seed: int | None = 0,
    clock: Callable[[], float] = time.perf_counter,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> AsyncIterator[T]:
    """Yield ``items`` no earlier than their Poisson arrival times (the clock starts at the first item).

    ``seed`` seeds the gaps (``None``: a fresh random seed); ``clock`` and ``sleep`` are for tests.
    """
    offsets = arrival_offsets(rate, random.Random(seed))
    start: float | None = None
    for item in items:
        if start is None:
            start = clock()
        wait = start + next(offsets) - clock()
        if wait > 0:
            await sleep(wait)
        yield item
