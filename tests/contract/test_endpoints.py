"""API.md §4 (the other routes) on both clients, against the mock server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from vllm_sdk import ApiError, MissingParameterError, NotFoundError

if TYPE_CHECKING:
    from vllm_sdk.testing import MockVllmServer

    from .support import Mode


async def test_models_list(mode: Mode, server: MockVllmServer) -> None:
    models = await mode(mode.client(server.base_url).models.list())
    assert [card.id for card in models.data] == ["mock"]
    assert server.requests[-1].path == "/v1/models"


async def test_embeddings_create(mode: Mode, server: MockVllmServer) -> None:
    resp = await mode(mode.client(server.base_url).embeddings.create(model="mock", input=["a", "b"]))
    assert [d.index for d in resp.data] == [0, 1]
    assert len(resp.data[0].embedding) == 128
    assert resp.usage.prompt_tokens > 0
    assert server.requests[-1].path == "/v1/embeddings"


async def test_tokenize_detokenize_round_trip(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    tokens = await mode(client.tokenize(model="mock", prompt="hello world"))
    assert tokens.count == len(tokens.tokens) > 0
    assert server.requests[-1].path == "/tokenize"
    text = await mode(client.detokenize(model="mock", tokens=tokens.tokens))
    assert text.prompt == "hello world"
    assert server.requests[-1].path == "/detokenize"


async def test_tokenize_chat_messages(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    tokens = await mode(client.tokenize(model="mock", messages=[{"role": "user", "content": "hi"}]))
    assert tokens.count > 0


async def test_score(mode: Mode, server: MockVllmServer) -> None:
    resp = await mode(mode.client(server.base_url).score(model="mock", queries="q", documents=["a", "b"]))
    assert [d.index for d in resp.data] == [0, 1]
    assert all(isinstance(d.score, float) for d in resp.data)


async def test_rerank(mode: Mode, server: MockVllmServer) -> None:
    resp = await mode(mode.client(server.base_url).rerank(model="mock", query="q", documents=["a", "b", "c"]))
    scores = [r.relevance_score for r in resp.results]
    assert scores == sorted(scores, reverse=True)
    assert sorted(r.index for r in resp.results) == [0, 1, 2]


async def test_pooling(mode: Mode, server: MockVllmServer) -> None:
    resp = await mode(mode.client(server.base_url).pooling(model="mock", input="a"))
    assert len(resp.data) == 1
    assert resp.data[0].data


async def test_classify(mode: Mode, server: MockVllmServer) -> None:
    resp = await mode(mode.client(server.base_url).classify(model="mock", input=["good", "bad"]))
    assert len(resp.data) == 2
    assert all(isinstance(d.label, str) for d in resp.data)


async def test_health_true(mode: Mode, server: MockVllmServer) -> None:
    assert await mode(mode.client(server.base_url).health()) is True


async def test_health_false_when_unreachable(mode: Mode) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    assert await mode(mode.mock_client(refuse).health()) is False


async def test_health_false_on_error_status(mode: Mode) -> None:
    client = mode.mock_client(lambda request: httpx.Response(503, text="loading"))
    assert await mode(client.health()) is False
    assert mode.sleeps == []


async def test_version_is_str(mode: Mode, server: MockVllmServer) -> None:
    assert await mode(mode.client(server.base_url).version()) == "0.32.0"


async def test_metrics_is_prometheus_text(mode: Mode, server: MockVllmServer) -> None:
    text = await mode(mode.client(server.base_url).metrics())
    assert isinstance(text, str)
    assert "# HELP vllm:" in text


async def test_request_any_route(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url, api_key="k")
    response = await mode(client.request("GET", "/models"))
    assert isinstance(response, httpx.Response)
    assert response.json()["data"][0]["id"] == "mock"
    root = await mode(client.request("GET", "/version"))
    assert root.json() == {"version": "0.32.0"}
    posted = await mode(client.request("POST", "/tokenize", json={"model": "mock", "prompt": "hi"}))
    assert posted.json()["count"] > 0
    assert server.requests[-1].headers["authorization"] == "Bearer k"


async def test_request_maps_errors(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    with pytest.raises(NotFoundError):
        await mode(client.request("GET", "/no/such/route"))


async def test_request_retries(mode: Mode) -> None:
    replies = iter([httpx.Response(503), httpx.Response(200, json={"ok": True})])
    client = mode.mock_client(lambda request: next(replies))
    response = await mode(client.request("GET", "/anything"))
    assert response.json() == {"ok": True}
    assert len(mode.sleeps) == 1


async def test_request_error_is_api_error(mode: Mode) -> None:
    client = mode.mock_client(lambda request: httpx.Response(400, json={"error": {"message": "bad"}}))
    with pytest.raises(ApiError) as info:
        await mode(client.request("POST", "/chat/completions", json={}))
    assert info.value.status_code == 400


MISSING = [
    ("tokenize", {"model": "m"}, "prompt"),
    ("detokenize", {"model": "m"}, "tokens"),
    ("score", {"model": "m", "queries": "q"}, "documents"),
    ("rerank", {"model": "m", "query": "q"}, "documents"),
    ("pooling", {"model": "m"}, "input"),
    ("classify", {"model": "m"}, "input"),
    ("embeddings", {"model": "m"}, "input"),
]


@pytest.mark.parametrize(("route", "params", "missing"), MISSING, ids=[m[0] for m in MISSING])
async def test_required_field_missing_before_io(
    mode: Mode, route: str, params: dict[str, str], missing: str
) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    client = mode.mock_client(handler)
    method = client.embeddings.create if route == "embeddings" else getattr(client, route)
    with pytest.raises(MissingParameterError) as info:
        await mode(method(**params))
    assert info.value.parameter == missing
    assert sent == []


async def test_required_field_given_in_extra_body(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    tokens = await mode(client.tokenize(model="mock", extra_body={"prompt": "hi"}))
    assert tokens.count > 0
