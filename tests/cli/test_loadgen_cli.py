"""``vllm-sdk batch`` as a load generator: --json-summary, --max-concurrency, --request-rate, --slo and the
progress display on a terminal and off it, against the mock server."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import cli
from vllm_sdk.testing import MockVllmServer

from .conftest import cli_command, cli_env, read_output

if TYPE_CHECKING:
    from pathlib import Path

TOKENS = 12


def write_load(path: Path, n: int, *, tokens: int = TOKENS) -> Path:
    """``n`` chat requests that each stream exactly ``tokens`` tokens from the mock (``ignore_eos``)."""
    with path.open("w") as f:
        for i in range(n):
            body = {
                "model": "mock",
                "messages": [{"role": "user", "content": f"load {i}"}],
                "max_completion_tokens": tokens,
                "ignore_eos": True,
            }
            f.write(
                json.dumps(
                    {"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body}
                )
            )
            f.write("\n")
    return path


def test_save_detailed_writes_the_measured_values(batch_dir: Path) -> None:
    inp = write_load(batch_dir / "in.jsonl", 20)
    out, summary_path = batch_dir / "out.jsonl", batch_dir / "summary.json"
    with MockVllmServer() as srv:
        args = ["batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--stream"]
        assert cli.main([*args, "--json-summary", str(summary_path), "--save-detailed"]) == 0
        summary: dict[str, Any] = json.loads(summary_path.read_text())
        assert len(summary["ttft_s"]) == len(summary["e2e_s"]) == len(summary["tpot_s"]) == 20
        assert all(
            0 < t <= e for t, e in zip(sorted(summary["ttft_s"]), sorted(summary["e2e_s"]), strict=True)
        )
        itls = summary["itl_s"]
        assert itls
        assert all(v >= 0 for v in itls)
        # The values are the ones the aggregates were computed from.
        assert sum(itls) / len(itls) * 1000 == pytest.approx(summary["mean_itl_token_ms"])
        assert max(summary["e2e_s"]) * 1000 == pytest.approx(summary["p99_e2el_token_ms"], rel=0.05)
        # Without the flag the summary stays aggregates only; the flag alone is refused.
        plain_path = batch_dir / "plain.json"
        assert cli.main([*args, "--json-summary", str(plain_path), "--retry-failed"]) == 0
        assert "ttft_s" not in json.loads(plain_path.read_text())
        assert cli.main([*args, "--save-detailed"]) == 1


def test_json_summary_has_every_metric(batch_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp = write_load(batch_dir / "in.jsonl", 30)
    out, summary_path = batch_dir / "out.jsonl", batch_dir / "summary.json"
    with MockVllmServer() as srv:
        code = cli.main(
            [
                "batch", str(inp), "-o", str(out), "--base-url", srv.base_url, "--stream",
                "--max-concurrency", "8", "--slo", "ttft=60000,tpot=60000,e2el=60000",
                "--json-summary", str(summary_path),
            ]
        )  # fmt: skip
    assert code == 0
    assert len(read_output(out)) == 30
    summary: dict[str, Any] = json.loads(summary_path.read_text())
    assert summary["completed"] == 30
    assert summary["failed"] == 0
    assert summary["total_output_tokens"] == 30 * TOKENS
    assert summary["total_input_tokens"] > 0
    assert summary["max_concurrency"] == 8
    assert summary["request_rate"] == "inf"  # as fast as the concurrency allows (vLLM's spelling)
    assert summary["burstiness"] == 1.0  # Poisson arrivals, as vLLM's default
    assert summary["duration"] > 0
    assert summary["request_throughput"] == pytest.approx(30 / summary["duration"])
    assert summary["output_throughput"] == pytest.approx(30 * TOKENS / summary["duration"])
    # Every request meets SLOs of a minute.
    assert summary["request_goodput"] == pytest.approx(summary["request_throughput"])
    assert summary["slo_ms"] == {"ttft": 60000, "tpot": 60000, "e2el": 60000}
    for metric in ("ttft", "tpot", "itl", "e2el"):
        stats = [summary[f"{s}_{metric}_token_ms"] for s in ("p50", "p90", "p99")]
        assert all(isinstance(v, float) and v >= 0 for v in stats), metric
        assert stats == sorted(stats)
        assert summary[f"median_{metric}_token_ms"] == summary[f"p50_{metric}_token_ms"]
        assert summary[f"mean_{metric}_token_ms"] >= 0
        assert summary[f"std_{metric}_token_ms"] >= 0
    assert summary["p99_ttft_token_ms"] <= summary["p99_e2el_token_ms"]
    # vLLM's chunk-timed latency keys are not there: ours are timed on token events, named so.
    assert not {k for k in summary if k.endswith(("_ttft_ms", "_tpot_ms", "_itl_ms", "_e2el_ms"))}
    err = capsys.readouterr().err
    assert "Serving Benchmark Result" in err
    assert "Request goodput (req/s):" in err


def test_an_unmeetable_slo_gives_zero_goodput(batch_dir: Path) -> None:
    inp = write_load(batch_dir / "in.jsonl", 5)
    summary_path = batch_dir / "summary.json"
    with MockVllmServer() as srv:
        code = cli.main(
            [
                "batch", str(inp), "-o", str(batch_dir / "out.jsonl"), "--base-url", srv.base_url,
                "--stream", "--slo", "ttft=0.000001", "--json-summary", str(summary_path),
                "--progress", "none",
            ]
        )  # fmt: skip
    assert code == 0
    summary = json.loads(summary_path.read_text())
    assert summary["completed"] == 5
    assert summary["request_goodput"] == 0


def test_max_concurrency_bounds_the_requests_in_flight_on_the_server(batch_dir: Path) -> None:
    inp = write_load(batch_dir / "in.jsonl", 40, tokens=8)
    lock = threading.Lock()
    seen = {"max": 0}
    with MockVllmServer(token_delay=0.002) as srv:
        metrics = srv.metrics
        started = metrics.request_started

        def counting_start() -> None:
            started()
            with lock:
                seen["max"] = max(seen["max"], metrics.running)

        metrics.request_started = counting_start  # type: ignore[method-assign]
        code = cli.main(
            ["batch", str(inp), "-o", str(batch_dir / "out.jsonl"), "--base-url", srv.base_url, "--stream",
             "--max-concurrency", "4", "--progress", "none"]
        )  # fmt: skip
    assert code == 0
    assert 1 < seen["max"] <= 4


def test_request_rate_runs_paced_and_is_reported(batch_dir: Path) -> None:
    inp = write_load(batch_dir / "in.jsonl", 20, tokens=4)
    summary_path = batch_dir / "summary.json"
    with MockVllmServer() as srv:
        code = cli.main(
            ["batch", str(inp), "-o", str(batch_dir / "out.jsonl"), "--base-url", srv.base_url,
             "--request-rate", "100000", "--seed", "3", "--json-summary", str(summary_path),
             "--progress", "none"]
        )  # fmt: skip
    assert code == 0
    summary = json.loads(summary_path.read_text())
    assert summary["request_rate"] == 100000
    assert summary["completed"] == 20
    assert summary["mean_ttft_token_ms"] is None  # not streamed: no first token
    assert summary["mean_e2el_token_ms"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--request-rate", "0"], "must be > 0"),
        (["--request-rate", "fast"], "not a number"),
        (["--slo", "ttft=abc", "--stream"], "not a number"),
        (["--slo", "itl=5", "--stream"], "unknown SLO metric"),
        (["--slo", "ttft=100"], "need --stream"),
        (["--max-concurrency", "0"], "--concurrency must be at least 1"),
        (["--progress", "fancy"], "invalid choice"),
    ],
)
def test_bad_load_options_are_refused(
    batch_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    inp = write_load(batch_dir / "in.jsonl", 1)
    # API.md section 10: a batch that cannot proceed (bad arguments included) exits with 1.
    assert cli.main(["batch", str(inp), "-o", str(batch_dir / "out.jsonl"), *args]) == 1
    assert message in capsys.readouterr().err
    assert not (batch_dir / "out.jsonl").exists()


def test_off_a_terminal_progress_is_plain_lines(batch_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp = write_load(batch_dir / "in.jsonl", 20, tokens=2)
    with MockVllmServer() as srv:
        code = cli.main(["batch", str(inp), "-o", str(batch_dir / "out.jsonl"), "--base-url", srv.base_url])
    assert code == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("progress: ")]
    # One line per tenth of the run.
    assert [line.split(" requests")[0] for line in lines] == [
        f"progress: {2 * k}/20 ({10 * k}%)" for k in range(1, 11)
    ]
    assert "req/s" in lines[-1]
    assert "\x1b[" not in err  # no terminal control sequences in a log


def test_no_progress_prints_none(batch_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp = write_load(batch_dir / "in.jsonl", 5, tokens=2)
    with MockVllmServer() as srv:
        code = cli.main(
            [
                "batch",
                str(inp),
                "-o",
                str(batch_dir / "out.jsonl"),
                "--base-url",
                srv.base_url,
                "--no-progress",
            ]
        )
    assert code == 0
    assert "progress: " not in capsys.readouterr().err


def test_asking_for_the_bar_without_rich_prints_an_install_hint(
    batch_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rich.progress", None)  # makes `import rich.progress` fail
    inp = write_load(batch_dir / "in.jsonl", 10, tokens=2)
    with MockVllmServer() as srv:
        code = cli.main(
            [
                "batch",
                str(inp),
                "-o",
                str(batch_dir / "out.jsonl"),
                "--base-url",
                srv.base_url,
                "--progress",
                "bar",
            ]
        )
    assert code == 0
    err = capsys.readouterr().err
    hints = [line for line in err.splitlines() if "pip install" in line]
    assert hints == [
        "the progress bar needs rich: pip install 'vllm-python-sdk[cli]' (showing plain progress lines)"
    ]
    assert "progress: 10/10 (100%)" in err


def _run_on_a_terminal(argv: list[str]) -> tuple[int, str]:
    """Run the CLI with its stderr on a pseudo-terminal; its exit status and what the terminal showed."""
    master, slave = pty.openpty()
    env = {**cli_env(), "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(60), b"".join(chunks).decode("utf-8", "replace")


def test_on_a_terminal_progress_is_a_rich_bar(batch_dir: Path) -> None:
    inp = write_load(batch_dir / "in.jsonl", 20, tokens=2)
    with MockVllmServer() as srv:
        code, screen = _run_on_a_terminal(
            cli_command("batch", str(inp), "-o", str(batch_dir / "out.jsonl"), "--base-url", srv.base_url)
        )
    assert code == 0, screen
    assert "20/20" in screen  # the bar's M/N column
    assert "━" in screen  # the bar itself
    assert "progress: " not in screen  # no plain lines on a terminal
    assert "Serving Benchmark Result" in screen
