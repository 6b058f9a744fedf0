"""Deterministic example values for JSON schemas: tool arguments and ``response_format`` answers.

Covers the shapes that tool definitions and structured-output schemas use in practice: ``type`` (also a
list of types), ``enum``, ``const``, string formats and length bounds, numeric bounds and ``multipleOf``,
arrays with ``items``/``prefixItems``/``minItems``/``maxItems``, objects with ``properties``/``required``/
``additionalProperties``, ``anyOf``/``oneOf``/``allOf`` and local ``$ref`` (``#/$defs/...``,
``#/definitions/...``). Regex ``pattern`` constraints are not solved. Every value is chosen by a
``random.Random`` the caller seeds, so the same request always gets the same value.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import random

__all__ = ["SchemaError", "check_schema", "prefer_mentioned", "value_for_schema"]

_TYPES = frozenset({"string", "integer", "number", "boolean", "object", "array", "null"})
_MAX_DEPTH = 12

_STRINGS = ("Paris", "Tokyo", "Berlin", "London", "alpha", "beta", "mock", "value", "example", "café")
_NAMED = {
    "city": (
        "Paris",
        "Tokyo",
        "Berlin",
        "London",
        "Lisbon",
        "Madrid",
        "Rome",
        "Sydney",
        "New York",
        "Beijing",
    ),
    "name": ("Ada", "Alan", "Grace", "Linus", "Margaret"),
    "timezone": ("UTC", "Europe/Paris", "Asia/Tokyo", "America/New_York"),
    "location": ("Paris, France", "Tokyo, Japan", "Berlin, Germany"),
    "query": ("vllm mock server", "weather today", "python sdk"),
    "unit": ("celsius", "fahrenheit"),
    "country": ("France", "Japan", "Germany"),
    "email": ("ada@example.com", "alan@example.com"),
}


class SchemaError(ValueError):
    """A schema the generator cannot satisfy (reported to clients as vLLM's "Grammar error")."""


def check_schema(schema: Any, *, _depth: int = 0) -> None:
    """Raise :class:`SchemaError` for a schema with an unknown ``type`` (what xgrammar rejects)."""
    if _depth > _MAX_DEPTH or not isinstance(schema, dict):
        if not isinstance(schema, (dict, bool)):
            raise SchemaError(f"Invalid schema: {schema!r}")
        return
    t = schema.get("type")
    for one in t if isinstance(t, list) else [t]:
        if one is not None and one not in _TYPES:
            raise SchemaError(f"Invalid type: {one}")
    for key in ("properties", "$defs", "definitions"):
        sub = schema.get(key)
        if isinstance(sub, dict):
            for v in sub.values():
                check_schema(v, _depth=_depth + 1)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            check_schema(schema[key], _depth=_depth + 1)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        sub = schema.get(key)
        if isinstance(sub, list):
            for v in sub:
                check_schema(v, _depth=_depth + 1)


def value_for_schema(schema: Any, rng: random.Random, *, root: Any = None, name: str = "") -> Any:
    """A JSON value that validates against ``schema``; ``name`` is the property name, for nicer strings."""
    return _value(schema, rng, root if root is not None else schema, name, 0)


def prefer_mentioned(args: Any, schema: Any, text: str | None) -> Any:
    """Use values the user mentioned: "weather in Tokyo" gives ``{"city": "Tokyo"}``, not a random city.

    Only top-level string properties without ``enum``/``const``/``format`` that have an example pool
    (city, timezone, country, ...) are changed, and only to a pool value found in ``text``.
    """
    if not text or not isinstance(args, dict) or not isinstance(schema, dict):
        return args
    props = schema.get("properties")
    if not isinstance(props, dict):
        return args
    lowered = text.lower()
    for key, sub in props.items():
        pool = _NAMED.get(str(key).lower())
        if key not in args or pool is None or not isinstance(sub, dict) or sub.get("type") != "string":
            continue
        if {"enum", "const", "format", "pattern"} & set(sub):
            continue
        found = [(lowered.find(v.lower()), v) for v in pool if v.lower() in lowered]
        if found:
            value = min(found)[1]
            hi = sub.get("maxLength")
            if not isinstance(hi, int) or len(value) <= hi:
                args[key] = value
    return args


def _resolve(ref: str, root: Any) -> Any:
    if not ref.startswith("#/"):
        return {}
    node = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return {}
        node = node[part]
    return node


def _value(schema: Any, rng: random.Random, root: Any, name: str, depth: int) -> Any:
    if schema is True or not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return _string({}, rng, name)
    if "$ref" in schema:
        return _value(_resolve(str(schema["$ref"]), root), rng, root, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][rng.randrange(len(schema["enum"]))]
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = _resolve(part["$ref"], root) if isinstance(part, dict) and "$ref" in part else part
            if isinstance(part, dict):
                for k, v in part.items():
                    if k in ("properties",) and isinstance(v, dict):
                        merged.setdefault("properties", {}).update(v)
                    elif k == "required" and isinstance(v, list):
                        merged["required"] = [*merged.get("required", []), *v]
                    else:
                        merged.setdefault(k, v)
        return _value(merged, rng, root, name, depth + 1)
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            # The first non-null option: nullable fields still get a real value.
            non_null = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
            return _value((non_null or options)[0], rng, root, name, depth + 1)
    t = schema.get("type")
    if isinstance(t, list):
        non_null_types = [x for x in t if x != "null"]
        t = non_null_types[0] if non_null_types else "null"
    if t is None:
        if "properties" in schema:
            t = "object"
        elif "items" in schema:
            t = "array"
        else:
            t = "string"
    if t == "object":
        return _object(schema, rng, root, depth)
    if t == "array":
        return _array(schema, rng, root, name, depth)
    if t == "integer":
        return _integer(schema, rng)
    if t == "number":
        return _number(schema, rng)
    if t == "boolean":
        return rng.random() < 0.5
    if t == "null":
        return None
    return _string(schema, rng, name)


def _object(schema: dict[str, Any], rng: random.Random, root: Any, depth: int) -> dict[str, Any]:
    props = schema.get("properties")
    props = props if isinstance(props, dict) else {}
    required = schema.get("required")
    required_set = set(required) if isinstance(required, list) else set()
    out: dict[str, Any] = {}
    for key, sub in props.items():
        # Optional properties are included about half the time, deterministically.
        if key in required_set or rng.random() < 0.5:
            out[key] = _value(sub, rng, root, key, depth + 1)
    for key in required_set - set(out):
        out[key] = _string({}, rng, key)
    min_props = schema.get("minProperties")
    extra = schema.get("additionalProperties", True)
    i = 0
    while isinstance(min_props, int) and len(out) < min_props and extra is not False:
        out[f"key{i}"] = _value(extra if isinstance(extra, dict) else {}, rng, root, "", depth + 1)
        i += 1
    return out


def _array(schema: dict[str, Any], rng: random.Random, root: Any, name: str, depth: int) -> list[Any]:
    lo = schema.get("minItems", 1)
    hi = schema.get("maxItems", max(lo, 3))
    lo = lo if isinstance(lo, int) else 1
    hi = hi if isinstance(hi, int) else max(lo, 3)
    prefix = schema.get("prefixItems")
    out: list[Any] = []
    if isinstance(prefix, list):
        out = [_value(p, rng, root, name, depth + 1) for p in prefix][:hi]
    count = rng.randint(min(lo, hi), hi) if hi >= lo else lo
    items = schema.get("items", {})
    attempts = 0
    while len(out) < count and items is not False and attempts < 20 * (count + 1):
        attempts += 1
        v = _value(items, rng, root, name, depth + 1)
        if schema.get("uniqueItems") and v in out:
            exhausted = attempts > 10 * (count + 1)
            if (
                exhausted
                and isinstance(v, str)
                and isinstance(items, dict)
                and not {"enum", "maxLength"} & set(items)
            ):
                v = f"{v}{len(out)}"  # the pool of example strings is too small: make one up
            if v in out:
                continue  # draw again: small domains (enums, narrow ranges) need a few tries
        out.append(v)
    return out


def _integer(schema: dict[str, Any], rng: random.Random) -> int:
    lo, hi = _bounds(schema, default_lo=0, default_hi=100)
    lo_i, hi_i = math.ceil(lo), math.floor(hi)
    if "exclusiveMinimum" in schema and isinstance(schema["exclusiveMinimum"], (int, float)):
        lo_i = max(lo_i, math.floor(schema["exclusiveMinimum"]) + 1)
    if "exclusiveMaximum" in schema and isinstance(schema["exclusiveMaximum"], (int, float)):
        hi_i = min(hi_i, math.ceil(schema["exclusiveMaximum"]) - 1)
    if hi_i < lo_i:
        hi_i = lo_i
    value = rng.randint(lo_i, hi_i)
    step = schema.get("multipleOf")
    if isinstance(step, int) and step > 0:
        value = (value // step) * step
        if value < lo_i:
            value += step
    return value


def _number(schema: dict[str, Any], rng: random.Random) -> float:
    lo, hi = _bounds(schema, default_lo=0.0, default_hi=100.0)
    ex_lo = schema.get("exclusiveMinimum")
    ex_hi = schema.get("exclusiveMaximum")
    if isinstance(ex_lo, (int, float)):
        lo = max(lo, float(ex_lo) + 1e-3)
    if isinstance(ex_hi, (int, float)):
        hi = min(hi, float(ex_hi) - 1e-3)
    if hi < lo:
        hi = lo
    step = schema.get("multipleOf")
    if isinstance(step, (int, float)) and step > 0:
        k = rng.randint(math.ceil(lo / step), max(math.ceil(lo / step), math.floor(hi / step)))
        return float(k * step)
    value = round(lo + (hi - lo) * rng.random(), 2)
    # Rounding must not step outside the bounds (an exclusive minimum of 0 must not become 0.0).
    return min(max(value, lo), hi)


def _bounds(schema: dict[str, Any], *, default_lo: float, default_hi: float) -> tuple[float, float]:
    lo = schema.get("minimum")
    hi = schema.get("maximum")
    lo_f = float(lo) if isinstance(lo, (int, float)) else None
    hi_f = float(hi) if isinstance(hi, (int, float)) else None
    if lo_f is None and hi_f is None:
        return default_lo, default_hi
    if lo_f is None:
        assert hi_f is not None
        return min(default_lo, hi_f), hi_f
    if hi_f is None:
        return lo_f, lo_f + (default_hi - default_lo)
    return lo_f, hi_f


def _string(schema: dict[str, Any], rng: random.Random, name: str) -> str:
    fmt = schema.get("format")
    if fmt == "date-time":
        value = f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T12:{rng.randint(10, 59)}:00Z"
    elif fmt == "date":
        value = f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    elif fmt == "time":
        value = f"12:{rng.randint(10, 59)}:00"
    elif fmt == "email":
        value = f"user{rng.randint(1, 99)}@example.com"
    elif fmt == "uuid":
        value = "%08x-%04x-4%03x-8%03x-%012x" % (  # noqa: UP031 - fixed-width hex fields
            rng.getrandbits(32),
            rng.getrandbits(16),
            rng.getrandbits(12),
            rng.getrandbits(12),
            rng.getrandbits(48),
        )
    elif fmt in ("uri", "url"):
        value = f"https://example.com/{rng.choice(_STRINGS).lower()}"
    elif fmt == "ipv4":
        value = f"10.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    else:
        pool = _NAMED.get(name.lower(), _STRINGS)
        value = pool[rng.randrange(len(pool))]
    lo = schema.get("minLength")
    hi = schema.get("maxLength")
    if isinstance(lo, int) and len(value) < lo:
        value = value + "x" * (lo - len(value))
    if isinstance(hi, int) and len(value) > hi:
        value = value[:hi]
    return value
