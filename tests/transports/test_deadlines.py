"""The shared header-wait deadlines of the aiohttp transport (``_transports._deadlines``): every wait of a
limit expires, in order, on one timer; a wait that finishes is never cancelled; a caller's own
cancellation stays the caller's; memory follows the waits still running."""

from __future__ import annotations

import asyncio
import sys

import pytest

from vllm_sdk._transports._deadlines import Deadlines

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="Task.uncancel is Python 3.11+")

SHORT = 0.02  # seconds: only ever waited out, never measured


async def _wait(deadlines: Deadlines, limit: float, never: asyncio.Event) -> str:
    wait = deadlines.start(limit)
    try:
        await never.wait()
    except asyncio.CancelledError:
        if wait.expired():
            task = asyncio.current_task()
            assert task is not None
            return "expired" if task.cancelling() == 0 else "still cancelled"  # withdrawn from the task
        raise
    finally:
        wait.finish()
    return "answered"


async def test_every_wait_of_a_limit_expires_and_its_task_goes_on() -> None:
    deadlines = Deadlines(asyncio.get_running_loop())
    never = asyncio.Event()
    results = await asyncio.gather(*(_wait(deadlines, SHORT, never) for _ in range(50)))
    assert results == ["expired"] * 50


async def test_waits_that_finish_are_not_cancelled_and_later_ones_still_expire() -> None:
    deadlines = Deadlines(asyncio.get_running_loop())
    answer, never = asyncio.Event(), asyncio.Event()
    early = [asyncio.create_task(_wait(deadlines, SHORT, answer)) for _ in range(5)]
    late = asyncio.create_task(_wait(deadlines, SHORT, never))
    answer.set()
    assert await asyncio.gather(*early) == ["answered"] * 5
    assert await late == "expired"


async def test_limits_are_independent() -> None:
    deadlines = Deadlines(asyncio.get_running_loop())
    never, answer = asyncio.Event(), asyncio.Event()
    long_wait = asyncio.create_task(_wait(deadlines, 600.0, answer))
    assert await _wait(deadlines, SHORT, never) == "expired"
    assert not long_wait.done()
    answer.set()
    assert await long_wait == "answered"


async def test_a_callers_cancellation_is_not_a_timeout() -> None:
    deadlines = Deadlines(asyncio.get_running_loop())
    never = asyncio.Event()
    task = asyncio.create_task(_wait(deadlines, 600.0, never))
    await asyncio.sleep(0)  # let it start waiting
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_task_without_a_running_task_is_refused() -> None:
    loop = asyncio.get_running_loop()
    deadlines = Deadlines(loop)
    done = loop.create_future()

    def outside_any_task() -> None:
        try:
            deadlines.start(1.0)
        except RuntimeError as exc:
            done.set_result(str(exc))

    loop.call_soon(outside_any_task)
    assert "running task" in await done


async def test_finished_waits_behind_a_long_one_do_not_pile_up() -> None:
    deadlines = Deadlines(asyncio.get_running_loop())
    answer = asyncio.Event()
    long_wait = asyncio.create_task(_wait(deadlines, 600.0, answer))
    await asyncio.sleep(0)
    for _ in range(10_000):  # each starts and finishes behind the long wait at the front
        deadlines.start(600.0).finish()
    queue = deadlines._queues[600.0]
    assert len(queue.waits) <= 2 * queue.live + 64
    answer.set()
    assert await long_wait == "answered"
    assert len(queue.waits) == 0
