"""The typed methods for vLLM's other routes, mixed into the clients: ``tokenize``, ``detokenize``,
``score``, ``rerank``, ``pooling``, ``classify``, ``version`` and ``metrics`` (``health`` and ``request`` live
on the clients, next to the send path)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast, overload

from typing_extensions import Unpack

from .._config import NOT_GIVEN
from ..types._generated import (
    ClassificationResponse,
    DetokenizeResponse,
    PoolingResponse,
    RerankResponse,
    ScoreResponse,
    TokenizeResponse,
    VersionResponse,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._client import AsyncVllmClient, VllmClient
    from .._config import NotGiven, TimeoutLike
    from .._generated_endpoints import (
        ClassificationChatRequestParams,
        ClassificationCompletionRequestParams,
        DetokenizeRequestParams,
        IOProcessorRequestParams,
        PoolingChatRequestParams,
        PoolingCompletionRequestParams,
        RerankRequestParams,
        ScoreDataRequestParams,
        ScoreQueriesDocumentsRequestParams,
        ScoreQueriesItemsRequestParams,
        ScoreTextRequestParams,
        TokenizeChatRequestParams,
        TokenizeCompletionRequestParams,
    )

__all__ = ["AsyncRoutesMixin", "RoutesMixin"]


# The mixins are only ever bases of the clients.
def _sync(self: object) -> VllmClient:
    return cast("VllmClient", self)


def _async(self: object) -> AsyncVllmClient:
    return cast("AsyncVllmClient", self)


class RoutesMixin:
    """The other routes on :class:`~vllm_sdk.VllmClient`."""

    @overload
    def tokenize(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[TokenizeCompletionRequestParams],
    ) -> TokenizeResponse: ...

    @overload
    def tokenize(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[TokenizeChatRequestParams],
    ) -> TokenizeResponse: ...

    def tokenize(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> TokenizeResponse:
        """Tokenize ``prompt=`` or a chat's ``messages=`` (``POST /tokenize``)."""
        client = _sync(self)
        opts = client._route_options(
            "tokenize",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return client._call(opts, TokenizeResponse)

    def detokenize(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[DetokenizeRequestParams],
    ) -> DetokenizeResponse:
        """Turn token ids (``tokens=``) back into text (``POST /detokenize``)."""
        client = _sync(self)
        opts = client._route_options(
            "detokenize",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return client._call(opts, DetokenizeResponse)

    @overload
    def score(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[ScoreQueriesDocumentsRequestParams],
    ) -> ScoreResponse: ...

    @overload
    def score(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[ScoreQueriesItemsRequestParams],
    ) -> ScoreResponse: ...

    @overload
    def score(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[ScoreDataRequestParams],
    ) -> ScoreResponse: ...

    @overload
    def score(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[ScoreTextRequestParams],
    ) -> ScoreResponse: ...

    def score(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> ScoreResponse:
        """Relevance scores of ``queries``/``documents`` (and the other pairings; ``POST /v1/score``)."""
        client = _sync(self)
        opts = client._route_options(
            "score",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return client._call(opts, ScoreResponse)

    def rerank(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[RerankRequestParams],
    ) -> RerankResponse:
        """Rank ``documents`` by relevance to ``query`` (``POST /v1/rerank``)."""
        client = _sync(self)
        opts = client._route_options(
            "rerank",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return client._call(opts, RerankResponse)

    @overload
    def pooling(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[PoolingCompletionRequestParams],
    ) -> PoolingResponse: ...

    @overload
    def pooling(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[PoolingChatRequestParams],
    ) -> PoolingResponse: ...

    @overload
    def pooling(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[IOProcessorRequestParams],
    ) -> PoolingResponse: ...

    def pooling(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> PoolingResponse:
        """Raw pooler output for ``input=`` or ``messages=`` (``POST /pooling``)."""
        client = _sync(self)
        opts = client._route_options(
            "pooling",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return client._call(opts, PoolingResponse)

    @overload
    def classify(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[ClassificationCompletionRequestParams],
    ) -> ClassificationResponse: ...

    @overload
    def classify(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[ClassificationChatRequestParams],
    ) -> ClassificationResponse: ...

    def classify(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> ClassificationResponse:
        """Class probabilities for ``input=`` or ``messages=`` (``POST /classify``)."""
        client = _sync(self)
        opts = client._route_options(
            "classify",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return client._call(opts, ClassificationResponse)

    def version(self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN) -> str:
        """The server's vLLM version (``GET /version``)."""
        client = _sync(self)
        return client._call(client._simple_options("version", timeout=timeout), VersionResponse).version

    def metrics(self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN) -> str:
        """The Prometheus metrics text (``GET /metrics``)."""
        client = _sync(self)
        return client._call_raw(client._simple_options("metrics", timeout=timeout)).text


class AsyncRoutesMixin:
    """The other routes on :class:`~vllm_sdk.AsyncVllmClient` (``await`` each)."""

    @overload
    async def tokenize(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[TokenizeCompletionRequestParams],
    ) -> TokenizeResponse: ...

    @overload
    async def tokenize(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[TokenizeChatRequestParams],
    ) -> TokenizeResponse: ...

    async def tokenize(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> TokenizeResponse:
        """Tokenize ``prompt=`` or a chat's ``messages=`` (``POST /tokenize``)."""
        client = _async(self)
        opts = client._route_options(
            "tokenize",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return await client._call(opts, TokenizeResponse)

    async def detokenize(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[DetokenizeRequestParams],
    ) -> DetokenizeResponse:
        """Turn token ids (``tokens=``) back into text (``POST /detokenize``)."""
        client = _async(self)
        opts = client._route_options(
            "detokenize",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return await client._call(opts, DetokenizeResponse)

    @overload
    async def score(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[ScoreQueriesDocumentsRequestParams],
    ) -> ScoreResponse: ...

    @overload
    async def score(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[ScoreQueriesItemsRequestParams],
    ) -> ScoreResponse: ...

    @overload
    async def score(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[ScoreDataRequestParams],
    ) -> ScoreResponse: ...

    @overload
    async def score(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[ScoreTextRequestParams],
    ) -> ScoreResponse: ...

    async def score(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> ScoreResponse:
        """Relevance scores of ``queries``/``documents`` (and the other pairings; ``POST /v1/score``)."""
        client = _async(self)
        opts = client._route_options(
            "score",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return await client._call(opts, ScoreResponse)

    async def rerank(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[RerankRequestParams],
    ) -> RerankResponse:
        """Rank ``documents`` by relevance to ``query`` (``POST /v1/rerank``)."""
        client = _async(self)
        opts = client._route_options(
            "rerank",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return await client._call(opts, RerankResponse)

    @overload
    async def pooling(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[PoolingCompletionRequestParams],
    ) -> PoolingResponse: ...

    @overload
    async def pooling(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[PoolingChatRequestParams],
    ) -> PoolingResponse: ...

    @overload
    async def pooling(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[IOProcessorRequestParams],
    ) -> PoolingResponse: ...

    async def pooling(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> PoolingResponse:
        """Raw pooler output for ``input=`` or ``messages=`` (``POST /pooling``)."""
        client = _async(self)
        opts = client._route_options(
            "pooling",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return await client._call(opts, PoolingResponse)

    @overload
    async def classify(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[ClassificationCompletionRequestParams],
    ) -> ClassificationResponse: ...

    @overload
    async def classify(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[ClassificationChatRequestParams],
    ) -> ClassificationResponse: ...

    async def classify(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> ClassificationResponse:
        """Class probabilities for ``input=`` or ``messages=`` (``POST /classify``)."""
        client = _async(self)
        opts = client._route_options(
            "classify",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return await client._call(opts, ClassificationResponse)

    async def version(self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN) -> str:
        """The server's vLLM version (``GET /version``)."""
        client = _async(self)
        response = await client._call(client._simple_options("version", timeout=timeout), VersionResponse)
        return response.version

    async def metrics(self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN) -> str:
        """The Prometheus metrics text (``GET /metrics``)."""
        client = _async(self)
        response = await client._call_raw(client._simple_options("metrics", timeout=timeout))
        return response.text
