"""The probe requesters of raw-response calls: send one request through the client (auth, retries,
typed errors as usual) and stop the resource method with its answer (see ``_raw_replay``)."""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from ._body_read import apeek_body, peek_body
from ._raw_replay import Sent
from ._response import is_wrong_stream_type, wrong_stream_type_error

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import httpx

    from ._options import RequestOptions
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


class _SyncCore(_Core, Protocol):
    def _send(self, opts: RequestOptions) -> tuple[httpx.Response, float]: ...


class _AsyncCore(_Core, Protocol):
    async def _send(self, opts: RequestOptions) -> tuple[httpx.Response, float]: ...


def _sent(client: _Core, response: httpx.Response, sent_at: float) -> Sent:
    return Sent(
        response,
        sent_at,
        time.perf_counter() - sent_at,
        client._max_response_size,
        client._stream_idle_timeout,
    )


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
        response, sent_at = self._client._send(_prepare(opts, self._streaming))
        if event_stream and is_wrong_stream_type(response):
            try:
                raise wrong_stream_type_error(response, peek_body(response))
            finally:
                response.close()
        raise _sent(self._client, response, sent_at)

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

    def probe(self, streaming: bool) -> NoReturn:
        """Raw responses do not nest."""
        raise TypeError("with_raw_response / with_streaming_response cannot be nested")


class AsyncProbeRequester:
    """Requester of a raw call on the async client."""

    def __init__(self, client: _AsyncCore, streaming: bool) -> None:
        self._client = client
        self._streaming = streaming

    async def _capture(self, opts: RequestOptions, event_stream: bool) -> NoReturn:
        response, sent_at = await self._client._send(_prepare(opts, self._streaming))
        if event_stream and is_wrong_stream_type(response):
            try:
                raise wrong_stream_type_error(response, await apeek_body(response))
            finally:
                await response.aclose()
        raise _sent(self._client, response, sent_at)

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

    def probe(self, streaming: bool) -> NoReturn:
        """Raw responses do not nest."""
        raise TypeError("with_raw_response / with_streaming_response cannot be nested")
