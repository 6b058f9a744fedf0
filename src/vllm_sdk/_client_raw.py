"""The probe requesters of raw-response calls: send one request through the client (auth, retries,
typed errors as usual) and stop the resource method with its answer (see ``_raw_replay``)."""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from ._body_read import apeek_body, peek_body
from ._exceptions import VllmError
from ._otel import wrap_stream_response
from ._raw_replay import Sent
from ._response import is_wrong_stream_type, wrong_stream_type_error

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import httpx

    from ._multipart import Upload
    from ._options import RequestOptions
    from ._otel import SpanScope
    from ._requester import CallOptions

__all__ = ["AsyncProbeRequester", "ProbeRequester"]


class _Core(Protocol):
    """What the probes need of a client (a protocol: this module must not import ``_client``)."""

    _max_response_size: int | None
    _stream_idle_timeout: float | None

    def _route_options(
        self, route_name: str, body: Mapping[str, Any] | None, options: CallOptions, *, stream: bool = False
    ) -> RequestOptions: ...

    def _path_options(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        *,
        query: Mapping[str, Any] | None = None,
        stream: bool = False,
        operation: str | None = None,
    ) -> RequestOptions: ...

    def _upload_options(
        self, path: str, upload: Upload, options: CallOptions, *, stream: bool = False
    ) -> RequestOptions: ...

    def _start_span(self, opts: RequestOptions) -> SpanScope | None: ...


class _SyncCore(_Core, Protocol):
    def _send(self, opts: RequestOptions, scope: SpanScope | None = None) -> tuple[httpx.Response, float]: ...


class _AsyncCore(_Core, Protocol):
    async def _send(
        self, opts: RequestOptions, scope: SpanScope | None = None
    ) -> tuple[httpx.Response, float]: ...


def _sent(client: _Core, response: httpx.Response, sent_at: float, scope: SpanScope | None) -> Sent:
    return Sent(
        response,
        sent_at,
        time.perf_counter() - sent_at,
        client._max_response_size,
        client._stream_idle_timeout,
        scope,
    )


def _failed(scope: SpanScope | None, exc: BaseException) -> None:
    """End the span of a raw call that raised (marked failed for the SDK's typed errors, as normal calls
    mark theirs)."""
    if scope is None:
        return
    if isinstance(exc, VllmError):
        scope.error(exc)
    scope.end()


def _answered(scope: SpanScope | None, opts: RequestOptions, response: httpx.Response) -> None:
    """Record a raw call's 2xx answer on its span, as a normal call of the method would: a body left
    unread (a stream, or any ``with_streaming_response`` body) ends the span when it is closed, like a
    normal stream's; a read JSON body gives id, model, usage and finish reasons at once."""
    if scope is None:
        return
    if opts.stream:
        wrap_stream_response(response, scope)
        return
    try:
        scope.response_body(response.content)
    finally:
        scope.end()


def _prepare(opts: RequestOptions, streaming: bool) -> RequestOptions:
    """with_streaming_response leaves every body unread (the JSON ones too) without changing what is sent:
    a JSON route keeps asking for ``application/json`` (a per-call Accept of the caller still wins)."""
    if not streaming or opts.stream:
        return opts
    headers = {"Accept": "application/json", **(opts.headers or {})}
    return dataclasses.replace(opts, stream=True, headers=headers)


class ProbeRequester:
    """Requester of a raw call on the sync client; ``streaming``: leave the body unread."""

    def __init__(self, client: _SyncCore, streaming: bool) -> None:
        self._client = client
        self._streaming = streaming

    def _capture(self, opts: RequestOptions, event_stream: bool) -> NoReturn:
        opts = _prepare(opts, self._streaming)
        scope = self._client._start_span(opts)
        try:
            response, sent_at = self._client._send(opts, scope)
            if event_stream and is_wrong_stream_type(response):
                try:
                    raise wrong_stream_type_error(response, peek_body(response))
                finally:
                    response.close()
        except BaseException as exc:
            _failed(scope, exc)
            raise
        _answered(scope, opts, response)
        raise _sent(self._client, response, sent_at, scope)

    def call(
        self, route: str, body: Mapping[str, Any] | None, options: CallOptions, cast_to: Any
    ) -> NoReturn:
        self._capture(self._client._route_options(route, body, options), False)

    def call_stream(
        self, route: str, body: Mapping[str, Any] | None, options: CallOptions, stream_cls: Callable[..., Any]
    ) -> NoReturn:
        self._capture(self._client._route_options(route, body, options, stream=True), True)

    def call_text(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> NoReturn:
        self._capture(self._client._route_options(route, body, options), False)

    def call_empty(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> NoReturn:
        self._capture(self._client._route_options(route, body, options), False)

    def call_path(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        cast_to: Any,
        *,
        query: Mapping[str, Any] | None = None,
    ) -> NoReturn:
        self._capture(self._client._path_options(method, path, body, options, query=query), False)

    def call_path_stream(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        stream_cls: Callable[..., Any],
        *,
        query: Mapping[str, Any] | None = None,
    ) -> NoReturn:
        opts = self._client._path_options(method, path, body, options, query=query, stream=True)
        self._capture(opts, True)

    def call_upload(self, path: str, upload: Upload, options: CallOptions) -> NoReturn:
        self._capture(self._client._upload_options(path, upload, options), False)

    def call_upload_stream(
        self, path: str, upload: Upload, options: CallOptions, stream_cls: Callable[..., Any]
    ) -> NoReturn:
        self._capture(self._client._upload_options(path, upload, options, stream=True), True)

    def probe(self, streaming: bool) -> NoReturn:
        """Raw responses do not nest."""
        raise TypeError("with_raw_response / with_streaming_response cannot be nested")


class AsyncProbeRequester:
    """Requester of a raw call on the async client."""

    def __init__(self, client: _AsyncCore, streaming: bool) -> None:
        self._client = client
        self._streaming = streaming

    async def _capture(self, opts: RequestOptions, event_stream: bool) -> NoReturn:
        opts = _prepare(opts, self._streaming)
        scope = self._client._start_span(opts)
        try:
            response, sent_at = await self._client._send(opts, scope)
            if event_stream and is_wrong_stream_type(response):
                try:
                    raise wrong_stream_type_error(response, await apeek_body(response))
                finally:
                    await response.aclose()
        except BaseException as exc:
            _failed(scope, exc)
            raise
        _answered(scope, opts, response)
        raise _sent(self._client, response, sent_at, scope)

    async def call(
        self, route: str, body: Mapping[str, Any] | None, options: CallOptions, cast_to: Any
    ) -> NoReturn:
        await self._capture(self._client._route_options(route, body, options), False)

    async def call_stream(
        self, route: str, body: Mapping[str, Any] | None, options: CallOptions, stream_cls: Callable[..., Any]
    ) -> NoReturn:
        await self._capture(self._client._route_options(route, body, options, stream=True), True)

    async def call_text(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> NoReturn:
        await self._capture(self._client._route_options(route, body, options), False)

    async def call_empty(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> NoReturn:
        await self._capture(self._client._route_options(route, body, options), False)

    async def call_path(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        cast_to: Any,
        *,
        query: Mapping[str, Any] | None = None,
    ) -> NoReturn:
        await self._capture(self._client._path_options(method, path, body, options, query=query), False)

    async def call_path_stream(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        stream_cls: Callable[..., Any],
        *,
        query: Mapping[str, Any] | None = None,
    ) -> NoReturn:
        opts = self._client._path_options(method, path, body, options, query=query, stream=True)
        await self._capture(opts, True)

    async def call_upload(self, path: str, upload: Upload, options: CallOptions) -> NoReturn:
        await self._capture(self._client._upload_options(path, upload, options), False)

    async def call_upload_stream(
        self, path: str, upload: Upload, options: CallOptions, stream_cls: Callable[..., Any]
    ) -> NoReturn:
        await self._capture(self._client._upload_options(path, upload, options, stream=True), True)

    def probe(self, streaming: bool) -> NoReturn:
        """Raw responses do not nest."""
        raise TypeError("with_raw_response / with_streaming_response cannot be nested")
