"""``client.batch(...)`` end to end: the real clients against the mock server."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from vllm_sdk import AsyncVllmClient, BatchResult, VllmClient
from vllm_sdk._exceptions import ModelNotFoundError
from vllm_sdk.batch import batch
from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    import pytest


def chat(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "model": "mock",
        "messages": [{"role": "user", "content": f"question {i}"}],
        "max_tokens": 8,
        **extra,
    }


async def test_async_batch_streamed_with_ttft_and_usage() -> None:
    async with MockVllmServer() as srv, AsyncVllmClient(srv.base_url) as client:
        results = [r async for r in client.batch((chat(i) for i in range(40)), concurrency=8, stream=True)]
    assert sorted(r.index for r in results) == list(range(40))
    for r in results:
        assert r.ok, r.error
        assert r.ttft is not None
        assert 0 < r.ttft <= r.latency
        assert r.completion_tokens is not None
        assert r.completion_tokens > 0
        assert r.response.content
        assert r.body is not None
        assert r.body["choices"][0]["message"]["content"] == r.response.content
    sent = [req.json for req in srv.requests if req.path.endswith("/chat/completions")]
    assert all(s["stream"] is True and s["stream_options"]["include_usage"] is True for s in sent)


async def test_async_batch_mixed_shapes_and_errors_are_results() -> None:
    line = {"custom_id": "line-1", "method": "POST", "url": "/v1/chat/completions", "body": chat(1)}
    completion = {"model": "mock", "prompt": "Once", "max_tokens": 4}
    embeddings = {
        "custom_id": "emb",
        "method": "POST",
        "url": "/v1/embeddings",
        "body": {"model": "mock", "input": "hello"},
    }
    unknown = chat(2, model="nope")
    async with MockVllmServer() as srv, AsyncVllmClient(srv.base_url) as client:
        builder = client.chat.completions.create().model("mock").user("from a builder").max_tokens(4)
        requests = [line, completion, embeddings, unknown, builder]
        results = {r.index: r for r in [r async for r in client.batch(requests, concurrency=4)]}
    assert results[0].ok
    assert results[0].custom_id == "line-1"
    assert results[1].ok
    assert results[1].body is not None
    assert results[1].body["object"] == "text_completion"
    assert results[2].ok
    assert results[2].body is not None
    assert results[2].body["data"][0]["embedding"]
    assert isinstance(results[3].error, ModelNotFoundError)
    assert results[3].status_code == 404
    assert results[3].attempts == 1  # not retryable
    assert results[4].ok
    assert results[4].response.content


async def test_async_batch_over_replicas_with_a_dead_one() -> None:
    async with MockVllmServer() as srv, AsyncVllmClient(srv.base_url) as client:
        results = [
            r
            async for r in client.batch(
                (chat(i) for i in range(60)),
                concurrency=8,
                base_urls=["http://127.0.0.1:9/v1", srv.base_url],
                backoff_base=0.01,
            )
        ]
    assert all(r.ok for r in results)
    assert {r.base_url for r in results} == {srv.base_url}
    assert max(r.attempts for r in results) >= 2  # the requests first routed to the dead replica


async def test_async_batch_retries_server_errors() -> None:
    async with MockVllmServer(faults="status=503:3") as srv, AsyncVllmClient(srv.base_url) as client:
        results = [
            r async for r in client.batch([chat(i) for i in range(5)], concurrency=1, backoff_base=0.01)
        ]
        posted = [req for req in srv.requests if req.path.endswith("/chat/completions")]
    assert all(r.ok for r in results)
    assert len(posted) == 8  # the client's own retries are off inside a batch: 5 + 3 batch retries
    assert results[0].attempts == 4


def test_sync_batch_with_the_sync_client() -> None:
    with MockVllmServer() as srv, VllmClient(srv.base_url) as client:
        results: list[BatchResult] = list(
            client.batch([chat(i) for i in range(20)], concurrency=4, stream=True)
        )
    assert len(results) == 20
    assert all(r.ok and r.ttft is not None for r in results)


def test_the_batch_function_runs_a_sync_client_through_its_async_twin() -> None:
    with MockVllmServer() as srv, VllmClient(srv.base_url) as client:
        results = list(batch(client, [chat(i) for i in range(6)], concurrency=2))
    assert sorted(r.index for r in results) == list(range(6))
    assert all(r.ok and r.base_url == srv.base_url for r in results)


async def test_async_batch_honours_retry_after_ms(monkeypatch: pytest.MonkeyPatch) -> None:
    # The mock server sends retry-after-ms: 300 with Retry-After: 1 (whole seconds). Batch used to read
    # only Retry-After; with the client's policy the precise retry-after-ms wins.
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def record(delay: float) -> None:
        waits.append(delay)
        await real_sleep(delay)

    monkeypatch.setattr("vllm_sdk.batch._runner.asyncio.sleep", record)
    async with (
        MockVllmServer(faults="status=429:1,retry_after=0.3") as srv,
        AsyncVllmClient(srv.base_url) as client,
    ):
        results = [r async for r in client.batch([chat(0)], backoff_base=0.001)]
    assert results[0].ok
    assert results[0].attempts == 2
    assert 0.3 in waits
    assert 1.0 not in waits
