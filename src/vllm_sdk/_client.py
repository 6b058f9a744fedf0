"""``VllmClient`` and ``AsyncVllmClient``: the thin I/O path over the shared logic of ``_base_client.py``.

Each client repeats only what does I/O: the send loop with its retries and sleeps, reading bodies,
running event hooks and closing. Transport exceptions are mapped once, here, with
``raise map_transport_error(exc) from exc``; non-2xx responses become :class:`~vllm_sdk.ApiError`
subclasses through ``api_error_from_response``.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from . import _config
from ._base_client import USER_AGENT, BaseClient, EventHooks
from ._body_read import (
    DEFAULT_MAX_RESPONSE_SIZE,
    apeek_body,
    aread_body,
    aread_error_body,
    peek_body,
    read_body,
    read_error_body,
    too_large_error,
)
from ._client_builder import ClientBuilder
from ._client_config import TransportChoice, register_openers
from ._client_raw import AsyncProbeRequester, ProbeRequester
from ._exceptions import VllmError, map_transport_error
from ._multipart import StreamedBody
from ._otel import wrap_stream_response
from ._raw_response import record_retries
from ._response import (
    ModelT,
    error_from_response,
    is_wrong_stream_type,
    parse_response,
    wrong_stream_type_error,
)
from .realtime import AsyncRealtime, Realtime, RealtimeTarget, websocket_url
from .resources import AsyncClientResources, AsyncShortcuts, ClientResources, Shortcuts
from .resources._client_views import (
    AsyncClientWithRawResponse,
    AsyncClientWithStreamingResponse,
    ClientWithRawResponse,
    ClientWithStreamingResponse,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
    from types import TracebackType

    from typing_extensions import Self

    from ._multipart import Upload
    from ._options import RequestOptions
    from ._otel import SpanScope
    from ._requester import AsyncRequester, CallOptions, Requester
    from ._transports import AiohttpTransport
    from .batch import BatchRequest, BatchResult

__all__ = ["AsyncVllmClient", "VllmClient"]

StreamT = TypeVar("StreamT")


# ====================================================================== sync


class VllmClient(BaseClient[httpx.Client], ClientResources, Shortcuts):
    """Synchronous client of a vLLM server's OpenAI-compatible API.

    ::

        from vllm_sdk import VllmClient

        with VllmClient("http://localhost:8000/v1", api_key="sk-...") as client:
            messages = [{"role": "user", "content": "Hi"}]
            resp = client.chat.completions.create(model="Qwen/Qwen3-8B", messages=messages)
            print(resp.content)

    Arguments (each falls back on an environment variable, then a default): ``base_url``
    (``VLLM_BASE_URL``, ``http://localhost:8000/v1``), ``api_key`` (``VLLM_API_KEY``; a string or a function
    called for every request), ``timeout`` (``VLLM_TIMEOUT``; seconds or :class:`httpx.Timeout`; default
    connect 5 s, read 600 s; ``None`` means no timeout, as in openai-python), ``max_retries``
    (``VLLM_MAX_RETRIES``, 2), ``headers`` (added to ``VLLM_CUSTOM_HEADERS``), ``http_client`` (your own
    :class:`httpx.Client`, never closed by the SDK), ``limits`` (connection pool), ``stream_idle_timeout``
    (longest wait for a stream's next event), ``event_hooks`` (``{"request": [...], "response": [...]}``,
    called on every attempt), ``max_response_size`` (bytes of a whole, decoded response body; default
    64 MiB, ``None`` for no limit; past it :class:`~vllm_sdk.InvalidResponseError`). Credentials in the base
    URL (``http://user:pass@host/v1``) are taken out of it and sent as Basic auth when no ``api_key`` is set.
    openai-python's ``default_headers`` (the same as ``headers``) and ``default_query`` (query parameters
    added to every URL; a call's ``extra_query`` wins) are accepted. Streamed chat and completion requests ask
    for a final ``Usage`` event (``stream_options: {"include_usage": true}``) unless the call sets
    ``stream_options``; ``stream_usage=False`` turns that off.
    """

    # Resources and the requester are made on access (a few hundred nanoseconds) rather than stored:
    # stored, they would form a reference cycle with the client, and a dropped client would linger until
    # the cyclic GC.

    @property
    def _requester(self) -> _SyncRequester:
        """The client core that the generated resources call into."""
        return _SyncRequester(self)

    @property
    def with_raw_response(self) -> ClientWithRawResponse:
        """The client's own routes (``tokenize``, ``score``, ``health``...) and every resource under it
        (``client.with_raw_response.chat.completions``, ``.responses``, ``.messages``, ``.audio``...)
        returning :class:`~vllm_sdk.RawResponse`, as openai-python's."""
        return ClientWithRawResponse(_Routes, self._requester, streaming=False)

    @property
    def with_streaming_response(self) -> ClientWithStreamingResponse:
        """The client's own routes and resources as context managers over the unread answer."""
        return ClientWithStreamingResponse(_Routes, self._requester, streaming=True)

    def __init__(
        self,
        base_url: str | Sequence[str] | None = None,
        *,
        api_key: _config.ApiKey | None = None,
        timeout: _config.TimeoutLike | _config.NotGiven | None = _config.NOT_GIVEN,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        limits: httpx.Limits | None = None,
        stream_idle_timeout: float | None = None,
        event_hooks: EventHooks | None = None,
        max_response_size: int | None = DEFAULT_MAX_RESPONSE_SIZE,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        stream_usage: bool = True,
        transport: TransportChoice | None = None,
    ) -> None:
        self._sleep: Callable[[float], None] = time.sleep
        super().__init__(
            base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            headers=headers,
            http_client=http_client,
            limits=limits,
            stream_idle_timeout=stream_idle_timeout,
            event_hooks=event_hooks,
            max_response_size=max_response_size,
            default_headers=default_headers,
            default_query=default_query,
            stream_usage=stream_usage,
            transport=transport,
        )

    @classmethod
    def builder(cls) -> ClientBuilder[Self]:
        """A fluent builder: ``VllmClient.builder().base_url(u).api_key(k).timeout_secs(60).build()``."""
        return ClientBuilder(cls)

    def _default_http_client(self, timeout: httpx.Timeout, limits: httpx.Limits) -> httpx.Client:
        from ._transports import create_sync_http_client

        return create_sync_http_client(timeout=timeout, limits=limits)

    def _check_http_client(self, http_client: object) -> None:
        if not isinstance(http_client, httpx.Client):
            raise TypeError(f"http_client must be an httpx.Client, not {type(http_client).__name__}")

    # -- lifecycle

    def close(self) -> None:
        """Close the client; the connection pool is closed too when this client created it.

        Clients derived with ``with_*`` share the pool: closing one of them leaves the pool open for the
        others, closing the client that created it closes it for all (and when that client was dropped
        without being closed, the last derived client to close closes the pool). A user-supplied
        ``http_client`` is left open.
        """
        if self._closed:
            return
        if self._release_pool():
            self._pool.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- the I/O path

    def _run_hooks(self, hooks: tuple[Callable[..., Any], ...], value: object) -> None:
        for hook in hooks:
            hook(value)

    def _send(self, opts: RequestOptions, scope: SpanScope | None = None) -> tuple[httpx.Response, float]:
        """Send ``opts`` with retries; returns a 2xx response (body read unless ``opts.stream``) and the
        :func:`time.perf_counter` moment its attempt was sent."""
        self._check_open()
        max_retries = self._max_retries_for(opts)
        retries = 0
        while True:
            # Several replicas: every attempt goes to the best one at the time (a retry moves on).
            replica = None if self._balancer is None else self._balancer.acquire_sync(self._sleep)
            try:
                request = self._build_request(opts, replica)
                self._run_hooks(self._request_hooks, request)
                self._log_request(request, retries)
                sent_at = time.perf_counter()
                if scope is not None:
                    scope.sent()
                error: VllmError
                try:
                    response = self._pool.http.send(request, stream=True)
                except httpx.RequestError as exc:
                    error = map_transport_error(exc)
                    delay = self._retry_delay(error, retries, max_retries, opts)
                    if delay is None:
                        raise error from exc
                else:
                    self._log_response(response, sent_at)
                    try:
                        self._run_hooks(self._response_hooks, response)
                    except BaseException:
                        response.close()
                        raise
                    if response.is_success:
                        if opts.stream:
                            self._release_replica(replica, None)
                            record_retries(response, retries)
                            return response, sent_at
                        try:
                            read_body(response, self._max_response_size)
                        except httpx.RequestError as exc:
                            error = map_transport_error(exc)
                            delay = self._retry_delay(error, retries, max_retries, opts)
                            if delay is None:
                                raise error from exc
                        else:
                            self._release_replica(replica, None)
                            record_retries(response, retries)
                            return response, sent_at
                        finally:
                            response.close()
                    else:
                        error = error_from_response(response, *read_error_body(response))
                        delay = self._retry_delay(error, retries, max_retries, opts)
                        if delay is None:
                            raise error
            except BaseException as exc:
                self._release_replica(replica, exc)
                raise
            self._release_replica(replica, error)
            self._sleep(delay)
            retries += 1

    def _call(self, opts: RequestOptions, cast_to: type[ModelT]) -> ModelT:
        """Send ``opts`` and parse the JSON body into ``cast_to``."""
        scope = self._start_span(opts)
        try:
            response, _ = self._send(opts, scope)
            parsed = parse_response(cast_to, response.content, response.headers)
            if scope is not None:
                scope.response(parsed)
            return parsed
        except VllmError as exc:
            if scope is not None:
                scope.error(exc)
            raise
        finally:
            if scope is not None:
                scope.end()

    def _call_raw(self, opts: RequestOptions) -> httpx.Response:
        response, _ = self._send(opts)
        return response

    def _open_stream(
        self,
        opts: RequestOptions,
        stream_cls: Callable[..., StreamT],
        idle_timeout: float | None,
    ) -> StreamT:
        """Send a streaming request; only a 2xx response is handed to ``stream_cls`` (never retried after)."""
        scope = self._start_span(opts)
        try:
            response, sent_at = self._send(opts, scope)
            if is_wrong_stream_type(response):  # an HTML login page from a proxy, say: never parsed as SSE
                raise wrong_stream_type_error(response, peek_body(response))
        except VllmError as exc:
            if scope is not None:
                scope.error(exc)
                scope.end()
            raise
        except BaseException:
            if scope is not None:
                scope.end()
            raise
        if scope is not None:
            wrap_stream_response(response, scope)
        idle = self._stream_idle_timeout if idle_timeout is None else idle_timeout
        try:
            stream = stream_cls(response, idle_timeout=idle, started_at=sent_at, observer=scope)
        except BaseException:
            response.close()
            raise
        return stream

    # -- any route

    def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        content: bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str | None] | None = None,
        timeout: _config.TimeoutLike | _config.NotGiven | None = _config.NOT_GIVEN,
        max_retries: int | None = None,
    ) -> httpx.Response:
        """Send any request with the client's auth, retries and error mapping; returns the 2xx
        :class:`httpx.Response` with its body read (non-2xx raises :class:`~vllm_sdk.ApiError`).

        ``path`` is relative to the base URL (``"/models"``); ``"/v1/..."`` paths and vLLM's root routes
        (``"/health"``, ``"/tokenize"``...) resolve as vLLM serves them; absolute URLs are used as given.
        ``json`` is encoded compactly (UTF-8); ``content`` is sent as it is.
        """
        opts = self._raw_options(method, path, json, content, params, headers, timeout, max_retries)
        return self._call_raw(opts)

    # -- batches

    def batch(self, requests: Iterable[BatchRequest], **options: Any) -> Iterator[BatchResult]:
        """Run many requests concurrently (:func:`vllm_sdk.batch.batch`), yielding results as they finish."""
        from .batch._bridge import run_sync

        return run_sync(self._async_twin, requests, **options)

    @property
    def realtime(self) -> Realtime:
        """Realtime transcription over WebSocket: ``with client.realtime.connect(model=...) as conn``."""
        return Realtime(lambda: _realtime_target(self))

    def _async_twin(self) -> AsyncVllmClient:
        """An :class:`AsyncVllmClient` configured like this client (the sync batch runs on one)."""
        twin = AsyncVllmClient(
            self.base_urls,
            api_key=self._api_key,
            timeout=self._timeout,
            max_retries=self._max_retries,
            headers=self._headers,
            limits=self._limits,
            stream_idle_timeout=self._stream_idle_timeout,
            max_response_size=self._max_response_size,
            default_query=self._default_query,
            stream_usage=self._stream_usage,
            transport=self._transport,
        )
        twin._basic_auth = self._basic_auth  # the base URL's credentials, taken out of the URL
        return twin


# ====================================================================== async


class AsyncVllmClient(BaseClient[httpx.AsyncClient], AsyncClientResources, AsyncShortcuts):
    """Asynchronous client of a vLLM server: the surface of :class:`VllmClient` with ``await``.

    ::

        async with AsyncVllmClient("http://localhost:8000/v1") as client:
            resp = await client.chat.completions.create().model(m).user("Hi").send()
            async with await client.chat.completions.create().model(m).user("Hi").send_stream() as stream:
                async for event in stream:
                    ...

    The default connection pool uses the SDK's aiohttp-backed transport, streams going over the SDK's own
    HTTP/1.1 connections (``transport="aiohttp"`` or ``VLLM_SDK_TRANSPORT=aiohttp`` keeps them on aiohttp,
    ``VLLM_SDK_TRANSPORT=httpx`` picks httpx's own).
    ``http_client`` takes your own :class:`httpx.AsyncClient`; event hooks may be plain or async functions.
    """

    # Resources and the requester are made on access (a few hundred nanoseconds) rather than stored:
    # stored, they would form a reference cycle with the client, and a dropped client would linger until
    # the cyclic GC.

    @property
    def _requester(self) -> _AsyncRequester:
        """The client core that the generated resources call into."""
        return _AsyncRequester(self)

    @property
    def with_raw_response(self) -> AsyncClientWithRawResponse:
        """The client's own routes returning (awaitable) :class:`~vllm_sdk.AsyncRawResponse`."""
        return AsyncClientWithRawResponse(_AsyncRoutes, self._requester, streaming=False)

    @property
    def with_streaming_response(self) -> AsyncClientWithStreamingResponse:
        """The client's own routes as async context managers over the unread answer."""
        return AsyncClientWithStreamingResponse(_AsyncRoutes, self._requester, streaming=True)

    def __init__(
        self,
        base_url: str | Sequence[str] | None = None,
        *,
        api_key: _config.ApiKey | None = None,
        timeout: _config.TimeoutLike | _config.NotGiven | None = _config.NOT_GIVEN,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        limits: httpx.Limits | None = None,
        stream_idle_timeout: float | None = None,
        event_hooks: EventHooks | None = None,
        max_response_size: int | None = DEFAULT_MAX_RESPONSE_SIZE,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        stream_usage: bool = True,
        transport: TransportChoice | None = None,
    ) -> None:
        self._sleep: Callable[[float], Any] = asyncio.sleep
        super().__init__(
            base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            headers=headers,
            http_client=http_client,
            limits=limits,
            stream_idle_timeout=stream_idle_timeout,
            event_hooks=event_hooks,
            max_response_size=max_response_size,
            default_headers=default_headers,
            default_query=default_query,
            stream_usage=stream_usage,
            transport=transport,
        )

    @classmethod
    def builder(cls) -> ClientBuilder[Self]:
        """A fluent builder: ``AsyncVllmClient.builder().base_url(u).api_key(k).build()``."""
        return ClientBuilder(cls)

    def _default_http_client(self, timeout: httpx.Timeout, limits: httpx.Limits) -> httpx.AsyncClient:
        from ._transports import create_async_http_client

        return create_async_http_client(timeout=timeout, limits=limits, transport=self._transport)

    def _check_http_client(self, http_client: object) -> None:
        if not isinstance(http_client, httpx.AsyncClient):
            raise TypeError(f"http_client must be an httpx.AsyncClient, not {type(http_client).__name__}")

    # -- lifecycle

    async def aclose(self) -> None:
        """Close the client (see :meth:`VllmClient.close` for what happens to the shared pool)."""
        if self._closed:
            return
        if self._release_pool():
            await self._pool.http.aclose()

    async def close(self) -> None:
        """Alias of :meth:`aclose`."""
        await self.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- the I/O path

    async def _run_hooks(self, hooks: tuple[Callable[..., Any], ...], value: object) -> None:
        for hook in hooks:
            result = hook(value)
            if inspect.isawaitable(result):
                await result

    async def _send(
        self, opts: RequestOptions, scope: SpanScope | None = None
    ) -> tuple[httpx.Response, float]:
        """The async twin of :meth:`VllmClient._send`."""
        self._check_open()
        max_retries = self._max_retries_for(opts)
        retries = 0
        while True:
            # Several replicas: every attempt goes to the best one at the time (a retry moves on).
            replica = None if self._balancer is None else await self._balancer.acquire()
            try:
                request = self._build_request(opts, replica)
                await self._run_hooks(self._request_hooks, request)
                self._log_request(request, retries)
                sent_at = time.perf_counter()
                if scope is not None:
                    scope.sent()
                error: VllmError
                try:
                    response = await self._pool.http.send(request, stream=True)
                except httpx.RequestError as exc:
                    error = map_transport_error(exc)
                    delay = self._retry_delay(error, retries, max_retries, opts)
                    if delay is None:
                        raise error from exc
                else:
                    self._log_response(response, sent_at)
                    try:
                        await self._run_hooks(self._response_hooks, response)
                    except BaseException:
                        await response.aclose()
                        raise
                    if response.is_success:
                        if opts.stream:
                            self._release_replica(replica, None)
                            record_retries(response, retries)
                            return response, sent_at
                        try:
                            await aread_body(response, self._max_response_size)
                        except httpx.RequestError as exc:
                            error = map_transport_error(exc)
                            delay = self._retry_delay(error, retries, max_retries, opts)
                            if delay is None:
                                raise error from exc
                        else:
                            self._release_replica(replica, None)
                            record_retries(response, retries)
                            return response, sent_at
                        finally:
                            await response.aclose()
                    else:
                        error = error_from_response(response, *await aread_error_body(response))
                        delay = self._retry_delay(error, retries, max_retries, opts)
                        if delay is None:
                            raise error
            except BaseException as exc:
                self._release_replica(replica, exc)
                raise
            self._release_replica(replica, error)
            await self._sleep(delay)
            retries += 1

    async def _settle(
        self, response: httpx.Response, opts: RequestOptions, retries: int, max_retries: int
    ) -> float | None:
        """Finish an attempt that got ``response``: ``None`` when it is the answer (a stream's is left
        open, a whole body is read within ``max_response_size``), else the delay before the next attempt
        (the error is raised when no retry is left)."""
        error: VllmError
        if response.is_success:
            if opts.stream:
                return None
            try:
                await aread_body(response, self._max_response_size)
            except httpx.RequestError as exc:
                error = map_transport_error(exc)
                delay = self._retry_delay(error, retries, max_retries, opts)
                if delay is None:
                    raise error from exc
                return delay
            finally:
                await response.aclose()
            return None
        error = error_from_response(response, *await aread_error_body(response))
        delay = self._retry_delay(error, retries, max_retries, opts)
        if delay is None:
            raise error
        return delay

    async def _send_direct(
        self, opts: RequestOptions, transport: AiohttpTransport, scope: SpanScope | None
    ) -> tuple[httpx.Response | tuple[bytes, Mapping[str, str]], float]:
        """:meth:`_send` through the aiohttp transport directly (see ``_direct_transport`` for when): the
        same attempts, retries, timeouts, size limit and errors, without httpx's client machinery. A
        non-streamed answer comes back as its body and headers (no httpx objects at all), a stream as an
        open ``httpx.Response`` whose request is built only if asked for; an answer that needs the
        general path (an error status, a compressed body, a cookie) as an ``httpx.Response`` from it.
        Also the time the last attempt was sent."""
        self._check_open()
        factory = self._pool.requests
        assert factory is not None  # a direct transport comes from the SDK's own request factory
        body = opts.content
        assert not isinstance(body, StreamedBody)  # streamed uploads never go direct (_direct_transport)
        max_retries = self._max_retries_for(opts)
        retries = 0
        while True:
            headers = self._build_headers(opts)
            timeout = _config.resolve_timeout(opts.timeout, self._timeout)
            wire = factory.wire_headers(headers)

            def make_request(
                headers: dict[str, str] = headers, timeout: httpx.Timeout = timeout
            ) -> httpx.Request:
                return factory.build(opts.method, opts.url, content=body, headers=headers, timeout=timeout)

            sent_at = time.perf_counter()
            if scope is not None:
                scope.sent()
            error: VllmError
            try:
                head = await transport.fetch(
                    opts.method, opts.url, wire, body, timeout, make_request, opts.stream
                )
                if head.plain_success:
                    if opts.stream:
                        return head.to_streaming_httpx(), sent_at
                    content = await head.read(self._max_response_size)
                    if content is None:
                        raise too_large_error(self._max_response_size or 0)
                    return (content, head.headers), sent_at
            except httpx.RequestError as exc:
                error = map_transport_error(exc)
                delay = self._retry_delay(error, retries, max_retries, opts)
                if delay is None:
                    raise error from exc
            else:
                response = head.to_httpx()
                self._pool.http.cookies.extract_cookies(response)  # as httpx's send does
                delay = await self._settle(response, opts, retries, max_retries)
                if delay is None:
                    return response, sent_at
            await self._sleep(delay)
            retries += 1

    async def _call(self, opts: RequestOptions, cast_to: type[ModelT]) -> ModelT:
        scope = self._start_span(opts)
        try:
            transport = self._direct_transport(opts)
            answer = (await self._send_direct(opts, transport, scope))[0] if transport else None
            if isinstance(answer, tuple):
                content, headers = answer
            else:
                response = answer if answer is not None else (await self._send(opts, scope))[0]
                content, headers = response.content, response.headers
            parsed = parse_response(cast_to, content, headers)
            if scope is not None:
                scope.response(parsed)
            return parsed
        except VllmError as exc:
            if scope is not None:
                scope.error(exc)
            raise
        finally:
            if scope is not None:
                scope.end()

    async def _call_raw(self, opts: RequestOptions) -> httpx.Response:
        response, _ = await self._send(opts)
        return response

    async def _open_stream(
        self,
        opts: RequestOptions,
        stream_cls: Callable[..., StreamT],
        idle_timeout: float | None,
    ) -> StreamT:
        scope = self._start_span(opts)
        try:
            transport = self._direct_transport(opts)
            if transport is not None:
                answer, sent_at = await self._send_direct(opts, transport, scope)
                assert not isinstance(answer, tuple)  # a stream's answer is always an open response
                response = answer
            else:
                response, sent_at = await self._send(opts, scope)
            if is_wrong_stream_type(response):
                raise wrong_stream_type_error(response, await apeek_body(response))
        except VllmError as exc:
            if scope is not None:
                scope.error(exc)
                scope.end()
            raise
        except BaseException:
            if scope is not None:
                scope.end()
            raise
        if scope is not None:
            wrap_stream_response(response, scope)
        idle = self._stream_idle_timeout if idle_timeout is None else idle_timeout
        try:
            stream = stream_cls(response, idle_timeout=idle, started_at=sent_at, observer=scope)
        except BaseException:
            await response.aclose()
            raise
        return stream

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        content: bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str | None] | None = None,
        timeout: _config.TimeoutLike | _config.NotGiven | None = _config.NOT_GIVEN,
        max_retries: int | None = None,
    ) -> httpx.Response:
        """The async twin of :meth:`VllmClient.request`."""
        opts = self._raw_options(method, path, json, content, params, headers, timeout, max_retries)
        return await self._call_raw(opts)

    def batch(
        self,
        requests: Iterable[BatchRequest] | AsyncIterable[BatchRequest],
        **options: Any,
    ) -> AsyncIterator[BatchResult]:
        """Run many requests concurrently (see :func:`vllm_sdk.batch.abatch`); ``async for`` the results."""
        from .batch import abatch

        return abatch(self, requests, **options)

    @property
    def realtime(self) -> AsyncRealtime:
        """Realtime transcription over WebSocket: ``async with client.realtime.connect(model=...)``."""
        return AsyncRealtime(lambda: _realtime_target(self))


def _realtime_target(client: VllmClient | AsyncVllmClient) -> RealtimeTarget:
    """Where ``client.realtime`` connects: ``/v1/realtime`` as ws/wss, with the client's auth and timeouts."""
    client._check_open()
    headers: dict[str, str] = {"User-Agent": USER_AGENT}
    key = client._current_api_key()
    if key:
        headers["Authorization"] = f"Bearer {key}"
    elif client._basic_auth is not None:
        headers["Authorization"] = client._basic_auth
    headers.update(client._headers)
    timeout = client._timeout
    idle = client._stream_idle_timeout if client._stream_idle_timeout is not None else timeout.read
    return RealtimeTarget(
        url=websocket_url(client.url_for("/v1/realtime")),
        headers=headers,
        connect_timeout=timeout.connect,
        idle_timeout=idle,
    )


# ====================================================================== requesters


class _Routes(ClientResources, Shortcuts):
    """The client's own routes over a given requester (what the client's raw-response views call)."""

    def __init__(self, requester: Requester) -> None:
        self._given = requester

    @property
    def _requester(self) -> Requester:
        return self._given


class _AsyncRoutes(AsyncClientResources, AsyncShortcuts):
    """The async client's own routes over a given requester."""

    def __init__(self, requester: AsyncRequester) -> None:
        self._given = requester

    @property
    def _requester(self) -> AsyncRequester:
        return self._given


class _SyncRequester:
    """:class:`~vllm_sdk._requester.Requester` over a :class:`VllmClient`: what its resources call.

    A short-lived view made per resource access, so that the client holds no reference to it (no cycle).
    """

    __slots__ = ("_client",)

    def __init__(self, client: VllmClient) -> None:
        self._client = client

    def call(
        self, route: str, body: Mapping[str, Any] | None, options: CallOptions, cast_to: type[ModelT]
    ) -> ModelT:
        return self._client._call(self._client._route_options(route, body, options), cast_to)

    def call_stream(
        self,
        route: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        stream_cls: Callable[..., StreamT],
    ) -> StreamT:
        opts = self._client._route_options(route, body, options, stream=True)
        return self._client._open_stream(opts, stream_cls, options.stream_idle_timeout)

    def probe(self, streaming: bool) -> ProbeRequester:
        return ProbeRequester(self._client, streaming)

    def call_text(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> str:
        return self._client._call_raw(self._client._route_options(route, body, options)).text

    def call_empty(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> None:
        self._client._call_raw(self._client._route_options(route, body, options))

    def call_path(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        cast_to: type[ModelT],
        *,
        query: Mapping[str, Any] | None = None,
    ) -> ModelT:
        return self._client._call(
            self._client._path_options(method, path, body, options, query=query), cast_to
        )

    def call_path_stream(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        stream_cls: Callable[..., StreamT],
        *,
        query: Mapping[str, Any] | None = None,
    ) -> StreamT:
        opts = self._client._path_options(method, path, body, options, query=query, stream=True)
        return self._client._open_stream(opts, stream_cls, options.stream_idle_timeout)

    def call_upload(self, path: str, upload: Upload, options: CallOptions) -> httpx.Response:
        return self._client._call_raw(self._client._upload_options(path, upload, options))

    def call_upload_stream(
        self, path: str, upload: Upload, options: CallOptions, stream_cls: Callable[..., StreamT]
    ) -> StreamT:
        opts = self._client._upload_options(path, upload, options, stream=True)
        return self._client._open_stream(opts, stream_cls, options.stream_idle_timeout)


class _AsyncRequester:
    """:class:`~vllm_sdk._requester.AsyncRequester` over an :class:`AsyncVllmClient`."""

    __slots__ = ("_client",)

    def __init__(self, client: AsyncVllmClient) -> None:
        self._client = client

    async def call(
        self, route: str, body: Mapping[str, Any] | None, options: CallOptions, cast_to: type[ModelT]
    ) -> ModelT:
        return await self._client._call(self._client._route_options(route, body, options), cast_to)

    async def call_stream(
        self,
        route: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        stream_cls: Callable[..., StreamT],
    ) -> StreamT:
        opts = self._client._route_options(route, body, options, stream=True)
        return await self._client._open_stream(opts, stream_cls, options.stream_idle_timeout)

    def probe(self, streaming: bool) -> AsyncProbeRequester:
        return AsyncProbeRequester(self._client, streaming)

    async def call_text(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> str:
        response = await self._client._call_raw(self._client._route_options(route, body, options))
        return response.text

    async def call_empty(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> None:
        await self._client._call_raw(self._client._route_options(route, body, options))

    async def call_path(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        cast_to: type[ModelT],
        *,
        query: Mapping[str, Any] | None = None,
    ) -> ModelT:
        opts = self._client._path_options(method, path, body, options, query=query)
        return await self._client._call(opts, cast_to)

    async def call_path_stream(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        stream_cls: Callable[..., StreamT],
        *,
        query: Mapping[str, Any] | None = None,
    ) -> StreamT:
        opts = self._client._path_options(method, path, body, options, query=query, stream=True)
        return await self._client._open_stream(opts, stream_cls, options.stream_idle_timeout)

    async def call_upload(self, path: str, upload: Upload, options: CallOptions) -> httpx.Response:
        return await self._client._call_raw(self._client._upload_options(path, upload, options))

    async def call_upload_stream(
        self, path: str, upload: Upload, options: CallOptions, stream_cls: Callable[..., StreamT]
    ) -> StreamT:
        opts = self._client._upload_options(path, upload, options, stream=True)
        return await self._client._open_stream(opts, stream_cls, options.stream_idle_timeout)


# The batch layer opens clients from a ClientConfig (run_partition) without importing this module.
register_openers(sync=VllmClient.from_config, async_=AsyncVllmClient.from_config)
