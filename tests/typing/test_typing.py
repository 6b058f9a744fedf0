"""Runs ``mypy --strict`` over the static typing checks in this folder (``check_*.py``).

Those files are never executed: each ``assert_type`` states what an IDE infers for a call (builder chains,
the keyword overloads choosing response or stream, events), and each ``# type: ignore[...]`` a misuse
that must stay an error (``--strict`` reports an ignore that is no longer needed).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(HERE.glob("check_*.py")), ids=lambda p: p.name)
def test_mypy_strict_accepts_the_typing_checks(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--hide-error-context", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
