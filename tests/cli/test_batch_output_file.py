"""``vllm-sdk batch`` and its output file: one run per file, never the input, never a foreign file, exit
codes, and ``kill -9`` at random points (compaction included) followed by a rerun that loses and
duplicates nothing.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from vllm_sdk import cli
from vllm_sdk.batch._lock import OutputLock
from vllm_sdk.testing import MockVllmServer

from .conftest import assert_each_once, cli_command, cli_env, read_output, run_cli, write_batch
from .hostile import HostileServer, write_behaviours

if TYPE_CHECKING:
    from pathlib import Path


def test_a_second_run_on_a_locked_output_refuses_at_once(
    batch_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 3)
    out = batch_dir / "out.jsonl"
    with MockVllmServer() as srv, OutputLock(str(out)):
        assert cli.main(["batch", str(inp), "-o", str(out), "--base-url", srv.base_url]) == 1
        assert not srv.requests
    err = capsys.readouterr().err
    assert "in use by another vllm-sdk batch run" in err
    assert f"(process {os.getpid()})" in err
    assert not out.exists()
    with MockVllmServer() as srv:  # released: the next run proceeds
        assert cli.main(["batch", str(inp), "-o", str(out), "--base-url", srv.base_url]) == 0
    assert_each_once(read_output(out), 3)


def test_two_concurrent_processes_on_one_output(batch_dir: Path) -> None:
    inp = write_behaviours(batch_dir / "in.jsonl", ["ok", "hold"])
    out = batch_dir / "out.jsonl"
    with HostileServer() as srv:
        args = ["batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--no-progress"]
        first = subprocess.Popen(
            cli_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env()
        )
        _wait_for_lines(out, 1, first)  # "ok" is written: the first run holds the lock, "hold" waits
        second = run_cli(*args, timeout=30)
        assert first.poll() is None  # the server still holds the first run's "hold" request
        srv.release.set()
        _, first_err = first.communicate(timeout=60)
        assert srv.attempts == {"ok": 1, "hold": 1}  # the refused run sent nothing
    assert second.returncode == 1
    assert "in use by another vllm-sdk batch run (process" in second.stderr
    assert first.returncode == 0, first_err
    assert sorted(r["custom_id"] for r in read_output(out)) == ["hold", "ok"]


@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
def test_output_equal_to_the_input_is_refused(
    batch_dir: Path, link: str, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 3)
    before = inp.read_bytes()
    out = inp
    if link == "symlink":
        out = batch_dir / "out.jsonl"
        out.symlink_to(inp)
    elif link == "hardlink":
        out = batch_dir / "out.jsonl"
        os.link(inp, out)
    assert cli.main(["batch", str(inp), "-o", str(out), "--base-url", "http://127.0.0.1:9/v1"]) == 1
    assert "is the input file" in capsys.readouterr().err
    assert inp.read_bytes() == before


@pytest.mark.parametrize(
    "content",
    [
        b"hello\nworld",  # a text file without a final newline: "torn-line repair" used to cut it
        b"not json\n",
        b'{"custom_id": "x", "note": "my own file"}\n',
        # whole result lines, then a last line that is not the start of one
        b'{"id":"vllm-1","custom_id":"req-0","response":null,"error":{"message":"x"}}\nnotes',
    ],
)
def test_a_foreign_output_file_is_never_modified(
    batch_dir: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 3)
    out = batch_dir / "out.jsonl"
    out.write_bytes(content)
    with MockVllmServer() as srv:
        assert cli.main(["batch", str(inp), "-o", str(out), "--base-url", srv.base_url]) == 1
        assert not srv.requests
    assert "refusing to modify a file this command did not write" in capsys.readouterr().err
    assert out.read_bytes() == content


def test_output_through_a_symlink_stays_a_symlink(batch_dir: Path) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 5)
    target = batch_dir / "real.jsonl"
    link = batch_dir / "out.jsonl"
    link.symlink_to(target)
    with MockVllmServer(faults="status=503:2") as srv:
        args = ["batch", str(inp), "-o", str(link), "--base-url", srv.base_url, "--max-retries", "0"]
        assert cli.main(args) == 3
        assert cli.main(args) == 0  # the rerun appends and compacts: the rename must go to the target
    assert link.is_symlink()
    assert_each_once(read_output(target), 5)


def test_exit_codes_for_bad_arguments(batch_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 1)
    out = str(batch_dir / "out.jsonl")
    assert cli.main(["batch", str(inp), "-o", out, "--concurrency", "0"]) == 1
    assert "--concurrency must be at least 1" in capsys.readouterr().err
    assert cli.main(["batch", str(inp), "-o", out, "--stream-idle-timeout", "0"]) == 1
    assert "--stream-idle-timeout must be" in capsys.readouterr().err
    assert cli.main(["batch", str(inp), "-o", out, "--no-such-option"]) == 1
    assert cli.main(["batch", str(inp)]) == 1  # -o is required
    assert not (batch_dir / "out.jsonl").exists()
    # Other commands keep argparse's status 2 ("batch" here is the value of --model, not the command).
    with pytest.raises(SystemExit) as exited:
        cli.main(["--model", "batch", "models", "--no-such-option"])
    assert exited.value.code == 2


def test_stream_idle_timeout_reaches_the_stream(batch_dir: Path) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 2)
    out = batch_dir / "out.jsonl"
    # The mock waits 0.5 s before each stream event; an idle timeout of 0.1 s must cut every stream.
    with MockVllmServer(token_delay=0.5) as srv:
        args = ["batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--stream"]
        assert cli.main([*args, "--max-retries", "0", "--stream-idle-timeout", "0.1"]) == 3
    lines = read_output(out)
    assert_each_once(lines, 2)
    for line in lines:
        assert line["error"]["type"] == "VllmTimeoutError"
        assert "idle" in line["error"]["message"]
        assert line["error"]["retryable"] is True


def _wait_for_lines(path: Path, n: int, proc: subprocess.Popen[str], limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    raise AssertionError(f"{path} never reached {n} lines")


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_kill_9_at_random_points_then_rerun(batch_dir: Path, seed: int) -> None:
    """Kill mid-run (sometimes mid-write), then rerun with failures to retry, then kill again."""
    rng = random.Random(seed)
    n = 120
    inp = write_batch(batch_dir / "in.jsonl", n)
    out = batch_dir / "out.jsonl"
    # The first 30 requests fail with a 503 and --max-retries 0 leaves them failed: reruns retry them, so
    # the file collects several lines for one id and compaction has work to do.
    with MockVllmServer(faults="delay_headers=0.005,status=503:30") as srv:
        args = ["batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--concurrency", "8"]
        args += ["--max-retries", "0", "--no-progress"]
        for _ in range(3):
            proc = subprocess.Popen(
                cli_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env()
            )
            lines_now = out.read_bytes().count(b"\n") if out.exists() else 0
            _wait_for_lines(out, lines_now + rng.randint(1, 20), proc)
            time.sleep(rng.random() * 0.05)  # a random point, not a synchronisation
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=10)
            if rng.random() < 0.5:  # what a kill in the middle of write(2) leaves behind
                with out.open("ab") as f:
                    f.write(b'{"id":"vllm-torn","custom_id":"req-'[: rng.randint(1, 30)])
        for _ in range(4):  # enough reruns to retry every failure
            result = run_cli(*args)
            assert result.returncode in (0, 3), result.stderr
            if result.returncode == 0:
                break
    assert result.returncode == 0, result.stderr
    assert_each_once(read_output(out), n)


_KILL_IN_COMPACTION = """
import os, signal, sys
from vllm_sdk.batch import _output
point = sys.argv[2]
real_replace, real_fsync_dir = os.replace, _output._fsync_directory
def die():
    os.kill(os.getpid(), signal.SIGKILL)
def replace(src, dst):
    if point == "before-rename":
        die()
    real_replace(src, dst)
    if point == "after-rename":
        die()
def fsync_dir(d):
    real_fsync_dir(d)
    die()
_output.os.replace = replace
_output._fsync_directory = fsync_dir
if point == "while-writing":
    real_fsync = os.fsync
    os.fsync = lambda fd: die()
scan = _output.scan_output(sys.argv[1])
_output.compact(sys.argv[1], scan)
"""


@pytest.mark.parametrize("point", ["while-writing", "before-rename", "after-rename", "after-dir-fsync"])
def test_kill_9_during_compaction_loses_and_duplicates_nothing(batch_dir: Path, point: str) -> None:
    n = 30
    inp = write_batch(batch_dir / "in.jsonl", n)
    out = batch_dir / "out.jsonl"
    with MockVllmServer(faults="status=503:10") as srv:
        args = ["batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--max-retries", "0"]
        assert cli.main(args) == 3
        assert cli.main(args) == 0
        # Make the file need compaction again: append every line a second time, as a killed rerun could.
        data = out.read_bytes()
        out.write_bytes(data + data)
        proc = subprocess.run(
            [sys.executable, "-c", _KILL_IN_COMPACTION, str(out), point],
            capture_output=True,
            env=cli_env(),
            check=False,
            timeout=30,
        )
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        lines = read_output(out)  # whole lines only: the old file or the new one
        assert len(lines) in (n, 2 * n)
        assert {r["custom_id"] for r in lines} == {f"req-{i}" for i in range(n)}
        leftovers = [p.name for p in batch_dir.iterdir() if p.name.endswith(".compacting")]
        assert bool(leftovers) == (point in ("while-writing", "before-rename"))
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
    assert_each_once(read_output(out), n)
    assert not [p.name for p in batch_dir.iterdir() if p.name.endswith(".compacting")]
