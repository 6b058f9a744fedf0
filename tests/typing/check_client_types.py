"""Static typing checks (run by test_typing.py with ``mypy --strict``; never executed).

Every ``assert_type`` states what an IDE must infer for the call: builder chains keep their type, the
keyword overloads pick the response or the stream from ``stream=``, and events are precise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
from typing_extensions import assert_type

from vllm_sdk import (
    AsyncMessageStream,
    AsyncVllmClient,
    BatchResult,
    ChatCompletionResponse,
    CompletionResponse,
    CompletionStream,
    Content,
    FinishReason,
    MessageStream,
    StreamEvent,
    ToolCall,
    ToolCallComplete,
    VllmClient,
)
from vllm_sdk._client_builder import ClientBuilder
from vllm_sdk.resources import AsyncChatCompletionBuilder, ChatCompletionBuilder, CompletionBuilder
from vllm_sdk.types import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionToolMessageParam,
    EmbeddingResponse,
    ModelCard,
    ModelList,
)
from vllm_sdk.types._generated import EmbeddingResponseData, TokenizeResponse, UsageInfo

MSGS: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]


def sync_client(client: VllmClient) -> None:
    assert_type(VllmClient.builder(), ClientBuilder[VllmClient])
    assert_type(VllmClient.builder().base_url("u").api_key("k").timeout_secs(3).build(), VllmClient)
    assert_type(client.with_api_key("k").with_timeout(3).with_header("a", "b"), VllmClient)
    assert_type(client.base_url, str)
    assert_type(client.timeout, httpx.Timeout)

    builder = client.chat.completions.create()
    assert_type(builder, ChatCompletionBuilder)
    chained = builder.model("m").messages(MSGS).temperature(0.7).top_k(50).max_tokens(9).extra({"x": 1})
    assert_type(chained, ChatCompletionBuilder)
    assert_type(
        chained.user("a").system("b").thinking(True).stream_options(include_usage=True), ChatCompletionBuilder
    )
    assert_type(chained.end_user("u").tool({"name": "f"}).image(b"..."), ChatCompletionBuilder)
    assert_type(chained.send(), ChatCompletionResponse)
    assert_type(chained.send_stream(), MessageStream)
    assert_type(chained.to_dict(), dict[str, Any])

    assert_type(client.chat.completions.create(model="m", messages=MSGS), ChatCompletionResponse)
    assert_type(
        client.chat.completions.create(model="m", messages=MSGS, stream=False), ChatCompletionResponse
    )
    assert_type(client.chat.completions.create(model="m", messages=MSGS, stream=True), MessageStream)
    flag: bool = bool(MSGS)
    assert_type(
        client.chat.completions.create(model="m", messages=MSGS, stream=flag),
        ChatCompletionResponse | MessageStream,
    )
    assert_type(
        client.chat.completions.create(
            model="m", messages=MSGS, top_k=5, min_p=0.1, extra_body={"a": 1}, timeout=3
        ),
        ChatCompletionResponse,
    )

    assert_type(client.completions.create(), CompletionBuilder)
    assert_type(client.completions.create().model("m").prompt("p").send(), CompletionResponse)
    assert_type(client.completions.create(model="m", prompt="p", stream=True), CompletionStream)
    assert_type(client.models.list(), ModelList)
    assert_type([m.id for m in client.models.list()], list[str])
    assert_type(client.models.list()[0], ModelCard)
    assert_type(client.models.list()[1:], list[ModelCard])
    assert_type(client.embeddings.create(model="m", input="x"), EmbeddingResponse)
    assert_type(next(iter(client.embeddings.create(model="m", input="x"))), EmbeddingResponseData)
    assert_type(client.tokenize(model="m", prompt="x"), TokenizeResponse)
    assert_type(client.tokenize(model="m", messages=MSGS), TokenizeResponse)
    assert_type(client.health(), bool)
    assert_type(client.version(), str)
    assert_type(client.metrics(), str)
    assert_type(client.request("GET", "/models"), httpx.Response)
    assert_type(client.batch([{"model": "m", "messages": MSGS}]), Iterator[BatchResult])


def responses(resp: ChatCompletionResponse, stream: MessageStream) -> None:
    assert_type(resp.content, str | None)
    assert_type(resp.reasoning_content, str | None)
    assert_type(resp.tool_calls, list[ToolCall])
    assert_type(resp.finish_reason, str | None)
    assert_type(resp.usage, UsageInfo | None)  # None on a collected stream without include_usage
    assert_type(resp.raw, dict[str, Any])
    assert_type(resp.request_id, str | None)
    assert_type(resp.has_tool_calls(), bool)
    assert_type(resp.assistant_message(), ChatCompletionAssistantMessageParam)
    for call in resp.tool_calls:
        assert_type(call.name, str)
        assert_type(call.parse_args(), dict[str, Any])
        assert_type(call.result("x"), ChatCompletionToolMessageParam)
    for event in stream:
        assert_type(event, StreamEvent)
        match event:
            case Content(text=text, index=index):
                assert_type(text, str)
                assert_type(index, int)
            case ToolCallComplete(tool_call=call):
                assert_type(call, ToolCall)
            case FinishReason(reason=reason):
                assert_type(reason, str)
    assert_type(stream.collect(), ChatCompletionResponse)


async def async_client(client: AsyncVllmClient) -> None:
    assert_type(AsyncVllmClient.builder().build(), AsyncVllmClient)
    builder = client.chat.completions.create()
    assert_type(builder, AsyncChatCompletionBuilder)
    assert_type(await builder.model("m").user("hi").send(), ChatCompletionResponse)
    assert_type(await builder.send_stream(), AsyncMessageStream)
    assert_type(await client.chat.completions.create(model="m", messages=MSGS), ChatCompletionResponse)
    assert_type(
        await client.chat.completions.create(model="m", messages=MSGS, stream=True), AsyncMessageStream
    )
    assert_type(await client.models.list(), ModelList)
    assert_type(await client.health(), bool)
    assert_type(await client.version(), str)
    assert_type(client.batch([{"model": "m", "messages": MSGS}]), AsyncIterator[BatchResult])
    async with await client.chat.completions.create(model="m", messages=MSGS, stream=True) as stream:
        async for event in stream:
            assert_type(event, StreamEvent)


def misuse(client: VllmClient) -> None:
    client.chat.completions.create(model="m", messages=MSGS, temprature=0.5)  # type: ignore[call-overload]
    client.chat.completions.create(model="m")  # type: ignore[call-overload]
    client.chat.completions.create().top_k("five")  # type: ignore[arg-type]
