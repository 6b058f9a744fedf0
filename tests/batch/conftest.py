"""Helpers of the batch tests: a fake sender, batch-file lines, and running the engine on them."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from vllm_sdk._balancer import Balancer, Replica
from vllm_sdk._retry import RetryPolicy
from vllm_sdk.batch._runner import run_batch
from vllm_sdk.batch._senders import Outcome

if TYPE_CHECKING:
    from vllm_sdk.batch._prepare import PreparedRequest
    from vllm_sdk.batch._result import BatchResult

FAST = RetryPolicy(max_retries=3, base=0.001, cap=0.002)


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
