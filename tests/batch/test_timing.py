"""The senders time every request (``RequestTiming``): one clock read per token event of a stream, send
and end times otherwise; run on both parser builds against the mock server."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import httpx
import pytest

import vllm_sdk._speedups as speedups
from vllm_sdk import AsyncVllmClient
from vllm_sdk.batch import abatch
from vllm_sdk.batch._metrics import LoadMetrics
from vllm_sdk.batch._prepare import prepare
from vllm_sdk.batch._senders import Endpoint, HttpSender
from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from types import ModuleType


@pytest.fixture(autouse=True)
def _build(engine: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speedups, "ChatStreamParser", engine.ChatStreamParser)
    monkeypatch.setattr(speedups, "CompletionStreamParser", engine.CompletionStreamParser)


def _line(path: str, tokens: int) -> dict[str, Any]:
    body: dict[str, Any] = {"model": "mock", "max_tokens": tokens, "ignore_eos": True}
    if path == "/v1/chat/completions":
        body["messages"] = [{"role": "user", "content": "time me"}]
    else:
        body["prompt"] = "time me"
    return {"custom_id": "t", "method": "POST", "url": path, "body": body}


async def _send(base_url: str, line: dict[str, Any], stream: bool) -> Any:
    async with httpx.AsyncClient() as http:
        return await HttpSender()(Endpoint(base_url, http), prepare(line), stream)


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/completions"])
def test_a_stream_records_one_time_per_token(path: str) -> None:
    with MockVllmServer() as srv:
        outcome = asyncio.run(_send(srv.base_url, _line(path, 9), stream=True))
    timing = outcome.timing
    assert timing is not None
    assert len(timing.token_times) == 9
    assert list(timing.token_times) == sorted(timing.token_times)
    assert timing.sent <= timing.token_times[0] <= timing.token_times[-1] <= timing.end
    assert timing.ttft == pytest.approx(outcome.ttft, abs=1e-3)  # the stream's own measure agrees
    assert len(timing.itls()) == 8
    assert outcome.usage_tokens()[1] == 9


def test_a_plain_request_records_send_and_end() -> None:
    with MockVllmServer() as srv:
        outcome = asyncio.run(_send(srv.base_url, _line("/v1/chat/completions", 5), stream=False))
    timing = outcome.timing
    assert timing is not None
    assert list(timing.token_times) == []
    assert timing.ttft is None
    assert 0 < timing.e2e == timing.end - timing.sent


@pytest.mark.parametrize("stream", [True, False])
def test_client_batch_results_carry_timings(stream: bool) -> None:
    async def run(base_url: str) -> list[Any]:
        async with AsyncVllmClient(base_url=base_url) as client:
            requests = [{"model": "mock", "messages": [{"role": "user", "content": str(i)}], "max_tokens": 6,
                         "ignore_eos": True} for i in range(5)]  # fmt: skip
            return [r async for r in abatch(client, requests, concurrency=2, stream=stream)]

    with MockVllmServer() as srv:
        results = asyncio.run(run(srv.base_url))
    metrics = LoadMetrics()
    for r in results:
        assert r.ok, r.error
        assert r.timing is not None
        assert len(r.timing.token_times) == (6 if stream else 0)
        metrics.add(r)
    summary = metrics.summary(1.0)
    assert summary["total_output_tokens"] == 30
    assert (summary["mean_tpot_token_ms"] is not None) is stream
