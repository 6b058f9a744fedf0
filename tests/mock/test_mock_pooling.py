"""Pooling-style routes: pooling, score, rerank, classify (deterministic, consistent with embeddings)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import httpx
import pytest

from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with MockVllmServer() as srv, httpx.Client(base_url=srv.url, timeout=10) as client:
        yield client


def embed(http: httpx.Client, text: str) -> list[float]:
    return list(
        http.post("/v1/embeddings", json={"model": "mock", "input": text}).json()["data"][0]["embedding"]
    )


def test_pooling_matches_embeddings(http: httpx.Client) -> None:
    body = http.post("/pooling", json={"model": "mock", "input": ["Hello world", "x"]}).json()
    assert list(body) == ["id", "object", "created", "model", "data", "usage"]
    assert body["id"].startswith("pooling-")
    assert [d["object"] for d in body["data"]] == ["pooling", "pooling"]
    assert body["data"][0]["data"] == embed(http, "Hello world")


@pytest.mark.parametrize("path", ["/score", "/v1/score"])
def test_score_is_cosine_of_embeddings(http: httpx.Client, path: str) -> None:
    body = http.post(
        path, json={"model": "mock", "text_1": "What is vLLM?", "text_2": ["a server", "What is vLLM?"]}
    )
    data = body.json()["data"]
    assert [d["index"] for d in data] == [0, 1]
    assert list(data[0]) == ["index", "object", "score"]
    a, b = embed(http, "What is vLLM?"), embed(http, "a server")
    assert math.isclose(data[0]["score"], sum(x * y for x, y in zip(a, b, strict=True)), abs_tol=1e-9)
    assert math.isclose(data[1]["score"], 1.0, rel_tol=1e-5)
    pairs = http.post(path, json={"model": "mock", "queries": ["a", "b"], "documents": ["a", "b"]}).json()
    assert all(math.isclose(d["score"], 1.0, rel_tol=1e-5) for d in pairs["data"])
    bad = http.post(path, json={"model": "mock", "text_1": ["a", "b", "c"], "text_2": ["a", "b"]})
    assert bad.status_code == 400


@pytest.mark.parametrize("path", ["/rerank", "/v1/rerank", "/v2/rerank"])
def test_rerank_orders_by_relevance(http: httpx.Client, path: str) -> None:
    docs = ["cats purr", "What is vLLM?", "rivers flow", "servers serve"]
    body = http.post(
        path, json={"model": "mock", "query": "What is vLLM?", "documents": docs, "top_n": 3}
    ).json()
    assert list(body) == ["id", "model", "usage", "results"]
    results = body["results"]
    assert len(results) == 3
    assert results[0]["index"] == 1
    assert results[0]["document"] == {"text": "What is vLLM?"}
    scores = [r["relevance_score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"] > 0
    missing = http.post(path, json={"model": "mock", "documents": docs})
    assert missing.status_code == 400
    assert missing.json()["error"]["param"] == "body.query"


def test_classify(http: httpx.Client) -> None:
    body = http.post("/classify", json={"model": "mock", "input": ["great", "awful"]}).json()
    assert body["id"].startswith("classify-")
    for item in body["data"]:
        assert list(item) == ["index", "label", "probs", "num_classes"]
        assert math.isclose(sum(item["probs"]), 1.0)
        assert item["label"] in ("negative", "positive")
        assert item["num_classes"] == 2
    again = http.post("/classify", json={"model": "mock", "input": "great"}).json()
    assert again["data"][0]["probs"] == body["data"][0]["probs"]


def test_unknown_model_and_empty_input(http: httpx.Client) -> None:
    for path, body in [
        ("/pooling", {"model": "nope", "input": "x"}),
        ("/score", {"model": "nope", "text_1": "a", "text_2": "b"}),
        ("/rerank", {"model": "nope", "query": "a", "documents": ["b"]}),
        ("/classify", {"model": "nope", "input": "x"}),
    ]:
        resp = http.post(path, json=body)
        assert resp.status_code == 404
        assert resp.json()["error"]["type"] == "NotFoundError"
    assert http.post("/classify", json={"model": "mock", "input": ""}).status_code == 400
    assert http.post("/pooling", json={"model": "mock", "input": []}).status_code == 400
