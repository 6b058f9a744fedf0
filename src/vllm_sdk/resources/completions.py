"""Legacy completions (``/v1/completions``): builder and keyword style, sync and async.

::

    resp = client.completions.create().model(m).prompt("Once upon a time").max_tokens(64).send()
    resp = client.completions.create(model=m, prompt="Once upon a time", max_tokens=64)
    stream = client.completions.create(model=m, prompt="...", stream=True)   # CompletionStream
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

from typing_extensions import Unpack

from .._config import NOT_GIVEN
from .._exceptions import MissingParameterError
from .._generated_endpoints import CompletionRequestBuilderBase, CompletionRequestParams
from .._streams import AsyncCompletionStream, CompletionStream
from ..types.completions import CompletionResponse
from ._builder import BuilderMixin

if TYPE_CHECKING:
    from collections.abc import Coroutine, Mapping

    from .._client import AsyncVllmClient, VllmClient
    from .._config import NotGiven, TimeoutLike
    from .._options import RequestOptions

__all__ = [
    "AsyncCompletionBuilder",
    "AsyncCompletions",
    "CompletionBuilder",
    "Completions",
]

ROUTE = "completions.create"


def completion_options(
    client: VllmClient | AsyncVllmClient,
    body: Mapping[str, Any],
    *,
    stream: bool,
    extra_body: Mapping[str, Any] | None,
    extra_headers: Mapping[str, str | None] | None,
    extra_query: Mapping[str, Any] | None,
    timeout: TimeoutLike | NotGiven | None,
    max_retries: int | None,
) -> RequestOptions:
    """Check the required fields (model, and prompt or prompt_embeds) and build the request options."""
    merged = {**body, **(extra_body or {})}
    if merged.get("model") is None:
        raise MissingParameterError("model")
    if merged.get("prompt") is None and merged.get("prompt_embeds") is None:
        raise MissingParameterError("prompt")
    return client._route_options(
        ROUTE,
        body,
        extra_body=extra_body,
        stream=stream,
        extra_headers=extra_headers,
        extra_query=extra_query,
        timeout=timeout,
        max_retries=max_retries,
        operation="text_completion",
    )


class CompletionBuilder(BuilderMixin, CompletionRequestBuilderBase):
    """A legacy completion request being built; ``send()`` / ``send_stream()`` sends it."""

    _model_name = "CompletionRequest"

    def __init__(self, client: VllmClient) -> None:
        super().__init__()
        self._client = client

    def send(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> CompletionResponse:
        """Send the request and return the whole :class:`~vllm_sdk.types.completions.CompletionResponse`."""
        opts = completion_options(
            self._client,
            self._body,
            stream=False,
            extra_body=self._extra,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return self._client._call(opts, CompletionResponse)

    def send_stream(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> CompletionStream:
        """Send the request with ``stream: true`` and return the :class:`~vllm_sdk.CompletionStream`."""
        opts = completion_options(
            self._client,
            self._body,
            stream=True,
            extra_body=self._extra,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return self._client._open_stream(opts, CompletionStream, stream_idle_timeout)


class AsyncCompletionBuilder(BuilderMixin, CompletionRequestBuilderBase):
    """The async twin of :class:`CompletionBuilder`."""

    _model_name = "CompletionRequest"

    def __init__(self, client: AsyncVllmClient) -> None:
        super().__init__()
        self._client = client

    async def send(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> CompletionResponse:
        """Send the request and return the whole completion."""
        opts = completion_options(
            self._client,
            self._body,
            stream=False,
            extra_body=self._extra,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return await self._client._call(opts, CompletionResponse)

    async def send_stream(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> AsyncCompletionStream:
        """Send the request with ``stream: true`` and return the :class:`~vllm_sdk.AsyncCompletionStream`."""
        opts = completion_options(
            self._client,
            self._body,
            stream=True,
            extra_body=self._extra,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return await self._client._open_stream(opts, AsyncCompletionStream, stream_idle_timeout)


class Completions:
    """``client.completions``: ``create()`` returns a builder; ``create(model=..., prompt=...)`` sends."""

    def __init__(self, client: VllmClient) -> None:
        self._client = client

    @overload
    def create(self) -> CompletionBuilder: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[False] = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[CompletionRequestParams],
    ) -> CompletionResponse: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Unpack[CompletionRequestParams],
    ) -> CompletionStream: ...
    @overload
    def create(
        self,
        *,
        stream: bool,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Unpack[CompletionRequestParams],
    ) -> CompletionResponse | CompletionStream: ...
    def create(
        self,
        *,
        stream: bool | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Any,
    ) -> CompletionBuilder | CompletionResponse | CompletionStream:
        """Without arguments: a :class:`CompletionBuilder`; with keyword parameters: send at once and return
        the completion, or a :class:`~vllm_sdk.CompletionStream` when ``stream=True``."""
        options = (stream, extra_body, extra_headers, extra_query, max_retries, stream_idle_timeout)
        if not params and timeout is NOT_GIVEN and all(option is None for option in options):
            return CompletionBuilder(self._client)
        opts = completion_options(
            self._client,
            params,
            stream=bool(stream),
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        if stream:
            return self._client._open_stream(opts, CompletionStream, stream_idle_timeout)
        return self._client._call(opts, CompletionResponse)


class AsyncCompletions:
    """``client.completions`` of the async client (see :class:`Completions`)."""

    def __init__(self, client: AsyncVllmClient) -> None:
        self._client = client

    @overload
    def create(self) -> AsyncCompletionBuilder: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[False] = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[CompletionRequestParams],
    ) -> Coroutine[Any, Any, CompletionResponse]: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Unpack[CompletionRequestParams],
    ) -> Coroutine[Any, Any, AsyncCompletionStream]: ...
    @overload
    def create(
        self,
        *,
        stream: bool,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Unpack[CompletionRequestParams],
    ) -> Coroutine[Any, Any, CompletionResponse | AsyncCompletionStream]: ...
    def create(
        self,
        *,
        stream: bool | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Any,
    ) -> AsyncCompletionBuilder | Coroutine[Any, Any, Any]:
        """Without arguments: an :class:`AsyncCompletionBuilder`; with keyword parameters: a coroutine giving
        the completion, or the :class:`~vllm_sdk.AsyncCompletionStream` when ``stream=True``."""
        options = (stream, extra_body, extra_headers, extra_query, max_retries, stream_idle_timeout)
        if not params and timeout is NOT_GIVEN and all(option is None for option in options):
            return AsyncCompletionBuilder(self._client)
        opts = completion_options(
            self._client,
            params,
            stream=bool(stream),
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        if stream:
            return self._client._open_stream(opts, AsyncCompletionStream, stream_idle_timeout)
        return self._client._call(opts, CompletionResponse)
