"""``drive_batch``: the command's engine, each result handed to a callback in the worker that made it."""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk._balancer import Balancer, Replica
from vllm_sdk._exceptions import InternalServerError
from vllm_sdk.batch._runner import drive_batch

from .conftest import FAST, FakeSender, lines

if TYPE_CHECKING:
    from vllm_sdk.batch._prepare import PreparedRequest
    from vllm_sdk.batch._result import BatchResult


async def _drive(requests: Any, sender: FakeSender, on_result: Any, *, concurrency: int = 8) -> None:
    await drive_batch(
        requests,
        balancer=Balancer([Replica("http://a/v1", "client-a")]),
        send=sender,
        concurrency=concurrency,
        stream=False,
        policy=FAST,
        on_result=on_result,
    )


@pytest.mark.parametrize("as_async", [False, True], ids=["sync-input", "async-input"])
async def test_every_result_reaches_the_callback_once_within_the_bound(as_async: bool) -> None:
    async def agen() -> Any:
        for item in lines(200):
            await asyncio.sleep(0)
            yield item

    sender = FakeSender()
    got: list[BatchResult] = []
    await _drive(agen() if as_async else iter(lines(200)), sender, got.append, concurrency=16)
    assert sorted(r.index for r in got) == list(range(200))
    assert sorted(r.custom_id or "" for r in got) == sorted(f"r{i}" for i in range(200))
    assert sender.max_in_flight == 16
    assert all(r.ok for r in got)


async def test_failed_requests_are_results_and_retries_are_counted() -> None:
    def fail(client: Any, request: PreparedRequest, attempt: int) -> None:
        if request.custom_id == "r1" and attempt == 1:
            raise InternalServerError("boom", status_code=503)
        if request.custom_id == "r2":
            raise InternalServerError("down", status_code=500)

    got: dict[str | None, BatchResult] = {}
    await _drive(lines(4), FakeSender(fail), lambda r: got.__setitem__(r.custom_id, r))
    assert got["r1"].ok
    assert got["r1"].attempts == 2
    assert not got["r2"].ok
    assert got["r2"].attempts == 4
    assert got["r2"].status_code == 500
    assert got["r0"].ok
    assert got["r3"].ok


async def test_a_failing_input_is_raised_and_nothing_is_left_running() -> None:
    def broken() -> Any:
        yield from lines(3)
        raise RuntimeError("input broke")

    sender = FakeSender(delay=0.05)
    got: list[BatchResult] = []
    with pytest.raises(RuntimeError, match="input broke"):
        await _drive(broken(), sender, got.append)
    assert sender.in_flight == 0  # the three in flight were cancelled with the run
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


async def test_a_failing_callback_stops_the_run_with_its_error() -> None:
    def endless() -> Any:
        for i in itertools.count():
            yield {"custom_id": f"r{i}", "url": "/v1/completions", "body": {"prompt": str(i)}}

    seen = 0

    def on_result(result: BatchResult) -> None:
        nonlocal seen
        seen += 1
        if seen == 5:
            raise OSError("disk full")

    sender = FakeSender()
    with pytest.raises(OSError, match="disk full"):
        await _drive(endless(), sender, on_result, concurrency=4)
    assert sender.in_flight == 0
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


async def test_cancelling_the_run_cancels_the_requests_in_flight() -> None:
    entered = asyncio.Event()

    class Blocking(FakeSender):
        async def __call__(self, client: Any, request: PreparedRequest, stream: bool) -> Any:
            entered.set()
            return await super().__call__(client, request, stream)

    sender = Blocking(delay=3600)
    run = asyncio.ensure_future(_drive(lines(10), sender, lambda r: None, concurrency=4))
    await entered.wait()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert sender.in_flight == 0
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


async def test_concurrency_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await _drive(lines(1), FakeSender(), lambda r: None, concurrency=0)
