"""What every route builder adds to its generated setters: immutability, ``extra()``, ``stream_options()``
and ``to_dict()`` (no I/O; the generated route builders in ``_generated_builders`` add ``send()``).

Builders are persistent values: every setter returns a new builder and leaves the one it was called on
unchanged, so a half-built request can be kept and sent many times::

    base = client.chat.completions.create().model(m).system("Be brief.")
    base.user("A").send()      # [system, A]
    base.user("B").send()      # [system, B]

A setter copies only the top-level body dict (a few dozen keys at most) and shares every value with the
builder it came from; values are never changed in place (messages are a tuple, appended by making a new
tuple), which is what makes the sharing safe and keeps a setter as cheap as a dict copy.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from typing_extensions import Self

from .._body import canonical_body, merge_extra, request_model_name
from .._generated_endpoints import BuilderBase
from ._plan import call_options

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._config import NotGiven, TimeoutLike
    from .._requester import CallOptions

__all__ = ["BuilderMixin", "PlainBodyBuilder"]


def _plain(value: Any) -> Any:
    """``value`` with tuples turned back into lists (``to_dict()`` shows the JSON shape)."""
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


class BuilderMixin(BuilderBase):
    """Copy-on-write setters, ``extra(dict)`` merged into the body, ``stream_options(...)`` and ``to_dict()``
    (no I/O)."""

    _route: str
    _extra: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        self._extra = {}
        # The URL query of a route with query parameters (``SleepBuilder.level()``); never in the body.
        self._query: dict[str, Any] = {}

    def _clone(self) -> Self:
        """A new builder sharing this one's state (which is never changed in place)."""
        new = object.__new__(type(self))
        new.__dict__ = self.__dict__.copy()
        return new

    def _set(self, key: str, value: object) -> Self:
        """A new builder with ``value`` under the JSON key ``key``; this builder is left unchanged."""
        body = self._body.copy()
        body[key] = value
        new = object.__new__(type(self))
        state = self.__dict__.copy()
        state["_body"] = body
        new.__dict__ = state
        return new

    def _set_query(self, key: str, value: object) -> Self:
        """A new builder with ``value`` as the URL query parameter ``key``; this builder is left unchanged."""
        new = self._clone()
        new._query = {**self._query, key: value}
        return new

    def __copy__(self) -> Self:
        return self._clone()

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        # The body is copied; the requester (the client, with its locks and pool) is shared, as a copy of
        # a request should still go to the same client.
        new = self._clone()
        new._body = copy.deepcopy(self._body, memo)
        new._extra = copy.deepcopy(self._extra, memo)
        new._query = copy.deepcopy(self._query, memo)
        return new

    def extra(self, fields: Mapping[str, Any]) -> Self:
        """Merge ``fields`` into the JSON body (nested objects are merged key by key): for parameters of a
        newer server, or anything the schema does not list. Applied after the typed setters. Returns a new
        builder."""
        extra = dict(self._extra)
        merge_extra(extra, fields)  # nested dicts are merged into new dicts, never in place
        new = self._clone()
        new._extra = extra
        return new

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
        """The JSON body this builder would send (without ``stream``), keys in the canonical order; a fresh
        copy each time (changing it does not change the builder)."""
        body = _plain(copy.deepcopy(self._body))
        if self._extra:
            merge_extra(body, copy.deepcopy(self._extra))
        return canonical_body(request_model_name(self._route, body), body)

    def __repr__(self) -> str:
        keys = ", ".join(self.to_dict())
        return f"<{type(self).__name__} fields=[{keys}]>"


class PlainBodyBuilder:
    """Copy-on-write setters over a plain JSON body, for the hand-written builders (Responses, Messages)
    whose routes have no generated builder base: every setter returns a new builder and leaves this one
    unchanged; ``extra(dict)`` is merged in last; ``to_dict()`` is the body it would send (no I/O)."""

    def __init__(self) -> None:
        self._body: dict[str, Any] = {}
        self._extra: dict[str, Any] = {}

    def _clone(self) -> Self:
        """A new builder sharing this one's state (which is never changed in place)."""
        new = object.__new__(type(self))
        new.__dict__ = self.__dict__.copy()
        return new

    def _set(self, key: str, value: object) -> Self:
        """A new builder with ``value`` under ``key`` (``None`` removes the key)."""
        body = self._body.copy()
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
        new = self._clone()
        new._body = body
        return new

    def __copy__(self) -> Self:
        return self._clone()

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        # The body is copied; the requester (the client, with its pool) is shared.
        new = self._clone()
        new._body = copy.deepcopy(self._body, memo)
        new._extra = copy.deepcopy(self._extra, memo)
        return new

    def extra(self, fields: Mapping[str, Any]) -> Self:
        """Merge ``fields`` into the JSON body (for parameters this builder has no setter for). Returns a
        new builder."""
        extra = dict(self._extra)
        merge_extra(extra, fields)  # nested dicts are merged into new dicts, never in place
        new = self._clone()
        new._extra = extra
        return new

    def _options(
        self,
        timeout: TimeoutLike | NotGiven | None,
        extra_headers: Mapping[str, str | None] | None,
        extra_query: Mapping[str, Any] | None,
        max_retries: int | None,
        stream_idle_timeout: float | None = None,
    ) -> CallOptions:
        """The call options of a send (``extra()`` is the extra body)."""
        return call_options(
            self._extra, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON body this builder would send (without ``stream``)."""
        body = copy.deepcopy(self._body)
        if self._extra:
            merge_extra(body, copy.deepcopy(self._extra))
        return body

    def __repr__(self) -> str:
        return f"<{type(self).__name__} fields=[{', '.join(self.to_dict())}]>"
