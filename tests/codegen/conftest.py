"""Fixtures of the code-generator tests.

``codegen`` is a top-level package of the repository, not part of the installed distribution, so the
repository root is put on ``sys.path`` here (pytest's rootdir-relative imports do not reach it).
"""

from __future__ import annotations

import importlib
import shutil
import sys
import uuid
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from codegen.config import CodegenConfig, load_config  # noqa: E402

from codegen import yamlio  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import ModuleType


@pytest.fixture(scope="session")
def repo_config() -> CodegenConfig:
    """The repository's own codegen configuration."""
    return load_config(REPO_ROOT)


@pytest.fixture(scope="session")
def committed_schema(repo_config: CodegenConfig) -> dict[str, Any]:
    """The committed ``schema/openapi.yaml``, parsed."""
    doc: dict[str, Any] = yamlio.load(repo_config.schema)
    return doc


@pytest.fixture
def scratch_repo(tmp_path: Path, repo_config: CodegenConfig) -> CodegenConfig:
    """A throw-away copy of what codegen reads and writes: pyproject, schema, generated files."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy2(repo_config.root / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(repo_config.schema.parent, root / "schema")
    generated_files = (
        repo_config.models_output,
        repo_config.endpoints_output,
        repo_config.builders_output,
        repo_config.resources_output,
        repo_config.exports_output,
        repo_config.params_output,
    )
    for generated in (path for path in generated_files if path is not None):
        target = root / generated.relative_to(repo_config.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(generated, target)
    return load_config(root)


@pytest.fixture
def temp_package(tmp_path: Path) -> Iterator[Callable[[CodegenConfig, Path], ModuleType]]:
    """Generate from a schema into a fresh, uniquely named copy of the whole ``vllm_sdk`` package on
    ``sys.path``; yield a builder returning its ``_generated_endpoints`` module.

    The copy is the package as it is (pure Python: the compiled extension is left out, so the selector
    falls back on the Python twin) with its four generated modules regenerated from ``schema``; every
    import inside the package is relative, so the copy works under its own name. Everything is unloaded
    afterwards.
    """
    from codegen.generate import generate_all

    names: list[str] = []

    def build(config: CodegenConfig, schema: Path) -> ModuleType:
        pkg = f"vllm_sdk_tmp_{uuid.uuid4().hex[:8]}"
        names.append(pkg)
        root = tmp_path / "pkgroot"
        package = config.endpoints_output.parent
        shutil.copytree(
            package, root / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd", "*.c")
        )
        shutil.copy2(config.root / "pyproject.toml", root / "pyproject.toml")

        def moved(path: Path | None) -> Path | None:
            return None if path is None else root / pkg / path.relative_to(package)

        local = replace(
            config,
            root=root,
            models_output=root / pkg / config.models_output.relative_to(package),
            endpoints_output=root / pkg / config.endpoints_output.relative_to(package),
            builders_output=moved(config.builders_output),
            resources_output=moved(config.resources_output),
            exports_output=moved(config.exports_output),
        )
        params_output = moved(config.params_output)
        if params_output is not None:
            local = replace(local, params={**config.params, "output": str(params_output.relative_to(root))})
        generate_all(local, schema=schema)
        sys.path.insert(0, str(root))
        importlib.invalidate_caches()
        return importlib.import_module(f"{pkg}._generated_endpoints")

    yield build
    for pkg in names:
        for mod in [m for m in sys.modules if m == pkg or m.startswith(pkg + ".")]:
            del sys.modules[mod]
    sys.path[:] = [p for p in sys.path if not p.startswith(str(tmp_path))]
