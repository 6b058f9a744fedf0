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


GOOD = """\
from vllm_sdk import VllmClient
from vllm_sdk.types import ChatCompletionMessageParam


def ask(client: VllmClient) -> None:
    history: list[ChatCompletionMessageParam] = [{"role": "system", "content": "Be brief."}]
    history.append({"role": "user", "content": [{"type": "text", "text": "hi"}]})
    client.chat.completions.create(model="m", messages=history, tool_choice="auto")
"""


@pytest.mark.slow
def test_mypy_reports_a_mistyped_role_and_accepts_the_correct_file(tmp_path: Path) -> None:
    bad = GOOD.replace('"role": "user"', '"role": "usr"')
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.py").write_text(bad, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "good.py", "bad.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    # Errors on the line of the mistyped role only, none in the correct file.
    assert errors, result.stdout + result.stderr
    assert all(line.startswith("bad.py:7: error:") for line in errors), result.stdout
    assert any(line.endswith("[arg-type]") for line in errors), result.stdout
