"""collect(): the accumulated final response models, and the partial response carried by stream errors."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from vllm_sdk._events import Content, Reasoning, ToolCallComplete, Usage
from vllm_sdk._exceptions import StreamError
from vllm_sdk._streams import AsyncCompletionStream, AsyncMessageStream, CompletionStream, MessageStream
from vllm_sdk.types.chat import ChatCompletionResponse
from vllm_sdk.types.completions import CompletionResponse

from .conftest import DONE, AsyncBody, SyncBody, chat_chunk, data_chunk, split_events, transcript_body

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import httpx

    SyncOpener = Callable[..., httpx.Response]
    AsyncOpener = Callable[..., Awaitable[httpx.Response]]


def stream_of(open_sync: SyncOpener, name: str) -> MessageStream:
    return MessageStream(open_sync(SyncBody(split_events(transcript_body(name)))))


def test_collect_plain_chat(open_sync: SyncOpener) -> None:
    events = list(stream_of(open_sync, "A12_chat_stream_usage"))
    response = stream_of(open_sync, "A12_chat_stream_usage").collect()
    assert isinstance(response, ChatCompletionResponse)
    assert response.content == "".join(e.text for e in events if type(e) is Content and e.index == 0)
    assert response.reasoning_content == "".join(e.text for e in events if type(e) is Reasoning)
    assert response.finish_reason == "stop"
    usage = [e for e in events if type(e) is Usage][-1]
    assert response.usage is not None
    assert response.usage.total_tokens == usage.total_tokens
    assert response.model == "tiny"
    assert response.id.startswith("chatcmpl-")


def test_collect_after_partial_iteration_includes_everything(open_sync: SyncOpener) -> None:
    whole = stream_of(open_sync, "B12_reasoning_stream_usage").collect()
    assert whole.reasoning_content
    stream = stream_of(open_sync, "B12_reasoning_stream_usage")
    iterator = iter(stream)
    for _ in range(10):
        next(iterator)
    assert stream.collect().raw == whole.raw


def test_collect_tool_calls(open_sync: SyncOpener) -> None:
    events = list(stream_of(open_sync, "A21d_tool_choice_required_strict_stream"))
    calls = [e.tool_call for e in events if type(e) is ToolCallComplete]
    assert calls
    response = stream_of(open_sync, "A21d_tool_choice_required_strict_stream").collect()
    assert response.has_tool_calls()
    assert [(c.id, c.name, c.arguments) for c in response.tool_calls] == [
        (c.id, c.name, c.arguments) for c in calls
    ]
    assert response.finish_reason == "tool_calls"


def test_collect_n2_keeps_choices_apart(open_sync: SyncOpener) -> None:
    events = list(stream_of(open_sync, "A13_chat_n2_stream"))
    response = stream_of(open_sync, "A13_chat_n2_stream").collect()
    assert [c.index for c in response.choices] == [0, 1]
    for choice in response.choices:
        texts = [e.text for e in events if type(e) in (Content, Reasoning) and e.index == choice.index]
        message = choice.message
        joined = (getattr(message, "reasoning", None) or "") + (message.content or "")
        assert sorted(joined) == sorted("".join(texts))


@pytest.mark.parametrize(
    "name", ["A11_chat_stream", "A20c_tools_auto_parallel_stream", "B11_reasoning_stream"]
)
def test_collect_without_usage(open_sync: SyncOpener, name: str) -> None:
    # Usage comes only with stream_options.include_usage; the response then says so (usage None).
    events = list(stream_of(open_sync, name))
    response = stream_of(open_sync, name).collect()
    assert response.usage is None
    assert (response.content or "") == "".join(e.text for e in events if type(e) is Content)
    assert len(response.tool_calls) == sum(type(e) is ToolCallComplete for e in events)


def test_snapshot_midway(open_sync: SyncOpener) -> None:
    stream = MessageStream(open_sync(SyncBody([chat_chunk("Hel"), chat_chunk("lo"), DONE])))
    assert next(iter(stream)) == Content("Hel", 0)
    assert stream.snapshot().content == "Hel"
    assert stream.collect().content == "Hello"


def test_error_partial_is_a_response_model(open_sync: SyncOpener) -> None:
    err = json.dumps({"error": {"message": "engine died", "type": "InternalServerError", "code": 500}})
    body = SyncBody([chat_chunk("par"), chat_chunk("tial"), data_chunk(err), DONE])
    stream = MessageStream(open_sync(body))
    with pytest.raises(StreamError) as info:
        stream.collect()
    assert info.value.partial_content == "partial"
    assert isinstance(info.value.partial, ChatCompletionResponse)
    assert info.value.partial.content == "partial"


def test_truncation_partial_before_any_chunk_is_a_dict(open_sync: SyncOpener) -> None:
    # Nothing arrived: there is no model name to build a response model with; the raw snapshot is kept.
    stream = MessageStream(open_sync(SyncBody([b": keep-alive\n\n"])))
    with pytest.raises(StreamError) as info:
        stream.collect()
    assert info.value.partial_content == ""
    assert isinstance(info.value.partial, dict)


def test_collect_completion(open_sync: SyncOpener) -> None:
    chunks = split_events(transcript_body("A17b_completions_stream_plain"))
    text = CompletionStream(open_sync(SyncBody(chunks))).collect_text()
    usage = '{"id":"cmpl-x","object":"text_completion","created":1,"model":"tiny","choices":[],'
    usage += '"usage":{"prompt_tokens":3,"completion_tokens":12,"total_tokens":15}}'
    with_usage = [*chunks[:-1], data_chunk(usage), chunks[-1]]
    response = CompletionStream(open_sync(SyncBody(with_usage))).collect()
    assert isinstance(response, CompletionResponse)
    assert response.text == text
    assert response.usage.total_tokens == 15


def test_collect_completion_without_usage(open_sync: SyncOpener) -> None:
    chunks = split_events(transcript_body("A17b_completions_stream_plain"))
    text = CompletionStream(open_sync(SyncBody(chunks))).collect_text()
    response = CompletionStream(open_sync(SyncBody(chunks))).collect()
    assert response.text == text
    assert response.usage is None


async def test_async_collect(open_async: AsyncOpener, open_sync: SyncOpener) -> None:
    chunks = split_events(transcript_body("B12_reasoning_stream_usage"))
    expected = MessageStream(open_sync(SyncBody(chunks))).collect()
    stream = AsyncMessageStream(await open_async(AsyncBody(chunks)))
    await stream.__anext__()
    response = await stream.collect()
    assert response.raw == expected.raw

    comp = split_events(transcript_body("A17b_completions_stream_plain"))
    text = await AsyncCompletionStream(await open_async(AsyncBody(comp))).collect_text()
    assert text == CompletionStream(open_sync(SyncBody(comp))).collect_text()


def test_failure_is_public_and_names_what_ended_the_stream() -> None:
    # Telemetry reads this accessor (never a private member): None until the stream fails.
    import httpx

    from vllm_sdk import MessageStream, StreamError

    body = b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}\n\n'
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
    stream = MessageStream(response, idle_timeout=None, started_at=None)
    assert stream.failure is None
    with pytest.raises(StreamError) as info:
        list(stream)
    assert stream.failure is info.value
