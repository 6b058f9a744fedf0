"""``vllm-sdk batch``: output format, invalid lines, resume, kill-and-resume, Ctrl-C, replicas, retries."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from typing import TYPE_CHECKING

import pytest

from vllm_sdk import cli
from vllm_sdk.batch._output import scan_output
from vllm_sdk.testing import MockVllmServer

from .conftest import assert_each_once, cli_command, cli_env, read_output, run_cli, write_batch

if TYPE_CHECKING:
    from pathlib import Path


def test_batch_end_to_end_in_run_batch_format(batch_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 120)
    out = batch_dir / "out.jsonl"
    with MockVllmServer() as srv:
        code = cli.main(
            ["batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--concurrency", "16"]
        )
        posted = [r for r in srv.requests if r.path.endswith("/chat/completions")]
    assert code == 0
    records = read_output(out)
    assert_each_once(records, 120)
    assert len(posted) == 120
    for rec in records:
        assert rec["error"] is None
        assert rec["response"]["status_code"] == 200
        assert rec["response"]["request_id"]
        body = rec["response"]["body"]
        assert body["object"] == "chat.completion"
        assert body["choices"][0]["message"]["content"]
    err = capsys.readouterr().err
    assert "requests: 120 (120 ok, 0 errors)" in err
    assert "tokens:" in err
    assert "req/s" in err


def test_invalid_lines_are_reported_with_numbers_and_the_rest_runs(
    batch_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = [
        "{not json",
        json.dumps({"method": "POST", "url": "/v1/chat/completions", "body": {}}),
        json.dumps({"custom_id": "req-3", "method": "POST", "url": "/v1/chat/completions", "body": {}}),
        json.dumps({"custom_id": "get", "method": "GET", "url": "/v1/chat/completions", "body": {}}),
        json.dumps(
            {
                "custom_id": "unknown-model",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": "nope", "messages": [{"role": "user", "content": "x"}]},
            }
        ),
        "",
        "[1, 2]",
    ]
    inp = write_batch(batch_dir / "in.jsonl", 10, extra=extra)
    out = batch_dir / "out.jsonl"
    with MockVllmServer() as srv:
        code = cli.main(["batch", str(inp), "-o", str(out), "--base-url", srv.base_url])
    assert code == 3  # finished, but some requests failed (and some lines were invalid)
    err = capsys.readouterr().err
    assert "in.jsonl:11: skipped: not valid JSON" in err
    assert "in.jsonl:12: skipped: missing or non-string 'custom_id'" in err
    assert "in.jsonl:13: skipped: duplicate custom_id 'req-3' (first on line 4)" in err
    assert "in.jsonl:17: skipped: not a JSON object" in err
    records = {r["custom_id"]: r for r in read_output(out)}
    assert set(records) == {f"req-{i}" for i in range(10)} | {"get", "unknown-model"}
    assert records["get"]["response"]["status_code"] == 400
    assert "POST" in records["get"]["error"]["message"]
    missing = records["unknown-model"]
    assert missing["response"]["status_code"] == 404
    assert missing["response"]["body"] is None
    assert "nope" in json.dumps(missing["error"])  # vLLM's own error body is kept


def test_rerun_repairs_torn_line_and_skips_done(batch_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 40)
    out = batch_dir / "out.jsonl"
    with MockVllmServer() as srv:
        assert cli.main(["batch", str(inp), "-o", str(out), "--base-url", srv.base_url]) == 0
        lines = out.read_bytes().splitlines(keepends=True)
        # Keep 25 whole lines plus half of the 26th, as a SIGKILL in the middle of a write would.
        out.write_bytes(b"".join(lines[:25]) + lines[25][: len(lines[25]) // 2])
        capsys.readouterr()
        assert cli.main(["batch", str(inp), "-o", str(out), "--base-url", srv.base_url]) == 0
        posted = [r for r in srv.requests if r.path.endswith("/chat/completions")]
    err = capsys.readouterr().err
    assert "repaired" in err
    assert "resuming: 25 requests already" in err
    assert len(posted) == 40 + 15
    assert_each_once(read_output(out), 40)
    # A third run has nothing left to do.
    assert scan_output(out).lines == 40


def test_dead_replica_is_ejected_and_every_request_succeeds(batch_dir: Path) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 100)
    out = batch_dir / "out.jsonl"
    with MockVllmServer() as srv:
        code = cli.main(
            [
                "batch",
                str(inp),
                "-o",
                str(out),
                "--concurrency",
                "8",
                "--base-url",
                "http://127.0.0.1:9/v1",  # nothing listens on the discard port
                "--base-url",
                srv.base_url,
            ]
        )
    assert code == 0
    records = read_output(out)
    assert_each_once(records, 100)
    assert all(r["error"] is None for r in records)


def test_server_errors_are_retried(batch_dir: Path) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 20)
    out = batch_dir / "out.jsonl"
    with MockVllmServer(faults="status=503:5") as srv:
        code = cli.main(["batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--concurrency", "4"])
        posted = [r for r in srv.requests if r.path.endswith("/chat/completions")]
    assert code == 0
    assert all(r["error"] is None for r in read_output(out))
    assert len(posted) == 25


def test_exhausted_retries_are_written_as_errors(batch_dir: Path) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 3)
    out = batch_dir / "out.jsonl"
    with MockVllmServer(faults="status=500") as srv:
        code = cli.main(["batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--max-retries", "1"])
        posted = [r for r in srv.requests if r.path.endswith("/chat/completions")]
    assert code == 3
    records = read_output(out)
    assert_each_once(records, 3)
    assert all(r["response"]["status_code"] == 500 for r in records)
    assert len(posted) == 6


def test_missing_input_file(batch_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["batch", str(batch_dir / "nope.jsonl"), "-o", str(batch_dir / "o.jsonl")])
    assert code == 1
    assert "cannot read the input" in capsys.readouterr().err
    assert not (batch_dir / "o.jsonl").exists()


def _wait_for_lines(path: Path, n: int, proc: subprocess.Popen[str], limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError(f"{path} never reached {n} lines")


@pytest.mark.slow
@pytest.mark.parametrize("tear", [False, True])
def test_sigkill_then_rerun_writes_every_custom_id_exactly_once(batch_dir: Path, tear: bool) -> None:
    n = 300
    inp = write_batch(batch_dir / "in.jsonl", n)
    out = batch_dir / "out.jsonl"
    with MockVllmServer(faults="delay_headers=0.03") as srv:
        args = ["batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--concurrency", "8"]
        proc = subprocess.Popen(
            cli_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env()
        )
        _wait_for_lines(out, 40, proc)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        done_before = out.read_bytes().count(b"\n")
        assert done_before < n
        if tear:  # what a kill in the middle of write(2) leaves behind
            with out.open("ab") as f:
                f.write(b'{"id":"vllm-torn","custom_id":"req-')
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
    assert ("repaired" in result.stderr) is tear
    assert_each_once(read_output(out), n)


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_with_130_and_rerun_finishes(batch_dir: Path) -> None:
    n = 300
    inp = write_batch(batch_dir / "in.jsonl", n)
    out = batch_dir / "out.jsonl"
    with MockVllmServer(faults="delay_headers=0.03") as srv:
        args = ["batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--concurrency", "8"]
        proc = subprocess.Popen(
            cli_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env()
        )
        _wait_for_lines(out, 30, proc)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
        assert proc.returncode == 130, stderr
        assert "interrupted" in stderr
        assert "requests:" in stderr  # the summary is still printed
        partial = read_output(out)  # every line whole
        assert 30 <= len(partial) < n
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
    assert_each_once(read_output(out), n)


def test_streamed_batch_reports_ttft_and_writes_collected_bodies(
    batch_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 30, max_tokens=12)
    out = batch_dir / "out.jsonl"
    with MockVllmServer() as srv:
        code = cli.main(["batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--stream"])
        sent = [r.json for r in srv.requests if r.path.endswith("/chat/completions")]
    assert code == 0
    assert all(s["stream"] is True and s["stream_options"] == {"include_usage": True} for s in sent)
    records = read_output(out)
    assert_each_once(records, 30)
    for rec in records:
        body = rec["response"]["body"]
        assert body["object"] == "chat.completion"
        assert body["choices"][0]["message"]["content"]
        assert body["usage"]["completion_tokens"] > 0
    err = capsys.readouterr().err
    assert "Median TTFT (ms):" in err
    assert "P99 ITL (ms):" in err
    assert ", 0 errors" in err


def test_proxy_html_errors_are_retried(batch_dir: Path) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 6)
    out = batch_dir / "out.jsonl"
    with MockVllmServer(faults="html_502=2") as srv:
        code = cli.main(["batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--concurrency", "2"])
    assert code == 0
    assert all(r["error"] is None for r in read_output(out))


def test_api_key_is_sent(batch_dir: Path) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 3)
    out = batch_dir / "out.jsonl"
    with MockVllmServer(api_key="sekret") as srv:
        assert cli.main(["batch", str(inp), "-o", str(out), "--base-url", srv.base_url]) == 3
        refused = read_output(out)
        assert all(r["response"]["status_code"] == 401 for r in refused)
        out.unlink()
        args = ["batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--api-key", "sekret"]
        assert cli.main(args) == 0
    assert all(r["error"] is None for r in read_output(out))


def test_unwritable_output_is_a_clean_error(batch_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp = write_batch(batch_dir / "in.jsonl", 1)
    (batch_dir / "out").mkdir()
    assert (
        cli.main(["batch", str(inp), "-o", str(batch_dir / "out"), "--base-url", "http://127.0.0.1:9/v1"])
        == 1
    )
    assert "error:" in capsys.readouterr().err


def test_non_streamed_lines_drop_stream_options(batch_dir: Path) -> None:
    line = {
        "custom_id": "a",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "mock",
            "messages": [{"role": "user", "content": "x"}],
            "max_tokens": 3,
            "stream": True,
            "stream_options": {"include_usage": True},
        },
    }
    inp = batch_dir / "in.jsonl"
    inp.write_text(json.dumps(line) + "\n")
    out = batch_dir / "out.jsonl"
    with MockVllmServer() as srv:
        assert cli.main(["batch", str(inp), "-o", str(out), "--base-url", srv.base_url]) == 0
        sent = [r.json for r in srv.requests if r.path.endswith("/chat/completions")]
    assert "stream" not in sent[0]
    assert "stream_options" not in sent[0]
    assert read_output(out)[0]["response"]["body"]["object"] == "chat.completion"
