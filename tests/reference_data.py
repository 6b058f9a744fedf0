"""Where the tests find the recorded vLLM 0.32.0 reference data (``tests/data/reference``, see PROVENANCE.md).

The data is part of the repository, so a clone runs every test. Should a file be missing anyway (a sparse
checkout, a packaging mistake), :func:`require` skips the test with the reason, except under CI (``CI`` set),
where missing data is a failure: a suite that silently skips 15 % of itself must not pass there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parent / "data" / "reference"
TRANSCRIPTS = REFERENCE / "transcripts"


def require(path: Path) -> Path:
    """``path`` when it exists; otherwise skip the calling test (fail it when ``CI`` is set)."""
    if path.exists():
        return path
    message = f"test data {path} is missing (vendored under tests/data/reference; see PROVENANCE.md there)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def transcript(name: str) -> Path:
    """The path of ``transcripts/NAME`` (``NAME`` with its suffix), required as by :func:`require`."""
    return require(TRANSCRIPTS / name)
