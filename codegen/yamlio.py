"""Deterministic YAML for the vendored schema.

Keys are sorted everywhere except inside a schema's ``properties`` mapping, which keeps vLLM's declaration
order: that order is the canonical field order of request bodies (``REQUEST_FIELDS``) and of the generated
models, and it reads better than alphabetical. Output uses a fixed width and block style so that the same
input always produces the same bytes, whichever machine runs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from pathlib import Path

WIDTH = 100


def canonicalize(node: Any, *, properties_map: bool = False) -> Any:
    """Return a copy of ``node`` with every mapping's keys sorted, except ``properties`` mappings."""
    if isinstance(node, dict):
        keys = list(node) if properties_map else sorted(node)
        out: dict[str, Any] = {}
        for key in keys:
            value = node[key]
            child_is_props = (not properties_map) and key == "properties" and isinstance(value, dict)
            out[key] = canonicalize(value, properties_map=child_is_props)
        return out
    if isinstance(node, list):
        return [canonicalize(item) for item in node]
    return node


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes multi-line strings as literal blocks and never emits aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def dumps(document: Any) -> str:
    """Serialize ``document`` to deterministic YAML text (see module docstring)."""
    text = yaml.dump(
        canonicalize(document),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=WIDTH,
        indent=2,
    )
    return str(text)


def loads(text: str) -> Any:
    """Parse YAML text (libyaml when available: parsing, unlike emitting, gives identical results)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def load(path: Path) -> Any:
    """Read and parse a YAML (or JSON, a subset) file."""
    return loads(path.read_text(encoding="utf-8"))
