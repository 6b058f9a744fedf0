"""``vllm-sdk batch`` runs on uvloop when it is installed, on asyncio's loop when it is not or opted out."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import cli
from vllm_sdk._transports import UVLOOP_ENV
from vllm_sdk.cli import _batch
from vllm_sdk.testing import MockVllmServer

from .conftest import assert_each_once, read_output, write_batch

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(scope="module")
def mock_server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


def _batch_loop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server: MockVllmServer) -> str:
    """Run ``vllm-sdk batch`` in-process; the module of the event loop its run_batch_file ran on."""
    seen: list[str] = []
    original = _batch.run_batch_file

    async def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append(type(asyncio.get_running_loop()).__module__)
        return await original(*args, **kwargs)

    monkeypatch.setattr(_batch, "run_batch_file", recording)
    inp = write_batch(tmp_path / "in.jsonl", 6)
    out = tmp_path / "out.jsonl"
    assert cli.main(["batch", str(inp), "-o", str(out), "--base-url", server.base_url]) == 0
    assert_each_once(read_output(out), 6)
    assert len(seen) == 1
    return seen[0]


def test_batch_runs_on_uvloop_when_installed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mock_server: MockVllmServer
) -> None:
    pytest.importorskip("uvloop")
    monkeypatch.delenv(UVLOOP_ENV, raising=False)
    assert _batch_loop(monkeypatch, tmp_path, mock_server).startswith("uvloop")


def test_batch_runs_on_asyncio_when_uvloop_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mock_server: MockVllmServer
) -> None:
    monkeypatch.delenv(UVLOOP_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` fails
    assert _batch_loop(monkeypatch, tmp_path, mock_server).startswith("asyncio")


def test_vllm_sdk_uvloop_0_opts_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mock_server: MockVllmServer
) -> None:
    monkeypatch.setenv(UVLOOP_ENV, "0")
    assert _batch_loop(monkeypatch, tmp_path, mock_server).startswith("asyncio")


def test_a_bad_vllm_sdk_uvloop_value_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    mock_server: MockVllmServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(UVLOOP_ENV, "fast")
    before = len(mock_server.requests)
    inp = write_batch(tmp_path / "in.jsonl", 2)
    out = tmp_path / "out.jsonl"
    assert (
        cli.main(["batch", str(inp), "-o", str(out), "--base-url", mock_server.base_url])
        == _batch.EXIT_UNABLE
    )
    err = capsys.readouterr().err
    assert "error: VLLM_SDK_UVLOOP must be one of '0', 'false', 'no', 'off', '1', 'true', 'yes', 'on'" in err
    assert "'fast'" in err
    assert len(mock_server.requests) == before  # refused before any request
