"""Issue 13 item 6's client-CPU targets, each a ratio of contenders measured side by side in one run.

    python -m benchmarks.run_targets                  # 3 rounds, full sizes (~10 minutes on 2 busy CPUs)
    python -m benchmarks.run_targets --quick          # 3 rounds, smaller cells (~3 minutes)
    python -m benchmarks.run_targets --json targets.json
    python -m benchmarks.run_targets --only nonstream  # the non-streamed cells alone (~1 minute a round)

Every cell is a fresh client process (``benchmarks.run_e2e``, ``benchmarks.floors`` and
``benchmarks.nonstream`` workers) against benchmark servers in their own processes on loopback; each
round measures every contender of every target back to back, so a ratio compares numbers taken within
the same minute on a shared machine. The rounds give the spread.

1. burst server (each stream's events ready at once and written in one write), 64 streams:
   openai-python's CPU per chunk over ``AsyncVllmClient``'s (target >= 25); and ``AsyncVllmClient``
   alone at 1, 16, 64, 256, 1,024 streams in every round (target: max/min <= 1.3 of each level's median
   over the rounds). ``AsyncVllmClient`` is the default install's (``sdk-wire-c``: streams over the
   SDK's own HTTP/1.1 connections); ``--floors`` also measures it with streams on aiohttp
   (``sdk-aiohttp-c``, the previous default) in the burst and interleaved cells. Every round also
   measures ours and openai-python on the back-to-back server (one write per event, no yield), which
   the burst target was judged on until 2026-12-06: how many events a read takes from it depends on
   the machine's load (see ``benchmarks/RESULTS.md``), so it is shown, not judged;
2. interleaved server (one event per read), 64 streams: ``AsyncVllmClient`` over a bare
   ``asyncio.Protocol`` that only counts ``data:`` (target <= 1.15), on the default loop and on uvloop
   (``--floors``: also bare aiohttp and ``benchmarks.floors``' parser-only protocol client, to show what
   an HTTP library alone and a client without one cost above the bare protocol);
3. 64 concurrent non-streamed chat requests: ``AsyncVllmClient`` over a bare aiohttp client (target
   <= 1.5) and openai-python over ``AsyncVllmClient`` (target >= 8); ``--floors`` also measures the SDK
   with non-streamed calls through aiohttp's session (``sdk-aiohttp``, the previous default).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from . import nonstream
from .run_e2e import _machine, _run_variant, _start_server, _versions

if TYPE_CHECKING:
    from collections.abc import Callable

STREAMS = 64
FLAT_LEVELS = (1, 16, 64, 256, 1024)
#: The SDK's default install (streams over its own HTTP/1.1 connections), and the previous default.
OURS, OLD = "sdk-wire-c", "sdk-aiohttp-c"


def _floor(name: str, url: str, concurrency: int, requests: int, loop: str) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.floors", "--worker", name, "--url", url]
    cmd += ["--concurrency", str(concurrency), "--requests", str(requests), "--loop", loop]
    env = {k: v for k, v in os.environ.items() if k != "VLLM_SDK_NO_EXTENSIONS"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"floor {name} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


class Run:
    """The servers, the cell sizes and every row measured so far."""

    def __init__(self, quick: bool, tokens: int) -> None:
        self.tokens = tokens
        self.events = tokens + 4  # role, tokens, finish, usage, [DONE]
        self.chunks = 20_000 if quick else 100_000
        self.nonstream_requests = 1_600 if quick else 6_400
        self.rows: list[dict[str, Any]] = []
        self.servers: dict[str, tuple[subprocess.Popen[str], str]] = {}

    def url(self, mode: str) -> str:
        if mode not in self.servers:
            self.servers[mode] = _start_server(self.tokens, mode)
        return self.servers[mode][1]

    def close(self) -> None:
        for proc, _ in self.servers.values():
            proc.terminate()
            proc.wait(timeout=10)

    def requests_for(self, concurrency: int) -> int:
        return max(concurrency, math.ceil(self.chunks / self.events / concurrency) * concurrency)

    def stream_cell(
        self, round_no: int, target: str, variant: str, mode: str, concurrency: int, loop: str = "asyncio"
    ) -> float:
        """CPU seconds per chunk of one streaming cell (``variant``: a run_e2e variant or a floor)."""
        requests = self.requests_for(concurrency)
        url = self.url(mode)
        if variant in ("raw-protocol", "bare-aiohttp", "protocol-parser"):
            res = _floor(variant, url, concurrency, requests, loop)
            chunks, res["requests"] = res["events"], requests
        else:
            res = _run_variant(variant, url, concurrency, requests, self.tokens, loop)
            if res["incomplete"]:
                raise RuntimeError(f"{variant}: {res['incomplete']} incomplete streams")
            chunks = res["requests"] * self.events
        per_chunk = res["cpu"] / chunks
        self._add(round_no, target, variant, mode, loop, concurrency, res, chunks, per_chunk)
        print(
            f"  [{target}] {variant:<14} {mode:<11} {loop:<7} {concurrency:>5} streams: "
            f"{per_chunk * 1e6:6.2f} us CPU per chunk",
            flush=True,
        )
        return per_chunk

    def request_cell(self, round_no: int, variant: str) -> float:
        """CPU seconds per non-streamed request of one client."""
        res = nonstream.run_in_process(variant, self.url("interleaved"), STREAMS, self.nonstream_requests)
        per_request = res["cpu"] / res["requests"]
        self._add(round_no, "nonstream", variant, "json", "asyncio", STREAMS, res, 0, None, per_request)
        print(f"  [nonstream] {variant:<13} {per_request * 1e3:.3f} ms CPU per request", flush=True)
        return per_request

    def _add(
        self,
        round_no: int,
        target: str,
        variant: str,
        mode: str,
        loop: str,
        concurrency: int,
        res: dict[str, Any],
        chunks: int,
        per_chunk: float | None,
        per_request: float | None = None,
    ) -> None:
        row = {
            "round": round_no,
            "target": target,
            "variant": variant,
            "server_mode": mode,
            "loop": loop,
            "concurrency": concurrency,
            "requests": res["requests"],
            "chunks": chunks,
            "cpu": res["cpu"],
        }
        if per_chunk is not None:
            row.update(cpu_per_chunk_us=per_chunk * 1e6, cpu_per_100k=per_chunk * 100_000)
        if per_request is not None:
            row["cpu_per_request_ms"] = per_request * 1e3
        self.rows.append(row)


def _spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def _stream_round(
    run: Run, r: int, loops: list[str], floors: bool, note: Callable[[str, float], None]
) -> None:
    """One round of the streaming targets (burst and interleaved, 64 streams)."""
    ours = run.stream_cell(r, "burst64", OURS, "burst", STREAMS)
    theirs = run.stream_cell(r, "burst64", "openai", "burst", STREAMS)
    note("burst, 64 streams: openai / sdk (>= 25)", theirs / ours)
    paced = run.stream_cell(r, "back-to-back64", OURS, "back-to-back", STREAMS)
    paced_theirs = run.stream_cell(r, "back-to-back64", "openai", "back-to-back", STREAMS)
    note("back-to-back, 64 streams: openai / sdk (shown, not judged)", paced_theirs / paced)
    if floors:
        old = run.stream_cell(r, "burst64", OLD, "burst", STREAMS)
        note(f"burst, 64 streams: openai / {OLD}", theirs / old)
    for loop in loops:
        ours = run.stream_cell(r, "interleaved64", OURS, "interleaved", STREAMS, loop)
        floor = run.stream_cell(r, "interleaved64", "raw-protocol", "interleaved", STREAMS, loop)
        note(f"interleaved, 64 streams, {loop}: sdk / bare protocol (<= 1.15)", ours / floor)
        if floors:  # where the time goes: an HTTP library alone, and a parser-only client
            old = run.stream_cell(r, "interleaved64", OLD, "interleaved", STREAMS, loop)
            note(f"interleaved, 64 streams, {loop}: {OLD} / bare protocol", old / floor)
            for name in ("bare-aiohttp", "protocol-parser"):
                other = run.stream_cell(r, "interleaved64", name, "interleaved", STREAMS, loop)
                note(f"interleaved, 64 streams, {loop}: {name} / bare protocol", other / floor)


def main(argv: list[str] | None = None) -> int:
    """Measure every target ``--rounds`` times and print the ratios with their spread."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="~20k chunks per streaming cell (not 100k)")
    parser.add_argument("--tokens", type=int, default=128, help="content chunks per stream")
    parser.add_argument("--json", dest="json_out", help="write every row and the ratios to this file")
    parser.add_argument(
        "--floors",
        action="store_true",
        help="also measure bare aiohttp and a parser-only protocol client against the bare protocol",
    )
    parser.add_argument(
        "--skip-flat", action="store_true", help="leave out the 1..1,024-stream sweep (the slowest part)"
    )
    parser.add_argument(
        "--only",
        choices=["nonstream"],
        help="measure only these cells (nonstream: the 64 concurrent non-streamed requests)",
    )
    args = parser.parse_args(argv)
    try:
        import uvloop  # noqa: F401

        loops = ["asyncio", "uvloop"]
    except ImportError:
        loops = ["asyncio"]
        print("(uvloop is not installed: the uvloop cells are left out)")
    print(f"machine: {_machine()}\nversions: {_versions()}\n")
    run = Run(args.quick, args.tokens)
    ratios: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        ratios.setdefault(name, []).append(value)

    # Flatness: every level in every round (a single sweep on a shared machine is mostly noise); the target
    # is judged on each level's median over the rounds.
    flat: dict[int, list[float]] = {n: [] for n in FLAT_LEVELS}
    floor_flat: dict[int, list[float]] = {n: [] for n in FLAT_LEVELS}
    sweep = not args.skip_flat and args.only is None
    try:
        for r in range(1, args.rounds + 1):
            print(f"round {r} (load average {os.getloadavg()[0]:.2f})", flush=True)
            if args.only != "nonstream":
                _stream_round(run, r, loops, args.floors, note)
            if sweep:
                levels = [run.stream_cell(r, "flat", OURS, "burst", n) for n in FLAT_LEVELS]
                for n, value in zip(FLAT_LEVELS, levels, strict=True):
                    flat[n].append(value)
                note("burst, 1..1,024 streams: sdk max/min, this round", max(levels) / min(levels))
                if args.floors:  # the same sweep for the bare protocol: how flat the event loop itself is
                    floors = [run.stream_cell(r, "flat", "raw-protocol", "burst", n) for n in FLAT_LEVELS]
                    for n, value in zip(FLAT_LEVELS, floors, strict=True):
                        floor_flat[n].append(value)
            sdk = run.request_cell(r, "sdk")
            bare = run.request_cell(r, "bare-aiohttp")
            openai = run.request_cell(r, "openai")
            note("non-streamed, 64 concurrent: sdk / bare aiohttp (<= 1.5)", sdk / bare)
            note("non-streamed, 64 concurrent: openai / sdk (>= 8)", openai / sdk)
            if args.floors:  # the previous default, non-streamed calls through aiohttp's session
                old = run.request_cell(r, "sdk-aiohttp")
                note("non-streamed, 64 concurrent: sdk-aiohttp / bare aiohttp", old / bare)
        if sweep:
            medians = [statistics.median(flat[n]) for n in FLAT_LEVELS]
            shown = " / ".join(f"{m * 1e6:.2f}" for m in medians)
            print(f"flatness ({OURS}, burst): median us per chunk at {FLAT_LEVELS} streams: {shown}")
            note("burst, 1..1,024 streams: sdk max/min of the medians (<= 1.3)", max(medians) / min(medians))
            if args.floors:
                lows = [statistics.median(floor_flat[n]) for n in FLAT_LEVELS]
                shown = " / ".join(f"{m * 1e6:.2f}" for m in lows)
                print(f"flatness (raw-protocol, burst): median us per chunk at {FLAT_LEVELS}: {shown}")
                note("burst, 1..1,024 streams: bare protocol max/min of the medians", max(lows) / min(lows))
    finally:
        run.close()

    print("\n| target | ratio: median (min, max) over rounds |\n|---|---|")
    for name, values in ratios.items():
        print(f"| {name} | {_spread(values)} |")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(
                {
                    "machine": _machine(),
                    "versions": _versions(),
                    "tokens": args.tokens,
                    "rounds": args.rounds,
                    "ratios": ratios,
                    "rows": run.rows,
                },
                f,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
