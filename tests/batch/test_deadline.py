"""``DeadlineSender``: an attempt still running at the deadline fails with a retryable timeout; a faster one
is untouched; a cancellation from the caller stays a cancellation; ``--request-timeout`` reaches the run."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from vllm_sdk._exceptions import VllmTimeoutError
from vllm_sdk.batch._deadline import DeadlineSender
from vllm_sdk.batch._prepare import PreparedRequest
from vllm_sdk.batch._senders import HttpSender, Outcome
from vllm_sdk.cli import _batch

REQUEST = PreparedRequest("a", "POST", "/chat/completions", {"model": "m", "messages": []})


class _Slow:
    """A sender that answers after ``delay`` seconds (``None``: never)."""

    def __init__(self, delay: float | None) -> None:
        self.delay = delay
        self.cancelled = False

    async def __call__(self, client: Any, request: PreparedRequest, stream: bool, /) -> Outcome:
        try:
            await asyncio.sleep(3600 if self.delay is None else self.delay)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return Outcome(response=None, body={"ok": True}, ttft=None)


async def test_an_attempt_past_the_deadline_fails_with_a_retryable_timeout() -> None:
    inner = _Slow(None)
    with pytest.raises(VllmTimeoutError, match=r"did not finish within 0\.05 s") as caught:
        await DeadlineSender(inner, 0.05)(None, REQUEST, False)
    assert inner.cancelled  # the attempt itself was stopped, not left running
    assert caught.value.is_retryable
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0  # the deadline's cancellation was withdrawn


async def test_an_attempt_within_the_deadline_is_untouched() -> None:
    sender = DeadlineSender(_Slow(0.0), 5.0)
    outcomes = [await sender(None, REQUEST, False) for _ in range(3)]
    assert [outcome.body for outcome in outcomes] == [{"ok": True}] * 3
    await asyncio.sleep(0)  # nothing fires later on this task


async def test_the_callers_cancellation_stays_a_cancellation() -> None:
    task = asyncio.ensure_future(DeadlineSender(_Slow(None), 5.0)(None, REQUEST, False))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_a_deadline_must_be_positive() -> None:
    with pytest.raises(ValueError, match="above 0"):
        DeadlineSender(_Slow(0.0), 0)


def _options(**changes: Any) -> _batch.BatchFileOptions:
    return _batch.BatchFileOptions(input="in", output="out", base_urls=["http://x/v1"], **changes)


def test_the_command_bounds_its_attempts_unless_told_inf() -> None:
    options = _options()
    assert options.request_timeout == 6 * 60 * 60
    assert isinstance(_batch._sender(options), DeadlineSender)
    assert isinstance(_batch._sender(_options(request_timeout=float("inf"))), HttpSender)
    with pytest.raises(_batch.BatchFileError, match="--request-timeout must be"):
        _options(request_timeout=0).check()
