"""What the render routes answer: the token-level requests vLLM would generate from.

``POST /v1/chat/completions/render`` answers one :class:`~vllm_sdk.types.GenerateRequest`;
``POST /v1/completions/render`` answers a bare JSON array of them, one per prompt
(``vllm/entrypoints/scale_out/render/api_router.py``), validated into :class:`GenerateRequestList`::

    rendered = client.completions.render(model=m, prompt=["a", "b"])
    ids = [r.token_ids for r in rendered]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

from pydantic import RootModel

from ._generated import GenerateRequest

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["GenerateRequestList"]


class GenerateRequestList(RootModel[list[GenerateRequest]]):
    """``POST /v1/completions/render``: the rendered requests, one per prompt, in prompt order.

    Iterate it, index it or take ``len()``; ``.root`` is the list itself. It stays truthy with no items
    (it is a response that arrived, not a container to test for emptiness).
    """

    # RootModel.__iter__ yields (field, value) pairs; a list response iterates its items.
    def __iter__(self) -> Iterator[GenerateRequest]:  # type: ignore[override]
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)

    @overload
    def __getitem__(self, index: int) -> GenerateRequest: ...
    @overload
    def __getitem__(self, index: slice) -> list[GenerateRequest]: ...
    def __getitem__(self, index: int | slice) -> GenerateRequest | list[GenerateRequest]:
        return self.root[index]

    def __bool__(self) -> bool:
        return True
