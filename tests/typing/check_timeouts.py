"""Static typing checks of ``timeout=`` (run by test_typing.py with ``mypy --strict``; never executed).

``timeout=None`` (no timeout) and ``timeout=NOT_GIVEN`` (the default) are accepted everywhere openai-python
accepts them, and neither changes which keyword overload is picked.
"""

from __future__ import annotations

import httpx
from typing_extensions import assert_type

from vllm_sdk import (
    NOT_GIVEN,
    AsyncMessageStream,
    AsyncVllmClient,
    ChatCompletionResponse,
    CompletionResponse,
    CompletionStream,
    MessageStream,
    NotGiven,
    VllmClient,
)
from vllm_sdk.types import ChatCompletionMessageParam, EmbeddingResponse, ModelList, TokenizeResponse

MSGS: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]


def forwarded(client: VllmClient, timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN) -> None:
    """A user's wrapper forwarding an optional timeout, annotated the openai-python way."""
    assert_type(
        client.chat.completions.create(model="m", messages=MSGS, timeout=timeout), ChatCompletionResponse
    )


def sync_client(client: VllmClient) -> None:
    assert_type(NOT_GIVEN, NotGiven)
    assert_type(VllmClient(timeout=None), VllmClient)
    assert_type(VllmClient(timeout=NOT_GIVEN), VllmClient)
    assert_type(client.with_options(timeout=None), VllmClient)
    assert_type(client.with_timeout(None), VllmClient)
    assert_type(VllmClient.builder().timeout(None).build(), VllmClient)

    assert_type(
        client.chat.completions.create(model="m", messages=MSGS, timeout=None), ChatCompletionResponse
    )
    assert_type(
        client.chat.completions.create(model="m", messages=MSGS, stream=True, timeout=None), MessageStream
    )
    assert_type(
        client.chat.completions.create(model="m", messages=MSGS, stream=False, timeout=NOT_GIVEN),
        ChatCompletionResponse,
    )
    assert_type(client.chat.completions.create().model("m").send(timeout=None), ChatCompletionResponse)
    assert_type(client.chat.completions.create().model("m").send_stream(timeout=None), MessageStream)
    assert_type(client.completions.create(model="m", prompt="p", timeout=None), CompletionResponse)
    assert_type(client.completions.create(model="m", prompt="p", stream=True, timeout=None), CompletionStream)
    assert_type(client.models.list(timeout=None), ModelList)
    assert_type(client.embeddings.create(model="m", input="x", timeout=None), EmbeddingResponse)
    assert_type(client.tokenize(model="m", prompt="x", timeout=None), TokenizeResponse)
    assert_type(client.request("GET", "/models", timeout=None), httpx.Response)
    assert_type(client.health(timeout=None), bool)
    assert_type(client.version(timeout=NOT_GIVEN), str)

    client.chat.completions.create(model="m", messages=MSGS, timeout="10")  # type: ignore[call-overload]


async def async_client(client: AsyncVllmClient) -> None:
    assert_type(AsyncVllmClient(timeout=None), AsyncVllmClient)
    assert_type(client.with_options(timeout=None), AsyncVllmClient)
    assert_type(
        await client.chat.completions.create(model="m", messages=MSGS, timeout=None), ChatCompletionResponse
    )
    assert_type(
        await client.chat.completions.create(model="m", messages=MSGS, stream=True, timeout=None),
        AsyncMessageStream,
    )
    assert_type(await client.chat.completions.create().model("m").send(timeout=None), ChatCompletionResponse)
    assert_type(await client.models.list(timeout=None), ModelList)
    assert_type(await client.health(timeout=None), bool)
