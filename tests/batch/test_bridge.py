"""The sync bridge: the same runner on a background loop, bounded hand-over, clean early exit; ``batch()``."""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any

import pytest

from vllm_sdk._transports import UVLOOP_ENV
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


def _loop_of_the_batch(monkeypatch: pytest.MonkeyPatch) -> str:
    """The module of the event loop ``run_sync`` runs the batch on (recorded by the client factory)."""
    seen: list[str] = []

    def factory() -> FakeAsyncClient:
        seen.append(type(asyncio.get_running_loop()).__module__)
        return FakeAsyncClient()

    results = list(run_sync(factory, lines(5), concurrency=2, _send=FakeSender()))
    assert len(results) == 5
    return seen[0]


def test_the_background_loop_is_uvloop_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("uvloop")
    monkeypatch.delenv(UVLOOP_ENV, raising=False)
    assert _loop_of_the_batch(monkeypatch).startswith("uvloop")


def test_the_background_loop_is_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UVLOOP_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` fails, as where it is not installed
    assert _loop_of_the_batch(monkeypatch).startswith("asyncio")


def test_vllm_sdk_uvloop_0_keeps_the_asyncio_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(UVLOOP_ENV, "0")
    assert _loop_of_the_batch(monkeypatch).startswith("asyncio")


def test_a_bad_vllm_sdk_uvloop_value_is_raised_to_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(UVLOOP_ENV, "sometimes")
    before = threading.active_count()
    with pytest.raises(ValueError, match="VLLM_SDK_UVLOOP"):
        list(run_sync(FakeAsyncClient, lines(2), _send=FakeSender()))
    assert threading.active_count() == before
