"""A/B of ``vllm-sdk batch --stream``'s client CPU: this tree against snapshots, alternating, one mock server.

    python -m benchmarks.run_batch_ab --tokens 1 --rounds 6                  # per-request cost
    python -m benchmarks.run_batch_ab --tokens 64 --rounds 6 --ab /tmp/main  # per token, against a snapshot
    python -m benchmarks.run_batch_ab --tokens 1 --profile out.prof          # cProfile (process_time)

Each run is a fresh ``python`` whose ``src`` (this tree's, or each ``--ab`` directory's: a checkout's
``src``, put first on ``PYTHONPATH``) provides ``vllm_sdk``. CPU (user + sys, ``time.process_time``) is
measured inside the process from just before ``main()`` to its return, so interpreter start-up and imports
are out; the median of a 0-request run is subtracted and the rest divided by the requests (``--tokens 1``:
the per-request cost) or by the output tokens. The mock server (``vllm-sdk mock-server``) runs in its own
process and is not counted. The runs of every tree alternate, so a change in the machine's load hits all of
them alike; the load average is printed with the figures. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from .run_loadgen import CONCURRENCY, _start_mock

ROOT = Path(__file__).resolve().parent.parent

_DRIVER = """
import sys, time
from vllm_sdk.cli._main import main
argv = sys.argv[1:]
profile = argv.pop(0)
if profile:
    import cProfile
    prof = cProfile.Profile(time.process_time)
    prof.enable()
import resource
start = time.process_time()
r0 = resource.getrusage(resource.RUSAGE_SELF)
code = main(argv)
cpu = time.process_time() - start
r1 = resource.getrusage(resource.RUSAGE_SELF)
print("SPLIT", r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime, file=sys.stderr)
if profile:
    prof.disable()
    prof.dump_stats(profile)
print("CPU", cpu, code, file=sys.stderr)
"""


def _write_input(path: Path, n: int, tokens: int) -> None:
    with path.open("w") as f:
        for i in range(n):
            body = {
                "model": "mock",
                "messages": [{"role": "user", "content": f"request {i}: tell me a long story about the sea"}],
                "max_completion_tokens": tokens,
                "ignore_eos": True,
            }
            line = {"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body}
            f.write(json.dumps(line) + "\n")


def _run(src: Path, base_url: str, inp: Path, out: Path, profile: str = "") -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out.unlink(missing_ok=True)  # an existing output file would make the command resume, not send
    argv = [
        sys.executable, "-c", _DRIVER, profile, "batch", str(inp), "-o", str(out), "--stream",
        "--base-url", base_url, "--max-concurrency", str(CONCURRENCY), "--progress", "none",
    ]  # fmt: skip
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    for line in proc.stderr.splitlines():
        if line.startswith("CPU "):
            _, cpu, code = line.split()
            if code != "0":
                raise SystemExit(f"batch exited {code}:\n{proc.stderr[-2000:]}")
            return float(cpu)
    raise SystemExit(f"no CPU figure:\n{proc.stdout[-1000:]}\n{proc.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tokens", type=int, default=1)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--ab", action="append", default=[], help="another checkout to compare (repeatable)")
    parser.add_argument("--profile", default="", help="write one profiled run of this tree there and stop")
    args = parser.parse_args(argv)
    trees = [("this", ROOT / "src")] + [(Path(p).name, Path(p) / "src") for p in args.ab]
    mock, base_url = _start_mock()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            inp, empty, out = work / "in.jsonl", work / "empty.jsonl", work / "out.jsonl"
            _write_input(inp, args.requests, args.tokens)
            empty.write_text("")
            _run(ROOT / "src", base_url, inp, out)  # warm the server and the page cache
            if args.profile:
                cpu = _run(ROOT / "src", base_url, inp, out, str(Path(args.profile).resolve()))
                print(f"profiled run: {cpu:.3f} s CPU (profiler included) -> {args.profile}")
                return 0
            zero: dict[str, list[float]] = {name: [] for name, _ in trees}
            full: dict[str, list[float]] = {name: [] for name, _ in trees}
            loads = [os.getloadavg()[0]]
            for _ in range(args.rounds):
                for name, src in trees:
                    zero[name].append(_run(src, base_url, empty, out))
                    full[name].append(_run(src, base_url, inp, out))
                loads.append(os.getloadavg()[0])
    finally:
        mock.terminate()
        mock.wait()
    per, unit = (args.requests, "request") if args.tokens == 1 else (args.requests * args.tokens, "token")
    print(f"{args.requests} requests x {args.tokens} tokens, {args.rounds} rounds, "
          f"load average {min(loads):.2f}-{max(loads):.2f}")  # fmt: skip
    figures: dict[str, list[float]] = {}
    for name, _ in trees:
        base = statistics.median(zero[name])
        each = figures[name] = [(cpu - base) / per * 1e6 for cpu in full[name]]
        shown = ", ".join(f"{v:.2f}" for v in each)
        median = statistics.median(each)
        print(f"  {name:>12}: {median:8.2f} us per {unit} (runs: {shown}; 0-request {base:.3f} s)")
    for name, _ in trees[1:]:
        # Runs of one round ran back to back: their ratio is less exposed to the machine's load drifting.
        ratios = [ours / theirs for ours, theirs in zip(figures["this"], figures[name], strict=True)]
        print(f"  this / {name}: median of the per-round ratios {statistics.median(ratios):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
