"""Legacy completions and the other routes through the sync SDK client against a real vLLM."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import Done, FinishReason, Text

if TYPE_CHECKING:
    import httpx

    from .real_support import ServerInfo

pytestmark = pytest.mark.real_vllm

PROMPT = "The quick brown fox"


def test_completions_echo_logprobs(client: Any, http: httpx.Client, main_server: ServerInfo) -> None:
    body = {"model": main_server.model, "prompt": PROMPT, "max_tokens": 12, "temperature": 0}
    raw = http.post("/v1/completions", json={**body, "echo": True, "logprobs": 2}).json()
    resp = (
        client.completions.create()
        .model(main_server.model)
        .prompt(PROMPT)
        .max_tokens(12)
        .temperature(0)
        .echo(True)
        .logprobs(2)
        .send()
    )
    choice = resp.choices[0]
    assert choice.text == raw["choices"][0]["text"]
    assert choice.text.startswith(PROMPT)
    assert len(choice.text) > len(PROMPT)
    logprobs = choice.logprobs
    # a stop on the EOS token lists that token in the logprobs but not in the text
    tokens = logprobs.tokens[:-1] if choice.stop_reason is not None else logprobs.tokens
    assert "".join(tokens) == choice.text
    assert len(logprobs.tokens) == len(logprobs.token_logprobs) == len(logprobs.text_offset)
    assert logprobs.token_logprobs[0] is None  # the first prompt token has no logprob
    assert all(len(top) <= 2 for top in logprobs.top_logprobs[1:] if top is not None)
    assert resp.usage.completion_tokens == raw["usage"]["completion_tokens"]


def test_completions_stream_equals_nonstream(client: Any, main_server: ServerInfo) -> None:
    kwargs = {"model": main_server.model, "prompt": PROMPT, "max_tokens": 12, "temperature": 0}
    whole = client.completions.create(**kwargs)
    with client.completions.create(stream=True, **kwargs) as stream:
        events = list(stream)
    assert "".join(e.text for e in events if isinstance(e, Text)) == whole.choices[0].text
    assert [e.reason for e in events if isinstance(e, FinishReason)] == [whole.choices[0].finish_reason]
    assert isinstance(events[-1], Done)
    builder = client.completions.create().model(main_server.model).prompt(PROMPT).max_tokens(12)
    with builder.temperature(0).echo(True).logprobs(1).send_stream() as stream:
        echoed = stream.collect_text()
    assert echoed == PROMPT + whole.choices[0].text


def test_completions_batch_prompts_n2_stream(client: Any, main_server: ServerInfo) -> None:
    kwargs = {
        "model": main_server.model,
        "prompt": [PROMPT, "Once upon a time,"],
        "n": 2,
        "max_tokens": 10,
        "temperature": 0.8,  # vLLM refuses n > 1 with greedy sampling
        "seed": 11,
    }
    whole = client.completions.create(**kwargs)
    assert [c.index for c in whole.choices] == [0, 1, 2, 3]
    with client.completions.create(stream=True, **kwargs) as stream:
        events = list(stream)
    for choice in whole.choices:
        streamed = "".join(e.text for e in events if isinstance(e, Text) and e.index == choice.index)
        assert streamed == choice.text
    assert sorted(e.index for e in events if isinstance(e, FinishReason)) == [0, 1, 2, 3]


def test_models_list(client: Any, main_server: ServerInfo) -> None:
    models = client.models.list()
    ids = [m.id for m in models.data]
    assert main_server.model in ids


def test_tokenize_detokenize_round_trip(client: Any, main_server: ServerInfo) -> None:
    text = "Hello world, 你好"
    tokens = client.tokenize(model=main_server.model, prompt=text)
    assert tokens.count == len(tokens.tokens) > 0
    assert all(isinstance(t, int) for t in tokens.tokens)
    back = client.detokenize(model=main_server.model, tokens=tokens.tokens)
    assert back.prompt == text


def test_health_version_metrics(client: Any, http: httpx.Client) -> None:
    assert client.health() is True
    assert client.version() == http.get("/version").json()["version"]
    metrics = client.metrics()
    assert isinstance(metrics, str)
    assert "vllm:num_requests_running" in metrics


def test_embeddings(make_client: Any, embed_server: ServerInfo) -> None:
    client = make_client(embed_server)
    resp = client.embeddings.create(model=embed_server.model, input=["hello world", "goodbye"])
    assert [d.index for d in resp.data] == [0, 1]
    vectors = [d.embedding for d in resp.data]
    assert len(vectors[0]) == len(vectors[1]) > 0
    assert vectors[0] != vectors[1]
    for vector in vectors:  # the tiny embedding model L2-normalises
        assert math.sqrt(sum(x * x for x in vector)) == pytest.approx(1.0, abs=1e-3)
    assert resp.usage.prompt_tokens > 0
    single = client.embeddings.create(model=embed_server.model, input="hello world")
    assert single.data[0].embedding == pytest.approx(vectors[0], abs=1e-5)


def test_embed_server_models_and_health(make_client: Any, embed_server: ServerInfo) -> None:
    client = make_client(embed_server)
    assert client.health() is True
    assert embed_server.model in [m.id for m in client.models.list().data]


def test_generic_request_reaches_v1_and_root_routes(client: Any, main_server: ServerInfo) -> None:
    from vllm_sdk import ModelNotFoundError, NotFoundError

    for path in ("/models", "/v1/models"):
        response = client.request("GET", path)
        assert main_server.model in [m["id"] for m in response.json()["data"]]
    assert isinstance(client.request("GET", "/load").json()["server_load"], int)
    tokens = client.request("POST", "/tokenize", json={"model": main_server.model, "prompt": "Hello"})
    assert tokens.json()["count"] == len(tokens.json()["tokens"]) > 0
    # FastAPI's own 404 for a route this server does not mount is not about a model
    with pytest.raises(NotFoundError) as info:
        client.request("GET", "/v1/nope")
    assert not isinstance(info.value, ModelNotFoundError)
    assert info.value.status_code == 404
    with pytest.raises(NotFoundError) as info:
        client.embeddings.create(model=main_server.model, input="hello")  # generate server: no route
    assert not isinstance(info.value, ModelNotFoundError)


def test_pooling_score_rerank(make_client: Any, embed_server: ServerInfo) -> None:
    client = make_client(embed_server)
    model = embed_server.model
    embedding = client.embeddings.create(model=model, input="hello world").data[0].embedding
    pooled = client.pooling(model=model, input="hello world")
    assert pooled.data[0].data == pytest.approx(embedding, abs=1e-5)
    scores = client.score(model=model, text_1="hello", text_2=["hello", "goodbye"])
    assert [d.index for d in scores.data] == [0, 1]
    assert scores.data[0].score == pytest.approx(1.0, abs=1e-3)  # cosine of a text with itself
    assert scores.data[1].score < scores.data[0].score
    ranked = client.rerank(model=model, query="hello", documents=["goodbye", "hello"])
    assert [r.index for r in ranked.results] == [1, 0]
    relevance = [r.relevance_score for r in ranked.results]
    assert relevance == sorted(relevance, reverse=True)
    assert relevance[1] == pytest.approx(scores.data[1].score, abs=1e-4)


def test_tokenize_chat_messages_counts_the_prompt(client: Any, main_server: ServerInfo) -> None:
    messages = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hello"}]
    tokens = client.tokenize(model=main_server.model, messages=messages, add_generation_prompt=True)
    resp = client.chat.completions.create(model=main_server.model, messages=messages, max_tokens=1)
    assert tokens.count == resp.usage.prompt_tokens


def test_client_construction_styles(
    make_client: Any, main_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vllm_sdk import VllmClient

    hello = [{"role": "user", "content": "Hello"}]
    built = (
        VllmClient.builder()
        .base_url(main_server.base_url + "/")
        .api_key(main_server.api_key or "unused")
        .timeout_secs(30)
        .header("X-Request-Id", "sdk-builder-1")
        .max_retries(1)
        .build()
    )
    with built:
        assert built.base_url == main_server.base_url
        resp = built.chat.completions.create(model=main_server.model, messages=hello, max_tokens=2)
        assert resp.id == "chatcmpl-sdk-builder-1"  # vLLM names the response after X-Request-Id
    monkeypatch.setenv("VLLM_BASE_URL", main_server.base_url)
    monkeypatch.setenv("VLLM_API_KEY", main_server.api_key or "unused")
    with VllmClient() as from_env:
        assert main_server.model in [m.id for m in from_env.models.list().data]
    derived = make_client(main_server).with_header("X-Request-Id", "sdk-derived-1").with_timeout(30)
    resp = derived.chat.completions.create(model=main_server.model, messages=hello, max_tokens=2)
    assert resp.id == "chatcmpl-sdk-derived-1"


def test_stream_snapshot_is_a_prefix_of_the_result(client: Any, main_server: ServerInfo) -> None:
    kwargs = {"model": main_server.model, "messages": [{"role": "user", "content": "Tell me a story."}]}
    with client.chat.completions.create(stream=True, temperature=0, max_tokens=60, **kwargs) as stream:
        iterator = iter(stream)
        for _ in range(20):
            next(iterator)
        early = stream.snapshot()
        final = stream.collect()
    early_text = (early.reasoning_content or "") + (early.content or "")
    final_text = (final.reasoning_content or "") + (final.content or "")
    assert early_text
    assert final_text.startswith(early_text)
    assert len(final_text) > len(early_text)
