"""Helpers for the command-line tests: batch files, output checks, running the CLI as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pathlib import Path


def write_batch(
    path: Path, n: int, *, model: str = "mock", max_tokens: int = 8, extra: list[str] = ()
) -> Path:  # type: ignore[assignment]
    with path.open("w") as f:
        for i in range(n):
            line = {
                "custom_id": f"req-{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {
                    "model": model,
                    "messages": [{"role": "user", "content": f"question {i}"}],
                    "max_tokens": max_tokens,
                },
            }
            f.write(json.dumps(line) + "\n")
        for raw in extra:
            f.write(raw + "\n")
    return path


def read_output(path: Path) -> list[dict[str, Any]]:
    """Every line must be a complete JSON object in run-batch's output shape."""
    data = path.read_bytes()
    assert data.endswith(b"\n"), "the output must end with a complete line"
    records = [json.loads(line) for line in data.splitlines()]
    for rec in records:
        assert set(rec) == {"id", "custom_id", "response", "error"}
        assert rec["id"].startswith("vllm-")
    return records


def assert_each_once(records: list[dict[str, Any]], n: int) -> None:
    ids = [r["custom_id"] for r in records]
    assert len(ids) == len(set(ids)), "a custom_id was written twice"
    assert set(ids) == {f"req-{i}" for i in range(n)}


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "vllm_sdk.cli", *args]


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("VLLM_BASE_URL", None)
    env.pop("VLLM_API_KEY", None)
    return env


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(*args), capture_output=True, text=True, timeout=timeout, env=cli_env(), check=False
    )


@pytest.fixture
def batch_dir(tmp_path: Path) -> Path:
    return tmp_path
