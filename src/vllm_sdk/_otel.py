"""Optional OpenTelemetry spans, one per logical request (all its retries), after the GenAI conventions.

Active only when ``opentelemetry-api`` is importable; without it every function here is a no-op that
costs one ``None`` check. A span is named ``"{operation} {model}"`` (``"chat Qwen/Qwen3-8B"``), is of kind
CLIENT and carries ``gen_ai.operation.name``, ``gen_ai.provider.name`` / ``gen_ai.system`` (``"vllm"``),
``gen_ai.request.*`` sampling parameters, ``server.address`` / ``server.port``, and from the response
``gen_ai.response.id`` / ``.model`` / ``.finish_reasons`` and ``gen_ai.usage.input_tokens`` /
``output_tokens``. Failures set ``error.type`` and the ERROR status.

Streams: the span ends when the stream's body is closed, marked failed when the stream failed (an error
event, a truncated or malformed body, a lost connection, the idle timeout). The stream tells its
:class:`SpanScope` (its ``observer``: the scope implements ``_streams``' ``StreamObserver`` protocol
structurally; this module never reads a stream) about the failure and the first token before it closes the
body. The stream's time to first token (the first content, reasoning or tool-call event) is recorded as
``gen_ai.response.time_to_first_token`` and the time to the first body chunk as
``gen_ai.response.time_to_first_chunk`` (seconds, from the moment the request was sent); usage and finish
reasons are read from the last events of the body (bounded: only the tail is kept).
"""

from __future__ import annotations

import functools
import json
import time
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Mapping

    from ._options import RequestOptions

__all__ = ["SpanScope", "start_span", "wrap_stream_response"]

_REQUEST_ATTRS = {
    "temperature": "gen_ai.request.temperature",
    "top_p": "gen_ai.request.top_p",
    "top_k": "gen_ai.request.top_k",
    "max_tokens": "gen_ai.request.max_tokens",
    "max_completion_tokens": "gen_ai.request.max_tokens",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "presence_penalty": "gen_ai.request.presence_penalty",
    "seed": "gen_ai.request.seed",
    "n": "gen_ai.request.choice.count",
}

#: How much of a stream's end is kept to read usage and finish reasons from.
_TAIL_BYTES = 16 * 1024

_tracer: Any = None
_tracer_loaded = False
_SPAN_KIND_CLIENT: Any = None


def _get_tracer() -> Any:
    global _tracer, _tracer_loaded
    if not _tracer_loaded:
        _tracer_loaded = True
        try:
            from opentelemetry import trace
        except ImportError:
            _tracer = None
        else:
            from ._version import __version__

            _tracer = trace.get_tracer("vllm_sdk", __version__)
    return _tracer


def _is_noop(tracer: Any) -> bool:
    """Whether ``tracer`` is OpenTelemetry's proxy while no tracer provider is set (it hands out no-op
    spans): then no span is started at all, which saves the no-op span's cost on every request. The
    proxy resolves to a real tracer as soon as a provider is set, so this is asked on every call."""
    resolved = getattr(tracer, "_tracer", tracer)  # ProxyTracer's current delegate (private, so guarded)
    return resolved is not tracer and type(resolved).__name__ == "NoOpTracer"


class SpanScope:
    """One open span; the clients call :meth:`response`, :meth:`error` and :meth:`end`, and a stream its
    observer methods :meth:`first_token` and :meth:`stream_failed`."""

    __slots__ = ("_ended", "_failure", "_sent_at", "_ttft", "span")

    def __init__(self, span: Any) -> None:
        self.span = span
        self._ended = False
        self._sent_at = time.perf_counter()
        self._ttft: float | None = None
        self._failure: BaseException | None = None

    def first_token(self, ttft: float) -> None:
        """Stream observer: the stream's time to first token, recorded when the span ends."""
        self._ttft = ttft

    def stream_failed(self, error: BaseException) -> None:
        """Stream observer: the stream failed with ``error``; the span is marked failed when it ends."""
        if self._failure is None:
            self._failure = error

    def sent(self) -> None:
        """Note the moment the (last) attempt was sent: time to first chunk counts from here."""
        self._sent_at = time.perf_counter()

    def response(self, parsed: object) -> None:
        """Record what a parsed (non-streamed) response says about model, id, usage and finish reasons."""
        span = self.span
        rid = getattr(parsed, "id", None)
        if isinstance(rid, str):
            span.set_attribute("gen_ai.response.id", rid)
        model = getattr(parsed, "model", None)
        if isinstance(model, str):
            span.set_attribute("gen_ai.response.model", model)
        usage = getattr(parsed, "usage", None)
        if usage is not None:
            self._usage(getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None))
        choices = getattr(parsed, "choices", None)
        if isinstance(choices, list):
            reasons = [str(c.finish_reason) for c in choices if getattr(c, "finish_reason", None)]
            if reasons:
                span.set_attribute("gen_ai.response.finish_reasons", reasons)

    def response_body(self, content: bytes) -> None:
        """Record what a JSON body read by a raw call (``with_raw_response``) says, as :meth:`response` does
        for a parsed one: the raw call does not parse it into a model, so the JSON object is read here."""
        try:
            data = json.loads(content)
        except (ValueError, RecursionError):
            return  # not JSON (a text route), or a hostile body: the span keeps the request attributes
        if not isinstance(data, dict):
            return
        span = self.span
        if isinstance(data.get("id"), str):
            span.set_attribute("gen_ai.response.id", data["id"])
        if isinstance(data.get("model"), str):
            span.set_attribute("gen_ai.response.model", data["model"])
        usage = data.get("usage")
        if isinstance(usage, dict):
            self._usage(usage.get("prompt_tokens"), usage.get("completion_tokens"))
        choices = data.get("choices")
        if isinstance(choices, list):
            reasons = [
                str(c["finish_reason"]) for c in choices if isinstance(c, dict) and c.get("finish_reason")
            ]
            if reasons:
                span.set_attribute("gen_ai.response.finish_reasons", reasons)

    def _usage(self, prompt: object, completion: object) -> None:
        if isinstance(prompt, int):
            self.span.set_attribute("gen_ai.usage.input_tokens", prompt)
        if isinstance(completion, int):
            self.span.set_attribute("gen_ai.usage.output_tokens", completion)

    def first_chunk(self) -> None:
        """Record the time to the first body chunk of a stream."""
        self.span.set_attribute("gen_ai.response.time_to_first_chunk", time.perf_counter() - self._sent_at)

    def stream_tail(self, tail: bytes) -> None:
        """Read usage, finish reasons, id and model from the last SSE events of a stream."""
        reasons: list[str] = []
        for line in reversed(tail.split(b"\n")):
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if not data.startswith(b"{"):
                continue
            try:
                event = json.loads(data)
            except (ValueError, RecursionError):
                continue  # the first kept line may be cut; a hostile event may nest too deep to decode
            if not isinstance(event, dict):
                continue
            usage = event.get("usage")
            if isinstance(usage, dict):
                self._usage(usage.get("prompt_tokens"), usage.get("completion_tokens"))
            for choice in event.get("choices") or ():
                if isinstance(choice, dict) and choice.get("finish_reason"):
                    reasons.append(str(choice["finish_reason"]))
            if isinstance(event.get("id"), str):
                self.span.set_attribute("gen_ai.response.id", event["id"])
            if isinstance(event.get("model"), str):
                self.span.set_attribute("gen_ai.response.model", event["model"])
        if reasons:
            self.span.set_attribute("gen_ai.response.finish_reasons", list(reversed(reasons)))

    def error(self, exc: BaseException) -> None:
        """Mark the span failed with ``exc``."""
        from opentelemetry.trace import Status, StatusCode

        self.span.set_attribute("error.type", type(exc).__name__)
        status_code = getattr(exc, "status_code", None)
        if isinstance(status_code, int):
            self.span.set_attribute("http.response.status_code", status_code)
        self.span.set_status(Status(StatusCode.ERROR, str(exc)[:200]))
        self.span.record_exception(exc)

    @property
    def ended(self) -> bool:
        """Whether :meth:`end` was called."""
        return self._ended

    def end(self) -> None:
        """End the span (once); a stream that reported a failure marks it failed first."""
        if not self._ended:
            self._ended = True
            if self._ttft is not None:
                self.span.set_attribute("gen_ai.response.time_to_first_token", self._ttft)
            if self._failure is not None:
                self.error(self._failure)
            self.span.end()


def _client_kind() -> Any:
    global _SPAN_KIND_CLIENT
    if _SPAN_KIND_CLIENT is None:
        from opentelemetry.trace import SpanKind

        _SPAN_KIND_CLIENT = SpanKind.CLIENT
    return _SPAN_KIND_CLIENT


@functools.lru_cache(maxsize=64)
def _server(base_url: str) -> tuple[str, int | None]:
    url = httpx.URL(base_url)
    return url.host, url.port


def start_span(opts: RequestOptions, base_url: str) -> SpanScope | None:
    """A started span for ``opts`` when OpenTelemetry is installed, a tracer provider records, and the
    request is a GenAI operation; ``None`` otherwise (cheaply: nothing is built for a span not recorded)."""
    tracer = _get_tracer()
    if tracer is None or opts.operation is None or _is_noop(tracer):
        return None
    body: Mapping[str, Any] = opts.body or {}
    model = body.get("model")
    name = f"{opts.operation} {model}" if isinstance(model, str) else opts.operation
    span = tracer.start_span(name, kind=_client_kind())
    if not span.is_recording():  # no SDK configured (the API's no-op tracer), or sampled out
        span.end()
        return None
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": opts.operation,
        "gen_ai.provider.name": "vllm",
        "gen_ai.system": "vllm",
    }
    if isinstance(model, str):
        attributes["gen_ai.request.model"] = model
    for key, attribute in _REQUEST_ATTRS.items():
        value = body.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            attributes[attribute] = value
    stop = body.get("stop")
    if isinstance(stop, str):
        attributes["gen_ai.request.stop_sequences"] = [stop]
    elif isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        attributes["gen_ai.request.stop_sequences"] = stop
    host, port = _server(base_url)
    attributes["server.address"] = host
    if port is not None:
        attributes["server.port"] = port
    span.set_attributes(attributes)
    return SpanScope(span)


class _TracedSyncStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, scope: SpanScope) -> None:
        self._inner = inner
        self._scope = scope
        self._tail = b""

    def __iter__(self) -> Iterator[bytes]:
        # The span ends when the response is closed, not when the body ends: the stream reading it learns
        # only afterwards whether it failed (a truncated body, a malformed event), and closes it after that.
        first = True
        for chunk in self._inner:
            if first:
                first = False
                self._scope.first_chunk()
            self._tail = (self._tail + chunk)[-_TAIL_BYTES:]
            yield chunk

    def _finish(self) -> None:
        if not self._scope.ended:
            try:
                self._scope.stream_tail(self._tail)
            finally:
                self._scope.end()  # whatever the tail holds, the span ends

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._finish()


class _TracedAsyncStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, scope: SpanScope) -> None:
        self._inner = inner
        self._scope = scope
        self._tail = b""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # Ends the span on close, like the sync twin.
        first = True
        async for chunk in self._inner:
            if first:
                first = False
                self._scope.first_chunk()
            self._tail = (self._tail + chunk)[-_TAIL_BYTES:]
            yield chunk

    def _finish(self) -> None:
        if not self._scope.ended:
            try:
                self._scope.stream_tail(self._tail)
            finally:
                self._scope.end()  # whatever the tail holds, the span ends

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._finish()


def wrap_stream_response(response: httpx.Response, scope: SpanScope) -> None:
    """Make ``response``'s body end ``scope`` when it is closed, recording first chunk and usage."""
    if response.is_closed:
        # The whole body is already in memory (a response built from bytes): nothing left to watch.
        scope.first_chunk()
        scope.stream_tail(response.content[-_TAIL_BYTES:])
        scope.end()
        return
    inner = response.stream
    if isinstance(inner, httpx.AsyncByteStream):
        response.stream = _TracedAsyncStream(inner, scope)
    else:
        response.stream = _TracedSyncStream(inner, scope)
