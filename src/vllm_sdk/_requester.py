"""The requester protocol: all that resources (generated and hand-written) and builders need of a client.

Resources never import ``_client.py`` nor touch a client's private members: they hold a
:class:`Requester` (sync) or :class:`AsyncRequester` and make one call into it per request, naming the
route of the generated route table (``"chat.completions.create"``), the JSON body, the per-call
:class:`CallOptions` and what to make of the answer (a response model, a stream class, text or nothing).
The clients implement the protocols (``_client.py``); a test double can too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ._config import NOT_GIVEN, NotGiven, TimeoutLike

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import httpx
    from pydantic import BaseModel

    from ._multipart import Upload

__all__ = ["AsyncRequester", "CallOptions", "Requester", "query_options"]

ModelT = TypeVar("ModelT", bound="BaseModel")
StreamT = TypeVar("StreamT")


@dataclass(frozen=True, slots=True)
class CallOptions:
    """The per-call overrides of one request (all default to the client's settings).

    ``extra_body`` is merged into the JSON body (nested objects key by key), ``extra_headers`` added to
    the headers (``None`` removes one), ``extra_query`` added to the URL; ``timeout`` omitted
    (``NOT_GIVEN``) is the client's, ``None`` no timeout; ``stream_idle_timeout`` bounds the wait for the
    next event of a stream.
    """

    extra_body: Mapping[str, Any] | None = None
    extra_headers: Mapping[str, str | None] | None = None
    extra_query: Mapping[str, Any] | None = None
    timeout: TimeoutLike | NotGiven | None = NOT_GIVEN
    max_retries: int | None = None
    stream_idle_timeout: float | None = None

    def is_default(self) -> bool:
        """Whether nothing was overridden (a keyword call with no argument at all makes a builder)."""
        return (
            self.extra_body is None
            and self.extra_headers is None
            and self.extra_query is None
            and isinstance(self.timeout, NotGiven)
            and self.max_retries is None
            and self.stream_idle_timeout is None
        )


def query_options(
    given: Mapping[str, object], extra_query: Mapping[str, Any] | None
) -> Mapping[str, Any] | None:
    """The URL query of a call: the typed query parameters that were given, under ``extra_query``.

    ``NOT_GIVEN`` values are left out (the server's default applies); sequences become lists (a repeated
    parameter, ``?tags=a&tags=b``); ``extra_query`` wins on a clash, as it does for every per-call override.
    """
    query: dict[str, Any] = {}
    for key, value in given.items():
        if isinstance(value, NotGiven):
            continue
        query[key] = list(value) if isinstance(value, (tuple, list)) else value
    if extra_query:
        query.update(extra_query)
    return query or None


class Requester(Protocol):
    """The synchronous client core, as the resources see it: one method per kind of answer."""

    def call(
        self, route: str, body: Mapping[str, Any] | None, options: CallOptions, cast_to: type[ModelT]
    ) -> ModelT:
        """Send a request to ``route`` and validate its JSON body into ``cast_to``."""
        ...

    def call_stream(
        self,
        route: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        stream_cls: Callable[..., StreamT],
    ) -> StreamT:
        """Send a streaming request (``stream: true``) and wrap the 2xx response in ``stream_cls``."""
        ...

    def call_text(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> str:
        """Send a request and return its body as text (``/metrics``)."""
        ...

    def call_empty(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> None:
        """Send a request whose 2xx answer carries nothing worth parsing (``/ping``)."""
        ...

    def probe(self, streaming: bool) -> Requester:
        """A requester for one raw-response call (``with_raw_response``; ``streaming``: the body left
        unread, ``with_streaming_response``): it sends the request and raises its answer out of the
        resource method (see ``vllm_sdk._raw_replay``)."""
        ...

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
        """Send a request to ``path`` (a route outside the generated table) and validate its JSON body."""
        ...

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
        """Send a streaming request to ``path`` and wrap the 2xx response in ``stream_cls``."""
        ...

    def call_upload(self, path: str, upload: Upload, options: CallOptions) -> httpx.Response:
        """POST a multipart ``upload`` to ``path``; the 2xx response, its body read."""
        ...

    def call_upload_stream(
        self, path: str, upload: Upload, options: CallOptions, stream_cls: Callable[..., StreamT]
    ) -> StreamT:
        """POST a multipart ``upload`` to ``path`` and wrap the 2xx streaming response in ``stream_cls``."""
        ...


class AsyncRequester(Protocol):
    """The asynchronous client core: :class:`Requester` with ``await``."""

    async def call(
        self, route: str, body: Mapping[str, Any] | None, options: CallOptions, cast_to: type[ModelT]
    ) -> ModelT:
        """Send a request to ``route`` and validate its JSON body into ``cast_to``."""
        ...

    async def call_stream(
        self,
        route: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        stream_cls: Callable[..., StreamT],
    ) -> StreamT:
        """Send a streaming request (``stream: true``) and wrap the 2xx response in ``stream_cls``."""
        ...

    async def call_text(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> str:
        """Send a request and return its body as text (``/metrics``)."""
        ...

    async def call_empty(self, route: str, body: Mapping[str, Any] | None, options: CallOptions) -> None:
        """Send a request whose 2xx answer carries nothing worth parsing (``/ping``)."""
        ...

    def probe(self, streaming: bool) -> AsyncRequester:
        """A requester for one raw-response call (``with_raw_response``; ``streaming``: the body left
        unread, ``with_streaming_response``): it sends the request and raises its answer out of the
        resource method (see ``vllm_sdk._raw_replay``)."""
        ...

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
        """Send a request to ``path`` (a route outside the generated table) and validate its JSON body."""
        ...

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
        """Send a streaming request to ``path`` and wrap the 2xx response in ``stream_cls``."""
        ...

    async def call_upload(self, path: str, upload: Upload, options: CallOptions) -> httpx.Response:
        """POST a multipart ``upload`` to ``path``; the 2xx response, its body read."""
        ...

    async def call_upload_stream(
        self, path: str, upload: Upload, options: CallOptions, stream_cls: Callable[..., StreamT]
    ) -> StreamT:
        """POST a multipart ``upload`` to ``path`` and wrap the 2xx streaming response in ``stream_cls``."""
        ...
