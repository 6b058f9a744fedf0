"""Every kind of body the mock sends validates against vLLM 0.32.0's own response models (JSON schema)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import jsonschema
import pytest

from reference_data import REFERENCE, require
from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import Iterator

SCHEMAS_FILE = REFERENCE / "vllm-0.32.0-response-schemas.json"

TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
CHAT: dict[str, Any] = {
    "model": "mock",
    "messages": [{"role": "user", "content": "Use get_weather"}],
    "tools": [TOOL],
}


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    return dict(json.loads(require(SCHEMAS_FILE).read_text())["models"])


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with MockVllmServer() as srv, httpx.Client(base_url=srv.url, timeout=10) as client:
        yield client


_VALIDATORS: dict[str, Any] = {}


def check(schemas: dict[str, Any], model: str, instance: Any) -> None:
    validator = _VALIDATORS.get(model)
    if validator is None:
        schema = schemas[model]["schema"]
        validator = _VALIDATORS[model] = jsonschema.validators.validator_for(schema)(schema)
    validator.validate(instance)


def sse(resp: httpx.Response) -> list[Any]:
    return [json.loads(b[6:]) for b in resp.content.split(b"\n\n") if b.startswith(b"data: {")]


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"chat_template_kwargs": {"enable_thinking": True}, "logprobs": True, "top_logprobs": 2},
        {"n": 2, "messages": [{"role": "user", "content": "Hi"}], "return_token_ids": True},
        {"tool_choice": "required"},
    ],
)
def test_chat_bodies_and_chunks(http: httpx.Client, schemas: dict[str, Any], extra: dict[str, Any]) -> None:
    body = {**CHAT, **extra}
    check(schemas, "ChatCompletionResponse", http.post("/v1/chat/completions", json=body).json())
    stream = {
        **body,
        "stream": True,
        "stream_options": {"include_usage": True, "continuous_usage_stats": True},
    }
    chunks = sse(http.post("/v1/chat/completions", json=stream))
    assert chunks
    for chunk in chunks:
        check(schemas, "ChatCompletionStreamResponse", chunk)


def test_completion_bodies_and_chunks(http: httpx.Client, schemas: dict[str, Any]) -> None:
    body = {
        "model": "mock",
        "prompt": ["The quick", "Once"],
        "n": 2,
        "echo": True,
        "logprobs": 2,
        "max_tokens": 8,
    }
    check(schemas, "CompletionResponse", http.post("/v1/completions", json=body).json())
    for chunk in sse(http.post("/v1/completions", json={**body, "stream": True})):
        check(schemas, "CompletionStreamResponse", chunk)


def test_other_routes(http: httpx.Client, schemas: dict[str, Any]) -> None:
    check(schemas, "ModelList", http.get("/v1/models").json())
    check(
        schemas,
        "EmbeddingResponse",
        http.post("/v1/embeddings", json={"model": "mock", "input": ["a", "b"]}).json(),
    )
    check(schemas, "PoolingResponse", http.post("/pooling", json={"model": "mock", "input": "a"}).json())
    check(
        schemas,
        "ScoreResponse",
        http.post("/score", json={"model": "mock", "text_1": "a", "text_2": ["b"]}).json(),
    )
    check(
        schemas,
        "RerankResponse",
        http.post("/rerank", json={"model": "mock", "query": "a", "documents": ["b", "c"]}).json(),
    )
    check(
        schemas, "ClassificationResponse", http.post("/classify", json={"model": "mock", "input": "a"}).json()
    )
    tokens = http.post(
        "/tokenize", json={"model": "mock", "prompt": "hi there", "return_token_strs": True}
    ).json()
    check(schemas, "TokenizeResponse", tokens)
    check(
        schemas,
        "DetokenizeResponse",
        http.post("/detokenize", json={"model": "mock", "tokens": tokens["tokens"]}).json(),
    )
    for bad in (
        http.post("/v1/chat/completions", json={"model": "nope", "messages": []}),
        http.post("/v1/chat/completions", json={"model": "mock", "messages": [], "max_tokens": "x"}),
        http.post("/v1/chat/completions", json={**CHAT, "temperature": 5}),
    ):
        assert bad.status_code in (400, 404)
        check(schemas, "ErrorResponse", bad.json())


def test_structured_decision_body(http: httpx.Client, schemas: dict[str, Any]) -> None:
    # vLLM's own StructuredDecisionResponse schema (dumped from generate/structured_decisions/protocol.py).
    questions = {
        "mood": {"type": "choice", "criteria": {"happy": "pleased", "angry": None}},
        "late": {"type": "noul", "instructions": "Was it late?", "criteria": {"true": "late"}},
        "urgency": {"type": "score", "criteria": ["low", "high"]},
    }
    body = {"model": "mock", "state": {"order": 1, "late": True}, "questions": questions}
    check(schemas, "StructuredDecisionResponse", http.post("/v1/systemone", json=body).json())
    bad = http.post("/v1/systemone", json={**body, "questions": {}})
    assert bad.status_code == 400
    check(schemas, "ErrorResponse", bad.json())
