"""What every route builder adds to its generated setters: ``extra()``, ``stream_options()`` and
``to_dict()`` (no I/O; the generated route builders in ``_generated_builders`` add ``send()``)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from typing_extensions import Self

from .._body import canonical_body, merge_extra, request_model_name
from .._generated_endpoints import BuilderBase

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["BuilderMixin"]


class BuilderMixin(BuilderBase):
    """``extra(dict)`` merged into the body, ``stream_options(...)`` and ``to_dict()`` (no I/O)."""

    _route: str
    _extra: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        self._extra = {}

    def extra(self, fields: Mapping[str, Any]) -> Self:
        """Merge ``fields`` into the JSON body (nested objects are merged key by key): for parameters of a
        newer server, or anything the schema does not list. Applied after the typed setters."""
        merge_extra(self._extra, fields)
        return self

    def stream_options(
        self,
        value: Mapping[str, Any] | None = None,
        *,
        include_usage: bool | None = None,
        continuous_usage_stats: bool | None = None,
    ) -> Self:
        """Set ``stream_options``: ``include_usage`` adds a final usage chunk, ``continuous_usage_stats``
        (vLLM) adds usage to every chunk. A mapping may be given instead of (or besides) the keywords."""
        options: dict[str, Any] = dict(value or {})
        if include_usage is not None:
            options["include_usage"] = include_usage
        if continuous_usage_stats is not None:
            options["continuous_usage_stats"] = continuous_usage_stats
        return self._set("stream_options", options)

    def to_dict(self) -> dict[str, Any]:
        """The JSON body this builder would send (without ``stream``), keys in the canonical order."""
        body = copy.deepcopy(self._body)
        if self._extra:
            merge_extra(body, copy.deepcopy(self._extra))
        return canonical_body(request_model_name(self._route, body), body)

    def __repr__(self) -> str:
        keys = ", ".join(self.to_dict())
        return f"<{type(self).__name__} fields=[{keys}]>"
