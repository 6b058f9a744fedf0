"""``iterate_off_loop``: a sync iterable read in a thread, a bounded read-ahead, errors and early stops."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

import pytest

from vllm_sdk.batch._offloop import iterate_off_loop

if TYPE_CHECKING:
    from collections.abc import Iterator


def test_every_item_in_order_read_in_another_thread() -> None:
    readers: set[int] = set()

    def source() -> Iterator[int]:
        for i in range(100):
            readers.add(threading.get_ident())
            yield i

    async def main() -> tuple[list[int], int]:
        return [i async for i in iterate_off_loop(source(), maxsize=3)], threading.get_ident()

    items, loop_thread = asyncio.run(main())
    assert items == list(range(100))
    assert readers
    assert loop_thread not in readers


def test_the_loop_runs_while_the_source_blocks() -> None:
    release = threading.Event()

    def source() -> Iterator[str]:
        yield "first"
        release.wait(timeout=60)  # a bound only, so a regression fails instead of hanging
        yield "second"

    async def main() -> list[str]:
        seen: list[str] = []
        other = asyncio.Event()

        async def elsewhere() -> None:
            other.set()  # another task runs while the source is blocked
            release.set()

        items = iterate_off_loop(source(), maxsize=1)
        seen.append(await anext(items))
        task = asyncio.create_task(elsewhere())
        seen.append(await anext(items))
        await task
        assert other.is_set()
        return seen

    assert asyncio.run(main()) == ["first", "second"]


def test_read_ahead_is_bounded() -> None:
    maxsize = 4
    state = {"pulled": 0, "taken": 0, "worst": 0}
    lock = threading.Lock()

    def source() -> Iterator[int]:
        for i in range(200):
            with lock:
                state["pulled"] += 1
                # Held in the queue (maxsize) plus the one being put: never more ahead of the consumer.
                state["worst"] = max(state["worst"], state["pulled"] - state["taken"])
            yield i

    async def main() -> None:
        async for _ in iterate_off_loop(source(), maxsize=maxsize):
            with lock:
                state["taken"] += 1
            await asyncio.sleep(0)

    asyncio.run(main())
    assert state["taken"] == 200
    assert state["worst"] <= maxsize + 2


def test_an_error_of_the_source_is_raised_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise KeyError("bad row")

    seen: list[int] = []

    async def main() -> None:
        async for i in iterate_off_loop(source(), maxsize=8):
            seen.append(i)

    with pytest.raises(KeyError, match="bad row"):
        asyncio.run(main())
    assert seen == [1, 2]


def test_stopping_early_stops_the_thread_and_closes_the_source() -> None:
    closed = threading.Event()

    def source() -> Iterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    async def main() -> list[int]:
        items = iterate_off_loop(source(), maxsize=2)
        taken = [await anext(items), await anext(items)]
        await items.aclose()  # type: ignore[attr-defined]
        return taken

    assert asyncio.run(main()) == [0, 1]
    assert closed.wait(timeout=60)


def test_bad_arguments() -> None:
    async def main(source: object, maxsize: int) -> list[object]:
        return [i async for i in iterate_off_loop(source, maxsize=maxsize)]  # type: ignore[arg-type]

    with pytest.raises(TypeError):
        asyncio.run(main(5, 1))
    with pytest.raises(ValueError, match="maxsize"):
        asyncio.run(main([1], 0))
