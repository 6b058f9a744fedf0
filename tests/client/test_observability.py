"""Event hooks (sync and async) and OpenTelemetry spans after the GenAI conventions."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk import AsyncVllmClient, BadRequestError, StreamError, VllmTimeoutError, _otel
from vllm_sdk._options import RequestOptions
from vllm_sdk._streams import AsyncMessageStream, MessageStream

from .helpers import BASE, Api, ChunkStream, chat_body, delta_chunk, sse

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from vllm_sdk._streams._state import StreamObserver

MSGS = [{"role": "user", "content": "hi"}]


def test_request_and_response_hooks_run_on_every_attempt(api: Api) -> None:
    seen: list[str] = []

    def on_request(request: httpx.Request) -> None:
        seen.append(f"req {request.method} {request.url.path}")

    def on_response(response: httpx.Response) -> None:
        seen.append(f"resp {response.status_code}")

    client = api.make(
        httpx.Response(503, json={"error": {"message": "busy"}}),
        httpx.Response(200, json=chat_body()),
        event_hooks={"request": [on_request], "response": [on_response]},
    )
    api.run(client.chat.completions.create(model="m", messages=MSGS))
    assert seen == [
        "req POST /v1/chat/completions",
        "resp 503",
        "req POST /v1/chat/completions",
        "resp 200",
    ]


def test_async_client_awaits_async_hooks() -> None:
    seen: list[str] = []

    async def on_request(request: httpx.Request) -> None:
        await asyncio.sleep(0)
        request.headers["x-added-by-hook"] = "1"
        seen.append("async")

    def on_response(response: httpx.Response) -> None:
        seen.append("sync")

    api = Api("async")
    client = api.make(event_hooks={"request": [on_request], "response": [on_response]})
    assert isinstance(client, AsyncVllmClient)
    asyncio.run(client.chat.completions.create(model="m", messages=MSGS))
    assert seen == ["async", "sync"]
    assert api.sent[0].headers["x-added-by-hook"] == "1"


def test_bad_hooks_are_refused() -> None:
    api = Api("sync")
    with pytest.raises(ValueError, match="event_hooks"):
        api.make(event_hooks={"requests": []})
    with pytest.raises(TypeError, match="not callable"):
        api.make(event_hooks={"request": ["nope"]})


# ---------------------------------------------------------------- OpenTelemetry


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    sdk = pytest.importorskip("opentelemetry.sdk.trace")
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = sdk.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(_otel, "_tracer", provider.get_tracer("test"))
    monkeypatch.setattr(_otel, "_tracer_loaded", True)
    yield exporter
    provider.shutdown()


def test_chat_span_has_genai_attributes(api: Api, spans: Any) -> None:
    client = api.make(
        httpx.Response(503, json={"error": {"message": "busy"}}),
        httpx.Response(200, json=chat_body()),
    )
    api.run(client.chat.completions.create(model="m", messages=MSGS, temperature=0.5, max_tokens=9))
    (span,) = spans.get_finished_spans()  # one span for the request and its retry
    attrs = dict(span.attributes)
    assert span.name == "chat m"
    assert attrs["gen_ai.operation.name"] == "chat"
    assert attrs["gen_ai.request.model"] == "m"
    assert attrs["gen_ai.request.temperature"] == 0.5
    assert attrs["gen_ai.request.max_tokens"] == 9
    assert attrs["gen_ai.usage.input_tokens"] == 3
    assert attrs["gen_ai.usage.output_tokens"] == 2
    assert attrs["gen_ai.response.finish_reasons"] == ("stop",)
    assert attrs["gen_ai.response.id"] == "chatcmpl-1"
    assert attrs["server.address"] == "vllm.test"
    assert attrs["server.port"] == 8000


def test_failed_request_span_is_marked_as_error(api: Api, spans: Any) -> None:
    client = api.make(httpx.Response(400, json={"error": {"message": "bad"}}))
    with pytest.raises(BadRequestError):
        api.run(client.chat.completions.create(model="m", messages=MSGS))
    (span,) = spans.get_finished_spans()
    assert span.attributes["error.type"] == "BadRequestError"
    assert span.attributes["http.response.status_code"] == 400
    assert not span.status.is_ok


def test_stream_span_ends_with_the_stream(spans: Any) -> None:
    usage = {"id": "x", "model": "m", "choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": 2}}
    body = sse(delta_chunk("a"), delta_chunk("b", "stop"), usage)
    api = Api("sync")
    client = api.make(
        lambda request: httpx.Response(
            200, stream=ChunkStream(body[:40], body[40:]), headers={"content-type": "text/event-stream"}
        )
    )
    with client.chat.completions.create(model="m", messages=MSGS, stream=True) as stream:
        assert spans.get_finished_spans() == ()
        assert stream.collect_content() == "ab"
    (span,) = spans.get_finished_spans()
    attrs = dict(span.attributes)
    assert attrs["gen_ai.usage.input_tokens"] == 4
    assert attrs["gen_ai.usage.output_tokens"] == 2
    assert attrs["gen_ai.response.finish_reasons"] == ("stop",)
    assert attrs["gen_ai.response.time_to_first_chunk"] >= 0
    assert 0 <= attrs["gen_ai.response.time_to_first_token"] == pytest.approx(stream.ttft)


def test_routes_without_a_genai_operation_have_no_span(api: Api, spans: Any) -> None:
    client = api.make(httpx.Response(200, json={"data": [], "object": "list"}))
    api.run(client.models.list())
    assert spans.get_finished_spans() == ()


def test_without_opentelemetry_nothing_happens(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_otel, "_tracer", None)
    monkeypatch.setattr(_otel, "_tracer_loaded", True)
    client = api.make()
    assert api.run(client.chat.completions.create(model="m", messages=MSGS)).content == "Hello!"


def test_async_stream_span_ends_with_the_stream(spans: Any) -> None:
    body = sse(delta_chunk("a"), delta_chunk("b", "stop"))
    api = Api("async")
    client = api.make(
        lambda request: httpx.Response(
            200, stream=ChunkStream(body), headers={"content-type": "text/event-stream"}
        )
    )

    async def run() -> str:
        stream = await client.chat.completions.create(model="m", messages=MSGS, stream=True)
        async with stream:
            assert spans.get_finished_spans() == ()
            return str(await stream.collect_content())

    assert asyncio.run(run()) == "ab"
    (span,) = spans.get_finished_spans()
    assert span.attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert span.attributes["gen_ai.response.time_to_first_token"] >= 0


def test_in_memory_stream_body_ends_the_span_at_once(spans: Any) -> None:
    api = Api("sync")
    body = sse(delta_chunk("a", "stop"))
    client = api.make(httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))
    with client.chat.completions.create(model="m", messages=MSGS, stream=True) as stream:
        assert stream.collect_content() == "a"
    (span,) = spans.get_finished_spans()
    assert span.attributes["gen_ai.response.finish_reasons"] == ("stop",)


def test_a_tracer_that_does_not_record_costs_no_span_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    trace = pytest.importorskip("opentelemetry.trace")
    from vllm_sdk._options import RequestOptions

    monkeypatch.setattr(_otel, "_tracer", trace.NoOpTracer())
    monkeypatch.setattr(_otel, "_tracer_loaded", True)
    opts = RequestOptions("POST", "http://h/v1/chat/completions", operation="chat", body={"model": "m"})
    assert _otel.start_span(opts, "http://h/v1") is None


# ---------------------------------------------------------------- failing streams: the stream tells its span


class ScriptedBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A network-like body: ``pause`` seconds before each chunk after the first (sync), then it ends, raises
    ``error`` or (async, ``stall``) hangs until cancelled."""

    def __init__(
        self, *chunks: bytes, pause: float = 0.0, error: Exception | None = None, stall: bool = False
    ) -> None:
        self.chunks = chunks
        self.pause = pause
        self.error = error
        self.stall = stall

    def __iter__(self) -> Iterator[bytes]:
        for i, chunk in enumerate(self.chunks):
            if i and self.pause:
                time.sleep(self.pause)
            yield chunk
        if self.error is not None:
            raise self.error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.stall:
            await asyncio.Event().wait()
        if self.error is not None:
            raise self.error


def traced(response: httpx.Response) -> _otel.SpanScope:
    """A started span whose end the body's close triggers, as the clients set it up."""
    opts = RequestOptions("POST", f"{BASE}/chat/completions", operation="chat", body={"model": "m"})
    scope = _otel.start_span(opts, BASE)
    assert scope is not None
    _otel.wrap_stream_response(response, scope)
    return scope


def read_traced(mode: str, body: ScriptedBody, idle_timeout: float | None = None) -> BaseException:
    """Open a streaming response over ``body`` the way the clients do (the span scope as the stream's
    observer; nothing hands the stream to the scope), read it to the end; return what it raised."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=body, headers={"content-type": "text/event-stream"})

    url, payload = f"{BASE}/chat/completions", {"model": "m", "stream": True}
    if mode == "sync":
        with httpx.Client(transport=httpx.MockTransport(handler)) as http:
            response = http.send(http.build_request("POST", url, json=payload), stream=True)
            observer: StreamObserver = traced(response)
            stream = MessageStream(response, idle_timeout=idle_timeout, observer=observer)
            with pytest.raises((StreamError, VllmTimeoutError)) as info, stream:
                stream.collect()
            return info.value

    async def run() -> BaseException:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            request = http.build_request("POST", url, json=payload)
            response = await http.send(request, stream=True)
            stream = AsyncMessageStream(response, idle_timeout=idle_timeout, observer=traced(response))
            with pytest.raises((StreamError, VllmTimeoutError)) as info:
                async with stream:
                    await stream.collect()
            return info.value

    return asyncio.run(run())


ERROR_EVENT = b'data: {"error": {"message": "boom", "type": "InternalServerError", "code": 500}}\n\n'
FIRST = sse(delta_chunk("a"))[: -len(b"data: [DONE]\n\n")]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("case", "expected"),
    [("error-event", "StreamError"), ("truncated", "StreamError"), ("idle-timeout", "VllmTimeoutError")],
)
def test_a_failing_stream_ends_its_span_with_error_status(
    spans: Any, mode: str, case: str, expected: str
) -> None:
    idle = None
    if case == "error-event":
        body = ScriptedBody(FIRST, ERROR_EVENT, b"data: [DONE]\n\n")
    elif case == "truncated":
        body = ScriptedBody(FIRST, FIRST[:30])
    elif mode == "sync":  # bytes keep coming but no event: the sync stream checks between reads
        body, idle = ScriptedBody(FIRST, *[b": ping\n\n"] * 10, pause=0.05), 0.12
    else:
        body, idle = ScriptedBody(FIRST, stall=True), 0.1
    raised = read_traced(mode, body, idle)
    assert type(raised).__name__ == expected
    (span,) = spans.get_finished_spans()
    assert not span.status.is_ok
    assert span.attributes["error.type"] == expected
    assert span.attributes["gen_ai.response.time_to_first_token"] >= 0
    (event,) = [e for e in span.events if e.name == "exception"]
    if case != "error-event":  # the span records what iteration raised
        assert event.attributes["exception.message"] == str(raised)


def test_span_scope_is_a_stream_observer_that_keeps_no_stream(spans: Any) -> None:
    opts = RequestOptions("POST", f"{BASE}/chat/completions", operation="chat", body={"model": "m"})
    scope = _otel.start_span(opts, BASE)
    assert scope is not None
    observer: StreamObserver = scope  # structurally (checked by the type checker)
    observer.first_token(0.25)
    observer.stream_failed(StreamError("first"))
    observer.stream_failed(StreamError("second"))  # only the first failure counts
    scope.end()
    (span,) = spans.get_finished_spans()
    assert span.attributes["gen_ai.response.time_to_first_token"] == 0.25
    assert span.status.description == "first"
    assert not any(
        isinstance(getattr(scope, name, None), (MessageStream, AsyncMessageStream))
        for name in scope.__slots__
    )


# ---------------------------------------------------------------- spans of raw-response calls


def _chat_attrs(span: Any) -> dict[str, Any]:
    attrs = dict(span.attributes)
    return {key: value for key, value in attrs.items() if key.startswith("gen_ai.") and "time" not in key}


def test_raw_call_makes_the_same_span_as_the_normal_call(api: Api, spans: Any) -> None:
    client = api.make(
        httpx.Response(503, json={"error": {"message": "busy"}}),
        httpx.Response(200, json=chat_body()),
        httpx.Response(200, json=chat_body()),
    )
    args: dict[str, Any] = {"model": "m", "messages": MSGS, "temperature": 0.5}
    api.run(client.chat.completions.create(**args))
    raw = api.run(client.chat.completions.with_raw_response.create(**args))
    assert raw.status_code == 200
    normal, traced_raw = spans.get_finished_spans()  # one span per call, the retry inside the first
    assert traced_raw.name == normal.name == "chat m"
    assert _chat_attrs(traced_raw) == _chat_attrs(normal)
    assert _chat_attrs(traced_raw)["gen_ai.usage.input_tokens"] == 3
    assert _chat_attrs(traced_raw)["gen_ai.response.finish_reasons"] == ("stop",)


def test_failed_raw_call_span_is_marked_as_error(api: Api, spans: Any) -> None:
    client = api.make(httpx.Response(400, json={"error": {"message": "bad"}}))
    with pytest.raises(BadRequestError):
        api.run(client.chat.completions.with_raw_response.create(model="m", messages=MSGS))
    (span,) = spans.get_finished_spans()
    assert span.attributes["error.type"] == "BadRequestError"
    assert span.attributes["http.response.status_code"] == 400
    assert not span.status.is_ok


def _streamed_chat(body: bytes) -> Any:
    return lambda request: httpx.Response(
        200, stream=ChunkStream(body[:40], body[40:]), headers={"content-type": "text/event-stream"}
    )


def test_raw_stream_span_ends_with_the_parsed_stream(spans: Any) -> None:
    usage = {"id": "x", "model": "m", "choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": 2}}
    api = Api("sync")
    client = api.make(_streamed_chat(sse(delta_chunk("a"), delta_chunk("b", "stop"), usage)))
    raw = client.chat.completions.with_raw_response.create(model="m", messages=MSGS, stream=True)
    assert spans.get_finished_spans() == ()  # the body is unread: the span is open
    with raw.parse() as stream:
        assert stream.collect_content() == "ab"
    (span,) = spans.get_finished_spans()
    attrs = dict(span.attributes)
    assert attrs["gen_ai.usage.input_tokens"] == 4
    assert attrs["gen_ai.response.finish_reasons"] == ("stop",)
    # The parsed stream reports its first token to the raw call's span, as a normal stream does.
    assert 0 <= attrs["gen_ai.response.time_to_first_token"] == pytest.approx(stream.ttft)


def test_streaming_response_span_ends_when_the_block_closes_the_body(spans: Any) -> None:
    api = Api("sync")
    client = api.make(_streamed_chat(sse(delta_chunk("a"), delta_chunk("b", "stop"))))
    with client.chat.completions.with_streaming_response.create(model="m", messages=MSGS, stream=True) as raw:
        first = next(iter(raw.iter_lines()))
        assert first.startswith("data:")
        assert spans.get_finished_spans() == ()
    (span,) = spans.get_finished_spans()
    assert span.name == "chat m"
    assert span.attributes["gen_ai.response.time_to_first_chunk"] >= 0


def test_async_raw_calls_make_spans(spans: Any) -> None:
    body = sse(delta_chunk("a"), delta_chunk("b", "stop"))
    api = Api("async")
    client = api.make(httpx.Response(200, json=chat_body()), _streamed_chat(body))

    async def main() -> None:
        raw = await client.chat.completions.with_raw_response.create(model="m", messages=MSGS)
        assert (await raw.parse()).content == "Hello!"
        (span,) = spans.get_finished_spans()
        assert span.attributes["gen_ai.usage.output_tokens"] == 2
        async with client.chat.completions.with_streaming_response.create(
            model="m", messages=MSGS, stream=True
        ) as sraw:
            assert spans.get_finished_spans() == (span,)
            stream = await sraw.parse()
            assert await stream.collect_content() == "ab"
        assert len(spans.get_finished_spans()) == 2
        assert spans.get_finished_spans()[1].attributes["gen_ai.response.finish_reasons"] == ("stop",)

    asyncio.run(main())


def test_raw_calls_of_routes_without_a_genai_operation_have_no_span(api: Api, spans: Any) -> None:
    client = api.make(httpx.Response(200, json={"data": [], "object": "list"}))
    api.run(client.models.with_raw_response.list())
    assert spans.get_finished_spans() == ()


def test_builder_send_raw_makes_the_span_too(api: Api, spans: Any) -> None:
    client = api.make(httpx.Response(200, json=chat_body()))
    raw = api.run(client.chat.completions.create().model("m").user("hi").send_raw())
    assert raw.status_code == 200
    (span,) = spans.get_finished_spans()
    assert span.name == "chat m"
    assert span.attributes["gen_ai.usage.input_tokens"] == 3
