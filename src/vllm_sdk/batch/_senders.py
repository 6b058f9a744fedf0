"""Sending one prepared request: the :class:`Sender` protocol and its two implementations.

* :func:`send_with_client` sends through an ``AsyncVllmClient`` (``client.batch(...)``): chat and
  completions through the typed resources, so results carry the typed responses the client returns;
  other routes as raw JSON.
* :class:`HttpSender` talks HTTP directly to an :class:`Endpoint` (``vllm-sdk batch``): the command
  writes the server's response bodies to a file, so it has no use for typed objects on the non-streamed
  path and keeps the decoded JSON. Streamed requests go through the SDK's own stream engine
  (``AsyncMessageStream`` / ``AsyncCompletionStream``), which measures the time to first token and
  collects the final response. Errors are mapped with the SDK's one mapping
  (:func:`map_transport_error`, :func:`api_error_from_response`), so retries decide exactly as they do in
  the client.

A sender raises on failure; the runner decides whether to retry.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx

from .._body_read import DEFAULT_MAX_RESPONSE_SIZE, apeek_body, aread_body, aread_error_body
from .._events import Content, Reasoning, Text, ToolCallDelta
from .._exceptions import ApiError, JsonError, map_transport_error
from .._response import error_from_response, is_wrong_stream_type, wrong_stream_type_error
from .._transports import RequestFactory, header_value
from ._encode import TOO_DEEP, decode_body, keep_raw
from ._result import RequestTiming

if TYPE_CHECKING:
    from collections.abc import Awaitable, Mapping

    from ._prepare import PreparedRequest
    from ._protocols import AsyncBatchClient

__all__ = ["STREAMABLE", "Endpoint", "HttpSender", "Outcome", "Sender", "send_with_client"]

try:
    import orjson

    _dumps = orjson.dumps
except ImportError:  # pragma: no cover - only without the speed extra
    import json

    def _dumps(obj: Any) -> bytes:  # type: ignore[misc]
        return json.dumps(obj, separators=(",", ":")).encode()


#: The routes that can stream; ``stream=True`` leaves the others (embeddings ...) as they are.
STREAMABLE = ("/chat/completions", "/completions")
_STREAMABLE = STREAMABLE

#: The stream events that carry generated tokens: their arrival times give TTFT and the inter-token
#: latencies (chat content, reasoning and tool-call deltas; completion text).
_TOKEN_EVENTS = (Content, Reasoning, ToolCallDelta, Text)

_perf_counter = time.perf_counter

ClientT_contra = TypeVar("ClientT_contra", contravariant=True)


@dataclass(slots=True)
class Outcome:
    """What one successful attempt produced: the response, its JSON body and what was measured."""

    response: Any
    body: dict[str, Any] | None
    ttft: float | None
    status_code: int = 200
    request_id: str | None = None
    raw: bytes | None = None  # the body as received (non-streamed HTTP sends only)
    timing: RequestTiming | None = None

    def usage_tokens(self) -> tuple[int | None, int | None]:
        """``(prompt_tokens, completion_tokens)`` when the server reported usage, else ``None``\\ s."""
        usage = getattr(self.response, "usage", None)
        if usage is None and self.body is not None:
            usage = self.body.get("usage")
        if usage is None:
            return None, None
        if isinstance(usage, dict):
            return usage.get("prompt_tokens"), usage.get("completion_tokens")
        return getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None)


class Sender(Protocol[ClientT_contra]):
    """Sends one prepared request through a client of type ``ClientT_contra`` (the tests use a fake)."""

    def __call__(
        self, client: ClientT_contra, request: PreparedRequest, stream: bool, /
    ) -> Awaitable[Outcome]:
        """Send ``request`` (streamed and collected when ``stream``); raise on failure."""
        ...


def _response_body(response: Any) -> dict[str, Any] | None:
    """The JSON of a response as a dict: a dict as it is, a typed response's raw JSON or its dump."""
    if isinstance(response, dict):
        return response
    raw = getattr(response, "raw", None)
    if isinstance(raw, dict):
        return raw
    dump = getattr(response, "model_dump", None)
    if callable(dump):
        value = dump(mode="json", exclude_none=True)
        return value if isinstance(value, dict) else None
    return None


async def _maybe_await(value: Any) -> Any:
    # Builders are duck-typed: their send() may be a coroutine function or return a value directly.
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value


async def send_with_client(client: AsyncBatchClient, request: PreparedRequest, stream: bool) -> Outcome:
    """The client sender: chat and completions through the typed resources, other routes as raw JSON."""
    sent = _perf_counter()
    if request.builder is not None:
        builder = request.builder
        if stream and callable(getattr(builder, "send_stream", None)):
            return await _collect_stream(await _maybe_await(builder.send_stream()), sent)
        response = await _maybe_await(builder.send())
        return Outcome(response, _response_body(response), None, timing=RequestTiming(sent, _perf_counter()))
    body = dict(request.body or {})
    if request.path in _STREAMABLE:
        resource = client.chat.completions if request.path == "/chat/completions" else client.completions
        body.pop("stream", None)
        if stream:
            # Ask for the usage chunk, so streamed results carry token counts like non-streamed ones.
            options = body.get("stream_options")
            body["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
            return await _collect_stream(await resource.create(**body, stream=True), sent)
        body.pop("stream_options", None)  # vLLM rejects stream_options on a request that does not stream
        response = await resource.create(**body)
        return Outcome(response, _response_body(response), None, timing=RequestTiming(sent, _perf_counter()))
    response = await client.request(request.method, request.path, json=body)
    timing = RequestTiming(sent, _perf_counter())
    if isinstance(response, httpx.Response):
        data = response.json()
        return Outcome(
            data,
            data if isinstance(data, dict) else None,
            None,
            response.status_code,
            response.headers.get("x-request-id"),
            timing=timing,
        )
    return Outcome(response, _response_body(response), None, timing=timing)


async def _token_times(stream: Any) -> array[float]:
    """Read a stream's events to the end, returning the arrival time of each token event.

    The stream's own ``collect()`` reads its events the same way; reading them here first costs one clock
    read per token and gives the inter-token latencies (``collect()`` then only finishes the response).
    """
    times: array[float] = array("d")
    append = times.append
    tokens = _TOKEN_EVENTS
    clock = _perf_counter
    async for event in stream:
        if type(event) in tokens:
            append(clock())
    return times


async def _batch_token_times(stream: Any) -> array[float]:
    """:func:`_token_times` for the SDK's own stream classes, read one batch of events per network read
    (``_event_batches``): the token events of one read get the time that batch was handed over - they
    arrived together - and the per-event step of an async generator is saved (most of a token's cost in
    the stream engine)."""
    times: array[float] = array("d")
    append = times.append
    tokens = _TOKEN_EVENTS
    clock = _perf_counter
    async for events in stream._event_batches():
        now = None
        for event in events:
            if type(event) in tokens:
                if now is None:
                    now = clock()
                append(now)
    return times


async def _collect_stream(stream: Any, sent: float) -> Outcome:
    """Drain a stream into its collected response, timing its token events."""
    try:
        times = await _token_times(stream)
        response = await stream.collect()
    finally:
        close = getattr(stream, "aclose", None)
        if close is not None:
            await close()
    return Outcome(
        response,
        _response_body(response),
        getattr(stream, "ttft", None),
        200,
        getattr(stream, "request_id", None),
        timing=RequestTiming(sent, _perf_counter(), times),
    )


@dataclass(eq=False)
class Endpoint:
    """One server: its base URL (ending in ``/v1``), the HTTP client and the headers to send."""

    base_url: str
    http: httpx.AsyncClient
    headers: Mapping[str, str] = field(default_factory=dict)
    # Built on first send: the request headers of every POST (the endpoint's and the content type) and
    # the request factory that says whether the client can skip httpx's machinery (see HttpSender).
    _post_headers: dict[str, str] | None = field(default=None, init=False, repr=False)
    _requests: RequestFactory | None = field(default=None, init=False, repr=False)


class HttpSender:
    """The HTTP sender: posts one :class:`PreparedRequest` to an :class:`Endpoint`, returns its
    :class:`Outcome` (a :class:`Sender` of endpoints)."""

    def __init__(self, *, idle_timeout: float | None = None) -> None:
        self._idle_timeout = idle_timeout
        # Parsed once per (base URL, route), with its text: parsing the URL string was a good part of each
        # request's cost, and so was turning it back into a string for the transport.
        self._urls: dict[tuple[str, str], tuple[httpx.URL, str]] = {}
        self._streams: dict[str, Any] = {}

    def _url(self, endpoint: Endpoint, path: str) -> tuple[httpx.URL, str]:
        key = (endpoint.base_url, path)
        url = self._urls.get(key)
        if url is None:
            parsed = httpx.URL(endpoint.base_url + path)
            url = self._urls[key] = (parsed, str(parsed))
        return url

    def _stream_class(self, path: str) -> Any:
        cls = self._streams.get(path)
        if cls is None:
            # Imported on first use: the stream engine (and its parsers) is only needed by streamed batches.
            from .._streams import AsyncCompletionStream, AsyncMessageStream

            cls = self._streams[path] = (
                AsyncMessageStream if path == "/chat/completions" else AsyncCompletionStream
            )
        return cls

    async def __call__(self, endpoint: Endpoint, request: PreparedRequest, stream: bool, /) -> Outcome:
        """Send ``request`` to ``endpoint``; raise the SDK's error for a failure."""
        if request.body is None:
            raise TypeError("request builders are sent through a client, not the HTTP batch sender")
        body = request.body
        streamed = stream and request.path in _STREAMABLE
        if streamed:
            options = body.get("stream_options")
            body = {
                **body,
                "stream": True,
                "stream_options": {**(options if isinstance(options, dict) else {}), "include_usage": True},
            }
        elif body.get("stream") or "stream_options" in body:
            # Results are whole bodies; vLLM rejects stream_options on a request that does not stream.
            body = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
        started = time.perf_counter()
        headers = endpoint._post_headers
        if headers is None:
            headers = endpoint._post_headers = {**endpoint.headers, "content-type": "application/json"}
        try:
            response = await self._send(
                endpoint, request.method, request.path, _dumps(body), headers, streamed
            )
        except httpx.HTTPError as exc:
            raise map_transport_error(exc) from exc
        try:
            if response.status_code >= 400:
                raise await _error(response)
            request_id = header_value(response, "x-request-id")
            if streamed:
                if is_wrong_stream_type(response):  # an HTML page from a proxy, say: never parsed as SSE
                    raise wrong_stream_type_error(response, await apeek_body(response))
                return await self._collect(response, request.path, started, request_id)
            content = await aread_body(response, DEFAULT_MAX_RESPONSE_SIZE)
            timing = RequestTiming(started, _perf_counter())
            try:
                data = decode_body(content)
            except ValueError as exc:  # not JSON, or not UTF-8: an error line that keeps the bytes
                text = content[:200].decode("utf-8", "replace")
                error = JsonError(f"response body is not JSON: {exc}", text=text)
                raise keep_raw(error, content) from exc
            if data is TOO_DEEP:  # valid JSON too deep to hold: a result written from its raw text
                return Outcome(None, None, None, response.status_code, request_id, content, timing)
            return Outcome(
                data,
                data if isinstance(data, dict) else None,
                None,
                response.status_code,
                request_id,
                raw=content,
                timing=timing,
            )
        except httpx.HTTPError as exc:
            raise map_transport_error(exc) from exc
        finally:
            await response.aclose()

    async def _send(
        self,
        endpoint: Endpoint,
        method: str,
        path: str,
        content: bytes,
        headers: dict[str, str],
        stream: bool = False,
    ) -> httpx.Response:
        """The open response of one request (its body unread).

        On the command's own client (the aiohttp transport, no event hooks, no cookies, no proxy mounts)
        the request goes straight through the transport, as the SDK client's calls do: building the
        ``httpx.Request`` and running httpx's send machinery was most of the batch's CPU per request.
        Anything else goes through ``httpx.AsyncClient.send``; both give the same request on the wire and
        the same errors. On the default transport setting the transport sends streamed and non-streamed
        requests alike over the SDK's own HTTP/1.1 connections (see ``AiohttpTransport.fetch``);
        ``stream``: the body is read as a stream.
        """
        http = endpoint.http
        url, text = self._url(endpoint, path)
        factory = endpoint._requests
        if factory is None:
            factory = endpoint._requests = RequestFactory(http)
        transport = factory.direct
        hooks = http.event_hooks
        if transport is None or hooks["request"] or hooks["response"]:
            return await http.send(
                http.build_request(method, url, content=content, headers=headers), stream=True
            )
        wire_headers = factory.direct_headers(text, headers)
        if wire_headers is None:
            return await http.send(
                http.build_request(method, url, content=content, headers=headers), stream=True
            )
        timeout = http.timeout

        def make_request() -> httpx.Request:
            # Only for an exception's ``request`` or an answer handed on as an httpx response.
            return factory.build(method, text, content=content, headers=headers, timeout=timeout)

        head = await transport.fetch(method, text, wire_headers, content, timeout, make_request, stream)
        # A plain 2xx answer streams as it comes; anything else (an error status, a compressed body, a
        # cookie) becomes the response httpx would have given, so the code below sees no difference.
        return head.to_streaming_httpx() if head.plain_success else head.to_httpx()

    async def _collect(
        self, response: httpx.Response, path: str, started: float, request_id: str | None
    ) -> Outcome:
        stream = self._stream_class(path)(response, idle_timeout=self._idle_timeout, started_at=started)
        try:
            times = await _batch_token_times(stream)
            # What collect() does minus building the pydantic model: the command writes the accumulated
            # body in the wire's shape, as it writes a non-streamed body, so validating it into a model
            # only to dump it again was pure per-request cost.
            state = stream._state
            state.check_complete()
            body = state.parser.snapshot()
        finally:
            await stream.aclose()
        timing = RequestTiming(started, _perf_counter(), times)
        return Outcome(body, body, stream.ttft, response.status_code, request_id, timing=timing)


async def _error(response: httpx.Response) -> ApiError:
    """The error for a non-2xx response, its body kept raw for the result line.

    At most ``MAX_ERROR_BODY`` bytes are read: three 300 MB error pages must not cost gigabytes.
    """
    content, truncated = await aread_error_body(response)
    error = error_from_response(response, content, truncated)
    keep_raw(error, content)
    return error
