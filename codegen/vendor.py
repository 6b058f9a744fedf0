"""``python -m codegen vendor``: a live server's ``/openapi.json`` → ``schema/openapi.yaml``.

Pipeline (each step deterministic):

1. load the main document (URL via httpx, or a file) and merge the routes and components of any pooling
   documents (the same server started with an embedding model);
2. keep only the paths of :data:`codegen.routes.ROUTE_SPECS`;
3. merge the response components of the response-schema dump (``{"how", "models", "vllm_version"}``, each
   model a ``model_json_schema()`` with ``$defs``);
4. apply the schema fix-ups, wire responses to routes (``200`` JSON body, ``text/event-stream`` body and
   ``x-stream-response`` for streaming routes), apply the response fix-ups;
5. drop every component no kept route reaches, shorten FastAPI's module-qualified names where the short
   name is free, then write sorted, fixed-width YAML and ``SOURCE.md``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import fixups, yamlio
from .routes import ROUTE_SPECS, X_FIXUPS, X_MISSING, X_ROUTE, X_STREAM_RESPONSE, kept_paths

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

Document = dict[str, Any]
REF_PREFIX = "#/components/schemas/"


class VendorError(Exception):
    """The input cannot be vendored (missing route or component, unreadable source)."""


@dataclass(frozen=True)
class Source:
    """One input of the vendor step: where it came from, its bytes, and its parsed JSON."""

    label: str
    raw: bytes
    data: Any

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the raw bytes, recorded in ``SOURCE.md``."""
        return hashlib.sha256(self.raw).hexdigest()


def display_location(location: str, root: Path | None) -> str:
    """``location`` relative to ``root`` when it is a local path, so records do not name this machine."""
    if root is None or location.startswith(("http://", "https://")):
        return location
    try:
        # abspath, not resolve(): a symlinked input must be recorded as the path the user gave, or
        # `codegen check` would report provenance drift on a checkout whose neighbour is a link.
        return os.path.relpath(os.path.abspath(location), root).replace(os.sep, "/")
    except ValueError:  # pragma: no cover - another drive on Windows
        return location


def read_source(location: str, root: Path | None = None) -> Source:
    """Read ``location`` (an ``http(s)://`` URL or a path) as JSON; label it relative to ``root``."""
    if location.startswith(("http://", "https://")):
        import httpx

        response = httpx.get(location, timeout=30.0, follow_redirects=True)
        response.raise_for_status()
        raw = response.content
    else:
        try:
            raw = Path(location).read_bytes()
        except OSError as exc:
            raise VendorError(f"cannot read {location}: {exc}") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise VendorError(f"{location} is not JSON: {exc}") from exc
    return Source(display_location(location, root), raw, data)


# ------------------------------------------------------------------------------------------ refs


def iter_refs(node: Any) -> Iterator[str]:
    """Yield the component names of every ``$ref`` under ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value.rsplit("/", 1)[-1]
            else:
                yield from iter_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_refs(item)


def rewrite_refs(node: Any, prefix: str, mapping: dict[str, str]) -> Any:
    """Copy of ``node`` whose ``$ref`` s under ``prefix`` point at components, renamed by ``mapping``."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(prefix):
                name = value[len(prefix) :]
                out[key] = REF_PREFIX + mapping.get(name, name)
            else:
                out[key] = rewrite_refs(value, prefix, mapping)
        return out
    if isinstance(node, list):
        return [rewrite_refs(item, prefix, mapping) for item in node]
    return node


def reachable(doc: Document, roots: Iterable[Any]) -> set[str]:
    """Names of the components reachable from ``roots`` (transitively)."""
    schemas = doc.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    todo = [name for root in roots for name in iter_refs(root)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in schemas:
            raise VendorError(f"dangling $ref to component {name!r}")
        seen.add(name)
        todo.extend(iter_refs(schemas[name]))
    return seen


# ----------------------------------------------------------------------------------------- merge


def _shape(schema: Any) -> str:
    """``schema`` as canonical JSON with every ``$ref`` reduced to its unqualified name."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (
                    v.rsplit("/", 1)[-1].rsplit("__", 1)[-1]
                    if k == "$ref" and isinstance(v, str)
                    else strip(v)
                )
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [strip(item) for item in node]
        return node

    return json.dumps(strip(schema), sort_keys=True)


def merge_pooling(doc: Document, pooling: Document) -> None:
    """Add the pooling document's paths and components that ``doc`` lacks.

    The two documents come from the same vLLM build, but FastAPI disambiguates clashing model names per
    document, so one model may be ``Message`` in one and ``openai_harmony__Message`` in the other. A
    pooling-only name ``N`` for which ``doc`` has exactly one ``<module>__N`` (or, when several modules
    define ``N``, exactly one of the same shape) is mapped onto it; on a plain
    name clash ``doc`` 's definition is kept (the differences are such qualified references only).
    """
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    theirs: dict[str, Any] = pooling.get("components", {}).get("schemas", {})
    mapping: dict[str, str] = {}
    for name in theirs:
        if name in schemas:
            continue
        qualified = [n for n in schemas if n.endswith("__" + name)]
        if len(qualified) > 1:  # several modules define `name`: keep the one with the same shape
            qualified = [n for n in qualified if _shape(schemas[n]) == _shape(theirs[name])]
        if len(qualified) == 1:
            mapping[name] = qualified[0]
    for name, schema in theirs.items():
        if name in schemas or name in mapping:
            continue
        schemas[name] = rewrite_refs(schema, REF_PREFIX, mapping)
    paths = doc.setdefault("paths", {})
    for path, item in pooling.get("paths", {}).items():
        if path not in paths:
            paths[path] = rewrite_refs(item, REF_PREFIX, mapping)


def _property_names(schema: Any) -> set[str]:
    return set(schema.get("properties", {})) if isinstance(schema, dict) else set()


def merge_responses(doc: Document, dump: Any) -> None:
    """Merge the response-schema dump's models (and their ``$defs``) into ``doc`` 's components.

    Name clashes with a different request-side definition are resolved by one rule: when both declare the
    same properties the existing definition stays (vLLM reuses the OpenAI content-part types on both
    sides; they differ only in how references are spelled); when the response definition's properties are a
    strict superset it replaces the existing one (``FunctionCall`` gains ``id``); otherwise the response
    definition is kept as ``Response<Name>``. Run it after :func:`prune_components` so that only request
    components the kept routes use can clash.
    """
    if not isinstance(dump, dict) or not isinstance(dump.get("models"), dict):
        raise VendorError("the response-schema file must be an object with a 'models' mapping")
    collected: dict[str, Any] = {}
    for model_name in sorted(dump["models"]):
        entry = dump["models"][model_name]
        schema = copy.deepcopy(entry.get("schema", entry))
        defs = schema.pop("$defs", {})
        for name, definition in [*sorted(defs.items()), (model_name, schema)]:
            previous = collected.setdefault(name, definition)
            if previous != definition:
                raise VendorError(f"response dump defines {name!r} twice, differently")
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    mapping: dict[str, str] = {}
    replace: set[str] = set()
    for name, definition in collected.items():
        existing = schemas.get(name)
        if existing is None:
            continue
        mine, theirs = _property_names(existing), _property_names(definition)
        if theirs > mine:
            replace.add(name)
        elif theirs != mine:
            mapping[name] = "Response" + name
    for name, definition in collected.items():
        target = mapping.get(name, name)
        if name in schemas and name not in replace and name not in mapping:
            continue
        schemas[target] = rewrite_refs(definition, "#/$defs/", mapping)


# ------------------------------------------------------------------------------------------ wire


def select_routes(doc: Document) -> None:
    """Keep only the supported paths (``ROUTE_SPECS``, with aliases) and their listed methods."""
    keep = kept_paths()
    doc["paths"] = {path: item for path, item in doc.get("paths", {}).items() if path in keep}


def wire_routes(doc: Document) -> list[str]:
    """Attach response bodies and ``x-sdk-route`` to each supported operation.

    Returns the names of the supported routes the sources lack (a generative server has no pooling routes
    unless a pooling document is merged); they are recorded, not fatal.
    """
    paths = doc.setdefault("paths", {})
    schemas = doc.get("components", {}).get("schemas", {})
    missing: list[str] = []
    for spec in ROUTE_SPECS:
        for path in (spec.path, *spec.aliases):
            op = paths.get(path, {}).get(spec.method)
            if op is None:
                if path == spec.path:
                    missing.append(spec.name)
                continue
            ok = op.setdefault("responses", {}).setdefault("200", {"description": "Successful Response"})
            content: dict[str, Any] = {}
            if spec.response is not None and spec.response in schemas:
                content["application/json"] = {"schema": {"$ref": REF_PREFIX + spec.response}}
            if spec.stream_response is not None and spec.stream_response in schemas:
                stream_ref = {"$ref": REF_PREFIX + spec.stream_response}
                content["text/event-stream"] = {"schema": stream_ref}
                ok[X_STREAM_RESPONSE] = dict(stream_ref)
            if spec.text_response:
                content["text/plain"] = {"schema": {"type": "string"}}
            if content:
                ok["content"] = content
            else:
                ok.pop("content", None)
            if path == spec.path:
                op[X_ROUTE] = spec.name
    return missing


def prune_components(doc: Document) -> None:
    """Drop every component that no kept operation reaches."""
    schemas = doc.get("components", {}).get("schemas", {})
    keep = reachable(doc, [doc.get("paths", {})])
    doc["components"]["schemas"] = {name: schemas[name] for name in schemas if name in keep}


def shorten_qualified_names(doc: Document) -> None:
    """Rename FastAPI's module-qualified component names (``openai_harmony__Message``) to the short name.

    FastAPI qualifies a model name with its module when two modules define it. After pruning, the short
    name is often free: a lone ``<module>__N`` becomes ``N``, and several identical ``<module>__N`` merge
    into one ``N``. Names that still differ in shape stay qualified. This changes generated class names
    only (``OpenaiHarmonyMessage`` → ``Message``), never the wire format.
    """
    schemas: dict[str, Any] = doc.get("components", {}).get("schemas", {})
    groups: dict[str, list[str]] = {}
    for name in schemas:
        if "__" in name:
            groups.setdefault(name.rsplit("__", 1)[-1], []).append(name)
    mapping: dict[str, str] = {}
    for short, names in sorted(groups.items()):
        if short in schemas or len({_shape(schemas[n]) for n in names}) != 1:
            continue
        for name in names:
            mapping[name] = short
    if not mapping:
        return
    renamed: dict[str, Any] = {}
    for name, schema in schemas.items():
        target = mapping.get(name, name)
        if target not in renamed:
            renamed[target] = schema
    doc["components"]["schemas"] = {n: rewrite_refs(s, REF_PREFIX, mapping) for n, s in renamed.items()}
    doc["paths"] = rewrite_refs(doc.get("paths", {}), REF_PREFIX, mapping)


def build_document(
    main: Document,
    responses: Any = None,
    pooling: Sequence[Document] = (),
    vllm_version: str | None = None,
) -> Document:
    """The whole vendor pipeline on parsed inputs (no I/O): returns the vendored document.

    Without ``responses`` the routes keep vLLM's empty 200 bodies (the models then lack response types).
    """
    doc: Document = copy.deepcopy(main)
    for extra in pooling:
        merge_pooling(doc, copy.deepcopy(extra))
    select_routes(doc)
    prune_components(doc)
    if responses is not None:
        merge_responses(doc, responses)
    applied: list[str] = []
    for fixup in fixups.SCHEMA_FIXUPS:
        fixup(doc)
        applied.append(fixup.__name__)
    missing = wire_routes(doc)
    for fixup in fixups.RESPONSE_FIXUPS:
        fixup(doc)
        applied.append(fixup.__name__)
    prune_components(doc)
    shorten_qualified_names(doc)
    info = doc.setdefault("info", {})
    version = vllm_version
    if version is None and isinstance(responses, dict):
        version = responses.get("vllm_version")
    info["title"] = "vLLM OpenAI-compatible server (vendored by vllm_sdk)"
    if version:
        info["version"] = str(version).split()[0]
    info[X_FIXUPS] = applied
    if missing:
        info[X_MISSING] = missing
    else:
        info.pop(X_MISSING, None)
    return doc


# ---------------------------------------------------------------------------------------- output


def render_source_md(doc: Document, sources: Sequence[tuple[str, Source]], command: str) -> str:
    """Provenance of the vendored schema: vLLM version, SHA-256 of every input, the command."""
    lines = [
        "# Provenance of `schema/openapi.yaml`",
        "",
        "Generated by `python -m codegen vendor`; do not edit `openapi.yaml` by hand (re-run the command).",
        "",
        f"- vLLM version: {doc.get('info', {}).get('version', 'unknown')}",
        f"- Routes kept: {len(doc.get('paths', {}))} paths, {len(doc['components']['schemas'])} components",
        "",
        "| role | source | sha256 |",
        "| --- | --- | --- |",
    ]
    for role, source in sources:
        lines.append(f"| {role} | `{source.label}` | `{source.sha256}` |")
    missing = doc.get("info", {}).get(X_MISSING, [])
    if missing:
        lines += [
            "",
            f"Supported routes absent from the sources (left out of the route table): {', '.join(missing)}",
        ]
    lines += [
        "",
        "Command:",
        "",
        "```sh",
        command,
        "```",
        "",
        "Fix-ups applied (see `codegen/fixups.py`):",
        "",
    ]
    for name in doc.get("info", {}).get(X_FIXUPS, []):
        doc_line = (getattr(fixups, name).__doc__ or "").strip().splitlines()[0]
        lines.append(f"- `{name}`: {doc_line}")
    return "\n".join(lines) + "\n"


def vendor_command(
    source: str, responses: str | None, pooling: Sequence[str], vllm_version: str | None, root: Path | None
) -> str:
    """The ``python -m codegen vendor ...`` line recorded in ``SOURCE.md`` (paths relative to ``root``)."""
    parts = ["python", "-m", "codegen", "vendor", "--from", display_location(source, root)]
    if responses:
        parts += ["--responses", display_location(responses, root)]
    for item in pooling:
        parts += ["--pooling", display_location(item, root)]
    if vllm_version:
        parts += ["--vllm-version", vllm_version]
    return shlex.join(parts)


def vendor(
    main: str,
    responses: str | None,
    pooling: Sequence[str],
    out_dir: Path,
    command: str,
    vllm_version: str | None = None,
    root: Path | None = None,
) -> tuple[Path, Path]:
    """Read the sources, build the document, write ``openapi.yaml`` and ``SOURCE.md`` into ``out_dir``.

    Local source paths are recorded relative to ``root`` (the repository) in ``SOURCE.md``.
    """
    main_src = read_source(main, root)
    resp_src = read_source(responses, root) if responses is not None else None
    pool_srcs = [read_source(p, root) for p in pooling]
    doc = build_document(
        main_src.data,
        resp_src.data if resp_src is not None else None,
        [p.data for p in pool_srcs],
        vllm_version,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    schema_path = out_dir / "openapi.yaml"
    schema_path.write_text(yamlio.dumps(doc), encoding="utf-8")
    sources = [("openapi", main_src), *(("pooling openapi", p) for p in pool_srcs)]
    if resp_src is not None:
        sources.append(("responses", resp_src))
    source_md = out_dir / "SOURCE.md"
    source_md.write_text(render_source_md(doc, sources, command), encoding="utf-8")
    return schema_path, source_md
