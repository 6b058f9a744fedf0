"""MessageStream / CompletionStream over httpx sync responses: events, collecting, failures, connections."""

from __future__ import annotations

import gc
import gzip
import time
from typing import TYPE_CHECKING

import httpx
import pytest

import vllm_sdk._streams._sync as streaming
from vllm_sdk._events import (
    Content,
    Done,
    Error,
    FinishReason,
    Reasoning,
    Text,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
)
from vllm_sdk._exceptions import HttpError, StreamError, VllmTimeoutError
from vllm_sdk._streams import CompletionStream, MessageStream

from .conftest import DONE, SyncBody, chat_chunk, data_chunk, split_events, transcript_body

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    Opener = Callable[..., httpx.Response]

CHAT_TRANSCRIPTS = [
    "A11_chat_stream",
    "A12_chat_stream_usage",
    "A13_chat_n2_stream",
    "A20b_tools_auto_stream",
    "A20c_tools_auto_parallel_stream",
    "B11_reasoning_stream",
    "B14b_reasoning_tools_auto_stream",
]


def consume(stream: object, seen: list[object]) -> None:
    """Iterate ``stream`` into ``seen`` (which keeps what came before an exception)."""
    for event in stream:  # type: ignore[attr-defined]
        seen.append(event)


def chat_stream(open_sync: Opener, chunks: list[bytes], **kwargs: object) -> tuple[MessageStream, SyncBody]:
    body = SyncBody(chunks, **kwargs)  # type: ignore[arg-type]
    return MessageStream(open_sync(body)), body


def test_streams_drive_the_build_under_test(open_sync: Opener, engine: ModuleType) -> None:
    stream, _ = chat_stream(open_sync, [DONE])
    assert type(stream._state.parser) is engine.ChatStreamParser
    completion = CompletionStream(open_sync(SyncBody([DONE])))
    assert type(completion._state.parser) is engine.CompletionStreamParser
    stream.close()
    completion.close()


@pytest.mark.parametrize("name", CHAT_TRANSCRIPTS)
def test_transcript_ends_with_done_and_releases(open_sync: Opener, name: str) -> None:
    stream, body = chat_stream(open_sync, split_events(transcript_body(name)))
    events = list(stream)
    assert events[-1] == Done()
    assert sum(type(e) is Done for e in events) == 1
    assert not any(type(e) is Error for e in events)
    assert body.state.exhausted  # drained to the end: the connection can be reused
    assert body.state.closed
    assert stream.response.is_closed
    assert stream.closed


def test_chat_events_match_the_wire(open_sync: Opener) -> None:
    stream, _ = chat_stream(open_sync, split_events(transcript_body("A11_chat_stream")))
    events = list(stream)
    # No reasoning parser on that server: the <think> block in content is split off as reasoning.
    assert any(type(e) is Reasoning for e in events)
    content = "".join(e.text for e in events if type(e) is Content)
    assert content
    assert "<think>" not in content
    assert [e for e in events if type(e) is FinishReason] == [FinishReason("stop", 0, None)]


def test_whole_body_in_one_chunk_and_byte_by_byte(open_sync: Opener) -> None:
    body = transcript_body("A20b_tools_auto_stream")
    whole, _ = chat_stream(open_sync, [body])
    tiny, _ = chat_stream(open_sync, [body[i : i + 1] for i in range(len(body))])
    assert list(whole) == list(tiny)


def test_tool_calls_complete_once(open_sync: Opener) -> None:
    stream, _ = chat_stream(open_sync, split_events(transcript_body("A20c_tools_auto_parallel_stream")))
    events = list(stream)
    completes = [e for e in events if type(e) is ToolCallComplete]
    deltas = [e for e in events if type(e) is ToolCallDelta]
    assert completes
    assert len({c.tool_call.id for c in completes}) == len(completes)
    for complete in completes:
        call = complete.tool_call
        fragments = [d.arguments for d in deltas if d.index == completes.index(complete)]
        assert call.arguments == "".join(fragments)


def test_collect_content_after_partial_iteration(open_sync: Opener) -> None:
    chunks = split_events(transcript_body("A11_chat_stream"))
    full, _ = chat_stream(open_sync, chunks)
    expected = full.collect_content()
    assert expected

    stream, body = chat_stream(open_sync, chunks)
    iterator = iter(stream)
    seen = [next(iterator) for _ in range(6)]
    assert seen
    assert stream.collect_content() == expected  # includes what was iterated before
    assert body.state.closed
    assert list(stream) == []  # consumed: nothing more to iterate


def test_text_stream_is_choice_zero_content(open_sync: Opener) -> None:
    chunks = split_events(transcript_body("A13_chat_n2_stream"))
    reference, _ = chat_stream(open_sync, chunks)
    events = list(reference)
    expected = [e.text for e in events if type(e) is Content and e.index == 0]
    assert any(type(e) is Content and e.index == 1 for e in events)

    stream, _ = chat_stream(open_sync, chunks)
    assert list(stream.text_stream) == expected


def test_usage_event(open_sync: Opener) -> None:
    stream, _ = chat_stream(open_sync, split_events(transcript_body("A12_chat_stream_usage")))
    usages = [e for e in stream if type(e) is Usage]
    assert usages
    final = usages[-1]
    assert final.total_tokens == final.prompt_tokens + final.completion_tokens > 0


# ---------------------------------------------------------------- errors


def error_body() -> list[bytes]:
    err = '{"error": {"message": "boom", "type": "InternalServerError", "param": null, "code": 500}}'
    return [chat_chunk("Hello"), chat_chunk(" wor"), data_chunk(err), DONE]


def test_error_event_ends_stream_and_collect_raises(open_sync: Opener) -> None:
    stream, body = chat_stream(open_sync, error_body())
    events = list(stream)
    assert events[:2] == [Content("Hello", 0), Content(" wor", 0)]
    assert type(events[-1]) is Error
    assert len(events) == 3  # nothing after the error event, no Done
    assert isinstance(events[-1].error, StreamError)
    assert body.state.exhausted  # the [DONE] vLLM sends after an error was drained
    assert body.state.closed

    with pytest.raises(StreamError) as info:
        stream.collect_content()
    assert info.value.partial_content == "Hello wor"
    assert info.value.message == "boom"
    assert info.value.error_type == "InternalServerError"
    assert info.value.code == 500


def test_error_event_collect_without_iterating(open_sync: Opener) -> None:
    stream, _ = chat_stream(open_sync, error_body())
    with pytest.raises(StreamError) as info:
        stream.collect_content()
    assert info.value.partial_content == "Hello wor"
    with pytest.raises(StreamError):  # and again: the outcome is kept
        stream.collect_content()


def test_truncated_body_raises_after_events(open_sync: Opener) -> None:
    stream, body = chat_stream(open_sync, [chat_chunk("Hel"), chat_chunk("lo")])
    seen = []
    with pytest.raises(StreamError) as info:
        consume(stream, seen)
    assert seen == [Content("Hel", 0), Content("lo", 0)]
    assert "[DONE]" in str(info.value)
    assert info.value.partial_content == "Hello"
    assert body.state.closed
    assert stream.closed
    with pytest.raises(StreamError):  # collect() reports the same failure
        stream.collect_content()


@pytest.mark.parametrize(
    "exc", [httpx.RemoteProtocolError("peer closed connection"), httpx.ReadError("connection reset")]
)
def test_connection_dropped_mid_body(open_sync: Opener, exc: Exception) -> None:
    stream, body = chat_stream(open_sync, [chat_chunk("a"), chat_chunk("b")], error=exc)
    seen = []
    with pytest.raises(StreamError) as info:
        consume(stream, seen)
    assert seen == [Content("a", 0), Content("b", 0)]
    err = info.value
    assert err.partial_content == "ab"
    assert isinstance(err.__cause__, HttpError)
    assert err.__cause__.__cause__ is exc
    assert not err.is_retryable
    assert body.state.closed


def test_read_timeout_mid_body_is_timeout_error(open_sync: Opener) -> None:
    exc = httpx.ReadTimeout("timed out")
    stream, body = chat_stream(open_sync, [chat_chunk("a")], error=exc)
    with pytest.raises(VllmTimeoutError) as info:
        list(stream)
    assert info.value.__cause__ is exc
    assert body.state.closed


def test_oversized_event(open_sync: Opener) -> None:
    body = SyncBody([chat_chunk("x" * 5000), DONE])
    stream = MessageStream(open_sync(body), max_event_size=1024)
    with pytest.raises(StreamError, match="max_event_size"):
        list(stream)
    assert body.state.closed


def test_bad_arguments(open_sync: Opener) -> None:
    response = open_sync(SyncBody([DONE]))
    with pytest.raises(ValueError, match="idle_timeout"):
        MessageStream(response, idle_timeout=0)
    with pytest.raises(ValueError, match="max_event_size"):
        MessageStream(response, max_event_size=-1)
    response.close()


async def test_sync_stream_rejects_async_response(open_async: Callable[..., object]) -> None:
    from .conftest import AsyncBody

    response = await open_async(AsyncBody([DONE]))  # type: ignore[misc]
    with pytest.raises(TypeError, match=r"sync httpx\.Client"):
        MessageStream(response)  # type: ignore[arg-type]
    await response.aclose()  # type: ignore[attr-defined]


# ---------------------------------------------------------------- idle timeout


def test_idle_timeout_bytes_without_events(open_sync: Opener) -> None:
    # The server keeps the connection busy with comments but sends no event.
    chunks = [chat_chunk("a")] + [b": ping\n\n"] * 10 + [DONE]
    delays = {i: 0.05 for i in range(1, 11)}
    stream, body = chat_stream(open_sync, chunks, delays=delays)
    stream = MessageStream(open_sync(body), idle_timeout=0.12)
    seen = []
    started = time.perf_counter()
    with pytest.raises(VllmTimeoutError, match="idle"):
        consume(stream, seen)
    assert seen == [Content("a", 0)]
    assert time.perf_counter() - started < 3.0  # a sanity bound: the idle deadline is 0.12 s
    assert body.state.closed


def test_idle_timeout_does_not_count_consumer_time(open_sync: Opener) -> None:
    body = SyncBody([chat_chunk("a"), chat_chunk("b"), chat_chunk(None, finish="stop"), DONE])
    stream = MessageStream(open_sync(body), idle_timeout=0.05)
    events = []
    for event in stream:
        events.append(event)
        time.sleep(0.08)  # slower than the idle timeout, but that is the caller's time
    assert events[-1] == Done()


def _paced_reads(count: int, shape: str) -> tuple[list[bytes], dict[int, float]]:
    """``count`` content events about 50 ms apart, cut into reads of ``shape``, and the delay of each read.

    ``split``: every event in two reads (its first half completes nothing); ``comments``: a ``: ping``
    comment read before every event; ``both``: a comment, then the event in two halves.
    """
    reads: list[bytes] = []
    for i in range(count):
        event = chat_chunk(str(i % 10))
        if shape in ("comments", "both"):
            reads.append(b": ping\n\n")
        if shape in ("split", "both"):
            cut = len(event) // 2
            reads += [event[:cut], event[cut:]]
        else:
            reads.append(event)
    per_event = len(reads) // count
    delays = {i: 0.05 / per_event for i in range(len(reads))}
    return [*reads, DONE], delays


@pytest.mark.parametrize("shape", ["split", "comments", "both"])
def test_idle_timeout_deadline_moves_with_events(open_sync: Opener, shape: str) -> None:
    # A healthy stream: an event every 50 ms, each gap far within the 300 ms idle timeout, but 12 events
    # take 600 ms in all. Reads that complete no event (half an event, a comment) must compare against the
    # last *event*, not the start of the stream: a deadline that events do not move would fire here at
    # 300 ms. (Generous margins: a loaded CI machine can deschedule the reader for 100+ ms.)
    chunks, delays = _paced_reads(12, shape)
    stream, body = chat_stream(open_sync, chunks, delays=delays)
    stream = MessageStream(open_sync(body), idle_timeout=0.3)
    started = time.perf_counter()
    assert stream.collect_content() == "012345678901"
    assert time.perf_counter() - started > 0.3  # the premise: the stream outlived the idle timeout
    assert body.state.exhausted


def test_idle_timeout_still_fires_when_only_half_events_arrive(open_sync: Opener) -> None:
    # The other side of the same rule: reads that keep arriving but never complete an event do not move it.
    event = chat_chunk("a")
    trickle = [event[i : i + 1] for i in range(len(event))]  # one byte per read, 30 ms apart
    chunks = [chat_chunk("x"), *trickle, DONE]
    delays = {i: 0.03 for i in range(1, len(trickle) + 1)}
    stream, body = chat_stream(open_sync, chunks, delays=delays)
    stream = MessageStream(open_sync(body), idle_timeout=0.2)
    seen: list[object] = []
    with pytest.raises(VllmTimeoutError, match="idle"):
        consume(stream, seen)
    assert seen == [Content("x", 0)]
    assert body.state.reads < len(chunks)


def test_idle_timeout_tightens_socket_read_timeout(open_sync: Opener) -> None:
    response = open_sync(SyncBody([chat_chunk("a"), DONE]))
    assert response.request.extensions["timeout"]["read"] == 5.0  # httpx's default
    stream = MessageStream(response, idle_timeout=0.5)
    list(stream)
    assert response.request.extensions["timeout"]["read"] == 0.5


def test_read_timeout_shorter_than_idle_stays_a_read_timeout(open_sync: Opener) -> None:
    exc = httpx.ReadTimeout("timed out")
    stream = MessageStream(open_sync(SyncBody([chat_chunk("a")], error=exc)), idle_timeout=60.0)
    with pytest.raises(VllmTimeoutError) as info:
        stream.collect_content()
    assert "idle" not in str(info.value)  # the client's 5 s read timeout fired, not the 60 s idle one
    assert info.value.__cause__ is exc


# ---------------------------------------------------------------- drain and connection release


def test_drain_after_done_is_bounded_in_bytes(open_sync: Opener) -> None:
    junk = [b": " + b"x" * 4094 + b"\n\n"] * 100  # 400 KiB of comments after [DONE]
    stream, body = chat_stream(open_sync, [chat_chunk("a"), DONE, *junk])
    assert list(stream)[-1] == Done()
    assert body.state.closed
    assert not body.state.exhausted
    assert body.state.reads <= 2 + streaming.DRAIN_MAX_BYTES // 4096 + 1


def test_drain_after_done_is_bounded_in_time(open_sync: Opener, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streaming, "DRAIN_TIMEOUT", 0.1)
    chunks = [chat_chunk("a"), DONE] + [b"\n"] * 50
    delays = {i: 0.08 for i in range(2, 52)}  # 4 s of trickle if the drain were not bounded in time
    stream, body = chat_stream(open_sync, chunks, delays=delays)
    started = time.perf_counter()
    assert list(stream)[-1] == Done()
    assert time.perf_counter() - started < 2.5
    assert not body.state.exhausted
    assert body.state.closed


def test_break_then_close_releases(open_sync: Opener) -> None:
    stream, body = chat_stream(open_sync, split_events(transcript_body("A11_chat_stream")))
    for _ in stream:
        break
    assert not body.state.closed
    stream.close()
    assert body.state.closed
    assert stream.response.is_closed
    assert not body.state.exhausted  # abandoned mid-stream: closed, not drained
    assert list(stream) == []
    stream.close()  # idempotent


def test_collect_after_close_midway_raises(open_sync: Opener) -> None:
    stream, _ = chat_stream(open_sync, [chat_chunk("a"), chat_chunk("b"), DONE])
    assert next(iter(stream)) == Content("a", 0)
    stream.close()
    with pytest.raises(StreamError, match="incomplete") as info:
        stream.collect_content()  # never a partial response passed off as whole
    assert info.value.partial_content == "a"

    unread, _ = chat_stream(open_sync, [chat_chunk("a"), DONE])
    unread.close()
    with pytest.raises(StreamError, match="incomplete"):
        unread.collect_content()


def test_collect_inside_the_loop(open_sync: Opener) -> None:
    stream, _ = chat_stream(open_sync, [chat_chunk("a"), chat_chunk("b"), DONE])
    for event in stream:
        assert event == Content("a", 0)
        assert stream.collect_content() == "ab"
    assert stream.closed


def test_close_after_done_drains(open_sync: Opener) -> None:
    stream, body = chat_stream(open_sync, [chat_chunk("a"), DONE, b"\n"])
    for event in stream:
        if type(event) is Done:
            break
    stream.close()
    assert body.state.exhausted
    assert body.state.closed


def test_context_manager_closes(open_sync: Opener) -> None:
    body = SyncBody(split_events(transcript_body("A11_chat_stream")))
    with MessageStream(open_sync(body)) as stream:
        assert type(next(iter(stream))) in (Content, Reasoning)
    assert body.state.closed
    assert stream.closed


def test_context_manager_closes_on_exception(open_sync: Opener) -> None:
    body = SyncBody(split_events(transcript_body("A11_chat_stream")))

    def use() -> MessageStream:
        with MessageStream(open_sync(body)) as stream:
            next(iter(stream))
            raise KeyError("user code failed")

    with pytest.raises(KeyError):
        use()
    assert body.state.closed


def test_abandoned_stream_is_closed_by_gc(open_sync: Opener) -> None:
    body = SyncBody(split_events(transcript_body("A11_chat_stream")))
    stream = MessageStream(open_sync(body))
    next(iter(stream))
    del stream
    assert body.state.closed  # freed at once: no reference cycle between the stream and its generator

    never = SyncBody([DONE])
    unused = MessageStream(open_sync(never))
    del unused
    gc.collect()
    assert never.state.closed


def test_iterating_a_temporary_stream(open_sync: Opener) -> None:
    # The stream object itself is dropped at once; its generator must keep going and then release.
    body = SyncBody([chat_chunk("a"), chat_chunk("b"), DONE])
    events = [event for event in MessageStream(open_sync(body))]
    assert events == [Content("a", 0), Content("b", 0), Done()]
    assert body.state.exhausted
    assert body.state.closed


def test_unstarted_iterator_dropped_is_closed(open_sync: Opener) -> None:
    body = SyncBody([chat_chunk("a"), DONE])
    stream = MessageStream(open_sync(body))
    iterator = iter(stream)
    del stream
    assert not body.state.closed
    del iterator
    assert body.state.closed  # no reference cycle: freed (and closed) at once, no gc pass needed


def test_next_and_repeated_iteration_continue(open_sync: Opener) -> None:
    chunks = [chat_chunk("a"), chat_chunk("b"), chat_chunk("c"), DONE]
    stream, _ = chat_stream(open_sync, chunks)
    assert next(stream) == Content("a", 0)
    assert [e for e in stream][:2] == [Content("b", 0), Content("c", 0)]


# ---------------------------------------------------------------- telemetry, encodings, chunks


def test_ttft_and_response(open_sync: Opener) -> None:
    chunks = [data_chunk('{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}')]
    chunks += [chat_chunk("a"), DONE]
    stream, _ = chat_stream(open_sync, chunks, delays={1: 0.05})
    assert stream.ttft is None
    assert stream.request_id == "req-123"
    assert stream.response.status_code == 200
    list(stream)
    assert stream.ttft is not None
    assert 0.05 <= stream.ttft < 1.0

    early = time.perf_counter() - 10
    later = MessageStream(open_sync(SyncBody([chat_chunk("a"), DONE])), started_at=early)
    list(later)
    assert later.ttft is not None
    assert later.ttft >= 10


def test_gzip_encoded_body(open_sync: Opener) -> None:
    raw = transcript_body("A11_chat_stream")
    plain, _ = chat_stream(open_sync, split_events(raw))
    expected = list(plain)
    packed = gzip.compress(raw)
    body = SyncBody([packed[i : i + 500] for i in range(0, len(packed), 500)])
    headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
    stream = MessageStream(open_sync(body, headers))
    assert list(stream) == expected


def test_already_read_response(open_sync: Opener) -> None:
    response = open_sync(SyncBody([chat_chunk("a"), DONE]))
    response.read()  # someone read the body first: the stream replays it from memory
    assert MessageStream(response).collect_content() == "a"


def test_chunks_typed_models(open_sync: Opener) -> None:
    from vllm_sdk.types._generated import ChatCompletionStreamResponse

    chunks = split_events(transcript_body("A12_chat_stream_usage"))
    expected_content, _ = chat_stream(open_sync, chunks)
    content = expected_content.collect_content()

    stream, body = chat_stream(open_sync, chunks)
    models = list(stream.chunks())
    assert len(models) == sum(1 for c in chunks if c.startswith(b"data: {"))
    assert all(isinstance(m, ChatCompletionStreamResponse) for m in models)
    assert models[-1].usage is not None
    assert models[-1].choices == []
    assert stream.collect_content() == content  # the events were accumulated all the same
    assert body.state.closed


def test_chunks_after_iteration_is_refused(open_sync: Opener) -> None:
    stream, _ = chat_stream(open_sync, [chat_chunk("a"), DONE])
    next(iter(stream))
    with pytest.raises(RuntimeError, match="before"):
        next(stream.chunks())
    stream.close()


def test_chunks_error_event_raises(open_sync: Opener) -> None:
    stream, _ = chat_stream(open_sync, error_body())
    models = []
    with pytest.raises(StreamError) as info:
        consume(stream.chunks(), models)
    assert len(models) == 2
    assert info.value.partial_content == "Hello wor"


# ---------------------------------------------------------------- legacy completions


def test_completion_stream(open_sync: Opener) -> None:
    chunks = split_events(transcript_body("A17b_completions_stream_plain"))
    body = SyncBody(chunks)
    stream = CompletionStream(open_sync(body))
    events = list(stream)
    assert events[-1] == Done()
    texts = [e.text for e in events if type(e) is Text]
    assert texts
    assert stream.ttft is not None
    assert body.state.closed

    again = CompletionStream(open_sync(SyncBody(chunks)))
    assert again.collect_text() == "".join(texts)
    third = CompletionStream(open_sync(SyncBody(chunks)))
    assert list(third.text_stream) == texts
