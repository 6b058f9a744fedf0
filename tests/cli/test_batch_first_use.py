"""What a new user meets first: a base URL without a scheme, an output in a directory that does not exist
or cannot take a lock file, and the summary of a run stopped with Ctrl-C (issue 13's re-audit)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest

from vllm_sdk import cli
from vllm_sdk.cli._batch import BatchFileError, BatchFileOptions, run_batch_file

from .conftest import write_batch
from .hostile import HostileServer, write_behaviours

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://gpu-1/v1", "http://"])
def test_a_base_url_without_http_is_a_usage_error_not_a_traceback(
    batch_dir: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 1)
    out = batch_dir / "out.jsonl"
    assert cli.main(["batch", str(inp), "-o", str(out), "--base-url", url]) == 1
    err = capsys.readouterr().err
    assert "argument --base-url: must be an http(s) URL such as 'http://localhost:8000/v1'" in err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "where", [["chat", "--base-url", "localhost:8000", "hi"], ["--base-url", "x", "models"]]
)
def test_the_other_commands_check_the_base_url_too(
    capsys: pytest.CaptureFixture[str], where: list[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(where)
    assert caught.value.code == 2
    assert "argument --base-url: must be an http(s) URL" in capsys.readouterr().err


def test_an_output_in_a_missing_directory_names_the_directory(
    batch_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 1)
    out = batch_dir / "no-such-dir" / "out.jsonl"
    assert cli.main(["batch", str(inp), "-o", str(out), "--base-url", "http://127.0.0.1:1/v1"]) == 1
    err = capsys.readouterr().err
    assert f"error: cannot write the output {out}: there is no directory {out.parent}" in err
    assert ".lock" not in err


def test_a_lock_file_that_cannot_be_created_is_a_batch_file_error(
    batch_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A read-only directory does not stop root (the tests may run as root): make the lock's open fail.
    import vllm_sdk.batch._lock as lock_module

    def refuse(path: str, flags: int, mode: int = 0o777) -> int:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(lock_module.os, "open", refuse)
    inp = write_batch(batch_dir / "in.jsonl", 1)
    options = BatchFileOptions(str(inp), str(batch_dir / "out.jsonl"), ["http://127.0.0.1:1/v1"])
    with pytest.raises(
        BatchFileError, match=r"cannot create its lock file .*out\.jsonl\.lock \(Permission denied\)"
    ):
        asyncio.run(run_batch_file(options, err=None))


def test_an_interrupted_run_lasts_until_the_interrupt(batch_dir: Path) -> None:
    """The throughputs divide by the run's duration: a run stopped while a request hung lasted until the
    stop, not until its last result (which made a 3 s run report hundreds of requests per second)."""
    inp = write_behaviours(batch_dir / "in.jsonl", ["ok", "hold"])
    waited = 0.5

    async def main(base_url: str) -> tuple[float, float]:
        stop = asyncio.Event()
        options = BatchFileOptions(str(inp), str(batch_dir / "out.jsonl"), [base_url], progress="none")
        run = asyncio.ensure_future(run_batch_file(options, err=None, stop=stop))
        started = time.perf_counter()
        await asyncio.sleep(waited)
        stop.set()
        stats = await run
        assert stats.interrupted
        assert stats.requests == 1  # "ok" came back, "hold" was abandoned
        return stats.elapsed, time.perf_counter() - started

    with HostileServer() as srv:
        elapsed, wall = asyncio.run(main(srv.base_url))
    # The run started a little after the test's clock (it opens the output first); before the fix it
    # ended at the "ok" result, a few milliseconds in.
    assert waited / 2 <= elapsed <= wall
