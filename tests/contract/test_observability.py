"""Issue 3's observability rows that the acceptance audit fixed: a stream that fails marks its span."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import StreamError, _otel

from .support import USER, Mode, fault_headers

if TYPE_CHECKING:
    from collections.abc import Iterator

    from vllm_sdk.testing import MockVllmServer


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    sdk = pytest.importorskip("opentelemetry.sdk.trace")
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = sdk.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(_otel, "_tracer", provider.get_tracer("contract"))
    monkeypatch.setattr(_otel, "_tracer_loaded", True)
    yield exporter
    provider.shutdown()


async def stream_span(mode: Mode, server: MockVllmServer, spans: Any, fault: str | None) -> Any:
    client = mode.client(server.base_url)
    headers = fault_headers(fault) if fault else None
    stream = await mode(
        client.chat.completions.create(model="mock", messages=USER, stream=True, extra_headers=headers)
    )
    try:
        await mode.events(stream)
    except StreamError:
        pass  # the span is what this test looks at
    finally:
        await mode.close(stream)
    (span,) = spans.get_finished_spans()
    return span


async def test_successful_stream_span_is_ok(mode: Mode, server: MockVllmServer, spans: Any) -> None:
    span = await stream_span(mode, server, spans, None)
    assert span.status.status_code.name != "ERROR"
    assert "error.type" not in span.attributes
    assert span.attributes["gen_ai.response.finish_reasons"] == ("stop",)


@pytest.mark.parametrize("fault", ["error_event_after=2", "disconnect_after=2", "malformed_after=2"])
async def test_failed_stream_marks_span(mode: Mode, server: MockVllmServer, spans: Any, fault: str) -> None:
    span = await stream_span(mode, server, spans, fault)
    assert span.status.status_code.name == "ERROR"
    assert span.attributes["error.type"] == "StreamError"
