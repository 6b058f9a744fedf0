"""Compare a live vLLM ``/openapi.json`` with ``schema/openapi.yaml``: what does the vendored schema lack?

For every route (path + method) that both documents describe, the request body and response schemas of the
live document are walked through their ``$ref`` components; each reached component is compared by name with
the vendored one. Reported as drift: a component the vendored schema does not have, and a property (also
inside inline nested objects) the vendored component does not declare. Extra routes of the live server are
not drift (the SDK only supports some of them), and neither is anything the vendored schema adds (fix-ups).

Also usable by hand: ``python -m tests.real.schema_drift http://127.0.0.1:8000`` (exit 1 on drift).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _refs(schema: Any) -> Iterator[str]:
    """Component names referenced anywhere inside ``schema``."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            yield ref.rsplit("/", 1)[-1]
        for value in schema.values():
            yield from _refs(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _refs(value)


def _property_paths(schema: Any, prefix: str = "") -> set[str]:
    """Dotted property names declared inline in ``schema`` (not following refs into other components)."""
    paths: set[str] = set()
    if not isinstance(schema, dict):
        return paths
    for name, sub in (schema.get("properties") or {}).items():
        paths.add(prefix + name)
        paths |= _property_paths(sub, f"{prefix}{name}.")
    for key in ("anyOf", "oneOf", "allOf"):
        for alt in schema.get(key) or []:
            paths |= _property_paths(alt, prefix)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            paths |= _property_paths(schema[key], f"{prefix}[].")
    return paths


def _route_roots(operation: dict[str, Any], documented: dict[str, Any]) -> list[Any]:
    """Request and response schemas of a live operation; responses only for status codes we document.

    The vendored schema deliberately replaces FastAPI's 422 ``HTTPValidationError`` (vLLM answers 400), so
    a status it does not document is a decision, not drift.
    """
    roots: list[Any] = []
    for media in ((operation.get("requestBody") or {}).get("content") or {}).values():
        roots.append(media.get("schema"))
    for status, response in (operation.get("responses") or {}).items():
        if status not in documented:
            continue
        for media in (response.get("content") or {}).values():
            roots.append((media or {}).get("schema"))
    return roots


def _short(name: str) -> str:
    return name.rsplit("__", 1)[-1]


def _candidates(name: str, ours: dict[str, Any]) -> list[Any]:
    """Our component(s) for a live component name: the same name, else any with the same short name.

    FastAPI qualifies a name with its module (``openai_harmony__Message``) when two modules define it; the
    vendor step shortens such names where it can and keeps them qualified where shapes differ, so a live
    name and ours may differ in that prefix only.
    """
    if name in ours:
        return [ours[name]]
    short = _short(name)
    return [schema for key, schema in ours.items() if _short(key) == short]


def drift(live: dict[str, Any], vendored: dict[str, Any]) -> list[str]:
    """Human-readable drift findings; empty when the vendored schema covers the live one on shared routes."""
    live_components: dict[str, Any] = (live.get("components") or {}).get("schemas") or {}
    ours: dict[str, Any] = (vendored.get("components") or {}).get("schemas") or {}
    findings: list[str] = []
    seen: set[str] = set()
    for path, item in sorted((vendored.get("paths") or {}).items()):
        live_item = (live.get("paths") or {}).get(path)
        if not live_item:
            continue
        for method in HTTP_METHODS:
            if method not in item or method not in live_item:
                continue
            route = f"{method.upper()} {path}"
            documented = item[method].get("responses") or {}
            roots = _route_roots(live_item[method], documented)
            pending = [name for root in roots for name in _refs(root)]
            while pending:
                name = pending.pop()
                if name in seen:
                    continue
                seen.add(name)
                live_schema = live_components.get(name)
                if live_schema is None:
                    continue  # a dangling ref in the live document is not ours to judge
                pending.extend(_refs(live_schema))
                candidates = _candidates(name, ours)
                if not candidates:
                    findings.append(f"{route}: component {name} is missing from schema/openapi.yaml")
                    continue
                wanted = _property_paths(live_schema)
                missing = min((sorted(wanted - _property_paths(c)) for c in candidates), key=len)
                if missing:
                    findings.append(f"{route}: {name} lacks field(s) {', '.join(missing)}")
    return findings


def main(argv: list[str]) -> int:
    import httpx
    import yaml

    from .real_support import SCHEMA

    root = argv[0].rstrip("/").removesuffix("/v1")
    live = httpx.get(f"{root}/openapi.json", timeout=30).raise_for_status().json()
    findings = drift(live, yaml.safe_load(SCHEMA.read_text(encoding="utf-8")))
    for line in findings:
        print(line)
    print(f"{len(findings)} drift finding(s) against {root}/openapi.json")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
