"""The batch command's own cost per request, without the network: runner, result lines, metrics.

    python -m benchmarks.run_batch_overhead                 # 10,000 requests, 5 runs
    python -m benchmarks.run_batch_overhead --requests 2000 --runs 9

What ``vllm-sdk batch --stream`` does per request around the HTTP exchange, in this process: input lines
read and decoded from a file (``iter_input``), each request prepared and run through the runner the
command uses (``drive_batch``, 32 workers), a result line built and appended to an output file
(``output_bytes``, ``OutputWriter``) and the load metrics accumulated (``BatchStats.add``: TTFT, TPOT, 63
inter-token latencies, E2E). The sender is a stand-in that does no I/O and returns a 64-token streamed
outcome at once (building its timing array is part of the figure, ~5 µs). CPU time (``process_time``) per
request is printed per run, and the minimum: with no network and no server, the loop's scheduling and the
command's own Python are all there is, so this isolates the part of ``benchmarks.run_loadgen``'s figure
that ``src/vllm_sdk/batch`` and ``cli/_batch.py`` own (the end-to-end figure moves more from run to run on a
shared machine than these changes do). Numbers are in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from array import array
from typing import Any

from vllm_sdk._balancer import Balancer, Replica
from vllm_sdk.batch._files import iter_input, output_bytes
from vllm_sdk.batch._metrics import LoadMetrics
from vllm_sdk.batch._output import OutputWriter
from vllm_sdk.batch._result import RequestTiming
from vllm_sdk.batch._runner import BATCH_RETRY_POLICY, drive_batch
from vllm_sdk.batch._senders import Outcome
from vllm_sdk.cli._batch import BatchStats

TOKENS = 64
_BODY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "mock",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "x " * TOKENS}, "finish_reason": "length"}
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": TOKENS, "total_tokens": 12 + TOKENS},
}
_OFFSETS = [i * 1e-4 for i in range(TOKENS)]


async def _send(client: Any, request: Any, stream: bool) -> Outcome:
    sent = time.perf_counter()
    times = array("d", [sent + offset for offset in _OFFSETS])
    return Outcome(_BODY, _BODY, 0.001, 200, "req-1", timing=RequestTiming(sent, sent + 0.01, times))


async def _run(path: str, output: str) -> float:
    stats = BatchStats()
    stats.metrics = LoadMetrics()

    def requests() -> Any:
        for line in iter_input(path, skip=set(), on_invalid=lambda number, why: None):
            yield line.request

    with OutputWriter(output) as writer:
        write, add = writer.write, stats.add

        def on_result(result: Any) -> None:
            write(output_bytes(result))
            add(result)

        started = time.process_time()
        await drive_batch(
            requests(),
            balancer=Balancer([Replica("http://127.0.0.1/v1", None)]),
            send=_send,
            concurrency=32,
            stream=True,
            policy=BATCH_RETRY_POLICY,
            on_result=on_result,
        )
        return time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    """Measure and print µs of CPU per request; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="batch-overhead-") as tmp:
        path = os.path.join(tmp, "in.jsonl")
        with open(path, "w") as f:
            for i in range(args.requests):
                body = {
                    "model": "mock",
                    "messages": [
                        {"role": "user", "content": f"request {i}: tell me a long story about the sea"}
                    ],
                    "max_completion_tokens": TOKENS,
                    "ignore_eos": True,
                }
                line = {"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body}
                f.write(json.dumps(line) + "\n")
        runs = []
        for k in range(args.runs):
            seconds = asyncio.run(_run(path, os.path.join(tmp, f"out-{k}.jsonl")))
            runs.append(seconds / args.requests * 1e6)
    print(f"µs of CPU per request, {args.requests} requests x {TOKENS} tokens, 32 workers")
    print("runs: " + " ".join(f"{x:.1f}" for x in runs) + f"; min {min(runs):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
