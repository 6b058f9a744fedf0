"""The rich progress bar is handed the results at most ten times a second, not once per result (the
progress display must not cost per request), and shows every result by the end of the run."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest

pytest.importorskip("rich")

from vllm_sdk.cli import _progress
from vllm_sdk.cli._progress import BatchProgress


@dataclass
class _Stats:
    requests: int = 0
    errors: int = 0
    completion_tokens: int = 0

    @property
    def elapsed(self) -> float:
        return 1.0


class _Clock:
    """A perf_counter the test moves by hand (no timing in unit tests)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_is_updated_at_most_ten_times_a_second_and_shows_every_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = _Clock()
    monkeypatch.setattr(_progress.time, "perf_counter", clock)
    stats = _Stats()
    progress = BatchProgress("bar", 500, stats, io.StringIO())
    updates: list[dict[str, Any]] = []
    bar = progress._bar
    real_update, real_advance = bar.update, bar.advance

    def update(task: Any, **kwargs: Any) -> None:
        updates.append(kwargs)
        real_update(task, **kwargs)

    def advance(task: Any, amount: float = 1) -> None:
        updates.append({"advance": amount})
        real_advance(task, amount)

    monkeypatch.setattr(bar, "update", update)
    monkeypatch.setattr(bar, "advance", advance)
    with progress:
        for _ in range(300):  # 300 results within one instant: one update (the first)
            stats.requests += 1
            progress.advance()
        assert len(updates) == 1
        clock.now += 0.25  # a quarter of a second later, the next result hands over all those waiting
        for _ in range(200):
            stats.requests += 1
            progress.advance()
        assert len(updates) == 2
        assert sum(u.get("advance", 0) for u in updates) == 301
    # Leaving the display hands over the rest: the bar shows all 500.
    assert sum(u.get("advance", 0) for u in updates) == 500
    assert bar.tasks[0].completed == 500
