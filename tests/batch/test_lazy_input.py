"""``client.batch`` / ``abatch`` read a lazy input off the event loop: a slow ``next()`` stalls nothing."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from vllm_sdk.batch._bridge import run_sync
from vllm_sdk.batch._runner import abatch

from .conftest import FakeSender, lines

#: How long the blocking input waits for the test to release it. Only the old behaviour (the input read
#: on the loop) ever waits this long: the result the test waits for cannot arrive while the loop is blocked.
GIVE_UP = 10.0


class BlockingInput:
    """Yields one request, then blocks in ``__next__`` until ``release`` is set, then yields one more."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.timed_out = False
        self.threads: set[str] = set()
        self._items = iter(lines(2))
        self._given = 0

    def __iter__(self) -> BlockingInput:
        return self

    def __next__(self) -> dict[str, Any]:
        self.threads.add(threading.current_thread().name)
        if self._given == 1 and not self.release.wait(GIVE_UP):
            self.timed_out = True
        self._given += 1
        return next(self._items)


class FakeAsyncClient:
    base_url = "http://a/v1"

    async def aclose(self) -> None:
        return None


async def test_a_blocking_next_does_not_stall_the_request_in_flight() -> None:
    source = BlockingInput()
    got: list[str | None] = []
    async for result in abatch(FakeAsyncClient(), source, concurrency=4, _send=FakeSender()):
        got.append(result.custom_id)
        if result.custom_id == "r0":
            # r0 finished while the input was still blocked in next(): release it now.
            source.release.set()
    assert got == ["r0", "r1"]
    assert not source.timed_out
    assert threading.current_thread().name not in source.threads  # read in a thread of its own


def test_the_sync_bridge_reads_a_blocking_input_off_its_loop_too() -> None:
    source = BlockingInput()
    got: list[str | None] = []
    for result in run_sync(FakeAsyncClient, source, concurrency=4, _send=FakeSender()):
        got.append(result.custom_id)
        if result.custom_id == "r0":
            source.release.set()
    assert got == ["r0", "r1"]
    assert not source.timed_out


async def test_leaving_early_stops_the_reader_and_closes_the_generator() -> None:
    closed = threading.Event()
    pulled = 0

    def endless() -> Any:
        nonlocal pulled
        try:
            i = 0
            while True:
                pulled += 1
                yield {"model": "m", "messages": [{"role": "user", "content": str(i)}]}
                i += 1
        finally:
            closed.set()

    sender = FakeSender()
    results = abatch(FakeAsyncClient(), endless(), concurrency=4, _send=sender)
    got = 0
    async for _ in results:
        got += 1
        if got == 20:
            break
    await results.aclose()
    # The reader thread closes the generator at its next step, off the loop: wait for it without blocking.
    assert await asyncio.to_thread(closed.wait, GIVE_UP)
    assert sender.in_flight == 0
    assert pulled <= 20 + 4 + 4 + 4 + 2  # consumed, in flight, queued results, read-ahead, one each side
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


async def test_lists_and_async_iterables_are_read_on_the_loop() -> None:
    loop_thread = threading.current_thread().name
    seen: set[str] = set()

    class Listing(list[Any]):
        def __iter__(self) -> Any:
            seen.add(threading.current_thread().name)
            return super().__iter__()

    results = [
        r async for r in abatch(FakeAsyncClient(), Listing(lines(5)), concurrency=2, _send=FakeSender())
    ]
    assert sorted(r.index for r in results) == list(range(5))
    assert seen == {loop_thread}


async def test_an_input_that_fails_in_its_thread_raises_to_the_consumer() -> None:
    def broken() -> Any:
        yield from lines(2)
        raise RuntimeError("input broke")

    async def drain() -> list[Any]:
        return [r async for r in abatch(FakeAsyncClient(), broken(), concurrency=2, _send=FakeSender())]

    with pytest.raises(RuntimeError, match="input broke"):
        await drain()
