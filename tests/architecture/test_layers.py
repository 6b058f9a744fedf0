"""The import rules of the house (docs/en/contributing.md): imports run downward only, and the repository
has no import cycle, counting imports under ``TYPE_CHECKING`` and inside functions and classes.

The graph is read from the source with :mod:`ast` (nothing is imported): every ``import`` statement
anywhere in a file (and the Python-level imports of the Cython ``.pyx`` files), relative imports resolved
against the file's package; ``from pkg import name`` is an edge to ``pkg.name`` when that is a module (a
file or a package) and to ``pkg`` otherwise. Importing a submodule does not count as importing its parent
packages' ``__init__`` (the convention of import-linter and similar checkers).

Run it alone with ``.venv/bin/pytest tests/architecture``.
"""

from __future__ import annotations

import ast
import itertools
import re
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

REPO = Path(__file__).resolve().parents[2]

#: Where the graph is read: source root -> top-level directories under it. ``tests`` and ``examples`` are
#: nodes of the graph (no cycle there either); the layer rules below apply to ``vllm_sdk`` only.
SOURCE_ROOTS: dict[Path, tuple[str, ...]] = {
    REPO / "src": ("vllm_sdk",),
    REPO: ("codegen", "benchmarks", "scripts", "tests", "examples"),
}

#: The layers of ``vllm_sdk``, lowest first: a module may import modules of its own layer or lower ones.
#: A prefix covers a module and everything under it; ``vllm_sdk`` itself (the package ``__init__``) is
#: matched exactly. Names that do not exist (yet) are harmless; a module that exists and is not listed
#: fails the layer test (place it in the table when you add it). ``vllm_sdk.testing`` has no layer: it
#: imports nothing from the SDK (its own rule below).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    # ---- the ground floor
    # Import nothing from the SDK.
    (
        "primitives",
        (
            "vllm_sdk._version",
            "vllm_sdk._exceptions",
            "vllm_sdk._env",
            "vllm_sdk._config",
            "vllm_sdk._logging",
        ),
    ),
    # Plain values and policies over the primitives: events, tool calls, request options, the one
    # retry/back-off policy, the models.
    (
        "values",
        (
            "vllm_sdk._tool_call",
            "vllm_sdk._structured",
            "vllm_sdk._events",
            "vllm_sdk._multimodal",
            "vllm_sdk._multipart",
            "vllm_sdk._file_source",
            "vllm_sdk._retry",
            "vllm_sdk._options",
            "vllm_sdk._balancer",
            "vllm_sdk.types",
        ),
    ),
    # Engines over the values: the parser engine, the httpx transports, the generated route table.
    ("engines", ("vllm_sdk._speedups", "vllm_sdk._transports", "vllm_sdk._generated_endpoints")),
    # The public low-level SSE decoder and replay helpers over the parser engine.
    ("public-low-level", ("vllm_sdk.sse", "vllm_sdk.streaming")),
    # ---- the core (no I/O except what _client drives)
    (
        "core-parts",
        (
            "vllm_sdk._body",
            "vllm_sdk._body_read",
            "vllm_sdk._decompress",
            "vllm_sdk._response",
            "vllm_sdk._pool",
            "vllm_sdk._requester",
            "vllm_sdk._raw_response",
            "vllm_sdk._raw_replay",
            "vllm_sdk._otel",
            "vllm_sdk._client_config",
        ),
    ),
    ("base-client", ("vllm_sdk._base_client", "vllm_sdk._client_builder")),
    # ---- above the core
    ("streams", ("vllm_sdk._streams",)),
    ("resources", ("vllm_sdk.resources",)),
    # Realtime sessions over WebSocket (aiohttp's client): built by the client, above the resources.
    ("realtime", ("vllm_sdk.realtime",)),
    ("batch", ("vllm_sdk.batch",)),
    ("client", ("vllm_sdk._client", "vllm_sdk._client_raw")),
    ("entry-points", ("vllm_sdk.cli", "vllm_sdk.integrations", "=vllm_sdk")),
]
GROUND_FLOOR = {"primitives", "values", "engines", "public-low-level"}


def _configured_classes() -> dict[str, str]:
    """Hand-written modules that ``[tool.vllm_sdk.codegen]`` names as classes for generated code to use
    (``builder_base``, ``response_classes``, each route's ``stream_classes`` / ``builder_classes``)."""
    with (REPO / "pyproject.toml").open("rb") as fh:
        table = tomllib.load(fh)["tool"]["vllm_sdk"]["codegen"]
    refs = [table.get("builder_base", ""), *table.get("response_classes", {}).values()]
    for settings in table.get("routes", {}).values():
        refs += settings.get("stream_classes", []) + settings.get("builder_classes", [])
    for pair in table.get("resource_bases", {}).values():
        refs += pair
    return {ref.partition(":")[0]: "named in [tool.vllm_sdk.codegen]" for ref in refs if ref}


#: Hand-written modules a generated module may import beyond ``types/`` and the ground floor: the
#: requester protocol the generated methods call, and the classes the codegen configuration names
#: (hand-written subclasses, stream classes, the builders' root), nothing else.
GENERATED_MAY_ALSO_IMPORT: dict[str, str] = {
    "vllm_sdk._requester": "the requester protocol every resource method calls",
    "vllm_sdk.resources._raw": "the raw-response mixins of every resource class (codegen RAW_MIXINS)",
    **_configured_classes(),
}

DISTRIBUTED_ENGINES = {"ray", "pyspark", "dask"}


# ---------------------------------------------------------------- the walker


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: Path
    line: int
    root: Path = REPO

    def where(self) -> str:
        """``path:line`` from the repository root (from the walked root for a tree outside it)."""
        base = REPO if self.path.is_relative_to(REPO) else self.root
        return f"{_relative(self.path, base)}:{self.line}"


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    root: Path
    #: The dotted directory a file's bare absolute imports are also looked up in when the file lives in a
    #: directory without ``__init__.py`` (pytest's rootdir-relative imports, ``examples/``); "" otherwise.
    script_root: str


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _dotted(parts: Iterable[str]) -> str:
    return ".".join(parts)


def discover(roots: dict[Path, tuple[str, ...]]) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for root, tops in roots.items():
        for top in tops:
            base = root / top
            if not base.is_dir():
                continue
            for path in sorted([*base.rglob("*.py"), *base.rglob("*.pyx")]):
                if "__pycache__" in path.parts:
                    continue
                parts = list(path.relative_to(root).with_suffix("").parts)
                if parts[-1] == "__init__":
                    parts.pop()
                folder = path.parent
                while folder != root and (folder / "__init__.py").exists():
                    folder = folder.parent
                script_root = _dotted(folder.relative_to(root).parts)
                modules[_dotted(parts)] = Module(_dotted(parts), path, root, script_root)
    return modules


_PYX_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+[.\w]+[ \t]+import\b|import[ \t]+\w)")


def _parse(path: Path) -> ast.Module:
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".pyx":
        return ast.parse(text, str(path))
    # Cython is not Python: keep only the Python-level import statements (``cimport`` lines do not match),
    # each at its own line number, and parse those.
    lines = text.splitlines()
    kept = [""] * len(lines)
    i = 0
    while i < len(lines):
        if _PYX_IMPORT.match(lines[i]):
            depth = 0
            while True:
                kept[i] = lines[i].strip()
                depth += lines[i].count("(") - lines[i].count(")")
                if (depth <= 0 and not lines[i].rstrip().endswith("\\")) or i + 1 == len(lines):
                    break
                i += 1
        i += 1
    return ast.parse("\n".join(kept), str(path))


def _known(dotted: str, modules: dict[str, Module], floor: str = "") -> str | None:
    """The module ``dotted`` names, or the closest module it lies in (``a.b.C`` -> ``a.b``), not above
    ``floor``."""
    while dotted and dotted != floor:
        if dotted in modules:
            return dotted
        dotted = dotted.rpartition(".")[0]
    return None


def _absolute(dotted: str, module: Module, modules: dict[str, Module]) -> str | None:
    found = _known(dotted, modules)
    if found is None and module.script_root:
        found = _known(f"{module.script_root}.{dotted}", modules, floor=module.script_root)
    return found


def edges_of(module: Module, modules: dict[str, Module]) -> list[Edge]:
    name, path = module.name, module.path
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[Edge] = []
    seen: set[Edge] = set()

    def add(target: str | None, line: int) -> None:
        if target is not None:
            edge = Edge(name, target, path, line, module.root)
            if edge not in seen:  # ``from m import a, b`` is one import of m
                seen.add(edge)
                out.append(edge)

    for node in ast.walk(_parse(path)):  # every statement: module level, TYPE_CHECKING, functions, classes
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(_absolute(alias.name, module, modules), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                if node.level - 1 >= len(parts):
                    continue  # beyond the top-level package: not importable
                parts = parts[: len(parts) - (node.level - 1)]
                origin = _dotted([*parts, *([node.module] if node.module else [])])
                origins = [origin]
                base = _known(origin, modules)
            else:
                origin = node.module or ""
                origins = [origin, *([f"{module.script_root}.{origin}"] if module.script_root else [])]
                base = _absolute(origin, module, modules)
            for alias in node.names:
                submodule = next(
                    (f"{o}.{alias.name}" for o in origins if f"{o}.{alias.name}" in modules), None
                )
                if submodule is not None:
                    add(submodule, node.lineno)
                elif not (node.level and node.module is None and base == name):
                    # (``from . import name`` in a package __init__ reads its own namespace: no edge)
                    add(base, node.lineno)
    return out


def graph(roots: dict[Path, tuple[str, ...]] = SOURCE_ROOTS) -> list[Edge]:
    modules = discover(roots)
    return [edge for module in modules.values() for edge in edges_of(module, modules)]


def _successors(edges: Iterable[Edge]) -> dict[str, dict[str, list[Edge]]]:
    succ: dict[str, dict[str, list[Edge]]] = {}
    for edge in edges:
        succ.setdefault(edge.source, {}).setdefault(edge.target, []).append(edge)
        succ.setdefault(edge.target, {})
    return succ


def cycles(edges: list[Edge]) -> list[list[str]]:
    """Strongly connected components with more than one module, plus self-imports (Tarjan, iterative)."""
    succ = _successors(edges)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(succ):
        if start in index:
            continue
        work = [(start, iter(sorted(succ[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(succ[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return sorted(found)


def _path(
    succ: dict[str, dict[str, list[Edge]]], start: str, goal: str, inside: set[str]
) -> list[str] | None:
    """The shortest chain of modules from ``start`` to ``goal`` (breadth first, within ``inside``)."""
    previous: dict[str, str] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        if node == goal:
            chain = [node]
            while chain[-1] != start:
                chain.append(previous[chain[-1]])
            return chain[::-1]
        for nxt in sorted(succ.get(node, {})):
            if nxt in inside and nxt not in seen:
                seen.add(nxt)
                previous[nxt] = node
                queue.append(nxt)
    return None


def _chain(succ: dict[str, dict[str, list[Edge]]], chain: list[str]) -> str:
    width = max(len(m) for m in chain) + 3
    lines = [f"    {chain[0]}"]
    for a, b in itertools.pairwise(chain):
        where = ", ".join(e.where() for e in succ[a][b])
        lines.append(f"      -> {b:<{width}} ({where})")
    return "\n".join(lines)


def describe_cycles(found: list[list[str]], edges: list[Edge], limit: int = 12) -> str:
    """Each component as chains of modules, with the file and line of every import that closes them: one
    chain through every import inside the component."""
    succ = _successors(edges)
    out = [f"{len(found)} import cycle(s); break each at one of the imports below:"]
    for component in found:
        members = set(component)
        out.append(f"cycle through {len(component)} module(s): {', '.join(component)}")
        chains: dict[tuple[str, ...], list[str]] = {}
        for a in component:
            for b in sorted(succ[a]):
                if b not in members:
                    continue
                back = [a] if a == b else _path(succ, b, a, members)
                assert back is not None  # same component
                chain = [a, *back] if a != b else [a, a]
                ring = chain[:-1]
                turn = ring.index(min(ring))
                key = tuple(ring[turn:] + ring[:turn])
                chains.setdefault(key, [*key, key[0]])
        for chain in list(chains.values())[:limit]:
            out.append(_chain(succ, chain))
        if len(chains) > limit:
            out.append(f"    ... and {len(chains) - limit} more chain(s)")
    return "\n".join(out)


# ---------------------------------------------------------------- the rules as functions of the graph


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str, layers: Sequence[tuple[str, tuple[str, ...]]] = LAYERS) -> int | None:
    for rank, (_, prefixes) in enumerate(layers):
        for prefix in prefixes:
            exact = prefix.startswith("=")
            if (module == prefix[1:]) if exact else _within(module, prefix):
                return rank
    return None


def upward_imports(
    edges: Iterable[Edge], layers: Sequence[tuple[str, tuple[str, ...]]] = LAYERS
) -> list[str]:
    problems: list[str] = []
    for edge in edges:
        if not (_within(edge.source, "vllm_sdk") and _within(edge.target, "vllm_sdk")):
            continue
        if _within(edge.source, "vllm_sdk.testing") or _within(edge.target, "vllm_sdk.testing"):
            continue  # the mock server has its own rule
        source, target = layer_of(edge.source, layers), layer_of(edge.target, layers)
        for module, rank in ((edge.source, source), (edge.target, target)):
            if rank is None:
                problems.append(f"{edge.where()}: {module} has no layer in LAYERS (tests/architecture)")
        if source is not None and target is not None and target > source:
            problems.append(
                f"{edge.where()}: {edge.source} (layer {layers[source][0]}) imports {edge.target} "
                f"(layer {layers[target][0]}, higher): imports run downward only"
            )
    return sorted(set(problems))


def reaching(
    edges: list[Edge], sources: Callable[[str], bool], forbidden: Callable[[str], bool]
) -> list[str]:
    """Every module matching ``sources`` that imports, directly or through other modules, one matching
    ``forbidden``; each with the chain of imports that gets there."""
    succ = _successors(edges)
    everything = set(succ)
    problems = []
    for start in sorted(m for m in succ if sources(m)):
        for goal in sorted(m for m in everything if forbidden(m)):
            chain = _path(succ, start, goal, everything)
            if chain is not None:
                problems.append(f"{start} imports {goal}:\n{_chain(succ, chain)}")
    return problems


def is_generated(path: Path) -> bool:
    with path.open(encoding="utf-8") as handle:
        return handle.readline().startswith("# DO NOT EDIT")


# ---------------------------------------------------------------- the repository


@pytest.fixture(scope="module")
def edges() -> list[Edge]:
    return graph()


@pytest.fixture(scope="module")
def sdk_edges(edges: list[Edge]) -> list[Edge]:
    return [e for e in edges if _within(e.source, "vllm_sdk") and _within(e.target, "vllm_sdk")]


@pytest.fixture(scope="module")
def sdk_modules() -> dict[str, Module]:
    return discover({REPO / "src": ("vllm_sdk",)})


def _fail_if(problems: list[str], rule: str) -> None:
    assert not problems, f"{rule} ({len(problems)} violation(s)):\n" + "\n".join(problems)


def test_the_walker_sees_the_repository(edges: list[Edge], sdk_modules: dict[str, Module]) -> None:
    # A guard against a walker that silently reads nothing (moved roots, a parse that drops imports).
    assert len(sdk_modules) > 40
    pairs = {(e.source, e.target) for e in edges}
    assert ("vllm_sdk._client", "vllm_sdk._base_client") in pairs
    assert ("vllm_sdk._speedups", "vllm_sdk._speedups._sse_c") in pairs  # a function-level import, a .pyx
    assert ("vllm_sdk._speedups._sse_c", "vllm_sdk._events") in pairs  # the .pyx's own imports


def test_no_import_cycle_anywhere_in_the_repository(edges: list[Edge]) -> None:
    found = cycles(edges)
    assert not found, describe_cycles(found, edges)


def test_imports_run_downward_only(sdk_edges: list[Edge]) -> None:
    _fail_if(upward_imports(sdk_edges), "an SDK module imports a higher layer")


def test_resources_never_import_the_client(sdk_edges: list[Edge]) -> None:
    problems = reaching(
        sdk_edges, lambda m: _within(m, "vllm_sdk.resources"), lambda m: m == "vllm_sdk._client"
    )
    _fail_if(problems, "resources/ depends on the requester protocol, never on vllm_sdk._client")


def test_batch_never_imports_the_client_or_the_cli(sdk_edges: list[Edge]) -> None:
    problems = reaching(
        sdk_edges,
        lambda m: _within(m, "vllm_sdk.batch"),
        lambda m: m == "vllm_sdk._client" or _within(m, "vllm_sdk.cli"),
    )
    _fail_if(problems, "batch/ never imports vllm_sdk._client or vllm_sdk.cli")


def test_telemetry_never_imports_the_client_core(sdk_edges: list[Edge]) -> None:
    problems = reaching(
        sdk_edges,
        lambda m: m == "vllm_sdk._otel",
        lambda m: m in {"vllm_sdk._base_client", "vllm_sdk._client"},
    )
    _fail_if(problems, "vllm_sdk._otel never imports vllm_sdk._base_client or vllm_sdk._client")


def private_package_imports(edges: Iterable[Edge], package: str) -> list[str]:
    """Every import of a module inside ``package`` (below its ``__init__``) by a module outside it."""
    return sorted(
        f"{e.where()}: {e.source} imports {e.target}"
        for e in edges
        if _within(e.target, package) and e.target != package and not _within(e.source, package)
    )


def test_the_transports_are_entered_through_the_package(sdk_edges: list[Edge]) -> None:
    _fail_if(
        private_package_imports(sdk_edges, "vllm_sdk._transports"),
        "SDK code outside _transports/ imports the names vllm_sdk._transports exports, not its modules",
    )


def test_the_mock_server_imports_nothing_from_the_sdk(sdk_edges: list[Edge]) -> None:
    problems = [
        f"{e.where()}: {e.source} imports {e.target}"
        for e in sdk_edges
        if _within(e.source, "vllm_sdk.testing") and not _within(e.target, "vllm_sdk.testing")
    ]
    _fail_if(problems, "vllm_sdk.testing (an independent oracle) imports nothing from vllm_sdk outside it")


def _engine_imports(tree: ast.Module) -> Iterable[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            yield node.lineno, node.module or ""
        elif (  # importlib.import_module("ray") / __import__("ray") with a constant name
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id in {"import_module", "__import__"})
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def test_distributed_engines_are_imported_only_by_integrations(sdk_modules: dict[str, Module]) -> None:
    problems = [
        f"{_relative(module.path, REPO)}:{line}: {module.name} imports {imported}"
        for module in sdk_modules.values()
        if not _within(module.name, "vllm_sdk.integrations")
        for line, imported in _engine_imports(_parse(module.path))
        if imported.split(".")[0] in DISTRIBUTED_ENGINES
    ]
    _fail_if(problems, f"only vllm_sdk.integrations imports {', '.join(sorted(DISTRIBUTED_ENGINES))}")


def test_generated_modules_import_only_the_ground_floor(
    sdk_edges: list[Edge], sdk_modules: dict[str, Module]
) -> None:
    generated = {name for name, module in sdk_modules.items() if is_generated(module.path)}
    assert "vllm_sdk.types._generated" in generated  # the header check itself works
    problems = []
    for edge in sdk_edges:
        if edge.source not in generated or edge.target in generated:
            continue
        rank = layer_of(edge.target)
        layer = LAYERS[rank][0] if rank is not None else "no layer"
        if layer in GROUND_FLOOR or any(_within(edge.target, m) for m in GENERATED_MAY_ALSO_IMPORT):
            continue
        problems.append(
            f"{edge.where()}: generated {edge.source} imports hand-written {edge.target} (layer {layer}); "
            "hand-written code imports generated code, not the other way round"
        )
    _fail_if(problems, "a generated module imports hand-written code above the ground floor")


# ---------------------------------------------------------------- the walker itself


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("a_source", "line"),
    [
        pytest.param(
            "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .b import B\n",
            4,
            id="TYPE_CHECKING",
        ),
        pytest.param("def f():\n    from . import b\n    return b\n", 2, id="function-level"),
        pytest.param("class C:\n    import pkg.b as b\n", 2, id="class-body"),
        pytest.param("import os\nimport pkg.b\n", 2, id="absolute"),
    ],
)
def test_the_walker_finds_cycles_through_any_import(tmp_path: Path, a_source: str, line: int) -> None:
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "from .a import A\n",
            "pkg/a.py": a_source,
            "pkg/b.py": "import json\n\nfrom .a import A\nB = 1\n",
        },
    )
    edges = graph({tmp_path: ("pkg",)})
    found = cycles(edges)
    assert found == [["pkg.a", "pkg.b"]]
    message = describe_cycles(found, edges)
    assert "-> pkg.b" in message
    assert f"(pkg/a.py:{line})" in message
    assert "(pkg/b.py:3)" in message


def test_the_walker_does_not_count_parent_packages(tmp_path: Path) -> None:
    # pkg/__init__ imports pkg.a, and pkg.a imports pkg.sub.c: not a cycle through pkg/__init__.
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "from .a import A\n",
            "pkg/a.py": "from .sub.c import C\nimport pkg.sub.c\nA = C\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/c.py": "C = 1\n",
        },
    )
    edges = graph({tmp_path: ("pkg",)})
    assert {(e.source, e.target) for e in edges} == {("pkg", "pkg.a"), ("pkg.a", "pkg.sub.c")}
    assert cycles(edges) == []


def test_the_walker_resolves_names_modules_and_self_imports(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "from . import mod\nfrom . import VALUE\nVALUE = 1\n",
            "pkg/mod.py": "from pkg import VALUE\nfrom pkg import sub\nfrom .. import elsewhere\n",
            "pkg/sub/__init__.py": "from ..mod import X\nfrom pkg.sub.deep import D\n",
            "pkg/sub/deep.py": "import pkg.sub.deep\n",  # a self-import
            "pkg/fast.pyx": "from cpython cimport bool\ncimport cython\n\nfrom .mod import (\n    X,\n)\n",
            "tools/run.py": "from helper import H\n",  # a directory without __init__.py
            "tools/helper.py": "H = 1\n",
        },
    )
    edges = graph({tmp_path: ("pkg", "tools")})
    assert {(e.source, e.target, e.line) for e in edges} == {
        ("pkg", "pkg.mod", 1),
        ("pkg.mod", "pkg", 1),
        ("pkg.mod", "pkg.sub", 2),
        ("pkg.sub", "pkg.mod", 1),
        ("pkg.sub", "pkg.sub.deep", 2),
        ("pkg.sub.deep", "pkg.sub.deep", 1),
        ("pkg.fast", "pkg.mod", 4),
        ("tools.run", "tools.helper", 1),
    }
    assert cycles(edges) == [["pkg", "pkg.mod", "pkg.sub"], ["pkg.sub.deep"]]


def test_the_layer_rule_names_file_line_and_both_layers(tmp_path: Path) -> None:
    layers = [("low", ("vllm_sdk._low",)), ("high", ("vllm_sdk._high",)), ("top", ("=vllm_sdk",))]
    _write(
        tmp_path,
        {
            "vllm_sdk/__init__.py": "from ._high import H\n",
            "vllm_sdk/_high.py": "from ._low import L\nH = L\n",
            "vllm_sdk/_low.py": "L = 1\n\ndef f():\n    from ._high import H\n",
            "vllm_sdk/_stray.py": "from . import _low\n",
        },
    )
    problems = upward_imports(graph({tmp_path: ("vllm_sdk",)}), layers)
    assert problems == [
        "vllm_sdk/_low.py:4: vllm_sdk._low (layer low) imports vllm_sdk._high (layer high, higher): "
        "imports run downward only",
        "vllm_sdk/_stray.py:1: vllm_sdk._stray has no layer in LAYERS (tests/architecture)",
    ]
    assert layer_of("vllm_sdk", layers) == 2
    assert layer_of("vllm_sdk._nothing", layers) is None


def test_reaching_reports_the_chain(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/low.py": "from . import mid\n",
            "app/mid.py": "\nfrom .top import T\n",
            "app/top.py": "T = 1\n",
        },
    )
    problems = reaching(graph({tmp_path: ("app",)}), lambda m: m == "app.low", lambda m: m == "app.top")
    assert len(problems) == 1
    assert problems[0].startswith("app.low imports app.top:")
    assert "(app/low.py:1)" in problems[0]
    assert "(app/mid.py:2)" in problems[0]


def test_the_package_entry_rule_names_private_imports_from_outside(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "vllm_sdk/__init__.py": "",
            "vllm_sdk/_pkg/__init__.py": "from ._inner import X\n",
            "vllm_sdk/_pkg/_inner.py": "from ._other import Y\nX = Y\n",
            "vllm_sdk/_pkg/_other.py": "Y = 1\n",
            "vllm_sdk/_good.py": "from ._pkg import X\n",
            "vllm_sdk/_bad.py": "import os\n\ndef f():\n    from ._pkg._inner import X\n",
        },
    )
    problems = private_package_imports(graph({tmp_path: ("vllm_sdk",)}), "vllm_sdk._pkg")
    assert problems == ["vllm_sdk/_bad.py:4: vllm_sdk._bad imports vllm_sdk._pkg._inner"]
