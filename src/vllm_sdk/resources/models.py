"""``client.models``: the models the server serves (``GET /v1/models``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._config import NOT_GIVEN
from ..types._generated import ModelList

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._client import AsyncVllmClient, VllmClient
    from .._config import NotGiven, TimeoutLike

__all__ = ["AsyncModels", "Models"]


class Models:
    """``client.models.list()`` -> ``ModelList`` (``.data`` holds the model cards)."""

    def __init__(self, client: VllmClient) -> None:
        self._client = client

    def list(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> ModelList:
        """The served models (``GET /v1/models``)."""
        opts = self._client._simple_options(
            "models.list",
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
            max_retries=max_retries,
        )
        return self._client._call(opts, ModelList)


class AsyncModels:
    """``await client.models.list()`` (see :class:`Models`)."""

    def __init__(self, client: AsyncVllmClient) -> None:
        self._client = client

    async def list(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> ModelList:
        """The served models (``GET /v1/models``)."""
        opts = self._client._simple_options(
            "models.list",
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
            max_retries=max_retries,
        )
        return await self._client._call(opts, ModelList)
