"""Batch chat, the render routes, generative scoring and ``/v2/embed`` on both clients: what is sent, the
response types, and the error statuses (end to end against the mock server; the 403 a real server
answers without ``--enable-scale-out`` replayed from transcripts A50 and A51)."""

from __future__ import annotations

import asyncio
import base64
import struct
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from reference_data import transcript
from vllm_sdk import (
    AsyncVllmClient,
    BadRequestError,
    MissingParameterError,
    ModelNotFoundError,
    PermissionDeniedError,
    VllmClient,
)
from vllm_sdk.testing import MockVllmServer
from vllm_sdk.types import (
    ChatCompletionResponse,
    CohereEmbedResponse,
    GenerateRequest,
    GenerateRequestList,
    GenerativeScoringResponse,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

HELLO = [{"role": "user", "content": "Hello"}]
CONVERSATIONS = [
    [{"role": "user", "content": "Hello"}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is two plus two?"}],
]


@pytest.fixture(scope="module")
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


@pytest.fixture
def client(server: MockVllmServer) -> Iterator[VllmClient]:
    with VllmClient(server.base_url, max_retries=0) as c:
        yield c


# -------------------------------------------------------------------------------------- batch chat


def test_batch_chat_answers_one_choice_per_conversation(server: MockVllmServer, client: VllmClient) -> None:
    resp = client.chat.completions.batch(model=server.model, messages=CONVERSATIONS, max_tokens=4, seed=1)
    assert isinstance(resp, ChatCompletionResponse)
    assert [c.index for c in resp.choices] == [0, 1]
    assert resp.id.startswith("chatcmpl-")
    assert resp.usage is not None
    # each choice is what the single-conversation route answers for that conversation; usage is summed
    singles = [
        client.chat.completions.create(model=server.model, messages=conv, max_tokens=4, seed=1)
        for conv in CONVERSATIONS
    ]
    assert [c.message.content for c in resp.choices] == [s.content for s in singles]
    assert resp.usage.prompt_tokens == sum(s.usage.prompt_tokens for s in singles if s.usage)
    assert resp.usage.completion_tokens == sum(s.usage.completion_tokens or 0 for s in singles if s.usage)
    sent = server.requests[-3]
    assert sent.path == "/v1/chat/completions/batch"
    assert sent.json == {"model": server.model, "messages": CONVERSATIONS, "max_tokens": 4, "seed": 1}


def test_batch_chat_errors(server: MockVllmServer, client: VllmClient) -> None:
    with pytest.raises(MissingParameterError, match="messages"):
        client.chat.completions.batch(model=server.model)  # type: ignore[call-arg]
    with pytest.raises(BadRequestError, match="do not support `n > 1`") as info:
        client.chat.completions.batch(messages=CONVERSATIONS, n=2)
    assert info.value.status_code == 400
    with pytest.raises(BadRequestError, match="at least 1 item"):
        client.chat.completions.batch(messages=[CONVERSATIONS[0], []])
    with pytest.raises(ModelNotFoundError):
        client.chat.completions.batch(model="no-such-model", messages=CONVERSATIONS)


# ------------------------------------------------------------------------------------------ render


def test_chat_render_returns_the_generate_request(server: MockVllmServer, client: VllmClient) -> None:
    rendered = client.chat.completions.render(
        model=server.model, messages=CONVERSATIONS[0], max_tokens=7, temperature=0.5, stop=["\n"]
    )
    assert isinstance(rendered, GenerateRequest)
    tokens = client.tokenize(model=server.model, messages=CONVERSATIONS[0])
    assert rendered.token_ids == tokens.tokens  # the chat template applied and tokenized, nothing generated
    assert rendered.request_id.startswith("chatcmpl-")
    assert rendered.sampling_params.max_tokens == 7
    assert rendered.sampling_params.temperature == 0.5
    assert rendered.sampling_params.stop == ["\n"]
    assert server.requests[-2].path == "/v1/chat/completions/render"
    assert server.requests[-2].json == {
        "model": server.model,
        "messages": CONVERSATIONS[0],
        "max_tokens": 7,
        "temperature": 0.5,
        "stop": ["\n"],
    }


def test_completions_render_returns_one_request_per_prompt(
    server: MockVllmServer, client: VllmClient
) -> None:
    rendered = client.completions.render(model=server.model, prompt=["Hello world", "The quick brown fox"])
    assert isinstance(rendered, GenerateRequestList)
    assert len(rendered) == 2
    assert rendered  # truthy as a response, whatever its length
    first, second = rendered
    assert isinstance(first, GenerateRequest)
    assert rendered[1] is second
    assert rendered[:1] == [first]
    assert first.token_ids == client.tokenize(model=server.model, prompt="Hello world").tokens
    assert [r.request_id.rsplit("-", 1)[1] for r in rendered] == ["0", "1"]
    assert server.requests[-2].path == "/v1/completions/render"


def test_render_errors(server: MockVllmServer, client: VllmClient) -> None:
    with pytest.raises(MissingParameterError):
        client.completions.render(model=server.model)  # type: ignore[call-arg]
    with pytest.raises(BadRequestError, match="empty conversation"):
        client.chat.completions.render(messages=[])
    with pytest.raises(ModelNotFoundError):
        client.completions.render(model="nope", prompt="x")


def _transcript_answer(name: str) -> httpx.Response:
    raw = transcript(f"{name}.http").read_bytes()
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    status = int(head.split(b" ", 2)[1])
    return httpx.Response(status, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize("name", ["A50_chat_render", "A51_completions_render"])
def test_render_without_scale_out_is_permission_denied(name: str) -> None:
    # vLLM 0.32.0 without --enable-scale-out answers the render routes with 403 PermissionDeniedError.
    answer = _transcript_answer(name)
    transport = httpx.MockTransport(lambda request: answer)
    with VllmClient("http://vllm.test/v1", http_client=httpx.Client(transport=transport)) as c:
        if name.startswith("A50"):
            with pytest.raises(PermissionDeniedError, match="--enable-scale-out") as info:
                c.chat.completions.render(model="tiny", messages=[{"role": "user", "content": "Hello"}])
        else:
            with pytest.raises(PermissionDeniedError, match="--enable-scale-out") as info:
                c.completions.render(model="tiny", prompt="Hello world")
    assert info.value.status_code == 403


# ------------------------------------------------------------------------------ generative scoring


def test_generative_scoring(server: MockVllmServer, client: VllmClient) -> None:
    labels = [client.tokenize(model=server.model, prompt=w).tokens[0] for w in ("Yes", "No")]
    resp = client.generative_scoring(
        model=server.model,
        query="Is Paris in France? Answer:",
        items=[" Yes", " No", " Maybe"],
        label_token_ids=labels,
    )
    assert isinstance(resp, GenerativeScoringResponse)
    assert [d.index for d in resp.data] == [0, 1, 2]
    assert all(0.0 <= d.score <= 1.0 and d.object == "score" for d in resp.data)
    assert resp.id.startswith("generative-scoring-")
    assert resp.usage.completion_tokens == 3
    # softmax over the labels only: never below the probability over the whole vocabulary
    full = client.generative_scoring(
        query="Is Paris in France? Answer:",
        items=[" Yes", " No", " Maybe"],
        label_token_ids=labels,
        apply_softmax=False,
    )
    assert all(f.score < s.score for f, s in zip(full.data, resp.data, strict=True))
    assert server.requests[-1].json["apply_softmax"] is False


def test_generative_scoring_errors(client: VllmClient) -> None:
    with pytest.raises(BadRequestError, match="out of vocabulary range"):
        client.generative_scoring(query="q", items=["a"], label_token_ids=[10**6])
    with pytest.raises(BadRequestError, match="at least one token ID"):
        client.generative_scoring(query="q", items=["a"], label_token_ids=[])
    with pytest.raises(BadRequestError, match="at least one item"):
        client.generative_scoring(query="q", items=[], label_token_ids=[1])


# ------------------------------------------------------------------------------------- /v2/embed


def test_embed_every_embedding_type(server: MockVllmServer, client: VllmClient) -> None:
    resp = client.embed(
        model=server.model,
        texts=["hello", "world"],
        input_type="search_document",
        embedding_types=["float", "binary", "ubinary", "base64"],
    )
    assert isinstance(resp, CohereEmbedResponse)
    assert resp.response_type == "embeddings_by_type"
    assert resp.texts == ["hello", "world"]
    floats = resp.embeddings.float_
    assert floats is not None
    assert len(floats) == 2
    assert len(floats[0]) == 128  # the mock's default embedding size
    # the same vectors as /v1/embeddings
    same = client.embeddings.create(model=server.model, input=["hello", "world"])
    assert floats == [d.embedding for d in same.data]
    # bit-packed MSB first, positive -> 1; binary is ubinary - 128; base64 is little-endian float32
    vec = floats[0]
    first_byte = int("".join("1" if x >= 0 else "0" for x in vec[:8]), 2)
    assert resp.embeddings.ubinary is not None
    assert resp.embeddings.binary is not None
    assert resp.embeddings.base64 is not None
    assert resp.embeddings.ubinary[0][0] == first_byte
    assert resp.embeddings.binary[0][0] == first_byte - 128
    decoded = struct.unpack(f"<{len(vec)}f", base64.b64decode(resp.embeddings.base64[0]))
    assert list(decoded) == vec
    assert resp.meta is not None
    assert resp.meta.billed_units is not None
    assert resp.meta.billed_units.input_tokens == same.usage.prompt_tokens
    assert server.requests[-2].json["embedding_types"] == ["float", "binary", "ubinary", "base64"]


def test_embed_defaults_to_float_and_takes_inputs(client: VllmClient) -> None:
    resp = client.embed(inputs=[{"content": [{"type": "text", "text": "hello"}]}])
    assert resp.embeddings.float_ is not None
    assert resp.embeddings.binary is None
    assert resp.texts is None  # only echoed for `texts`


def test_embed_errors(client: VllmClient) -> None:
    with pytest.raises(BadRequestError, match="Exactly one of texts, images, or inputs"):
        client.embed(texts=[])
    with pytest.raises(BadRequestError, match="Exactly one of texts, images, or inputs"):
        client.embed(texts=["a"], images=["data:image/png;base64,AAAA"])
    with pytest.raises(BadRequestError, match="embedding_types"):
        client.embed(texts=["a"], embedding_types=["int8"])  # type: ignore[list-item]


# ------------------------------------------------------------------------------------------ async


def test_every_extra_route_on_the_async_client(server: MockVllmServer) -> None:
    async def main() -> list[Any]:
        async with AsyncVllmClient(server.base_url, max_retries=0) as c:
            batch = await c.chat.completions.batch(messages=CONVERSATIONS, max_tokens=2)
            chat = await c.chat.completions.render(messages=CONVERSATIONS[0])
            completions = await c.completions.render(prompt="Hello world")
            scoring = await c.generative_scoring(query="q", items=["a", "b"], label_token_ids=[5, 6])
            embed = await c.embed(texts=["hi"])
            with pytest.raises(BadRequestError):
                await c.chat.completions.batch(messages=CONVERSATIONS, n=3)
            with pytest.raises(BadRequestError):
                await c.embed(texts=[])
            raw = await c.with_raw_response.generative_scoring(query="q", items=["a"], label_token_ids=[5])
            assert raw.status_code == 200
            assert isinstance(await raw.parse(), GenerativeScoringResponse)
            return [batch, chat, completions, scoring, embed]

    batch, chat, completions, scoring, embed = asyncio.run(main())
    assert isinstance(batch, ChatCompletionResponse)
    assert len(batch.choices) == 2
    assert isinstance(chat, GenerateRequest)
    assert isinstance(completions, GenerateRequestList)
    assert len(completions) == 1
    assert isinstance(scoring, GenerativeScoringResponse)
    assert len(scoring.data) == 2
    assert isinstance(embed, CohereEmbedResponse)


def test_raw_response_of_completions_render(client: VllmClient) -> None:
    raw = client.completions.with_raw_response.render(prompt=["a", "b"])
    assert raw.status_code == 200
    parsed = raw.parse()
    assert isinstance(parsed, GenerateRequestList)
    assert len(parsed) == 2


# ------------------------------------------------------------------- Messages and Responses render


def test_messages_render(server: MockVllmServer, client: VllmClient) -> None:
    rendered = client.messages.render(
        model=server.model, max_tokens=9, system="Be brief.", messages=[{"role": "user", "content": "Hello"}]
    )
    assert isinstance(rendered, GenerateRequest)
    # the Messages request as the chat request /v1/messages makes of it: the system prompt comes first
    chat = client.tokenize(
        model=server.model,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}],
    )
    assert rendered.token_ids == chat.tokens
    assert rendered.sampling_params.max_tokens == 9
    assert server.requests[-2].path == "/v1/messages/render"
    with pytest.raises(MissingParameterError, match="max_tokens"):
        client.messages.render(model=server.model, messages=[{"role": "user", "content": "Hello"}])


def test_responses_render(server: MockVllmServer, client: VllmClient) -> None:
    rendered = client.responses.render(model=server.model, input="Hello", max_output_tokens=6)
    assert isinstance(rendered, GenerateRequest)
    assert rendered.token_ids == client.tokenize(model=server.model, messages=HELLO).tokens
    assert rendered.sampling_params.max_tokens == 6
    # the render endpoint is stateless
    with pytest.raises(BadRequestError, match="previous_response_id is not supported") as info:
        client.responses.render(model=server.model, input="more", previous_response_id="resp_1")
    assert info.value.param == "previous_response_id"


def test_messages_and_responses_render_async(server: MockVllmServer) -> None:
    async def main() -> tuple[GenerateRequest, GenerateRequest]:
        async with AsyncVllmClient(server.base_url, max_retries=0) as c:
            one = await c.messages.render(model=server.model, max_tokens=4, messages=HELLO)
            two = await c.responses.render(model=server.model, input="Hello")
            return one, two

    one, two = asyncio.run(main())
    assert one.token_ids == two.token_ids  # the same conversation, the same prompt
