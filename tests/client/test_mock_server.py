"""End to end against the embedded mock vLLM server (real sockets, real HTTP), sync and async."""

from __future__ import annotations

import asyncio
import gc

import pytest

from vllm_sdk import (
    AsyncVllmClient,
    AuthenticationError,
    ChatCompletionResponse,
    Content,
    InternalServerError,
    ModelNotFoundError,
    RateLimitError,
    VllmClient,
)

pytest.importorskip("aiohttp")

from typing import TYPE_CHECKING

from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import Iterator

MSGS = [{"role": "user", "content": "Tell me about the city"}]


@pytest.fixture(scope="module")
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


@pytest.fixture
def client(server: MockVllmServer) -> Iterator[VllmClient]:
    with VllmClient(server.base_url) as c:
        c._sleep = lambda seconds: None
        yield c


def test_chat_both_styles(client: VllmClient) -> None:
    by_keyword = client.chat.completions.create(model="mock", messages=MSGS, max_tokens=6, seed=1)
    by_builder = client.chat.completions.create().model("mock").messages(MSGS).max_tokens(6).seed(1).send()
    assert isinstance(by_keyword, ChatCompletionResponse)
    assert by_keyword.content
    assert by_keyword.content == by_builder.content
    assert by_keyword.finish_reason == "length"
    assert by_keyword.usage.completion_tokens == 6


def test_chat_stream_matches_non_stream(client: VllmClient) -> None:
    plain = client.chat.completions.create(model="mock", messages=MSGS, max_tokens=6, seed=1)
    with client.chat.completions.create(
        model="mock", messages=MSGS, max_tokens=6, seed=1, stream=True
    ) as stream:
        text = "".join(e.text for e in stream if isinstance(e, Content))
    assert text == plain.content


def test_other_routes(client: VllmClient) -> None:
    assert [m.id for m in client.models.list().data or []] == ["mock"]
    assert client.health() is True
    assert client.version()
    assert "vllm:" in client.metrics()
    tokens = client.tokenize(model="mock", prompt="hello world")
    assert tokens.count == len(tokens.tokens) > 0
    assert client.detokenize(model="mock", tokens=tokens.tokens).prompt == "hello world"
    completion = client.completions.create(model="mock", prompt="Once", max_tokens=4)
    assert completion.text
    embedding = client.embeddings.create(model="mock", input="hello")
    assert embedding.data[0].embedding
    raw = client.request("GET", "/models")
    assert raw.json()["data"][0]["id"] == "mock"


def test_unknown_model_is_model_not_found(client: VllmClient) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        client.chat.completions.create(model="nope", messages=MSGS)
    assert info.value.model == "nope"


def test_injected_faults_are_retried(client: VllmClient, server: MockVllmServer) -> None:
    before = len(server.requests)
    resp = client.chat.completions.create(
        model="mock",
        messages=MSGS,
        max_tokens=3,
        extra_headers={"x-mock-fault": "status=503:2", "x-mock-fault-key": "retry-me"},
    )
    assert resp.content
    assert len(server.requests) - before == 3


def test_rate_limit_and_html_502(client: VllmClient) -> None:
    with pytest.raises(RateLimitError):
        client.chat.completions.create(
            model="mock", messages=MSGS, extra_headers={"x-mock-fault": "rate_limit"}, max_retries=0
        )
    with pytest.raises(InternalServerError) as info:
        client.chat.completions.create(
            model="mock", messages=MSGS, extra_headers={"x-mock-fault": "html_502"}, max_retries=0
        )
    assert info.value.status_code == 502


def test_health_is_false_when_nothing_listens() -> None:
    with MockVllmServer() as srv:
        url = srv.base_url
    with VllmClient(url, timeout=2) as c:
        assert c.health() is False


def test_api_key_against_a_protected_server() -> None:
    with MockVllmServer(api_key="sk-mock") as srv, VllmClient(srv.base_url, api_key="wrong") as c:
        with pytest.raises(AuthenticationError):
            c.models.list()
        assert c.with_api_key("sk-mock").models.list().data


async def test_async_client_end_to_end(server: MockVllmServer) -> None:
    async with AsyncVllmClient(server.base_url) as c:
        resp = await c.chat.completions.create().model("mock").user("hi").max_tokens(5).send()
        assert resp.content
        stream = await c.chat.completions.create(model="mock", messages=MSGS, stream=True, max_tokens=5)
        async with stream:
            assert await stream.collect_content()
        results = await asyncio.gather(
            *(c.chat.completions.create(model="mock", messages=MSGS, max_tokens=3) for _ in range(8))
        )
        assert all(r.content for r in results)
        assert await c.health()
        assert (await c.models.list()).data
        assert (await c.tokenize(model="mock", prompt="abc")).count > 0


def test_a_stream_outlives_the_client_that_opened_it(server: MockVllmServer) -> None:
    client = VllmClient(server.base_url)
    pool = client.http_client
    stream = client.chat.completions.create(model="mock", messages=MSGS, max_tokens=8, stream=True)
    del client
    gc.collect()
    with stream:
        assert stream.collect_content()
    pool.close()  # the dropped client never closed it (that is the point); the test does
