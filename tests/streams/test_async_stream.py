"""AsyncMessageStream / AsyncCompletionStream over httpx async responses."""

from __future__ import annotations

import asyncio
import gc
import gzip
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

import vllm_sdk._streams._async as streaming
from vllm_sdk._events import Content, Done, Error, Reasoning, Text, ToolCallComplete
from vllm_sdk._exceptions import HttpError, StreamError, VllmTimeoutError
from vllm_sdk._streams import AsyncCompletionStream, AsyncMessageStream, MessageStream

from .conftest import DONE, AsyncBody, SyncBody, chat_chunk, data_chunk, split_events, transcript_body

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    Opener = Callable[..., Awaitable[httpx.Response]]


async def chat_stream(
    open_async: Opener, chunks: list[bytes], **kwargs: Any
) -> tuple[AsyncMessageStream, AsyncBody]:
    stream_kwargs = {k: kwargs.pop(k) for k in ("idle_timeout", "max_event_size") if k in kwargs}
    body = AsyncBody(chunks, **kwargs)
    return AsyncMessageStream(await open_async(body), **stream_kwargs), body


async def consume(stream: Any, seen: list[Any]) -> None:
    """Iterate ``stream`` into ``seen`` (which keeps what came before an exception)."""
    async for event in stream:
        seen.append(event)


def sync_events(open_sync: Callable[..., httpx.Response], chunks: list[bytes]) -> list[Any]:
    return list(MessageStream(open_sync(SyncBody(chunks))))


@pytest.mark.parametrize(
    "name",
    ["A11_chat_stream", "A13_chat_n2_stream", "A20c_tools_auto_parallel_stream", "B11_reasoning_stream"],
)
async def test_same_events_as_sync(
    open_async: Opener, open_sync: Callable[..., httpx.Response], name: str
) -> None:
    chunks = split_events(transcript_body(name))
    stream, body = await chat_stream(open_async, chunks)
    events = [event async for event in stream]
    assert events == sync_events(open_sync, chunks)
    assert events[-1] == Done()
    assert body.state.exhausted
    assert body.state.closed
    assert stream.response.is_closed
    assert stream.closed


async def test_collect_content_after_partial_iteration(open_async: Opener) -> None:
    chunks = split_events(transcript_body("B11_reasoning_stream"))
    full, _ = await chat_stream(open_async, chunks)
    expected = await full.collect_content()
    assert expected

    stream, body = await chat_stream(open_async, chunks)
    first = [await stream.__anext__() for _ in range(5)]
    assert any(type(e) is Reasoning for e in first)
    assert await stream.collect_content() == expected
    assert body.state.closed


async def test_text_stream(open_async: Opener, open_sync: Callable[..., httpx.Response]) -> None:
    chunks = split_events(transcript_body("A13_chat_n2_stream"))
    expected = [e.text for e in sync_events(open_sync, chunks) if type(e) is Content and e.index == 0]
    stream, _ = await chat_stream(open_async, chunks)
    assert [text async for text in stream.text_stream] == expected


async def test_tool_calls(open_async: Opener) -> None:
    stream, _ = await chat_stream(open_async, split_events(transcript_body("A20b_tools_auto_stream")))
    completes = [e async for e in stream if type(e) is ToolCallComplete]
    assert len(completes) == 1
    assert completes[0].tool_call.parse_args()


# ---------------------------------------------------------------- errors


def error_body() -> list[bytes]:
    err = '{"error": {"message": "boom", "type": "InternalServerError", "code": 500}}'
    return [chat_chunk("Hello"), chat_chunk(" wor"), data_chunk(err), DONE]


async def test_error_event(open_async: Opener) -> None:
    stream, body = await chat_stream(open_async, error_body())
    events = [e async for e in stream]
    assert len(events) == 3
    assert type(events[-1]) is Error
    assert body.state.exhausted
    with pytest.raises(StreamError) as info:
        await stream.collect_content()
    assert info.value.partial_content == "Hello wor"
    assert info.value.message == "boom"


async def test_truncated_body(open_async: Opener) -> None:
    stream, body = await chat_stream(open_async, [chat_chunk("Hel"), chat_chunk("lo")])
    seen = []
    with pytest.raises(StreamError) as info:
        await consume(stream, seen)
    assert seen == [Content("Hel", 0), Content("lo", 0)]
    assert info.value.partial_content == "Hello"
    assert body.state.closed


async def test_connection_dropped(open_async: Opener) -> None:
    exc = httpx.RemoteProtocolError("peer closed connection without sending complete message body")
    stream, body = await chat_stream(open_async, [chat_chunk("a")], error=exc)
    seen = []
    with pytest.raises(StreamError) as info:
        await consume(stream, seen)
    assert seen == [Content("a", 0)]
    assert isinstance(info.value.__cause__, HttpError)
    assert info.value.__cause__.__cause__ is exc
    assert info.value.partial_content == "a"
    assert body.state.closed


async def test_transport_timeout(open_async: Opener) -> None:
    stream, body = await chat_stream(open_async, [chat_chunk("a")], error=httpx.ReadTimeout("slow"))
    with pytest.raises(VllmTimeoutError):
        await stream.collect_content()
    assert body.state.closed


# ---------------------------------------------------------------- idle timeout


async def test_idle_timeout_on_a_stalled_body(open_async: Opener) -> None:
    stream, body = await chat_stream(open_async, [chat_chunk("a"), DONE], stall_at=1, idle_timeout=0.1)
    seen = []
    started = time.perf_counter()
    with pytest.raises(VllmTimeoutError, match="idle"):
        await consume(stream, seen)
    elapsed = time.perf_counter() - started
    assert seen == [Content("a", 0)]
    assert 0.09 <= elapsed < 2.0
    assert body.state.closed
    assert stream.response.is_closed


async def test_idle_timeout_counts_from_the_last_event(open_async: Opener) -> None:
    # Comments arrive every 40 ms but no event for 200 ms: per-read timeouts alone would never fire.
    chunks = [chat_chunk("a")] + [b": ping\n\n"] * 5 + [DONE]
    delays = {i: 0.04 for i in range(1, 6)}
    stream, _ = await chat_stream(open_async, chunks, delays=delays, idle_timeout=0.1)
    with pytest.raises(VllmTimeoutError):
        await stream.collect_content()


async def test_idle_timeout_not_hit(open_async: Opener) -> None:
    chunks = [chat_chunk("a"), chat_chunk("b"), DONE]
    stream, _ = await chat_stream(open_async, chunks, delays={1: 0.02, 2: 0.02}, idle_timeout=0.5)
    events = []
    async for event in stream:
        events.append(event)
        await asyncio.sleep(0.06)  # the caller's own time does not count
    assert events[-1] == Done()


async def test_idle_timeout_timer_fires_in_caller_time(open_async: Opener) -> None:
    # The timer fires while the caller is busy between events: that time does not count.
    chunks = [chat_chunk("a"), chat_chunk("b"), chat_chunk("c"), DONE]
    stream, _ = await chat_stream(open_async, chunks, idle_timeout=0.03)
    events = []
    async for event in stream:
        events.append(event)
        await asyncio.sleep(0.08)
    assert events[-1] == Done()


async def test_idle_timeout_deadline_moves_with_events(open_async: Opener) -> None:
    # Twelve events 60 ms apart take over 700 ms in all, well past the 400 ms idle timeout, while each
    # gap stays far within it (a generous margin: a loaded CI machine can deschedule us for 100+ ms).
    chunks = [chat_chunk(str(i % 10)) for i in range(12)] + [DONE]
    stream, _ = await chat_stream(open_async, chunks, delays={i: 0.06 for i in range(13)}, idle_timeout=0.4)
    assert await stream.collect_content() == "012345678901"


async def test_outside_cancellation_is_not_an_idle_timeout(open_async: Opener) -> None:
    stream, body = await chat_stream(open_async, [chat_chunk("a"), DONE], stall_at=1, idle_timeout=5.0)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(stream.collect_content(), 0.05)
    assert body.state.closed


async def test_idle_timeout_before_first_event(open_async: Opener) -> None:
    stream, body = await chat_stream(open_async, [DONE], stall_at=0, idle_timeout=0.05)
    with pytest.raises(VllmTimeoutError):
        await stream.__anext__()
    assert body.state.closed


# ---------------------------------------------------------------- drain and release


async def test_drain_after_done_stalled_is_bounded(
    open_async: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streaming, "DRAIN_TIMEOUT", 0.1)
    stream, body = await chat_stream(open_async, [chat_chunk("a"), DONE], stall_at=2)
    started = time.perf_counter()
    events = [e async for e in stream]
    assert events[-1] == Done()
    assert time.perf_counter() - started < 2.0
    assert body.state.closed
    assert not body.state.exhausted


async def test_drain_after_done_is_bounded_in_bytes(open_async: Opener) -> None:
    junk = [b": " + b"x" * 4094 + b"\n\n"] * 100
    stream, body = await chat_stream(open_async, [chat_chunk("a"), DONE, *junk])
    assert [e async for e in stream][-1] == Done()
    assert body.state.closed
    assert not body.state.exhausted
    assert body.state.reads <= 2 + streaming.DRAIN_MAX_BYTES // 4096 + 1


async def test_break_then_aclose(open_async: Opener) -> None:
    stream, body = await chat_stream(open_async, split_events(transcript_body("A11_chat_stream")))
    async for _ in stream:
        break
    assert not body.state.closed
    await stream.aclose()
    assert body.state.closed
    assert not body.state.exhausted
    assert [e async for e in stream] == []
    await stream.close()  # idempotent alias


async def test_collect_after_cancelled_collect_raises(open_async: Opener) -> None:
    stream, body = await chat_stream(open_async, [chat_chunk("a"), DONE], stall_at=1)
    with pytest.raises(asyncio.TimeoutError):  # the caller's own deadline cancels the read
        await asyncio.wait_for(stream.collect_content(), 0.05)
    assert body.state.closed
    with pytest.raises(StreamError, match="incomplete") as info:
        await stream.collect_content()
    assert info.value.partial_content == "a"


async def test_async_with(open_async: Opener) -> None:
    body = AsyncBody(split_events(transcript_body("A11_chat_stream")))
    async with AsyncMessageStream(await open_async(body)) as stream:
        await stream.__anext__()
    assert body.state.closed
    assert stream.closed


async def test_abandoned_streams_are_closed(open_async: Opener) -> None:
    started = AsyncBody(split_events(transcript_body("A11_chat_stream")))
    stream = AsyncMessageStream(await open_async(started))
    await stream.__anext__()
    never = AsyncBody([DONE])
    unused = AsyncMessageStream(await open_async(never))
    del stream, unused
    gc.collect()
    for _ in range(5):  # the finalizers schedule the closes on the loop
        await asyncio.sleep(0)
    assert started.state.closed
    assert never.state.closed


async def test_iterating_a_temporary_stream(open_async: Opener) -> None:
    body = AsyncBody([chat_chunk("a"), DONE])
    events = [event async for event in AsyncMessageStream(await open_async(body))]
    assert events == [Content("a", 0), Done()]
    assert body.state.closed


async def test_async_stream_rejects_sync_response(open_sync: Callable[..., httpx.Response]) -> None:
    response = open_sync(SyncBody([DONE]))
    with pytest.raises(TypeError, match="AsyncClient"):
        AsyncMessageStream(response)
    response.close()


# ---------------------------------------------------------------- telemetry, chunks, completions


async def test_ttft(open_async: Opener) -> None:
    first = data_chunk('{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}')
    stream, _ = await chat_stream(open_async, [first, chat_chunk("a"), DONE], delays={1: 0.05})
    assert stream.ttft is None
    await stream.collect_content()
    assert stream.ttft is not None
    assert 0.05 <= stream.ttft < 1.0
    assert stream.request_id == "req-123"


async def test_gzip_encoded_body(open_async: Opener, open_sync: Callable[..., httpx.Response]) -> None:
    raw = transcript_body("B11_reasoning_stream")
    expected = sync_events(open_sync, split_events(raw))
    packed = gzip.compress(raw)
    body = AsyncBody([packed[i : i + 300] for i in range(0, len(packed), 300)])
    headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
    stream = AsyncMessageStream(await open_async(body, headers))
    assert [e async for e in stream] == expected
    assert body.state.closed


async def test_already_read_response(open_async: Opener) -> None:
    response = await open_async(AsyncBody([chat_chunk("a"), DONE]))
    await response.aread()  # someone read the body first: the stream replays it from memory
    assert await AsyncMessageStream(response).collect_content() == "a"


async def test_chunks(open_async: Opener) -> None:
    from vllm_sdk.types._generated import ChatCompletionStreamResponse

    chunks = split_events(transcript_body("A11_chat_stream"))
    stream, _ = await chat_stream(open_async, chunks)
    models = [m async for m in stream.chunks()]
    assert len(models) == sum(1 for c in chunks if c.startswith(b"data: {"))
    assert all(type(m) is ChatCompletionStreamResponse for m in models)
    assert models[0].choices[0].delta.role == "assistant"
    assert await stream.collect_content()


async def test_completion_stream(open_async: Opener, open_sync: Callable[..., httpx.Response]) -> None:
    chunks = split_events(transcript_body("A17b_completions_stream_plain"))
    stream = AsyncCompletionStream(await open_async(AsyncBody(chunks)))
    events = [e async for e in stream]
    assert events[-1] == Done()
    texts = [e.text for e in events if type(e) is Text]
    again = AsyncCompletionStream(await open_async(AsyncBody(chunks)))
    assert await again.collect_text() == "".join(texts)
    third = AsyncCompletionStream(await open_async(AsyncBody(chunks)))
    assert [t async for t in third.text_stream] == texts


# ------------------------------------------------------------------ the batch runner's batches of events


async def _batches(stream: Any, seen: list[list[Any]]) -> None:
    async for events in stream._event_batches():
        seen.append(events)


@pytest.mark.parametrize(
    "name", ["A11_chat_stream", "A20c_tools_auto_parallel_stream", "B11_reasoning_stream"]
)
async def test_event_batches_are_the_events_one_list_per_read(open_async: Opener, name: str) -> None:
    chunks = split_events(transcript_body(name))
    one_by_one, _ = await chat_stream(open_async, chunks)
    expected = [event async for event in one_by_one]
    stream, body = await chat_stream(open_async, chunks)
    batches: list[list[Any]] = []
    await _batches(stream, batches)
    assert all(batches)  # never an empty batch
    assert [event for batch in batches for event in batch] == expected
    assert body.state.closed
    assert stream.closed
    assert stream.ttft is not None
    with pytest.raises(RuntimeError, match="batches"):
        stream.__aiter__()


async def test_event_batches_fail_as_iteration_does(open_async: Opener) -> None:
    exc = httpx.RemoteProtocolError("peer closed connection without sending complete message body")
    stream, body = await chat_stream(open_async, [chat_chunk("a"), chat_chunk("b")], error=exc)
    seen: list[list[Any]] = []
    with pytest.raises(StreamError) as info:
        await _batches(stream, seen)
    assert [event for batch in seen for event in batch] == [Content("a", 0), Content("b", 0)]
    assert info.value.partial_content == "ab"
    assert stream.failure is info.value
    assert body.state.closed


async def test_event_batches_keep_the_idle_timeout(open_async: Opener) -> None:
    stream, _ = await chat_stream(open_async, [chat_chunk("a")], stall_at=1, idle_timeout=0.05)
    with pytest.raises(VllmTimeoutError, match="idle"):
        await _batches(stream, [])


async def test_event_batches_only_on_a_stream_not_read_yet(open_async: Opener) -> None:
    stream, _ = await chat_stream(open_async, [chat_chunk("a"), DONE])
    assert await stream.__anext__() == Content("a", 0)
    with pytest.raises(RuntimeError, match="already"):
        stream._event_batches()
    await stream.aclose()
