"""The batch runner with a fake sender: concurrency bound, retries, replicas, bounded input, cancellation."""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import time
from typing import Any

import pytest

from vllm_sdk._balancer import Balancer, Replica
from vllm_sdk._exceptions import BadRequestError, HttpError, InternalServerError, RateLimitError
from vllm_sdk._retry import RetryPolicy
from vllm_sdk.batch._prepare import InvalidBatchRequest, PreparedRequest
from vllm_sdk.batch._runner import BATCH_RETRY_POLICY, abatch, run_batch

from .conftest import FAST, FakeSender, collect, lines

#: An odd delay for the fake sender, so that its sleeps can be told from the back-off's.
SENDER_DELAY = 0.0123


async def test_concurrency_bound_respected_and_results_complete() -> None:
    sender = FakeSender()
    results = await collect(lines(300), sender, concurrency=16)
    assert sender.max_in_flight == 16
    assert sorted(r.index for r in results) == list(range(300))
    assert sorted(r.custom_id for r in results) == sorted(f"r{i}" for i in range(300))  # type: ignore[type-var]
    assert all(r.ok and r.status_code == 200 and r.attempts == 1 for r in results)
    assert results[0].completion_tokens == 7
    assert results[0].prompt_tokens == 3
    assert results[0].tokens_per_second is not None
    assert results[0].tokens_per_second > 0


async def test_retryable_errors_are_retried_then_succeed() -> None:
    def fail(client: Any, request: PreparedRequest, attempt: int) -> None:
        if request.custom_id in ("r1", "r2") and attempt <= 2:
            raise InternalServerError("boom", status_code=503)

    sender = FakeSender(fail)
    results = {r.custom_id: r for r in await collect(lines(5), sender)}
    assert results["r1"].ok
    assert results["r1"].attempts == 3
    assert results["r2"].ok
    assert results["r2"].attempts == 3
    assert results["r0"].attempts == 1


async def test_retries_are_bounded_and_error_kept() -> None:
    def fail(client: Any, request: PreparedRequest, attempt: int) -> None:
        raise HttpError("connection refused")

    sender = FakeSender(fail)
    results = await collect(lines(3), sender, policy=RetryPolicy(max_retries=2, base=0.001))
    assert all(not r.ok and isinstance(r.error, HttpError) and r.attempts == 3 for r in results)
    assert all(r.response is None and r.status_code is None for r in results)
    assert sum(sender.attempts.values()) == 9


async def test_retry_after_ms_and_http_dates_follow_the_clients_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One back-off policy (vllm_sdk._retry) for the client and batch: retry-after-ms wins, then Retry-After
    # as seconds or an HTTP date, whether it asks for more or less than the computed back-off.
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def record(delay: float) -> None:
        if delay != SENDER_DELAY:  # the fake sender's own sleep is not a back-off
            waits.append(delay)
        await real_sleep(0)

    monkeypatch.setattr("vllm_sdk.batch._runner.asyncio.sleep", record)
    date = email.utils.formatdate(time.time() + 30, usegmt=True)

    def fail(client: Any, request: PreparedRequest, attempt: int) -> None:
        if attempt == 1:
            raise RateLimitError(
                "slow", status_code=429, headers={"retry-after-ms": "1234", "retry-after": "9"}
            )
        if attempt == 2:
            raise RateLimitError("slow", status_code=429, headers={"retry-after": date})
        if attempt == 3:
            raise RateLimitError("slow", status_code=429, headers={"retry-after-ms": "0"})

    results = await collect(
        lines(1), FakeSender(fail, delay=SENDER_DELAY), policy=RetryPolicy(max_retries=3, base=0.001)
    )
    assert results[0].ok
    assert results[0].attempts == 4
    assert waits[0] == 1.234
    assert 25 <= waits[1] <= 30
    assert waits[2] == 0.0


async def test_too_long_retry_after_falls_back_to_the_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def record(delay: float) -> None:
        if delay != SENDER_DELAY:  # the fake sender's own sleep is not a back-off
            waits.append(delay)
        await real_sleep(0)

    monkeypatch.setattr("vllm_sdk.batch._runner.asyncio.sleep", record)

    def fail(client: Any, request: PreparedRequest, attempt: int) -> None:
        if attempt == 1:
            raise RateLimitError("slow", status_code=429, headers={"retry-after-ms": "3600000"})

    results = await collect(
        lines(1), FakeSender(fail, delay=SENDER_DELAY), policy=RetryPolicy(max_retries=1, base=0.001)
    )
    assert results[0].ok
    assert len(waits) == 1
    assert 0.00075 <= waits[0] <= 0.001


async def test_abatch_builds_its_policy_from_the_batch_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert BATCH_RETRY_POLICY.max_retries == 3
    seen: list[RetryPolicy] = []
    real_run_batch = run_batch

    def spy(*args: Any, policy: RetryPolicy, **kwargs: Any) -> Any:
        seen.append(policy)
        return real_run_batch(*args, policy=policy, **kwargs)

    monkeypatch.setattr("vllm_sdk.batch._runner.run_batch", spy)

    class Client:
        base_url = "http://a/v1"

    [r async for r in abatch(Client(), lines(1), _send=FakeSender())]
    [
        r
        async for r in abatch(
            Client(), lines(1), max_retries=1, backoff_base=0.01, backoff_cap=0.1, _send=FakeSender()
        )
    ]
    assert seen[0] == BATCH_RETRY_POLICY
    assert seen[1] == RetryPolicy(max_retries=1, base=0.01, cap=0.1)


async def test_non_retryable_error_is_not_retried() -> None:
    def fail(client: Any, request: PreparedRequest, attempt: int) -> None:
        raise BadRequestError("bad", status_code=400)

    results = await collect(lines(2), FakeSender(fail))
    assert [r.attempts for r in results] == [1, 1]
    assert all(r.status_code == 400 and isinstance(r.error, BadRequestError) for r in results)


async def test_retry_after_is_honoured() -> None:
    def fail(client: Any, request: PreparedRequest, attempt: int) -> None:
        if attempt == 1:
            raise RateLimitError("slow down", status_code=429, headers={"retry-after": "0.2"})

    loop = asyncio.get_running_loop()
    start = loop.time()
    results = await collect(lines(1), FakeSender(fail))
    assert results[0].ok
    assert results[0].attempts == 2
    assert loop.time() - start >= 0.2


async def test_invalid_elements_become_error_results_and_the_rest_continue() -> None:
    requests: list[Any] = [*lines(2), {"custom_id": "bad", "url": "/v1/chat/completions", "body": "x"}, 42]
    results = {r.index: r for r in await collect(requests, FakeSender())}
    assert results[0].ok
    assert results[1].ok
    assert isinstance(results[2].error, InvalidBatchRequest)
    assert results[2].custom_id == "bad"
    assert results[2].status_code == 400
    assert isinstance(results[3].error, InvalidBatchRequest)
    assert results[3].custom_id is None


async def test_dead_replica_is_ejected_and_traffic_moves_to_live_one() -> None:
    def fail(client: Any, request: PreparedRequest, attempt: int) -> None:
        if client == "dead":
            raise HttpError("ConnectError: connection refused")

    sender = FakeSender(fail)
    replicas = [Replica("http://dead/v1", "dead"), Replica("http://live/v1", "live")]
    results = await collect(lines(200), sender, concurrency=8, replicas=replicas)
    assert all(r.ok and r.base_url == "http://live/v1" for r in results)
    dead_calls = sum(1 for client, _ in sender.calls if client == "dead")
    # Only the attempts that were already routed before the first failure hit the dead replica.
    assert 1 <= dead_calls <= 8
    assert replicas[0].ejections == 1


async def test_least_outstanding_spreads_load_over_replicas() -> None:
    sender = FakeSender()
    replicas = [Replica(f"http://r{i}/v1", f"c{i}") for i in range(3)]
    await collect(lines(90), sender, concurrency=9, replicas=replicas)
    counts = [sum(1 for c, _ in sender.calls if c == f"c{i}") for i in range(3)]
    assert sum(counts) == 90
    assert min(counts) >= 25


async def test_input_is_pulled_lazily_and_early_exit_cancels_in_flight() -> None:
    pulled = 0

    def endless() -> Any:
        nonlocal pulled
        for i in itertools.count():
            pulled += 1
            yield {"model": "m", "messages": [{"role": "user", "content": str(i)}]}

    sender = FakeSender(delay=0.01)
    balancer = Balancer([Replica("http://a/v1", "a")])
    gen = run_batch(endless(), balancer=balancer, send=sender, concurrency=8, stream=False, policy=FAST)
    got = 0
    async for _ in gen:
        got += 1
        if got == 50:
            break
    await gen.aclose()
    assert pulled <= 50 + 8 + 8 + 1  # results consumed + in flight + queued + one look-ahead
    assert sender.in_flight == 0
    leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftover == []


async def test_async_iterable_input_and_streaming_ttft() -> None:
    async def source() -> Any:
        for item in lines(20):
            await asyncio.sleep(0)
            yield item

    results = await collect(source(), FakeSender(), stream=True)
    assert sorted(r.index for r in results) == list(range(20))
    assert all(r.ttft == 0.0005 for r in results)


async def test_failing_input_iterable_raises_to_the_consumer() -> None:
    def broken() -> Any:
        yield from lines(3)
        raise RuntimeError("input broke")

    with pytest.raises(RuntimeError, match="input broke"):
        await collect(broken(), FakeSender())


async def test_abatch_public_entry_with_fake_sender_and_base_urls() -> None:
    class Client:
        base_url = "http://a/v1"

        def with_base_url(self, url: str) -> str:
            return f"client:{url}"

    sender = FakeSender()
    original = Client()
    results = [
        r
        async for r in abatch(
            original, lines(10), concurrency=4, base_urls=["http://a/v1/", "http://b/v1"], _send=sender
        )
    ]
    assert len(results) == 10
    clients = [c for c, _ in sender.calls]
    assert original in clients
    assert "client:http://b/v1" in clients
    assert len(clients) == 10
    assert {r.base_url for r in results} == {"http://a/v1", "http://b/v1"}


async def test_a_stream_broken_part_way_is_retried_and_every_attempt_counted() -> None:
    from vllm_sdk._exceptions import StreamError

    def fail(client: Any, request: PreparedRequest, attempt: int) -> None:
        if request.custom_id == "r0" and attempt <= 2:
            raise StreamError("connection lost mid-stream: reset", partial_content="hal")
        if request.custom_id == "r1":  # an error event whose code says the request is wrong
            raise StreamError("bad", error_type="BadRequestError", code=400)
        if request.custom_id == "r2":  # an error event of a failing server
            raise StreamError("boom", error_type="InternalServerError", code=500)

    sender = FakeSender(fail)
    results = {r.custom_id: r for r in await collect(lines(3), sender, stream=True)}
    assert results["r0"].ok
    assert results["r0"].attempts == 3
    assert not results["r1"].ok
    assert results["r1"].attempts == 1
    assert isinstance(results["r2"].error, StreamError)
    assert results["r2"].attempts == 1 + FAST.max_retries
