"""JSON nested far too deep in a stream (issue 16 item 9): an error event or chunk nested ~5,000 deep
raises :class:`StreamError` after the events before it, and the tail telemetry reads never raises a raw
``RecursionError``: the span still ends. Both parser builds (autouse ``_build``), sync and async."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import _otel
from vllm_sdk._events import Content
from vllm_sdk._exceptions import StreamError
from vllm_sdk._streams import AsyncMessageStream, MessageStream

from .conftest import DONE, AsyncBody, SyncBody, chat_chunk

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

DEEP = b"[" * 5000 + b"]" * 5000
DEEP_ERROR = b'data: {"error": {"message": "boom", "detail": ' + DEEP + b"}}\n\n"
DEEP_CHUNK = b'data: {"choices": ' + DEEP + b"}\n\n"


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    sdk = pytest.importorskip("opentelemetry.sdk.trace")
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = sdk.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(_otel, "_tracer", provider.get_tracer("test"))
    yield exporter
    provider.shutdown()


def _scope() -> _otel.SpanScope:
    return _otel.SpanScope(_otel._tracer.start_span("chat m"))


@pytest.mark.parametrize("deep", [DEEP_ERROR, DEEP_CHUNK], ids=["error-event", "chunk"])
@pytest.mark.parametrize("split", [False, True], ids=["one-read", "own-read"])
def test_sync_deep_json_is_a_stream_error_after_earlier_events(
    deep: bytes, split: bool, open_sync: Callable[..., Any], spans: Any
) -> None:
    chunks = [chat_chunk("a"), deep, DONE] if split else [chat_chunk("a") + deep + DONE]
    response = open_sync(SyncBody(chunks))
    scope = _scope()
    _otel.wrap_stream_response(response, scope)
    seen: list[Any] = []
    with MessageStream(response, observer=scope) as stream:
        with pytest.raises(StreamError):
            seen.extend(stream)
        assert isinstance(stream.failure, StreamError)
        with pytest.raises(StreamError) as info:
            stream.collect()
        assert info.value.partial_content == "a"
    assert seen == [Content("a", 0)]
    (span,) = spans.get_finished_spans()  # the span ended although its tail nests too deep to decode
    assert span.attributes["error.type"] == "StreamError"


@pytest.mark.parametrize("deep", [DEEP_ERROR, DEEP_CHUNK], ids=["error-event", "chunk"])
async def test_async_deep_json_is_a_stream_error_after_earlier_events(
    deep: bytes, open_async: Callable[..., Any], spans: Any
) -> None:
    response = await open_async(AsyncBody([chat_chunk("a"), deep, DONE]))
    scope = _scope()
    _otel.wrap_stream_response(response, scope)
    seen: list[Any] = []
    async with AsyncMessageStream(response, observer=scope) as stream:
        with pytest.raises(StreamError):
            await _read_all(stream, seen)
    assert seen == [Content("a", 0)]
    (span,) = spans.get_finished_spans()
    assert span.attributes["error.type"] == "StreamError"


def test_the_tail_reader_skips_events_nested_too_deep(spans: Any) -> None:
    scope = _scope()
    tail = b'data: {"id": "c1", "model": "m", "choices": [{"finish_reason": "stop"}]}\n\n' + DEEP_CHUNK
    scope.stream_tail(tail)
    scope.end()
    (span,) = spans.get_finished_spans()
    assert span.attributes["gen_ai.response.finish_reasons"] == ("stop",)


async def _read_all(stream: AsyncMessageStream, seen: list[Any]) -> None:
    async for event in stream:
        seen.append(event)
