"""The mock server's modules share code through public names: no module of ``vllm_sdk.testing`` imports
an underscore-prefixed function, class or constant of another one (what a route module needs of another's
helpers moves to a module both import, e.g. ``testing/_as_chat.py``). Importing a private *module*
(``from . import _tokenizer``) is fine, and so is the package's own ``__init__``."""

from __future__ import annotations

import ast
from pathlib import Path

TESTING = Path(__file__).resolve().parents[2] / "src" / "vllm_sdk" / "testing"


def _is_module(package: Path, name: str) -> bool:
    return (package / f"{name}.py").exists() or (package / name / "__init__.py").exists()


def private_imports(package: Path) -> list[str]:
    """``file:line: from .mod import _name`` for every private name imported from a sibling module."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = path.parent
            for _ in range(node.level - 1):
                base = base.parent
            if node.module is None:  # from . import x: x is a module, or a name of the package __init__
                continue
            source = base.joinpath(*node.module.split("."))
            for alias in node.names:
                if alias.name.startswith("_") and not _is_module(source, alias.name):
                    where = f"{path.relative_to(package.parent)}:{node.lineno}"
                    problems.append(f"{where}: from {'.' * node.level}{node.module} import {alias.name}")
    return problems


def test_no_mock_module_imports_another_ones_private_names() -> None:
    problems = private_imports(TESTING)
    assert not problems, "private names imported across mock modules:\n" + "\n".join(problems)


def test_the_rule_names_a_private_import(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "_a.py").write_text("def _helper() -> None: ...\n", encoding="utf-8")
    (package / "_tok.py").write_text("", encoding="utf-8")
    (package / "_b.py").write_text(
        "from ._a import _helper\nfrom . import _tok\nfrom ._a import helper_public\n", encoding="utf-8"
    )
    assert private_imports(package) == ["pkg/_b.py:1: from ._a import _helper"]
