"""Poisson arrivals of ``--request-rate`` (``batch/_arrivals.py``): statistics with fixed seeds, ``inf``,
and the pacing schedule on a fake clock (no real waiting)."""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vllm_sdk.batch._arrivals import arrival_offsets, check_rate, paced


def _gaps(rate: float, n: int, seed: int) -> list[float]:
    offsets = list(itertools.islice(arrival_offsets(rate, random.Random(seed)), n))
    return [b - a for a, b in zip([0.0, *offsets[:-1]], offsets, strict=True)]


@pytest.mark.parametrize("seed", [0, 1, 2024])
@pytest.mark.parametrize("rate", [0.5, 50.0, 4000.0])
def test_gaps_are_exponential_with_mean_one_over_rate(rate: float, seed: int) -> None:
    gaps = _gaps(rate, 20_000, seed)
    mean = statistics.fmean(gaps)
    assert mean == pytest.approx(1 / rate, rel=0.03)
    # Exponential: standard deviation equals the mean, and P(gap < mean) = 1 - 1/e.
    assert statistics.pstdev(gaps) / mean == pytest.approx(1.0, abs=0.04)
    below = sum(g < 1 / rate for g in gaps) / len(gaps)
    assert below == pytest.approx(1 - math.exp(-1), abs=0.015)


def test_arrivals_per_window_are_poisson_distributed() -> None:
    rate = 20.0
    offsets = list(itertools.islice(arrival_offsets(rate, random.Random(7)), 40_000))
    horizon = int(offsets[-1]) - 1
    counts = [0] * horizon
    for at in offsets:
        if at < horizon:
            counts[int(at)] += 1
    # Counts per second of a Poisson process: mean and variance both equal the rate.
    assert statistics.fmean(counts) == pytest.approx(rate, rel=0.03)
    assert statistics.pvariance(counts) == pytest.approx(rate, rel=0.15)


def test_the_seed_fixes_the_schedule() -> None:
    assert _gaps(10.0, 50, seed=3) == _gaps(10.0, 50, seed=3)
    assert _gaps(10.0, 50, seed=3) != _gaps(10.0, 50, seed=4)


def test_infinite_rate_releases_everything_at_once() -> None:
    assert list(itertools.islice(arrival_offsets(math.inf, random.Random(0)), 5)) == [0.0] * 5


@pytest.mark.parametrize("rate", [0.0, -1.0, math.nan, -math.inf])
def test_bad_rates_are_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="request rate"):
        check_rate(rate)
    with pytest.raises(ValueError, match="request rate"):
        next(arrival_offsets(rate, random.Random(0)))


@given(st.floats(0.01, 1e6), st.integers(0, 2**32))
def test_offsets_never_go_backwards(rate: float, seed: int) -> None:
    offsets = list(itertools.islice(arrival_offsets(rate, random.Random(seed)), 30))
    assert offsets == sorted(offsets)
    assert offsets[0] > 0


class FakeClock:
    """A clock that only moves when something sleeps (or the test advances it)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_paced_yields_each_item_at_its_arrival_time() -> None:
    clock = FakeClock()
    expected = list(itertools.islice(arrival_offsets(5.0, random.Random(11)), 6))

    async def run() -> list[tuple[str, float]]:
        return [
            (item, clock.now - 100.0)
            async for item in paced("abcdef", 5.0, seed=11, clock=clock, sleep=clock.sleep)
        ]

    got = asyncio.run(run())
    assert [item for item, _ in got] == list("abcdef")
    assert [at for _, at in got] == pytest.approx(expected)


def test_a_late_consumer_catches_up_without_shifting_later_arrivals() -> None:
    clock = FakeClock()
    offsets = list(itertools.islice(arrival_offsets(2.0, random.Random(5)), 10))

    async def run() -> list[float]:
        times = []
        async for _ in paced(range(10), 2.0, seed=5, clock=clock, sleep=clock.sleep):
            times.append(clock.now - 100.0)
            if len(times) == 2:
                clock.now += offsets[6] - offsets[1] + 0.001  # all workers busy past arrival 7
        return times

    times = asyncio.run(run())
    assert times[:2] == pytest.approx(offsets[:2])
    # Arrivals 3..7 were due while the consumer was busy: released at once, with no sleep.
    assert times[2:7] == pytest.approx([offsets[6] + 0.001] * 5)
    # The later ones keep their original schedule.
    assert times[7:] == pytest.approx(offsets[7:])
    assert len(clock.sleeps) == 2 + 3


def test_paced_at_infinite_rate_never_sleeps() -> None:
    clock = FakeClock()

    async def run() -> list[int]:
        return [i async for i in paced(range(100), math.inf, clock=clock, sleep=clock.sleep)]

    assert asyncio.run(run()) == list(range(100))
    assert clock.sleeps == []
