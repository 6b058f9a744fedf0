"""Retries with exponential backoff: built in for retryable failures, and a hand-written policy on top."""

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from _common import example

from vllm_sdk import VllmError
from vllm_sdk.types import ChatCompletionMessageParam

logging.basicConfig(level=logging.WARNING, format="  log: %(message)s")
logging.getLogger("vllm_sdk").setLevel(logging.INFO)  # each automatic retry is logged at INFO

T = TypeVar("T")


def with_backoff(fn: Callable[[], T], attempts: int = 4, base: float = 0.2, cap: float = 2.0) -> T:
    """Retry `fn` on retryable errors, waiting base * 2**n (capped, with jitter) between attempts."""
    for attempt in range(attempts):
        try:
            return fn()
        except VllmError as exc:
            if not exc.is_retryable or attempt == attempts - 1:
                raise
            delay = min(cap, base * 2**attempt) * random.uniform(0.5, 1.0)
            print(f"  attempt {attempt + 1} failed ({type(exc).__name__}), retrying in {delay:.2f}s")
            time.sleep(delay)
    raise AssertionError("unreachable")


with example(__doc__) as ex:
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello?"}]
    if not ex.mock:
        print("(against a real server nothing fails on purpose; run without --base-url to see retries)")
    # With the mock server, the x-mock-fault header makes requests fail: here the first two get a 503.
    flaky = {"x-mock-fault": "status=503:2,retry_after=0.1"} if ex.mock else {}

    print("1) built-in retries (max_retries=3):")
    with ex.client(max_retries=3) as client:
        started = time.monotonic()
        resp = client.chat.completions.create(model=ex.model, messages=messages, extra_headers=flaky)
        print(f"  succeeded after {time.monotonic() - started:.2f}s: {(resp.content or '')[:40]!r}")

    print("2) no built-in retries, our own backoff policy:")
    flaky2 = {"x-mock-fault": "status=503:2", "x-mock-fault-key": "policy-demo"} if ex.mock else {}
    with ex.client(max_retries=0) as client:
        resp = with_backoff(
            lambda: client.chat.completions.create(model=ex.model, messages=messages, extra_headers=flaky2)
        )
        print(f"  succeeded: {(resp.content or '')[:40]!r}")

    print("3) errors that are not worth retrying are raised at once:")
    with ex.client() as client:
        try:
            client.chat.completions.create(model="no-such-model", messages=messages)
        except VllmError as exc:
            print(f"  {type(exc).__name__} (retryable={exc.is_retryable}): {exc}")
