"""The import rules of the house (docs/en/contributing.md): imports run downward only, and the repository
has no import cycle, counting imports under ``TYPE_CHECKING`` and inside functions.

The graph is read from the source with :mod:`ast` (nothing is imported): every ``import`` statement
anywhere in a file, relative imports resolved against the file's package; ``from pkg import name`` is an
edge to ``pkg.name`` when that is a module and to ``pkg`` otherwise. Importing a submodule does not count as
importing its parent packages (the usual convention of import checkers).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = {REPO / "src": ("vllm_sdk",), REPO: ("codegen", "benchmarks", "scripts", "tests")}

#: Layers of ``vllm_sdk``, lowest first; a module may import its own layer or lower ones. The first
#: matching prefix decides (so ``vllm_sdk`` itself, the package ``__init__``, comes last).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("vllm_sdk._version", "vllm_sdk._exceptions", "vllm_sdk._config", "vllm_sdk._logging")),
    (
        "values",
        (
            "vllm_sdk._retry",
            "vllm_sdk._events",
            "vllm_sdk._tool_call",
            "vllm_sdk._multimodal",
            "vllm_sdk.types",
            "vllm_sdk._transports",
        ),
    ),
    (
        "engine",
        ("vllm_sdk._speedups", "vllm_sdk._generated_endpoints", "vllm_sdk._options", "vllm_sdk._requester"),
    ),
    ("public-low-level", ("vllm_sdk.sse", "vllm_sdk.streaming")),
    (
        "core",
        (
            "vllm_sdk._body",
            "vllm_sdk._response",
            "vllm_sdk._pool",
            "vllm_sdk._otel",
            "vllm_sdk._base_client",
            "vllm_sdk._client_builder",
        ),
    ),
    ("streams", ("vllm_sdk._streams",)),
    ("resources", ("vllm_sdk.resources",)),
    ("batch", ("vllm_sdk.batch",)),
    ("client", ("vllm_sdk._client",)),
    ("entry", ("vllm_sdk.cli", "vllm_sdk.integrations", "vllm_sdk")),
]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: Path
    line: int

    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(roots: dict[Path, tuple[str, ...]]) -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for root, tops in roots.items():
        for top in tops:
            base = root / top
            if not base.exists():
                continue
            for path in sorted(base.rglob("*.py")):
                if "__pycache__" not in path.parts:
                    modules[module_name(path, root)] = path
    return modules


def edges_of(name: str, path: Path, modules: dict[str, Path]) -> list[Edge]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[Edge] = []
    for node in ast.walk(tree):  # every statement: module level, TYPE_CHECKING blocks, functions, classes
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _known(alias.name, modules)
                if target is not None:
                    out.append(Edge(name, target, path, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                candidate = f"{origin}.{alias.name}"
                target = candidate if candidate in modules else _known(origin, modules)
                if target is not None:
                    out.append(Edge(name, target, path, node.lineno))
    return [edge for edge in out if edge.target != edge.source or _self_import(edge, path)]


def _self_import(edge: Edge, path: Path) -> bool:
    # ``from . import x`` inside a package's __init__ resolves to the package when x is not a module.
    return path.name != "__init__.py"


def _known(dotted: str, modules: dict[str, Path]) -> str | None:
    """The module ``dotted`` names, or the closest module it lies in (``a.b.C`` -> ``a.b``)."""
    while dotted:
        if dotted in modules:
            return dotted
        dotted = dotted.rpartition(".")[0]
    return None


def graph(roots: dict[Path, tuple[str, ...]] = SOURCE_ROOTS) -> list[Edge]:
    modules = discover(roots)
    return [edge for name, path in modules.items() for edge in edges_of(name, path, modules)]


def cycles(edges: list[Edge]) -> list[list[str]]:
    """Strongly connected components with more than one module, plus self-imports (Tarjan)."""
    succ: dict[str, set[str]] = {}
    for edge in edges:
        succ.setdefault(edge.source, set()).add(edge.target)
        succ.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(succ[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in succ[node]:
                found.append(sorted(component))

    for node in sorted(succ):
        if node not in index:
            visit(node)
    return found


def describe_cycle(component: list[str], edges: list[Edge]) -> str:
    members = set(component)
    inside = [e for e in edges if e.source in members and e.target in members]
    return (
        "cycle: "
        + ", ".join(component)
        + "\n"
        + "\n".join(f"    {e.source} -> {e.target}  ({e.where()})" for e in inside)
    )


def layer_of(module: str) -> int | None:
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                return rank
    return None


SDK_EDGES = [e for e in graph() if e.source.startswith("vllm_sdk") and e.target.startswith("vllm_sdk")]


def _violations(predicate: object) -> list[str]:
    assert callable(predicate)
    return [f"{e.where()}: {e.source} imports {e.target}" for e in SDK_EDGES if predicate(e)]


# ---------------------------------------------------------------- the rules


def test_no_import_cycle_anywhere_in_the_repository() -> None:
    edges = graph()
    found = cycles(edges)
    assert not found, "\n".join(describe_cycle(c, edges) for c in found)


def test_imports_run_downward_only() -> None:
    problems = []
    for edge in SDK_EDGES:
        if edge.source.startswith("vllm_sdk.testing") or edge.target.startswith("vllm_sdk.testing"):
            continue  # the mock has its own rule below
        source, target = layer_of(edge.source), layer_of(edge.target)
        assert source is not None, f"{edge.source} has no layer in LAYERS"
        assert target is not None, f"{edge.target} has no layer in LAYERS"
        if target > source:
            problems.append(
                f"{edge.where()}: {edge.source} ({LAYERS[source][0]}) imports {edge.target} "
                f"({LAYERS[target][0]}), a higher layer"
            )
    assert not problems, "\n".join(problems)


def test_resources_never_import_the_client() -> None:
    bad = _violations(lambda e: e.source.startswith("vllm_sdk.resources") and e.target == "vllm_sdk._client")
    assert not bad, "\n".join(bad)


def test_batch_never_imports_the_client_or_the_cli() -> None:
    bad = _violations(
        lambda e: (
            e.source.startswith("vllm_sdk.batch")
            and (e.target == "vllm_sdk._client" or e.target.startswith("vllm_sdk.cli"))
        )
    )
    assert not bad, "\n".join(bad)


def test_telemetry_never_imports_the_client_core() -> None:
    bad = _violations(
        lambda e: e.source == "vllm_sdk._otel" and e.target in {"vllm_sdk._base_client", "vllm_sdk._client"}
    )
    assert not bad, "\n".join(bad)


def test_the_mock_server_imports_nothing_from_the_sdk() -> None:
    bad = _violations(
        lambda e: e.source.startswith("vllm_sdk.testing") and not e.target.startswith("vllm_sdk.testing")
    )
    assert not bad, "\n".join(bad)


def test_distributed_engines_are_imported_only_by_integrations() -> None:
    modules = discover({REPO / "src": ("vllm_sdk",)})
    bad = []
    for name, path in modules.items():
        if name.startswith("vllm_sdk.integrations"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            bad += [
                f"{name}:{node.lineno} imports {n}"
                for n in names
                if n.split(".")[0] in {"ray", "pyspark", "dask"}
            ]
    assert not bad, "\n".join(bad)


# ---------------------------------------------------------------- the walker itself


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("a_source", "kind"),
    [
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n", "TYPE_CHECKING"),
        ("def f():\n    from . import b\n    return b\n", "function-level"),
        ("import pkg.b\n", "absolute"),
    ],
)
def test_the_walker_finds_cycles_through_any_import(tmp_path: Path, a_source: str, kind: str) -> None:
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "from .a import A\n",
            "pkg/a.py": a_source,
            "pkg/b.py": "from .a import A\nB = 1\n",
        },
    )
    edges = graph({tmp_path: ("pkg",)})
    assert cycles(edges) == [["pkg.a", "pkg.b"]], kind


def test_the_walker_does_not_count_parent_packages(tmp_path: Path) -> None:
    # pkg/__init__ imports pkg.a, and pkg.a imports pkg.sub.c: not a cycle through pkg/__init__.
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "from .a import A\n",
            "pkg/a.py": "from .sub.c import C\nA = C\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/c.py": "C = 1\n",
        },
    )
    edges = graph({tmp_path: ("pkg",)})
    assert {(e.source, e.target) for e in edges} == {("pkg", "pkg.a"), ("pkg.a", "pkg.sub.c")}
    assert cycles(edges) == []
