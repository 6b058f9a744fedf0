"""Parser benchmark: chunks/s of every contender on every corpus case, as a markdown table.

Run with ``python -m benchmarks.run_parsers`` (``make bench``); ``--repeat-seconds`` trades time for
stability, ``--streams``/``--chunkings`` narrow the corpus, ``--json PATH`` also writes the results as JSON
(``benchmarks/plot.py`` reads that file). Each cell is the best of several runs
(the least disturbed one: these machines are shared), in thousands of SSE chunks per second; the ratio
columns divide our builds by openai-python and by the split + orjson floor.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from importlib import metadata
from typing import TYPE_CHECKING

from .corpus import CHUNKINGS, STREAMS, Case, cases
from .parsers import Contender, available

if TYPE_CHECKING:
    from collections.abc import Sequence

ORDER = ("openai", "httpx-sse", "floor", "vllm_sdk-py", "vllm_sdk-c")


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def environment() -> str:
    """One paragraph naming the machine and every version that matters."""
    from vllm_sdk._speedups import IMPLEMENTATION

    versions = ", ".join(
        f"{d} {_version(d)}"
        for d in ("openai", "httpx", "httpx2", "httpx-sse", "orjson", "pydantic", "Cython")
    )
    return (
        f"{_cpu()} ({os.cpu_count()} CPUs), {platform.system()} {platform.release()}; "
        f"{platform.python_implementation()} {platform.python_version()}; {versions}; "
        f"vllm_sdk default build: {IMPLEMENTATION}"
    )


def measure(
    run: Contender, chunks: Sequence[bytes], min_seconds: float, min_runs: int = 3
) -> tuple[float, int]:
    """Best wall time of ``run(chunks)`` over enough runs to fill ``min_seconds``; and its output count."""
    count = run(chunks)  # warm-up, and the count for the correctness column
    best = math.inf
    spent = 0.0
    runs = 0
    while runs < min_runs or spent < min_seconds:
        start = time.perf_counter()
        run(chunks)
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        spent += elapsed
        runs += 1
    return best, count


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat-seconds", type=float, default=0.3, help="time spent per cell (default 0.3)")
    parser.add_argument("--streams", nargs="*", default=list(STREAMS), choices=STREAMS)
    parser.add_argument("--chunkings", nargs="*", default=list(CHUNKINGS), choices=CHUNKINGS)
    parser.add_argument("--json", dest="json_out", metavar="PATH", help="also write the results to this file")
    args = parser.parse_args(argv)

    contenders = available()
    names = [n for n in ORDER if n in contenders]
    corpus: list[Case] = cases(tuple(args.streams), tuple(args.chunkings))
    print(f"Machine: {environment()}\n")
    header = ["case", "events", *[f"{n} kchunks/s" for n in names]]
    ratios = [
        r for r in ("c/openai", "py/openai", "c/floor", "py/floor") if r[0 : r.index("/")] in ("c", "py")
    ]
    print("| " + " | ".join(header + ratios) + " |")
    print("|" + "|".join(["---"] * (len(header) + len(ratios))) + "|")
    logs: dict[str, list[float]] = {r: [] for r in ratios}
    rows: list[dict[str, object]] = []
    for case in corpus:
        rates: dict[str, float] = {}
        counts: dict[str, int] = {}
        for name in names:
            best, count = measure(contenders[name], case.chunks, args.repeat_seconds)
            rates[name] = case.events / best
            counts[name] = count
        rows.append(
            {
                "case": case.name,
                "events": case.events,
                "chunks_per_s": {n: rates[n] for n in names},
                "counts": {n: counts[n] for n in names},
            }
        )
        row = [case.name, str(case.events)] + [f"{rates[n] / 1e3:,.0f}" for n in names]
        for ratio in ratios:
            ours, other = ratio.split("/")
            ours_name = "vllm_sdk-c" if ours == "c" else "vllm_sdk-py"
            if ours_name in rates and other in rates:
                value = rates[ours_name] / rates[other]
                logs[ratio].append(math.log(value))
                row.append(f"{value:.1f}x" if value >= 10 else f"{value:.2f}x")
            else:
                row.append("-")
        print("| " + " | ".join(row) + " |", flush=True)
        if len({counts[n] for n in ("openai", "httpx-sse", "floor") if n in counts}) > 1:
            print(f"  (warning: baselines disagree on the chunk count: {counts})", file=sys.stderr)
    summary = ", ".join(f"{ratio} {math.exp(sum(v) / len(v)):.2f}x" for ratio, v in logs.items() if v)
    print(f"\nGeometric means over {len(corpus)} cases: {summary}")
    if args.json_out:
        write_json(args.json_out, names, rows)
    return 0


def write_json(path: str, contenders: Sequence[str], rows: Sequence[dict[str, object]]) -> None:
    """The run as JSON: the machine, the contenders in table order, one row per case (chunks per second)."""
    document = {
        "benchmark": "parsers",
        "machine": environment(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "contenders": list(contenders),
        "rows": list(rows),
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    raise SystemExit(main())
