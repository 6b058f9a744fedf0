"""The list-shaped responses (``models.list()``, embeddings, pooling, classification, score and rerank): the
generated models plus iteration over their items, as openai-python's pages allow.

::

    ids = [m.id for m in client.models.list()]
    first = client.embeddings.create(model=m, input=["a", "b"])[0].embedding

``len()`` and indexing (ints and slices) read the same items. A response stays truthy even with no items
(it is a response that arrived, not a container you test for emptiness); ``dict(resp)`` no longer lists
the fields, so use ``resp.model_dump()`` for that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar, overload

from . import _generated
from ._wire import WireResponse

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "ClassificationResponse",
    "EmbeddingResponse",
    "ModelList",
    "PoolingResponse",
    "RerankResponse",
    "ScoreResponse",
]

ItemT = TypeVar("ItemT")

if TYPE_CHECKING:

    class _Generic(Generic[ItemT]):
        """What type checkers see: the item type is a parameter."""

else:

    class _Generic:
        """At run time a plain mixin: pydantic warns about (and would treat as a generic model) a model
        whose bases put ``typing.Generic`` before ``BaseModel``; the parameter only matters to type
        checkers."""

        def __class_getitem__(cls, item: object) -> type:
            return cls


class _Items(_Generic[ItemT]):
    """``__iter__``, ``__len__`` and ``__getitem__`` over the field named by ``_items_field``.

    The response classes below carry ``type: ignore[misc]``: mypy sees this ``__iter__`` replace
    ``BaseModel.__iter__`` (field pairs), which is the point.
    """

    _items_field: ClassVar[str] = "data"

    def _items(self) -> list[ItemT]:
        items: list[ItemT] | None = getattr(self, self._items_field)
        return items if items is not None else []

    # pydantic's BaseModel.__iter__ yields (field, value) pairs; a list response iterates its items.
    def __iter__(self) -> Iterator[ItemT]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    @overload
    def __getitem__(self, index: int) -> ItemT: ...
    @overload
    def __getitem__(self, index: slice) -> list[ItemT]: ...
    def __getitem__(self, index: int | slice) -> ItemT | list[ItemT]:
        return self._items()[index]

    def __bool__(self) -> bool:
        return True


class ModelList(_Items[_generated.ModelCard], _generated.ModelList, WireResponse):  # type: ignore[misc]
    """``GET /v1/models``: iterate it for the :class:`~vllm_sdk.types.ModelCard` values (``.data``)."""


class EmbeddingResponse(_Items[_generated.EmbeddingResponseData], _generated.EmbeddingResponse, WireResponse):  # type: ignore[misc]
    """``POST /v1/embeddings``: iterate it for the embeddings, one per input, in order (``.data``)."""


class PoolingResponse(_Items[_generated.PoolingResponseData], _generated.PoolingResponse, WireResponse):  # type: ignore[misc]
    """``POST /pooling``: iterate it for the pooled outputs (``.data``)."""


class ClassificationResponse(  # type: ignore[misc]
    _Items[_generated.ClassificationData], _generated.ClassificationResponse, WireResponse
):
    """``POST /classify``: iterate it for the classifications, one per input (``.data``)."""


class ScoreResponse(_Items[_generated.ScoreResponseData], _generated.ScoreResponse, WireResponse):  # type: ignore[misc]
    """``POST /score``: iterate it for the scores (``.data``)."""


class RerankResponse(_Items[_generated.RerankResult], _generated.RerankResponse, WireResponse):  # type: ignore[misc]
    """``POST /rerank``: iterate it for the results, best first (``.results``)."""

    _items_field: ClassVar[str] = "results"
