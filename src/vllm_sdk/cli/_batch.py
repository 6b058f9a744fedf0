"""``vllm-sdk batch INPUT.jsonl -o OUTPUT.jsonl``: an OpenAI batch file through one or more vLLM servers.

Resumable and loss-free (see :mod:`vllm_sdk.batch._files`): result lines are appended as requests complete;
a rerun repairs a torn last line, skips the ``custom_id``\\ s already written and runs the rest. Ctrl-C
(or SIGTERM) stops taking requests, abandons the ones in flight (the rerun does them), prints the summary
and exits with 130 (143); a second Ctrl-C exits at once, which is safe because lines are only ever
written whole between two event-loop steps.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import sys
import time
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import httpx

from .._config import split_credentials
from .._transports import create_async_http_client
from .._transports import run as run_event_loop
from ..batch._balancer import Balancer, Replica
from ..batch._files import OutputWriter, count_lines, iter_input, output_line, scan_output
from ..batch._runner import BATCH_RETRY_POLICY, run_batch
from ..batch._senders import Endpoint, HttpSender

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ..batch import BatchResult

__all__ = ["BatchFileOptions", "BatchStats", "percentile", "run_batch_file"]

#: Invalid input lines reported one by one before only counting the rest.
MAX_REPORTED_INVALID = 20


@dataclass
class BatchFileOptions:
    """Everything ``vllm-sdk batch`` needs (the argparse namespace, typed)."""

    input: str
    output: str
    base_urls: list[str]
    api_key: str | None = None
    concurrency: int = 64
    max_retries: int = 3
    stream: bool = False
    progress: bool = True
    timeout: float | None = None
    model: str | None = None  # overrides every line's body["model"] when set


def percentile(values: array[float] | list[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100, nearest rank) of ``values``, or ``None`` when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class BatchStats:
    """Running totals of a batch run, for the progress bar and the summary."""

    started: float = field(default_factory=time.perf_counter)
    requests: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    invalid_lines: int = 0
    skipped: int = 0
    ttfts: array[float] = field(default_factory=lambda: array("d"))
    latencies: array[float] = field(default_factory=lambda: array("d"))
    interrupted: bool = False

    def add(self, result: BatchResult) -> None:
        self.requests += 1
        if not result.ok:
            self.errors += 1
        self.prompt_tokens += result.prompt_tokens or 0
        self.completion_tokens += result.completion_tokens or 0
        if result.ttft is not None:
            self.ttfts.append(result.ttft)
        if result.ok:
            self.latencies.append(result.latency)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def summary_lines(self) -> list[str]:
        elapsed = max(self.elapsed, 1e-9)
        lines = [
            f"requests: {self.requests} ({self.requests - self.errors} ok, {self.errors} errors)"
            + (f", {self.skipped} already done" if self.skipped else "")
            + (f", {self.invalid_lines} invalid input lines" if self.invalid_lines else ""),
            f"tokens: {self.prompt_tokens} prompt, {self.completion_tokens} completion",
            f"time: {elapsed:.2f} s, {self.requests / elapsed:.1f} req/s, "
            f"{self.completion_tokens / elapsed:.1f} completion tokens/s",
        ]
        p50, p99 = percentile(self.ttfts, 50), percentile(self.ttfts, 99)
        if p50 is not None and p99 is not None:
            lines.append(f"TTFT: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")
        l50, l99 = percentile(self.latencies, 50), percentile(self.latencies, 99)
        if l50 is not None and l99 is not None:
            lines.append(f"latency: p50 {l50 * 1000:.1f} ms, p99 {l99 * 1000:.1f} ms")
        return lines


class _Progress:
    """A rich progress bar with live throughput on stderr, or nothing (not a terminal, --no-progress)."""

    def __init__(self, enabled: bool, total: int, stats: BatchStats) -> None:
        self._progress: Any = None
        self._task: Any = None
        self._stats = stats
        if not enabled:
            return
        try:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        except ImportError:  # the cli extra is optional: no bar, same results
            return
        self._progress = Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            refresh_per_second=5,
        )
        self._task = self._progress.add_task("batch", total=total or None, rate="")
        self._last = 0.0

    def __enter__(self) -> _Progress:
        if self._progress is not None:
            self._progress.start()
        return self

    def advance(self) -> None:
        if self._progress is None:
            return
        now = time.perf_counter()
        if now - self._last < 0.1:  # rich's own refresh is 5 Hz: no need to format text per result
            self._progress.advance(self._task)
            return
        self._last = now
        elapsed = max(self._stats.elapsed, 1e-9)
        rate = (
            f"{self._stats.requests / elapsed:,.0f} req/s · "
            f"{self._stats.completion_tokens / elapsed:,.0f} tok/s · {self._stats.errors} err"
        )
        self._progress.update(self._task, advance=1, rate=rate)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _endpoints(options: BatchFileOptions, http: httpx.AsyncClient) -> list[Endpoint]:
    endpoints = []
    for url in options.base_urls:
        # Credentials in a base URL become Basic auth unless an API key is given (never left in the URL).
        base_url, basic = split_credentials(url)
        auth = f"Bearer {options.api_key}" if options.api_key else basic
        endpoints.append(Endpoint(base_url, http, {"authorization": auth} if auth else {}))
    return endpoints


def _http_client(options: BatchFileOptions) -> httpx.AsyncClient:
    read = options.timeout if options.timeout is not None else 600.0
    return create_async_http_client(
        timeout=httpx.Timeout(read, connect=min(5.0, read)),
        # The batch's concurrency bounds the connections in use; keep them all alive between requests.
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
    )


async def run_batch_file(
    options: BatchFileOptions,
    *,
    err: TextIO | None = None,
    stop: asyncio.Event | None = None,
) -> BatchStats:
    """Run the batch file to completion (or until ``stop`` is set); returns the statistics."""
    out = err or sys.stderr
    stats = BatchStats()
    scan = scan_output(options.output)
    if scan.torn_bytes:
        print(f"repaired {options.output}: cut a torn last line ({scan.torn_bytes} bytes)", file=out)
    if scan.unreadable:
        shown = ", ".join(map(str, scan.unreadable[:10]))
        print(
            f"warning: {options.output}: unreadable lines {shown} (their requests will run again)", file=out
        )
    if scan.done:
        print(f"resuming: {len(scan.done)} requests already in {options.output}", file=out)
    stats.skipped = len(scan.done)
    total = max(0, count_lines(options.input) - len(scan.done))

    def on_invalid(number: int, why: str) -> None:
        stats.invalid_lines += 1
        if stats.invalid_lines <= MAX_REPORTED_INVALID:
            print(f"{options.input}:{number}: skipped: {why}", file=out)
        elif stats.invalid_lines == MAX_REPORTED_INVALID + 1:
            print("(further invalid lines are only counted)", file=out)

    def requests() -> Iterator[dict[str, Any]]:
        for line in iter_input(options.input, skip=scan.done, on_invalid=on_invalid):
            request = line.request
            if options.model is not None and isinstance(request.get("body"), dict):
                request["body"] = {**request["body"], "model": options.model}
            yield request

    http = _http_client(options)
    balancer: Balancer[Endpoint] = Balancer([Replica(e.base_url, e) for e in _endpoints(options, http)])
    policy = dataclasses.replace(BATCH_RETRY_POLICY, max_retries=options.max_retries)
    writer = OutputWriter(options.output)
    try:
        with _Progress(options.progress, total, stats) as progress:
            results = run_batch(
                requests(),
                balancer=balancer,
                send=HttpSender(),
                concurrency=options.concurrency,
                stream=options.stream,
                policy=policy,
            )
            try:
                consume = asyncio.ensure_future(_consume(results, writer, stats, progress))
                if stop is None:
                    await consume
                else:
                    stopper = asyncio.ensure_future(stop.wait())
                    await asyncio.wait({consume, stopper}, return_when=asyncio.FIRST_COMPLETED)
                    stopper.cancel()
                    if not consume.done():
                        stats.interrupted = True
                        consume.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await consume
            finally:
                await results.aclose()
    finally:
        writer.close()
        await http.aclose()
    return stats


async def _consume(results: Any, writer: OutputWriter, stats: BatchStats, progress: _Progress) -> None:
    async for result in results:
        writer.write(output_line(result))
        stats.add(result)
        progress.advance()


def run_from_cli(options: BatchFileOptions, *, err: TextIO | None = None) -> int:
    """Run the batch with Ctrl-C/SIGTERM handling, print the summary; returns the exit status."""
    out = err or sys.stderr
    if not os.path.isfile(options.input):
        print(f"error: no such input file: {options.input}", file=out)
        return 2
    received: list[int] = []

    async def main() -> BatchStats:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_signal(signum: int) -> Callable[[], None]:
            def handler() -> None:
                if received:  # second signal: leave now (every written line is whole)
                    os._exit(128 + signum)
                received.append(signum)
                print("\ninterrupted: stopping (requests in flight will run on the next run)", file=out)
                stop.set()

            return handler

        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, on_signal(signum))
        return await run_batch_file(options, err=out, stop=stop)

    try:
        stats = run_event_loop(main())  # uvloop when installed (VLLM_SDK_UVLOOP=0 opts out)
    except OSError as exc:  # unreadable input, unwritable output
        print(f"error: {exc}", file=out)
        return 1
    for line in stats.summary_lines():
        print(line, file=out)
    if received:
        print(f"interrupted: rerun the same command to finish ({options.output} is resumable)", file=out)
        return 128 + received[0]
    return 0
