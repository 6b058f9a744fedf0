"""Batch chat, render, generative scoring, ``/v2/embed`` and the sleep-mode routes against a real vLLM.

The harness starts ``main`` with ``--enable-scale-out`` (render served) and ``plain`` without it (vLLM's 403)
but in dev mode (``VLLM_SERVER_DEV_MODE=1``: the sleep-mode routes are registered). vLLM documents sleep
mode as CUDA/HIP only, yet the 0.32.0 CPU build sleeps at level 1 and wakes up (level 2, which drops the
weights, is left out: waking from it needs the weights reloaded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import BadRequestError, ChatCompletionResponse, PermissionDeniedError
from vllm_sdk.types import (
    CohereEmbedResponse,
    GenerateRequest,
    GenerateRequestList,
    GenerativeScoringResponse,
    IsSleepingResponse,
    SleepResponse,
    WakeUpResponse,
)

if TYPE_CHECKING:
    from .real_support import ServerInfo

pytestmark = pytest.mark.real_vllm

HELLO = [{"role": "user", "content": "Hello"}]


def test_real_batch_chat(client: Any, main_server: ServerInfo) -> None:
    conversations = [HELLO, [{"role": "user", "content": "What is the weather in Paris?"}]]
    resp = client.chat.completions.batch(
        model=main_server.model,
        messages=conversations,
        max_tokens=8,
        temperature=0,
        chat_template_kwargs={"enable_thinking": False},
    )
    assert isinstance(resp, ChatCompletionResponse)
    assert [c.index for c in resp.choices] == [0, 1]
    assert resp.usage is not None
    assert 0 < resp.usage.completion_tokens <= 16
    with pytest.raises(BadRequestError, match="n > 1"):
        client.chat.completions.batch(model=main_server.model, messages=conversations, n=2)


def test_real_chat_render_matches_tokenize(client: Any, main_server: ServerInfo) -> None:
    rendered = client.chat.completions.render(model=main_server.model, messages=HELLO, max_tokens=5)
    assert isinstance(rendered, GenerateRequest)
    tokens = client.tokenize(model=main_server.model, messages=HELLO)
    assert rendered.token_ids == tokens.tokens
    assert rendered.sampling_params.max_tokens == 5


def test_real_completions_render(client: Any, main_server: ServerInfo) -> None:
    rendered = client.completions.render(
        model=main_server.model, prompt=["Hello world", "The quick brown fox"]
    )
    assert isinstance(rendered, GenerateRequestList)
    assert len(rendered) == 2
    assert rendered[0].token_ids == client.tokenize(model=main_server.model, prompt="Hello world").tokens


async def test_real_render_async(make_async_client: Any, main_server: ServerInfo) -> None:
    client = make_async_client(main_server)
    rendered = await client.completions.render(model=main_server.model, prompt="Hello world")
    assert len(rendered) == 1
    chat = await client.chat.completions.render(model=main_server.model, messages=HELLO)
    assert chat.token_ids


def test_real_messages_and_responses_render(client: Any, main_server: ServerInfo) -> None:
    messages = client.messages.render(model=main_server.model, max_tokens=5, messages=HELLO)
    assert isinstance(messages, GenerateRequest)
    assert messages.token_ids
    assert messages.sampling_params.max_tokens == 5
    responses = client.responses.render(model=main_server.model, input="Hello", max_output_tokens=5)
    assert isinstance(responses, GenerateRequest)
    assert responses.token_ids
    with pytest.raises(BadRequestError, match="previous_response_id"):
        client.responses.render(model=main_server.model, input="Hello", previous_response_id="resp_x")


def test_real_render_without_scale_out_is_forbidden(make_client: Any, plain_server: ServerInfo) -> None:
    client = make_client(plain_server)
    with pytest.raises(PermissionDeniedError, match="--enable-scale-out"):
        client.chat.completions.render(model=plain_server.model, messages=HELLO)
    with pytest.raises(PermissionDeniedError, match="--enable-scale-out"):
        client.completions.render(model=plain_server.model, prompt="Hello world")


def test_real_generative_scoring(client: Any, main_server: ServerInfo) -> None:
    labels = [client.tokenize(model=main_server.model, prompt=w).tokens[0] for w in (" yes", " no")]
    resp = client.generative_scoring(
        model=main_server.model, query="Is it sunny? Answer:", items=[" yes", " no"], label_token_ids=labels
    )
    assert isinstance(resp, GenerativeScoringResponse)
    assert [d.index for d in resp.data] == [0, 1]
    assert all(0.0 <= d.score <= 1.0 for d in resp.data)
    with pytest.raises(BadRequestError, match="out of vocabulary range"):
        client.generative_scoring(query="q", items=["a"], label_token_ids=[10**7])


def test_real_cohere_embed(make_client: Any, embed_server: ServerInfo) -> None:
    client = make_client(embed_server)
    resp = client.embed(
        model=embed_server.model, texts=["hello", "world"], embedding_types=["float", "ubinary", "base64"]
    )
    assert isinstance(resp, CohereEmbedResponse)
    assert resp.embeddings.float_ is not None
    assert len(resp.embeddings.float_) == 2
    assert len(resp.embeddings.float_[0]) == 128  # tiny-embed's hidden size
    assert resp.embeddings.ubinary is not None
    assert len(resp.embeddings.ubinary[0]) == 16  # 128 bits
    first = resp.embeddings.float_[0]
    assert resp.embeddings.ubinary[0][0] == int("".join("1" if x >= 0 else "0" for x in first[:8]), 2)
    same = client.embeddings.create(model=embed_server.model, input=["hello"])
    assert resp.embeddings.float_[0] == pytest.approx(same.data[0].embedding, abs=1e-6)
    with pytest.raises(BadRequestError, match="Exactly one of texts, images, or inputs"):
        client.embed(model=embed_server.model, texts=[])


def test_real_sleep_wake_up_round_trip(make_client: Any, plain_server: ServerInfo) -> None:
    client = make_client(plain_server)
    assert client.is_sleeping().is_sleeping is False
    # The query is validated before the engine is asked: FastAPI's 422, answered by vLLM as a 400.
    with pytest.raises(BadRequestError, match="less than or equal to 2"):
        client.sleep(level=5)
    with pytest.raises(BadRequestError, match="'abort', 'wait' or 'keep'"):
        client.sleep(mode="later")  # type: ignore[arg-type]
    # vLLM 0.32.0's CPU build does sleep at level 1 (weights offloaded, KV cache dropped) and wakes up.
    try:
        slept = client.sleep(level=1, mode="abort")
        assert isinstance(slept, SleepResponse)
        assert (slept.status, slept.level) == ("sleeping", 1)
        state = client.is_sleeping()
        assert isinstance(state, IsSleepingResponse)
        assert state.is_sleeping is True
        partly = client.wake_up(tags=["weights"])
        assert isinstance(partly, WakeUpResponse)
        assert (partly.status, partly.tags) == ("sleeping", ["weights"])  # the KV cache still sleeps
    finally:
        awake = client.wake_up()
    assert (awake.status, awake.tags) == ("awake", None)
    assert client.is_sleeping().is_sleeping is False
    # and the engine serves again
    done = client.completions.create(model=plain_server.model, prompt="Hello", max_tokens=3, temperature=0)
    assert done.choices[0].text
