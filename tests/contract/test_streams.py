"""API.md §3 (streams, replay, legacy completions) and issue 4's stream rows, sync and async."""

from __future__ import annotations

import asyncio
import gc
import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk import (
    AsyncCompletionStream,
    ChatCompletionResponse,
    CompletionResponse,
    CompletionStream,
    Content,
    Done,
    Error,
    FinishReason,
    HttpError,
    Reasoning,
    StreamError,
    Text,
    ToolCall,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
    VllmTimeoutError,
)
from vllm_sdk.streaming import parse_chat_stream, parse_completion_stream

from .support import USER, Mode, fault_headers

if TYPE_CHECKING:
    from vllm_sdk.testing import MockVllmServer

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


async def open_stream(mode: Mode, server: MockVllmServer, **params: Any) -> Any:
    client = mode.client(server.base_url)
    params.setdefault("model", "mock")
    params.setdefault("messages", USER)
    return await mode(client.chat.completions.create(stream=True, **params))


async def read_into(mode: Mode, stream: Any, seen: list[Any]) -> None:
    async for event in mode.iterate(stream):
        seen.append(event)


async def test_match_on_events(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(mode, server, max_tokens=12)
    texts: list[str] = []
    reasons: list[str] = []
    async for ev in mode.iterate(stream):
        match ev:
            case Content(text=t):
                texts.append(t)
            case FinishReason(reason=r):
                reasons.append(r)
    assert "".join(texts)
    assert reasons == ["length"]


async def test_content_events_and_done_last(mode: Mode, server: MockVllmServer) -> None:
    events = await mode.events(await open_stream(mode, server))
    assert all(e.index == 0 for e in events if isinstance(e, Content))
    assert isinstance(events[-1], Done)
    assert isinstance(events[-2], Usage)  # asked for by default (stream_options.include_usage)
    assert isinstance(events[-3], FinishReason)
    assert events[-3].stop_reason is None


async def test_stream_equals_non_stream(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    whole = await mode(client.chat.completions.create(model="mock", messages=USER, seed=7))
    stream = await mode(client.chat.completions.create(model="mock", messages=USER, seed=7, stream=True))
    assert await mode(stream.collect_content()) == whole.content


async def test_reasoning_events(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(mode, server, chat_template_kwargs={"enable_thinking": True})
    events = await mode.events(stream)
    kinds = [type(e) for e in events if isinstance(e, (Reasoning, Content))]
    assert kinds[0] is Reasoning
    assert Content in kinds
    assert kinds.index(Content) > max(i for i, k in enumerate(kinds) if k is Reasoning)


async def test_tool_call_events(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(
        mode,
        server,
        messages=[{"role": "user", "content": "weather in Tokyo?"}],
        tools=TOOLS,
        tool_choice="required",
    )
    events = await mode.events(stream)
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    completes = [e for e in events if isinstance(e, ToolCallComplete)]
    assert len(completes) == 1
    call = completes[0].tool_call
    assert isinstance(call, ToolCall)
    assert (completes[0].choice, call.name, call.id) == (0, "get_weather", deltas[0].id)
    assert "".join(d.arguments for d in deltas) == call.arguments
    assert deltas[0].name == "get_weather"
    assert isinstance(call.parse_args()["city"], str)
    finish = [e for e in events if isinstance(e, FinishReason)]
    assert finish[0].reason == "tool_calls"


async def test_usage_event_with_include_usage(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(mode, server, stream_options={"include_usage": True})
    events = await mode.events(stream)
    usage = [e for e in events if isinstance(e, Usage)]
    assert len(usage) == 1
    assert usage[0].total_tokens == usage[0].prompt_tokens + usage[0].completion_tokens > 0
    assert isinstance(events[-1], Done)


async def test_usage_per_chunk_with_continuous_usage_stats(mode: Mode, server: MockVllmServer) -> None:
    options = {"include_usage": True, "continuous_usage_stats": True}
    events = await mode.events(await open_stream(mode, server, stream_options=options, max_tokens=5))
    usage = [e for e in events if isinstance(e, Usage)]
    assert len(usage) > 2
    assert [u.completion_tokens for u in usage] == sorted(u.completion_tokens for u in usage)


async def test_n_choices_kept_apart(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(mode, server, n=2, temperature=1.0, max_tokens=6)
    events = await mode.events(stream)
    by_index = {i: "".join(e.text for e in events if isinstance(e, Content) and e.index == i) for i in (0, 1)}
    assert all(by_index.values())
    assert sorted(e.index for e in events if isinstance(e, FinishReason)) == [0, 1]
    response = stream.snapshot()
    assert [c.message.content for c in sorted(response.choices, key=lambda c: c.index)] == [
        by_index[0],
        by_index[1],
    ]


async def test_collect_with_usage(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(
        mode, server, stream_options={"include_usage": True}, chat_template_kwargs={"enable_thinking": True}
    )
    resp = await mode(stream.collect())
    assert isinstance(resp, ChatCompletionResponse)
    assert resp.content
    assert resp.reasoning_content
    assert resp.finish_reason in ("stop", "length")
    assert resp.usage is not None
    assert resp.usage.total_tokens > 0


async def test_collect_without_include_usage_has_no_usage(mode: Mode, server: MockVllmServer) -> None:
    # the caller's own stream_options win over the default include_usage
    stream = await open_stream(mode, server, stream_options={"include_usage": False})
    resp = await mode(stream.collect())
    assert resp.content
    assert resp.usage is None


async def test_collect_tool_calls(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(
        mode, server, messages=[{"role": "user", "content": "weather?"}], tools=TOOLS, tool_choice="required"
    )
    resp = await mode(stream.collect())
    assert resp.has_tool_calls()
    assert resp.tool_calls[0].name == "get_weather"
    assert resp.finish_reason == "tool_calls"


async def test_collect_includes_events_already_iterated(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(mode, server)
    first = await mode(stream.__anext__() if mode.is_async else next(iter(stream)))
    assert isinstance(first, Content)
    content = await mode(stream.collect_content())
    assert content.startswith(first.text)


async def test_text_stream(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    whole = await mode(client.chat.completions.create(model="mock", messages=USER))
    stream = await open_stream(mode, server)
    pieces = [t async for t in mode.iterate(stream.text_stream)]
    assert all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == whole.content


async def test_context_manager_and_close(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(mode, server, max_tokens=50)
    if mode.is_async:
        async with stream:
            await stream.__anext__()
    else:
        with stream:
            next(iter(stream))
    assert stream.closed
    stream2 = await open_stream(mode, server)
    await mode.close(stream2)
    assert stream2.closed


async def test_abandoned_stream_releases_connection(mode: Mode, server: MockVllmServer) -> None:

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    client = mode.client(server.base_url, limits=limits, timeout=httpx.Timeout(5.0, pool=2.0))
    for _ in range(3):  # with one connection, a leaked one would make the next request time out
        stream = await mode(client.chat.completions.create(model="mock", messages=USER, stream=True))
        await mode(stream.__anext__() if mode.is_async else next(iter(stream)))
        await mode.close(stream)
    for _ in range(2):  # read to the end, never closed explicitly
        stream = await mode(client.chat.completions.create(model="mock", messages=USER, stream=True))
        await mode.events(stream)
    assert await mode(client.health())


async def test_error_event_ends_stream_and_collect_raises(mode: Mode, server: MockVllmServer) -> None:
    headers = fault_headers("error_event_after=3")
    stream = await open_stream(mode, server, extra_headers=headers)
    events = await mode.events(stream)
    assert isinstance(events[-1], Error)
    assert isinstance(events[-1].error, StreamError)
    streamed = "".join(e.text for e in events if isinstance(e, Content))
    stream = await open_stream(mode, server, extra_headers=fault_headers("error_event_after=3"))
    with pytest.raises(StreamError) as info:
        await mode(stream.collect())
    assert info.value.partial_content == streamed
    assert streamed


async def test_truncated_stream_raises_after_events(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(mode, server, extra_headers=fault_headers("disconnect_after=3"), max_retries=3)
    seen: list[Any] = []
    with pytest.raises(StreamError) as info:
        await read_into(mode, stream, seen)
    assert seen
    assert not any(isinstance(e, Done) for e in seen)
    assert isinstance(info.value.__cause__, HttpError)
    assert info.value.partial_content == "".join(e.text for e in seen if isinstance(e, Content))
    assert mode.sleeps == []  # never retried once the stream has yielded


async def test_malformed_event_is_stream_error(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(mode, server, extra_headers=fault_headers("malformed_after=2"))
    with pytest.raises(StreamError):
        await mode.events(stream)


async def test_idle_timeout_raises_vllm_timeout(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url, stream_idle_timeout=0.3)
    stream = await mode(
        client.chat.completions.create(
            model="mock", messages=USER, stream=True, extra_headers=fault_headers("stall_after=2")
        )
    )
    with pytest.raises(VllmTimeoutError):
        await mode.events(stream)
    await mode.close(stream)


# ---------------------------------------------------------------- replay without a client

BODY = (
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,'
    b'"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n'
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,'
    b'"delta":{"content":"Hel"},"finish_reason":null}]}\n\n'
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,'
    b'"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\n'
    b"data: [DONE]\n\n"
)


def test_parse_chat_stream_any_split() -> None:
    expected = [Content("Hel", 0), Content("lo", 0), FinishReason("stop", 0, None), Done()]
    assert list(parse_chat_stream([BODY])) == expected
    assert list(parse_chat_stream(BODY[i : i + 1] for i in range(len(BODY)))) == expected


def test_parse_chat_stream_without_done_raises_after_events() -> None:
    seen: list[Any] = []
    events = parse_chat_stream([BODY[: BODY.index(b"data: [DONE]")]])
    with pytest.raises(StreamError):
        seen.extend(events)
    assert seen == [Content("Hel", 0), Content("lo", 0), FinishReason("stop", 0, None)]


def test_parse_completion_stream() -> None:
    body = (
        b'data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,'
        b'"text":"Once","logprobs":null,"finish_reason":null}]}\n\n'
        b'data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,'
        b'"text":" upon","logprobs":null,"finish_reason":"length","stop_reason":null}]}\n\n'
        b"data: [DONE]\n\n"
    )
    assert list(parse_completion_stream([body])) == [
        Text("Once", 0),
        Text(" upon", 0),
        FinishReason("length", 0, None),
        Done(),
    ]


# ---------------------------------------------------------------- legacy completions


async def test_completions_builder_send(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    resp = await mode(
        client.completions.create().model("mock").prompt("Once upon a time").max_tokens(8).send()
    )
    assert isinstance(resp, CompletionResponse)
    assert resp.text
    assert resp.finish_reason == "length"
    assert server.requests[-1].json == {"model": "mock", "prompt": "Once upon a time", "max_tokens": 8}


async def test_completions_send_stream_and_collect_text(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    whole = await mode(client.completions.create(model="mock", prompt="Once upon a time", max_tokens=8))
    builder = client.completions.create().model("mock").prompt("Once upon a time").max_tokens(8)
    stream = await mode(builder.send_stream())
    assert isinstance(stream, AsyncCompletionStream if mode.is_async else CompletionStream)
    assert await mode(stream.collect_text()) == whole.text


async def test_completion_stream_events(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    stream = await mode(
        client.completions.create(
            model="mock", prompt="Once", max_tokens=4, stream=True, stream_options={"include_usage": True}
        )
    )
    events = await mode.events(stream)
    assert {type(e) for e in events} == {Text, FinishReason, Usage, Done}
    assert isinstance(events[-1], Done)


async def test_completion_collect_without_usage(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url, stream_usage=False)  # the client option turns the default off
    stream = await mode(client.completions.create(model="mock", prompt="Once", max_tokens=4, stream=True))
    resp = await mode(stream.collect())
    assert isinstance(resp, CompletionResponse)
    assert resp.text
    assert resp.usage is None


async def test_completions_missing_prompt(mode: Mode, server: MockVllmServer) -> None:
    from vllm_sdk import MissingParameterError

    client = mode.client(server.base_url)
    count = len(server.requests)
    with pytest.raises(MissingParameterError):
        await mode(client.completions.create().model("mock").send())
    assert len(server.requests) == count


async def test_abandoned_unclosed_stream_is_released(mode: Mode, server: MockVllmServer) -> None:

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    client = mode.client(server.base_url, limits=limits, timeout=httpx.Timeout(5.0, pool=2.0))
    for _ in range(3):  # dropped part-way without close(): garbage collection must free the connection
        stream = await mode(client.chat.completions.create(model="mock", messages=USER, stream=True))
        await mode(stream.__anext__() if mode.is_async else next(iter(stream)))
        del stream
        gc.collect()
        await asyncio.sleep(0.01)  # async: the close runs as a task on this loop
    assert await mode(client.health())


async def test_per_request_idle_timeout(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    stream = await mode(
        client.chat.completions.create(
            model="mock",
            messages=USER,
            stream=True,
            stream_idle_timeout=0.2,
            extra_headers=fault_headers("stall_after=1"),
        )
    )
    with pytest.raises(VllmTimeoutError):
        await mode.events(stream)
    builder = client.chat.completions.create().model("mock").messages(USER)
    stream = await mode(
        builder.send_stream(stream_idle_timeout=0.2, extra_headers=fault_headers("stall_after=1"))
    )
    with pytest.raises(VllmTimeoutError):
        await mode.events(stream)


async def test_think_block_in_content_becomes_reasoning(mode: Mode) -> None:
    pieces = ["<thi", "nk>plan", " it</th", "ink>", "Answer"]
    chunks = [
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}],
        }
        for p in pieces
    ]

    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body.encode(), headers={"content-type": "text/event-stream"})

    client = mode.mock_client(handler)
    stream = await mode(client.chat.completions.create(model="m", messages=USER, stream=True))
    events = await mode.events(stream)
    assert "".join(e.text for e in events if isinstance(e, Reasoning)) == "plan it"
    assert "".join(e.text for e in events if isinstance(e, Content)) == "Answer"
    resp = stream.snapshot()
    assert (resp.reasoning_content, resp.content) == ("plan it", "Answer")


async def test_stop_reason_is_the_matched_stop_string(mode: Mode, server: MockVllmServer) -> None:
    events = await mode.events(await open_stream(mode, server, stop=["the"]))
    finish = [e for e in events if isinstance(e, FinishReason)]
    assert finish == [FinishReason("stop", 0, "the")]


async def test_usage_details_when_sent(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(
        mode, server, stream_options={"include_usage": True}, chat_template_kwargs={"enable_thinking": True}
    )
    (usage,) = [e for e in await mode.events(stream) if isinstance(e, Usage)]
    assert usage.completion_tokens_details is not None
    assert usage.completion_tokens_details["reasoning_tokens"] > 0


async def test_invalid_utf8_is_replaced_not_raised(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(mode, server, extra_headers=fault_headers("invalid_utf8_after=2"))
    assert "\ufffd" in await mode(stream.collect_content())


async def test_oversized_event_is_stream_error(mode: Mode, server: MockVllmServer) -> None:
    stream = await open_stream(mode, server, extra_headers=fault_headers("huge_event=17000000"))
    with pytest.raises(StreamError, match="max_event_size"):
        await mode.events(stream)


async def test_chunks_typed_models(mode: Mode, server: MockVllmServer) -> None:
    from vllm_sdk.types._generated import ChatCompletionStreamResponse

    stream = await open_stream(mode, server, max_tokens=4)
    chunks = [c async for c in mode.iterate(stream.chunks())]
    assert chunks
    assert all(isinstance(c, ChatCompletionStreamResponse) for c in chunks)
    assert (await mode(stream.collect())).content == "".join(
        c.choices[0].delta.content or "" for c in chunks if c.choices
    )


def _chunk(index: int, **delta: Any) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": index, "delta": delta, "finish_reason": None}],
    }


def _finish(index: int) -> dict[str, Any]:
    chunk = _chunk(index)
    chunk["choices"][0]["finish_reason"] = "stop"
    return chunk


@pytest.mark.parametrize("shape", ["think-tags", "reasoning_content", "reasoning"])
async def test_collect_equals_non_stream_for_every_choice(mode: Mode, shape: str) -> None:
    answers = [("plan a", "Answer A"), ("plan b", "Answer B")]
    chunks: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    for index, (thought, answer) in enumerate(answers):
        if shape == "think-tags":
            chunks += [_chunk(index, content=f"<think>{thought}</think>"), _chunk(index, content=answer)]
            messages.append({"role": "assistant", "content": f"<think>{thought}</think>{answer}"})
        else:
            chunks += [_chunk(index, **{shape: thought}), _chunk(index, content=answer)]
            messages.append({"role": "assistant", "content": answer, shape: thought})
        chunks.append(_finish(index))
    whole = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": i, "message": m, "finish_reason": "stop"} for i, m in enumerate(messages)],
        "usage": {"prompt_tokens": 1, "completion_tokens": 4, "total_tokens": 5},
    }
    sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"

    def handler(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("stream"):
            return httpx.Response(200, content=sse.encode(), headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=whole)

    client = mode.mock_client(handler)
    plain = await mode(client.chat.completions.create(model="m", messages=USER, n=2))
    stream = await mode(client.chat.completions.create(model="m", messages=USER, n=2, stream=True))
    collected = await mode(stream.collect())
    for resp in (plain, collected):
        assert [(c.message.reasoning, c.message.content) for c in resp.choices] == answers
        assert (resp.reasoning_content, resp.content) == answers[0]
    assert plain.raw == whole  # the wire body as received


@pytest.mark.parametrize(
    "content",
    ["<think>abc", "<think>", "<think></think>Hi", "<think>\n\n</think>\n\nHi", "a<think>b</think>", ""],
)
def test_think_split_same_streamed_or_not(engine: Any, content: str) -> None:
    whole = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    parser = engine.ChatStreamParser()
    pieces = [_chunk(0, content=content[:3]), _chunk(0, content=content[3:]), _finish(0)]
    parser.feed(("".join(f"data: {json.dumps(c)}\n\n" for c in pieces) + "data: [DONE]\n\n").encode())
    parser.close()
    plain = ChatCompletionResponse.model_validate(whole)
    collected = ChatCompletionResponse.model_validate(parser.snapshot())
    assert (plain.reasoning_content, plain.content) == (collected.reasoning_content, collected.content)
    assert plain.choices[0].message.reasoning == collected.choices[0].message.reasoning
