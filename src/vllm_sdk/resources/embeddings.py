"""``client.embeddings``: embeddings of texts, token ids or chats (``POST /v1/embeddings``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

from typing_extensions import Unpack

from .._config import NOT_GIVEN
from ..types._generated import EmbeddingResponse

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._client import AsyncVllmClient, VllmClient
    from .._config import NotGiven, TimeoutLike
    from .._generated_endpoints import (
        EmbeddingBatchChatInputRequestParams,
        EmbeddingBatchChatRequestParams,
        EmbeddingChatInputRequestParams,
        EmbeddingChatRequestParams,
        EmbeddingCompletionRequestParams,
    )

__all__ = ["AsyncEmbeddings", "Embeddings"]


class Embeddings:
    """``client.embeddings.create(model=..., input=...)`` -> ``EmbeddingResponse``."""

    def __init__(self, client: VllmClient) -> None:
        self._client = client

    @overload
    def create(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[EmbeddingCompletionRequestParams],
    ) -> EmbeddingResponse: ...
    @overload
    def create(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[EmbeddingChatRequestParams],
    ) -> EmbeddingResponse: ...
    @overload
    def create(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[EmbeddingBatchChatRequestParams],
    ) -> EmbeddingResponse: ...
    @overload
    def create(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[EmbeddingChatInputRequestParams],
    ) -> EmbeddingResponse: ...
    @overload
    def create(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[EmbeddingBatchChatInputRequestParams],
    ) -> EmbeddingResponse: ...
    def create(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> EmbeddingResponse:
        """Embed ``input=`` (text, texts or token ids) or chat ``messages=`` (``POST /v1/embeddings``)."""
        opts = self._client._route_options(
            "embeddings.create",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
            operation="embeddings",
        )
        return self._client._call(opts, EmbeddingResponse)


class AsyncEmbeddings:
    """``await client.embeddings.create(model=..., input=...)`` (see :class:`Embeddings`)."""

    def __init__(self, client: AsyncVllmClient) -> None:
        self._client = client

    @overload
    async def create(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[EmbeddingCompletionRequestParams],
    ) -> EmbeddingResponse: ...
    @overload
    async def create(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[EmbeddingChatRequestParams],
    ) -> EmbeddingResponse: ...
    @overload
    async def create(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[EmbeddingBatchChatRequestParams],
    ) -> EmbeddingResponse: ...
    @overload
    async def create(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[EmbeddingChatInputRequestParams],
    ) -> EmbeddingResponse: ...
    @overload
    async def create(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Unpack[EmbeddingBatchChatInputRequestParams],
    ) -> EmbeddingResponse: ...
    async def create(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> EmbeddingResponse:
        """Embed ``input=`` (text, texts or token ids) or chat ``messages=`` (``POST /v1/embeddings``)."""
        opts = self._client._route_options(
            "embeddings.create",
            params,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
            operation="embeddings",
        )
        return await self._client._call(opts, EmbeddingResponse)
