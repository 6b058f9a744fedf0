"""The sync bridge: the same runner on a background loop, bounded hand-over, clean early exit; ``batch()``."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from vllm_sdk.batch import batch
from vllm_sdk.batch._bridge import run_sync

from .conftest import FakeSender, lines


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
    results = list(run_sync(factory, lines(50), concurrency=8, _send=sender))
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

    gen = run_sync(factory, lines(10_000), concurrency=4, _send=sender)
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
        list(run_sync(FakeAsyncClient, broken(), _send=FakeSender()))


def test_batch_hands_a_sync_client_its_own_batch() -> None:
    # vllm_sdk.batch.batch(client, ...) is client.batch(...): the client passes its async-twin factory to
    # the bridge, so batch never has to build (or import) a client class.
    calls: list[tuple[list[Any], dict[str, Any]]] = []

    class SyncClient:
        def batch(self, requests: Any, **options: Any) -> Any:
            calls.append((list(requests), options))
            return iter(["result"])

    assert list(batch(SyncClient(), lines(2), concurrency=3)) == ["result"]
    assert calls == [(lines(2), {"concurrency": 3})]


def test_batch_refuses_what_is_not_a_sync_client() -> None:
    with pytest.raises(TypeError, match="VllmClient"):
        batch(object(), lines(1))  # type: ignore[arg-type]
