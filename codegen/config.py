"""The ``[tool.vllm_sdk.codegen]`` table of ``pyproject.toml``, read once per command."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class CodegenConfig:
    """Paths and options of the generators, relative paths resolved against ``root``."""

    root: Path
    schema: Path
    models_output: Path
    endpoints_output: Path
    models_module: str
    datamodel_codegen_args: tuple[str, ...]
    setter_renames: dict[str, dict[str, str]] = field(default_factory=dict)
    vendor_sources: dict[str, Path] = field(default_factory=dict)
    resources_output: Path | None = None
    builders_output: Path | None = None
    exports_output: Path | None = None
    routes: dict[str, dict[str, Any]] = field(default_factory=dict)
    response_classes: dict[str, str] = field(default_factory=dict)
    builder_base: str = "vllm_sdk.resources._builder:BuilderMixin"
    resource_bases: dict[str, list[str]] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    """``[tool.vllm_sdk.codegen.params]``: the chat input TypedDicts (``codegen/params.py``)."""

    @property
    def params_output(self) -> Path | None:
        """Where the params TypedDicts go (``params.output``), or ``None`` when not configured."""
        output = self.params.get("output")
        return self.root / str(output) if output else None


def load_config(root: Path | None = None) -> CodegenConfig:
    """Read ``[tool.vllm_sdk.codegen]`` from ``root/pyproject.toml`` (default: this repository)."""
    root = (root or REPO_ROOT).resolve()
    with (root / "pyproject.toml").open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    table: dict[str, Any] = data["tool"]["vllm_sdk"]["codegen"]
    renames: dict[str, dict[str, str]] = {
        model: dict(mapping) for model, mapping in table.get("setter_renames", {}).items()
    }
    sources = {key: root / value for key, value in table.get("vendor_sources", {}).items()}
    return CodegenConfig(
        root=root,
        schema=root / table["schema"],
        models_output=root / table["models_output"],
        endpoints_output=root / table["endpoints_output"],
        models_module=table.get("models_module", "vllm_sdk.types._generated"),
        datamodel_codegen_args=tuple(table.get("datamodel_codegen_args", ())),
        setter_renames=renames,
        vendor_sources=sources,
        resources_output=root / table["resources_output"] if "resources_output" in table else None,
        builders_output=root / table["builders_output"] if "builders_output" in table else None,
        exports_output=root / table["exports_output"] if "exports_output" in table else None,
        routes={name: dict(settings) for name, settings in table.get("routes", {}).items()},
        response_classes=dict(table.get("response_classes", {})),
        builder_base=str(table.get("builder_base", "vllm_sdk.resources._builder:BuilderMixin")),
        resource_bases={name: list(pair) for name, pair in table.get("resource_bases", {}).items()},
        params=dict(table.get("params", {})),
    )
