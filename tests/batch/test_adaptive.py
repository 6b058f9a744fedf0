"""The waiting-queue controller, the resizable in-flight limit, and the ``adapt=`` option (no Ray)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from vllm_sdk import AsyncVllmClient, ClientConfig
from vllm_sdk.batch import arun_partition, run_partition
from vllm_sdk.batch._adaptive import InFlightLimit, WaitingQueueController, parse_waiting, poll_waiting

pytest.importorskip("aiohttp")

from vllm_sdk.testing import MockVllmServer


def test_controller_halves_on_a_growing_queue_and_climbs_back() -> None:
    c = WaitingQueueController(64, floor=2)
    assert c.step == 8
    assert c.observe(0) == 64  # quiet: stays at the ceiling
    assert c.observe(5) == 32  # growing past the threshold
    assert c.observe(9) == 16
    assert c.observe(9) == 16  # long but steady: hold
    assert c.observe(7) == 16  # shrinking but still over the threshold: hold
    assert c.observe(20) == 8
    assert c.observe(40) == 4
    assert c.observe(80) == 2
    assert c.observe(160) == 2  # never under the floor
    assert [c.observe(0) for _ in range(9)] == [10, 18, 26, 34, 42, 50, 58, 64, 64]


def test_controller_threshold_and_bad_settings() -> None:
    c = WaitingQueueController(10, threshold=3, step=1)
    assert c.observe(3) == 10  # at the threshold counts as quiet
    assert c.observe(4) == 5
    assert c.observe(2) == 6
    with pytest.raises(ValueError, match="floor"):
        WaitingQueueController(4, floor=5)
    with pytest.raises(ValueError, match="decrease"):
        WaitingQueueController(4, decrease=1.0)


def test_parse_waiting_sums_every_sample() -> None:
    text = "\n".join(
        [
            "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.",
            "# TYPE vllm:num_requests_waiting gauge",
            'vllm:num_requests_waiting{engine="0",model_name="m"} 3.0',
            'vllm:num_requests_waiting{engine="1",model_name="m"} 4',
            "vllm:num_requests_waiting_by_reason 99",
            "vllm:num_requests_running 7",
        ]
    )
    assert parse_waiting(text) == 7.0
    assert parse_waiting("") == 0.0


def test_in_flight_limit_resizes_while_requests_run() -> None:
    async def main() -> list[int]:
        limit = InFlightLimit(2)
        release = asyncio.Event()
        entered: asyncio.Queue[int] = asyncio.Queue()
        seen: list[int] = []

        async def holder() -> None:
            async with limit:
                seen.append(limit.in_flight)
                entered.put_nowait(1)
                await release.wait()

        tasks = [asyncio.create_task(holder()) for _ in range(4)]
        for _ in range(2):
            await entered.get()
        for _ in range(5):
            await asyncio.sleep(0)
        assert entered.empty()  # the other two wait
        assert limit.in_flight == 2
        await limit.set_limit(4)
        for _ in range(2):
            await entered.get()
        await limit.set_limit(1)  # lowering cancels nothing
        assert limit.in_flight == 4
        release.set()
        await asyncio.gather(*tasks)
        assert limit.in_flight == 0
        return seen

    seen = asyncio.run(main())
    # The first two entered one by one; the place of a waiter counts from the moment it is handed over.
    assert seen[:2] == [1, 2]
    assert len(seen) == 4
    assert max(seen) == 4


def test_in_flight_limit_hands_a_place_on_when_its_waiter_is_cancelled() -> None:
    async def main() -> tuple[int, list[str]]:
        limit = InFlightLimit(1)
        order: list[str] = []

        async def holder(name: str) -> None:
            async with limit:
                order.append(name)

        await limit.__aenter__()  # this task holds the only place
        doomed = asyncio.create_task(holder("doomed"))
        last = asyncio.create_task(holder("last"))
        for _ in range(3):
            await asyncio.sleep(0)
        assert limit.in_flight == 1
        # Leaving hands the place to ``doomed`` (nothing awaits in between, so it has not run yet);
        # cancelling it then must pass the place on to ``last`` instead of losing it.
        await limit.__aexit__(None, None, None)
        doomed.cancel()
        # A safety net, not a timing: a lost place would leave ``last`` waiting for ever.
        await asyncio.wait_for(asyncio.gather(doomed, last, return_exceptions=True), 30)
        return limit.in_flight, order

    in_flight, order = asyncio.run(main())
    assert order == ["last"]
    assert in_flight == 0


def test_in_flight_limit_never_exceeds_its_bound_under_many_waiters() -> None:
    async def main() -> int:
        limit = InFlightLimit(3)
        peak = 0

        async def one() -> None:
            nonlocal peak
            async with limit:
                peak = max(peak, limit.in_flight)
                await asyncio.sleep(0)

        await asyncio.gather(*(one() for _ in range(200)))
        assert limit.in_flight == 0
        return peak

    assert asyncio.run(main()) == 3


@pytest.fixture(scope="module")
def servers() -> Any:
    with MockVllmServer() as a, MockVllmServer() as b:
        yield a, b


def test_poll_waiting_reads_every_replica(servers: tuple[MockVllmServer, MockVllmServer]) -> None:
    a, b = servers

    async def main() -> tuple[float | None, float | None]:
        async with AsyncVllmClient([a.base_url, b.base_url]) as client:
            metrics = await poll_waiting(client, "metrics")
            load = await poll_waiting(client, "load")  # the mock serves no /load: skipped
            return metrics, load

    metrics, load = asyncio.run(main())
    assert metrics == 0.0
    assert load is None


def test_adapt_option_runs_every_row(servers: tuple[MockVllmServer, MockVllmServer]) -> None:
    a, b = servers
    rows = [{"i": i, "messages": [{"role": "user", "content": "x"}]} for i in range(10)]

    async def main() -> list[dict[str, Any]]:
        cfg = ClientConfig(base_url=[a.base_url, b.base_url])
        out = arun_partition(
            rows, cfg, model="mock", params={"max_tokens": 1}, adapt="metrics", adapt_interval=0.01
        )
        return [r async for r in out]

    out = asyncio.run(main())
    assert sorted(r["i"] for r in out) == list(range(10))
    assert all(r["error"] is None for r in out)


def test_adapt_option_is_checked() -> None:
    async def main() -> None:
        async for _ in arun_partition([], ClientConfig(base_url="http://127.0.0.1:1/v1"), adapt="queue"):  # type: ignore[arg-type]
            pass

    with pytest.raises(ValueError, match="adapt"):
        asyncio.run(main())


@pytest.mark.parametrize("runner", ["sync", "async"])
def test_adapt_lowers_in_flight_while_the_mock_queue_grows(runner: str) -> None:
    # The mock's waiting queue grows by 5 at every scrape: each sample halves the limit (8, 4, 2, 1),
    # so the requests that start late in the run find nothing else running.
    n, in_flight = 80, 8
    with MockVllmServer(token_delay=0.01) as server:
        server.metrics.waiting_growth = 5.0
        cfg = ClientConfig(base_url=server.base_url)
        rows = [{"i": i, "messages": [{"role": "user", "content": "x"}]} for i in range(n)]
        options: dict[str, Any] = {
            "model": "mock",
            "params": {"max_tokens": 2},
            "max_in_flight": in_flight,
            "adapt": "metrics",
            "adapt_interval": 0.005,
        }
        if runner == "sync":
            out = list(run_partition(rows, cfg, **options))
        else:

            async def main() -> list[dict[str, Any]]:
                return [r async for r in arun_partition(rows, cfg, **options)]

            out = asyncio.run(main())
        started = list(server.metrics.running_at_start)
        scrapes = sum(r.path == "/metrics" for r in server.requests)
    assert sorted(r["i"] for r in out) == list(range(n))
    assert all(r["error"] is None for r in out)
    assert scrapes >= 4
    assert max(started) == in_flight  # the run began at full width
    assert started[-10:] == [1] * 10  # and ended one request at a time
