"""The stream observer (``observer=``): what a stream tells telemetry, and when (before its body is closed).

The same cases run on the sync and the async stream classes: a whole stream, an error event, a truncated
body, a connection lost mid-body and the idle timeout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk._exceptions import StreamError, VllmError, VllmTimeoutError
from vllm_sdk._streams import AsyncCompletionStream, AsyncMessageStream, CompletionStream, MessageStream

from .conftest import DONE, AsyncBody, Body, SyncBody, chat_chunk, data_chunk

if TYPE_CHECKING:
    from collections.abc import Callable

    from vllm_sdk._streams._state import StreamObserver

ERROR_EVENT = data_chunk('{"error": {"message": "boom", "type": "InternalServerError", "code": 500}}')


class Recorder:
    """A :class:`StreamObserver` that notes each call and whether the body was already closed then."""

    def __init__(self) -> None:
        self.body: Body | None = None
        self.calls: list[tuple[str, Any, bool]] = []

    def first_token(self, ttft: float) -> None:
        assert self.body is not None
        self.calls.append(("first_token", ttft, self.body.closed))

    def stream_failed(self, error: VllmError) -> None:
        assert self.body is not None
        self.calls.append(("stream_failed", error, self.body.closed))


async def run(
    mode: str,
    open_sync: Callable[..., httpx.Response],
    open_async: Callable[..., Any],
    chunks: list[bytes],
    **kwargs: Any,
) -> tuple[Recorder, Any, BaseException | None]:
    """Read a chat stream over ``chunks`` with a :class:`Recorder`; return it, the stream, what it raised."""
    idle = kwargs.pop("idle_timeout", None)
    observer = Recorder()
    raised: BaseException | None = None
    if mode == "sync":
        sync_body = SyncBody(chunks, **kwargs)
        observer.body = sync_body.state
        stream: Any = MessageStream(open_sync(sync_body), idle_timeout=idle, observer=observer)
        try:
            for _ in stream:
                pass
        except VllmError as exc:
            raised = exc
    else:
        async_body = AsyncBody(chunks, **kwargs)
        observer.body = async_body.state
        stream = AsyncMessageStream(await open_async(async_body), idle_timeout=idle, observer=observer)
        try:
            async for _ in stream:
                pass
        except VllmError as exc:
            raised = exc
    assert stream.closed
    return observer, stream, raised


MODES = pytest.mark.parametrize("mode", ["sync", "async"])


@MODES
async def test_a_whole_stream_reports_its_first_token_once(
    mode: str, open_sync: Callable[..., httpx.Response], open_async: Callable[..., Any]
) -> None:
    chunks = [chat_chunk(None), chat_chunk("a"), chat_chunk("b", finish="stop"), DONE]
    observer, stream, raised = await run(mode, open_sync, open_async, chunks)
    assert raised is None
    assert observer.calls == [("first_token", stream.ttft, False)]
    assert stream.failure is None


@MODES
async def test_an_error_event_is_reported_before_the_body_closes(
    mode: str, open_sync: Callable[..., httpx.Response], open_async: Callable[..., Any]
) -> None:
    observer, stream, raised = await run(mode, open_sync, open_async, [chat_chunk("a"), ERROR_EVENT, DONE])
    assert raised is None  # an error event is yielded, not raised
    (first, failed) = observer.calls
    assert first[0] == "first_token"
    assert failed[0] == "stream_failed"
    assert isinstance(failed[1], StreamError)
    assert failed[1].message == "boom"
    assert failed[1] is stream.failure
    assert failed[2] is False  # the body was still open: the span ends after this


@pytest.mark.parametrize(
    ("chunks", "kwargs", "expected"),
    [
        pytest.param([chat_chunk("a"), chat_chunk("b")], {}, StreamError, id="truncated"),
        pytest.param(
            [chat_chunk("a")], {"error": httpx.ReadError("reset")}, StreamError, id="connection-lost"
        ),
        pytest.param([chat_chunk("a"), data_chunk("{not json")], {}, StreamError, id="malformed-event"),
    ],
)
@MODES
async def test_a_failure_is_reported_before_the_body_closes(
    mode: str,
    open_sync: Callable[..., httpx.Response],
    open_async: Callable[..., Any],
    chunks: list[bytes],
    kwargs: dict[str, Any],
    expected: type[VllmError],
) -> None:
    observer, stream, raised = await run(mode, open_sync, open_async, chunks, **kwargs)
    assert isinstance(raised, expected)
    assert observer.calls[-1] == ("stream_failed", raised, False)
    assert [call[0] for call in observer.calls].count("stream_failed") == 1
    assert stream.failure is raised


@MODES
async def test_the_idle_timeout_is_reported_before_the_body_closes(
    mode: str, open_sync: Callable[..., httpx.Response], open_async: Callable[..., Any]
) -> None:
    if mode == "sync":  # sync streams check between reads: bytes keep coming, but no event
        chunks = [chat_chunk("a")] + [b": ping\n\n"] * 10 + [DONE]
        kwargs: dict[str, Any] = {"delays": {i: 0.05 for i in range(1, 11)}}
    else:
        chunks, kwargs = [chat_chunk("a"), DONE], {"stall_at": 1}
    observer, _, raised = await run(mode, open_sync, open_async, chunks, idle_timeout=0.12, **kwargs)
    assert isinstance(raised, VllmTimeoutError)
    assert [call[0] for call in observer.calls] == ["first_token", "stream_failed"]
    assert observer.calls[-1] == ("stream_failed", raised, False)


def test_every_stream_class_takes_an_observer(open_sync: Callable[..., httpx.Response]) -> None:
    import inspect

    for cls in (MessageStream, CompletionStream, AsyncMessageStream, AsyncCompletionStream):
        parameter = inspect.signature(cls).parameters["observer"]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
        assert parameter.default is None
    observer: StreamObserver = Recorder()  # the protocol, checked by the type checker
    assert MessageStream(open_sync(SyncBody([DONE])), observer=observer).failure is None
