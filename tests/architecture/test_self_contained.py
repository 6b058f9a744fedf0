"""The repository is self-contained: no path outside it, and the vendored test data is complete and intact."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from reference_data import REFERENCE, TRANSCRIPTS

REPO = Path(__file__).resolve().parents[2]
# What the package, its tests and tools are made of (the docs may name paths of a user's machine).
SCANNED = ("src", "tests", "scripts", "codegen", "benchmarks", "examples", "schema", ".ci", ".github")
SCANNED_FILES = ("Makefile", "pyproject.toml", "setup.py")
SUFFIXES = {".py", ".pyx", ".pxd", ".md", ".toml", ".yaml", ".yml", ".cfg", ".sh", ".txt", ".json", ""}
SKIPPED = {"__pycache__", "data", "build"}
# A sibling checkout's directory, the team machine's root, or a user's home: each works on one machine only.
OUTSIDE = re.compile(r"\.\./shared\b|/work/|/root/|/home/\w")


def _scanned_files() -> list[Path]:
    files = [REPO / name for name in SCANNED_FILES]
    for top in SCANNED:
        for path in (REPO / top).rglob("*"):
            parts = set(path.relative_to(REPO).parts)
            if path.is_file() and path.suffix in SUFFIXES and not parts & SKIPPED and path != Path(__file__):
                files.append(path)
    return files


def test_no_path_outside_the_repository() -> None:
    files = _scanned_files()
    assert len(files) > 100  # the walk did reach the tree
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert found == []


def test_the_pattern_catches_what_it_must() -> None:
    # The scan above must be able to fail: each of the fallbacks the suite once had is caught.
    planted = ['Path("/w' + 'ork/x")', '"../sh' + 'ared/reference"', "/ro" + "ot/x", "/ho" + "me/u"]
    for line in planted:
        assert OUTSIDE.search(line), line
    assert not OUTSIDE.search("a shared pool; ../shared_state")


def _recorded_checksums() -> dict[str, str]:
    text = (REFERENCE / "PROVENANCE.md").read_text(encoding="utf-8")
    return {m.group(2): m.group(1) for m in re.finditer(r"^([0-9a-f]{64})  (\S+)", text, re.MULTILINE)}


def test_vendored_reference_data_matches_its_provenance() -> None:
    checksums = _recorded_checksums()
    assert len(checksums) >= 5
    for name, digest in checksums.items():
        assert hashlib.sha256((REFERENCE / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("model", ["tiny-model", "tiny-embed"])
def test_the_tiny_models_are_vendored_whole(model: str) -> None:
    names = {p.name for p in (REFERENCE / model).iterdir()}
    assert names >= {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}


def test_every_recorded_exchange_is_vendored() -> None:
    responses = sorted(p.stem for p in TRANSCRIPTS.glob("*.http"))
    assert len(responses) >= 160
    assert "A11_chat_stream" in responses
