"""The batch engine with a fake sender: concurrency bound, retries, replicas, bounded input, cancellation."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from vllm_sdk._exceptions import BadRequestError, HttpError, InternalServerError, RateLimitError
from vllm_sdk.batch._balancer import Balancer, Replica
from vllm_sdk.batch._runner import (
    BatchResult,
    InvalidBatchRequest,
    Outcome,
    PreparedRequest,
    RetryPolicy,
    abatch,
    prepare,
    run_batch,
)

FAST = RetryPolicy(max_retries=3, backoff_base=0.001, backoff_cap=0.002)


class FakeSender:
    """Counts requests in flight; fails according to ``fail(client, request, attempt)``."""

    def __init__(self, fail: Any = None, delay: float = 0.001) -> None:
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls: list[tuple[Any, PreparedRequest]] = []
        self.attempts: dict[str | None, int] = {}
        self.fail = fail
        self.delay = delay

    async def __call__(self, client: Any, request: PreparedRequest, stream: bool) -> Outcome:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.calls.append((client, request))
        key = request.custom_id
        self.attempts[key] = self.attempts.get(key, 0) + 1
        try:
            await asyncio.sleep(self.delay)
            if self.fail is not None:
                self.fail(client, request, self.attempts[key])
            body = {"id": "x", "usage": {"prompt_tokens": 3, "completion_tokens": 7}}
            return Outcome(body, body, 0.0005 if stream else None)
        finally:
            self.in_flight -= 1


def lines(n: int) -> list[dict[str, Any]]:
    return [
        {
            "custom_id": f"r{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "m", "messages": [{"role": "user", "content": str(i)}]},
        }
        for i in range(n)
    ]


async def collect(
    requests: Any,
    sender: FakeSender,
    *,
    concurrency: int = 8,
    replicas: Any = None,
    stream: bool = False,
    policy: RetryPolicy = FAST,
) -> list[BatchResult]:
    balancer = Balancer(replicas or [Replica("http://a/v1", "client-a")], cooldown=30.0)
    return [
        r
        async for r in run_batch(
            requests, balancer=balancer, send=sender, concurrency=concurrency, stream=stream, policy=policy
        )
    ]


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
    results = await collect(lines(3), sender, policy=RetryPolicy(max_retries=2, backoff_base=0.001))
    assert all(not r.ok and isinstance(r.error, HttpError) and r.attempts == 3 for r in results)
    assert all(r.response is None and r.status_code is None for r in results)
    assert sum(sender.attempts.values()) == 9


async def test_retry_after_ms_and_http_dates_follow_the_clients_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One back-off policy (vllm_sdk._retry) for the client and batch: retry-after-ms wins, then Retry-After.
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def record(delay: float) -> None:
        waits.append(delay)
        await real_sleep(0)

    monkeypatch.setattr("vllm_sdk.batch._runner.asyncio.sleep", record)

    def fail(client: Any, request: PreparedRequest, attempt: int) -> None:
        if attempt == 1:
            raise RateLimitError(
                "slow", status_code=429, headers={"retry-after-ms": "1234", "retry-after": "9"}
            )

    results = await collect(lines(1), FakeSender(fail), policy=RetryPolicy(max_retries=2, backoff_base=0.001))
    assert results[0].ok
    assert results[0].attempts == 2
    assert 1.234 in waits


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


def test_prepare_shapes() -> None:
    chat = prepare({"model": "m", "messages": []})
    assert chat.path == "/chat/completions"
    assert chat.custom_id is None
    comp = prepare({"model": "m", "prompt": "hi"})
    assert comp.path == "/completions"
    line = prepare({"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"input": "x"}})
    assert line.path == "/embeddings"
    assert line.custom_id == "a"
    with pytest.raises(InvalidBatchRequest, match="method"):
        prepare({"custom_id": "a", "method": "GET", "url": "/v1/models", "body": {}})
    with pytest.raises(InvalidBatchRequest):
        prepare({"model": "m"})
    with pytest.raises(InvalidBatchRequest, match="custom_id"):
        prepare({"custom_id": 5, "url": "/v1/chat/completions", "body": {}})


def test_balancer_ejects_and_readmits_after_cooldown() -> None:
    now = [0.0]
    a, b = Replica("a", "a"), Replica("b", "b")
    bal = Balancer([a, b], cooldown=5.0, clock=lambda: now[0])
    a.outstanding = 0
    first = bal.pick()
    assert isinstance(first, Replica)
    first.outstanding += 1
    second = bal.pick()
    assert second is not first  # least outstanding
    first.outstanding -= 1
    a.outstanding += 1
    bal.release(a, failed=True)
    assert a.is_ejected(now[0])
    assert all(bal.pick() is b for _ in range(5))
    b.ejected_until = 3.0  # both out: the wait is until the first comes back
    assert bal.pick() == 3.0
    now[0] = 5.5
    assert bal.pick() is a
    a.outstanding += 1
    bal.release(a, failed=True)  # second ejection doubles the cool-down
    assert a.ejected_until == pytest.approx(15.5)
    a.outstanding += 1
    bal.release(a, failed=False)
    assert a.ejections == 0


def test_single_replica_is_never_ejected() -> None:
    a = Replica("a", "a")
    bal = Balancer([a])
    for _ in range(5):
        a.outstanding += 1
        bal.release(a, failed=True)
    assert bal.pick() is a
