"""The synchronous ``batch()``: same engine on a background loop, bounded hand-over, clean early exit."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from vllm_sdk.batch import batch

from .test_batch_core import FakeSender, lines


class FakeAsyncClient:
    base_url = "http://a/v1"

    def __init__(self) -> None:
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True


def test_sync_batch_yields_every_result() -> None:
    made: list[FakeAsyncClient] = []

    def factory() -> FakeAsyncClient:
        made.append(FakeAsyncClient())
        return made[-1]

    sender = FakeSender()
    results = list(batch(object(), lines(50), async_client_factory=factory, concurrency=8, _send=sender))
    assert sorted(r.index for r in results) == list(range(50))
    assert sender.max_in_flight == 8
    assert made[0].closed


def test_sync_batch_early_break_stops_the_background_loop() -> None:
    sender = FakeSender(delay=0.005)
    before = threading.active_count()
    made: list[FakeAsyncClient] = []

    def factory() -> FakeAsyncClient:
        made.append(FakeAsyncClient())
        return made[-1]

    gen = batch(object(), lines(10_000), async_client_factory=factory, concurrency=4, _send=sender)
    for i, _ in enumerate(gen):
        if i == 20:
            break
    gen.close()
    assert threading.active_count() == before
    assert made[0].closed
    assert len(sender.calls) < 100  # the rest of the input was never started


def test_sync_batch_propagates_input_errors() -> None:
    def broken() -> Any:
        yield from lines(2)
        raise RuntimeError("input broke")

    with pytest.raises(RuntimeError, match="input broke"):
        list(batch(object(), broken(), async_client_factory=FakeAsyncClient, _send=FakeSender()))
