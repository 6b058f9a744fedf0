"""``python -m codegen check``: fail (exit 1, unified diff) when a committed generated file is stale.

Regenerates both generated modules in memory from the committed schema and compares them byte for byte.
The vendor sources named in ``schema/SOURCE.md`` live in the repository (``tests/data/reference``): the
schema and ``SOURCE.md`` are re-vendored from them into a temporary directory and compared too. A recorded
source outside the repository is an error; a source that is a URL (or absent) skips that part with a note.
"""

from __future__ import annotations

import difflib
import shlex
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .generate import render_all

if TYPE_CHECKING:
    from .config import CodegenConfig


def _diff(rel: Path, committed: str | None, fresh: str) -> str:
    old = [] if committed is None else committed.splitlines(keepends=True)
    return "".join(
        difflib.unified_diff(
            old, fresh.splitlines(keepends=True), f"a/{rel.as_posix()}", f"b/{rel.as_posix()}", n=2
        )
    )


def recorded_vendor_command(source_md: Path) -> list[str] | None:
    """The ``python -m codegen vendor ...`` argument list recorded in ``SOURCE.md`` (without the prefix)."""
    if not source_md.exists():
        return None
    for line in source_md.read_text(encoding="utf-8").splitlines():
        if line.startswith("python -m codegen vendor "):
            return shlex.split(line)[4:]
    return None


_SOURCE_FLAGS = frozenset({"--from", "--responses", "--pooling"})


def _recorded_paths(args: list[str]) -> list[str]:
    """The local file arguments of a recorded vendor command (``--pooling`` may take several)."""
    paths: list[str] = []
    current: str | None = None
    for arg in args:
        if arg.startswith("--"):
            current = arg
        elif current in _SOURCE_FLAGS and not arg.startswith(("http://", "https://")):
            paths.append(arg)
    return paths


def _vendor_inputs_present(args: list[str], root: Path) -> bool:
    return all((root / p).exists() for p in _recorded_paths(args))


def sources_outside_repo(args: list[str], root: Path) -> list[str]:
    """Recorded local sources that are absolute or lie outside ``root``.

    The schema's provenance must be checkable on any clone, so its sources live in the repository
    (``tests/data/reference``); a path beside the checkout works on one machine only.
    """
    base = root.resolve()
    outside: list[str] = []
    for path in _recorded_paths(args):
        resolved = (root / path).resolve()
        if Path(path).is_absolute() or not resolved.is_relative_to(base):
            outside.append(path)
    return outside


def stale_vendor(config: CodegenConfig, out: TextIO) -> list[str]:
    """Diffs of ``openapi.yaml`` / ``SOURCE.md`` against a fresh vendor run (empty when up to date)."""
    from .vendor import vendor, vendor_command

    schema_dir = config.schema.parent
    args = recorded_vendor_command(schema_dir / "SOURCE.md")
    outside = [] if args is None else sources_outside_repo(args, config.root)
    if outside:
        return [
            f"schema/SOURCE.md: vendor sources outside the repository: {', '.join(outside)}; vendor from "
            "copies inside it (tests/data/reference/) so every clone can re-check the schema\n"
        ]
    if args is None or not _vendor_inputs_present(args, config.root):
        print("codegen check: vendor sources not available here; schema provenance not re-checked", file=out)
        return []
    absolute = [
        str(config.root / a) if i > 0 and args[i - 1] in {"--from", "--responses", "--pooling"} else a
        for i, a in enumerate(args)
    ]
    options = _vendor_options(absolute)
    command = vendor_command(
        options["--from"][0],
        _one(options, "--responses"),
        options["--pooling"],
        _one(options, "--vllm-version"),
        config.root,
    )
    diffs: list[str] = []
    with tempfile.TemporaryDirectory(prefix="vllm-sdk-vendor-") as tmp:
        vendor(
            options["--from"][0],
            _one(options, "--responses"),
            options["--pooling"],
            Path(tmp),
            command,
            _one(options, "--vllm-version"),
            config.root,
        )
        for name in ("openapi.yaml", "SOURCE.md"):
            fresh = (Path(tmp) / name).read_text(encoding="utf-8")
            committed_path = schema_dir / name
            committed = committed_path.read_text(encoding="utf-8") if committed_path.exists() else None
            if committed != fresh:
                diffs.append(_diff(committed_path.relative_to(config.root), committed, fresh))
    return diffs


def _vendor_options(args: list[str]) -> dict[str, list[str]]:
    """The recorded vendor arguments by flag (``--pooling`` may repeat and take several values)."""
    options: dict[str, list[str]] = {"--from": [], "--responses": [], "--pooling": [], "--vllm-version": []}
    current: str | None = None
    for arg in args:
        if arg in options:
            current = arg
        elif current is not None:
            options[current].append(arg)
    return options


def _one(options: dict[str, list[str]], flag: str) -> str | None:
    values = options[flag]
    return values[0] if values else None


def stale_generated(config: CodegenConfig) -> list[str]:
    """Diffs of the generated modules against a fresh generation from the committed schema."""
    diffs: list[str] = []
    for rel, fresh in render_all(config).items():
        path = config.root / rel
        committed = path.read_text(encoding="utf-8") if path.exists() else None
        if committed != fresh:
            diffs.append(_diff(rel, committed, fresh))
    return diffs


def check(config: CodegenConfig, out: TextIO | None = None) -> int:
    """Print any diffs and return 1 when something is stale, else 0."""
    out = out or sys.stdout
    diffs = stale_vendor(config, out) + stale_generated(config)
    if diffs:
        for diff in diffs:
            out.write(diff)
        print(
            "\ncodegen check: generated files are stale; run `python -m codegen generate` "
            "(or re-run the vendor command in schema/SOURCE.md) and commit the result.",
            file=out,
        )
        return 1
    print("codegen check: generated files are up to date", file=out)
    return 0
