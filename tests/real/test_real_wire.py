"""Plain-httpx checks of the real server itself: the harness works and the wire is what the SDK assumes.

These do not use the SDK; they pin the server facts the SDK tests rely on, and their recorded responses go
through the same strict schema validation as every other test.
"""

from __future__ import annotations

import json

import httpx
import pytest

from .real_support import ServerInfo, chat_body, sse_data

pytestmark = pytest.mark.real_vllm


def test_health_version_metrics(http: httpx.Client) -> None:
    assert http.get("/health").status_code == 200
    version = http.get("/version")
    assert version.status_code == 200
    assert version.json()["version"]
    metrics = http.get("/metrics")
    assert metrics.status_code == 200
    assert "vllm:" in metrics.text


def test_models_lists_the_served_model(http: httpx.Client, main_server: ServerInfo) -> None:
    models = http.get("/v1/models")
    assert models.status_code == 200
    assert main_server.model in [m["id"] for m in models.json()["data"]]


def test_chat_nonstream_raw(http: httpx.Client, main_server: ServerInfo) -> None:
    response = http.post("/v1/chat/completions", json=chat_body(main_server.model, "Hello", max_tokens=40))
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert body["usage"]["completion_tokens"] > 0


def test_chat_stream_raw_ends_with_done(http: httpx.Client, main_server: ServerInfo) -> None:
    body = chat_body(main_server.model, "Hello", max_tokens=40, stream=True)
    with http.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = response.read()
    assert raw.rstrip().endswith(b"data: [DONE]")
    chunks = [json.loads(data) for data in sse_data(raw)]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert any(c["choices"] and c["choices"][0].get("finish_reason") for c in chunks)


def test_missing_key_is_401(main_server: ServerInfo) -> None:
    if not main_server.api_key:
        pytest.skip("the main server has no API key (set VLLM_SDK_TEST_API_KEY)")
    response = httpx.get(f"{main_server.base_url}/models", timeout=10)
    assert response.status_code == 401
