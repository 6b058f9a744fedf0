"""Request bodies: ``extra`` merging, the schema's canonical key order, compact UTF-8 JSON, and the checks
of required fields that run before any I/O. Builder and keyword styles both end in :func:`encode_body`, so
the same parameters give byte-identical bodies."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from ._exceptions import MissingParameterError
from ._generated_endpoints import REQUEST_FIELDS, ROUTES

__all__ = [
    "canonical_body",
    "encode_body",
    "encode_json",
    "merge_extra",
    "request_model_name",
    "require_any",
    "require_fields",
]


def merge_extra(body: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """Merge ``extra`` into ``body`` in place: nested dicts are merged key by key, anything else replaced.

    So ``extra({"chat_template_kwargs": {"x": 1}})`` adds to what ``thinking(True)`` set instead of wiping it.
    """
    for key, value in extra.items():
        current = body.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged = dict(current)
            merge_extra(merged, value)
            body[key] = merged
        else:
            body[key] = value


def _json_default(value: object) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):  # a ToolCall in a message's tool_calls
        return to_dict()
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"request value of type {type(value).__name__} is not JSON serialisable")


@functools.cache
def _field_rank(model_name: str) -> dict[str, int]:
    return {key: rank for rank, key in enumerate(REQUEST_FIELDS.get(model_name, ()))}


#: One encoder for every body (``json.dumps`` with these options builds a new one per call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_json_default)


def canonical_body(model_name: str | None, body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` with its keys in the schema's order for ``model_name``; unknown keys follow as given."""
    rank = _field_rank(model_name or "")
    last = len(rank)
    # A stable sort by schema rank: a body's few keys, not the schema's many fields, are walked; keys the
    # schema does not know share the last rank and so keep their given order.
    return {key: body[key] for key in sorted(body, key=lambda key: rank.get(key, last))}


def encode_body(
    model_name: str | None,
    body: Mapping[str, Any],
    extra: Mapping[str, Any] | None = None,
) -> bytes:
    """The JSON bytes of a request body: ``extra`` merged, keys in canonical order, compact, UTF-8.

    Builder and keyword styles both end here, so the same parameters give byte-identical bodies.
    """
    merged = dict(body)
    if extra:
        merge_extra(merged, extra)
    ordered = canonical_body(model_name, merged)
    try:
        text = _ENCODER.encode(ordered)
    except ValueError as exc:  # NaN / infinity: not JSON, and vLLM would reject it
        raise ValueError(f"request body is not valid JSON: {exc}") from exc
    return text.encode("utf-8")


@functools.cache
def _required_keys(model: type[BaseModel]) -> frozenset[str]:
    return frozenset((info.alias or name) for name, info in model.model_fields.items() if info.is_required())


def request_model_name(route_name: str, body: Mapping[str, Any]) -> str | None:
    """The name of the request variant of ``route_name`` that ``body`` is (for the canonical key order):
    the first whose required fields are all present."""
    route = ROUTES[route_name]
    variants = route.request_variants or ((route.request_model,) if route.request_model else ())
    for variant in variants:
        if _required_keys(variant) <= body.keys():
            return variant.__name__
    return route.request_model.__name__ if route.request_model else None


def require_fields(route_name: str, body: Mapping[str, Any]) -> None:
    """Raise :class:`MissingParameterError` (before any I/O) when ``body`` sets the required fields of no
    request variant of ``route_name`` (``score()`` without ``queries``, ``tokenize()`` without ``prompt`` or
    ``messages``...). ``None`` values count as not set."""
    route = ROUTES[route_name]
    variants = route.request_variants or ((route.request_model,) if route.request_model else ())
    given = {key for key, value in body.items() if value is not None}
    missing: list[list[str]] = []
    for variant in variants:
        lacking = sorted(_required_keys(variant) - given)
        if not lacking:
            return
        if not any(set(shorter) <= set(lacking) for shorter in missing):  # the simplest fixes only
            missing.append(lacking)
    if missing:
        options = ", or ".join(" + ".join(repr(name) for name in names) for names in missing)
        raise MissingParameterError(missing[0][0], f"missing required parameter: {options}")


def require_any(body: Mapping[str, Any], groups: Iterable[Sequence[str]]) -> None:
    """Raise :class:`MissingParameterError` (before any I/O) for the first group of ``groups`` none of whose
    names is set in ``body`` (naming the group's first field); ``None`` values count as not set."""
    for names in groups:
        if names and all(body.get(name) is None for name in names):
            raise MissingParameterError(names[0])


def encode_json(value: object) -> bytes:
    """Compact UTF-8 JSON of any value (``client.request(json=[...])``), models and tool calls included."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default).encode("utf-8")
