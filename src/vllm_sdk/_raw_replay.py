"""The two halves of a raw-response call, so that every resource method gets raw responses unchanged.

A raw call runs the resource method twice over two stand-in requesters: the *probe* (made by the client)
sends the request and stops the method by raising :class:`Sent` with the answer; ``parse()`` later runs
the method again over a *replay* requester, which sends nothing and reads the captured answer as the
normal requester would (model, text, stream). Whatever the method does around its requester call
(``parse()``'s validation into a model, the Responses shortcuts) thus happens in ``parse()`` too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from ._body_read import aread_body, read_body
from ._response import parse_response

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import httpx
    from pydantic import BaseModel

    from ._multipart import Upload
    from ._otel import SpanScope
    from ._requester import CallOptions

__all__ = ["AsyncReplayRequester", "ReplayRequester", "Sent"]

ModelT = TypeVar("ModelT", bound="BaseModel")
StreamT = TypeVar("StreamT")


class Sent(BaseException):
    """Raised by a probe requester once its request is answered (2xx): carries the answer out of the
    resource method. A :class:`BaseException` so that no ``except Exception`` in a method swallows it."""

    def __init__(
        self,
        response: httpx.Response,
        sent_at: float,
        elapsed: float,
        max_size: int | None,
        idle_timeout: float | None,
        scope: SpanScope | None = None,
    ) -> None:
        super().__init__("raw response captured")
        self.response = response
        self.sent_at = sent_at
        self.elapsed = elapsed
        self.max_size = max_size
        self.idle_timeout = idle_timeout
        #: The raw call's span (when traced): a stream parsed from the answer reports its first token
        #: and failure to it, as a normal call's stream does.
        self.scope = scope

    def idle_for(self, options: CallOptions) -> float | None:
        """The stream idle timeout of a call: its own, else the client's."""
        return self.idle_timeout if options.stream_idle_timeout is None else options.stream_idle_timeout


class ReplayRequester:
    """A :class:`~vllm_sdk._requester.Requester` that answers the one call a method makes from a captured
    response (it never sends)."""

    def __init__(self, sent: Sent) -> None:
        self._sent = sent

    def _body(self) -> bytes:
        response = self._sent.response
        if not response.is_stream_consumed:
            try:
                read_body(response, self._sent.max_size)
            finally:
                response.close()
        return response.content

    def call(
        self, route: str, body: Mapping[str, Any] | None, options: CallOptions, cast_to: type[ModelT]
    ) -> ModelT:
        return parse_response(cast_to, self._body(), self._sent.response.headers)

    def call_stream(
        self,
        route: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        stream_cls: Callable[..., StreamT],
    ) -> StreamT:
        sent = self._sent
        return stream_cls(
            sent.response,
            idle_timeout=sent.idle_for(options),
            started_at=sent.sent_at,
            observer=sent.scope,
        )

    def call_text(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> str:
        self._body()
        return self._sent.response.text

    def call_empty(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> None:
        self._body()

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
        return self.call(path, body, options, cast_to)

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
        return self.call_stream(path, body, options, stream_cls)

    def call_upload(self, path: str, upload: Upload, options: CallOptions) -> httpx.Response:
        self._body()
        return self._sent.response

    def call_upload_stream(
        self, path: str, upload: Upload, options: CallOptions, stream_cls: Callable[..., StreamT]
    ) -> StreamT:
        return self.call_stream(path, None, options, stream_cls)

    def probe(self, streaming: bool) -> ReplayRequester:
        """Raw responses do not nest."""
        raise TypeError("with_raw_response / with_streaming_response cannot be nested")


class AsyncReplayRequester:
    """The async twin of :class:`ReplayRequester`."""

    def __init__(self, sent: Sent) -> None:
        self._sent = sent
        self._sync = ReplayRequester(sent)

    async def _read(self) -> None:
        response = self._sent.response
        if not response.is_stream_consumed:
            try:
                await aread_body(response, self._sent.max_size)
            finally:
                await response.aclose()

    async def call(
        self, route: str, body: Mapping[str, Any] | None, options: CallOptions, cast_to: type[ModelT]
    ) -> ModelT:
        await self._read()
        return self._sync.call(route, body, options, cast_to)

    async def call_stream(
        self,
        route: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        stream_cls: Callable[..., StreamT],
    ) -> StreamT:
        return self._sync.call_stream(route, body, options, stream_cls)

    async def call_text(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> str:
        await self._read()
        return self._sync.call_text(route, body, options)

    async def call_empty(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> None:
        await self._read()

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
        return await self.call(path, body, options, cast_to)

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
        return await self.call_stream(path, body, options, stream_cls)

    async def call_upload(self, path: str, upload: Upload, options: CallOptions) -> httpx.Response:
        await self._read()
        return self._sent.response

    async def call_upload_stream(
        self, path: str, upload: Upload, options: CallOptions, stream_cls: Callable[..., StreamT]
    ) -> StreamT:
        return await self.call_stream(path, None, options, stream_cls)

    def probe(self, streaming: bool) -> AsyncReplayRequester:
        """Raw responses do not nest."""
        raise TypeError("with_raw_response / with_streaming_response cannot be nested")
