"""``make demo`` installs what the demo runs on and nothing of the developer toolchain; ``make test`` still
installs everything (issue 16 item 7). Read from ``make -n`` (the recipes make would run)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _recipes(*targets: str, tmp_path: Path) -> list[str]:
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", f"DEMO_VENV={tmp_path / 'demo-venv'}", *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.splitlines()


def _installed_extras(lines: list[str]) -> list[set[str]]:
    """The extras of every ``pip install -e '.[...]'`` line."""
    found = [re.search(r"pip install .*-e '\.\[([^\]]*)\]'", line) for line in lines]
    return [set(match.group(1).split(",")) for match in found if match]


def test_demo_installs_only_the_cli_extra_into_its_own_venv(tmp_path: Path) -> None:
    # The embedded mock server's aiohttp is a dependency of the package, not an extra.
    lines = _recipes("demo", tmp_path=tmp_path)
    assert _installed_extras(lines) == [{"cli"}]
    assert not any("build_ext" in line or "/.venv/" in line or line.startswith(".venv/") for line in lines)
    assert lines[-1].startswith(f"{tmp_path / 'demo-venv'}/bin/vllm-sdk demo")


def test_the_developer_targets_still_install_everything(tmp_path: Path) -> None:
    extras = _installed_extras(_recipes("test-unit", tmp_path=tmp_path))
    assert extras == [{"dev", "speed", "mock", "cli", "otel"}]
