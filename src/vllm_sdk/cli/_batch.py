"""``vllm-sdk batch INPUT.jsonl -o OUTPUT.jsonl``: an OpenAI batch file through one or more vLLM servers.

The semantics (API.md section 10; the file handling is :mod:`vllm_sdk.batch._output`): result lines are
appended as requests complete and the output is compacted to exactly one line per ``custom_id`` at the
end, atomically. A rerun skips the ids that succeeded, retries those that failed retryably (transport
errors, timeouts, broken streams, 408/409/429/5xx) and, with ``--retry-failed``, every failed id. One run
per output file (a lock beside it); an output that is the input, or that this command did not write, is
refused. Exit status: 0 every request succeeded, 3 the run finished but some failed (or input lines were
invalid), 1 the run could not proceed. Ctrl-C (or SIGTERM) stops taking requests, abandons the ones in
flight (the rerun does them), compacts, prints the summary and exits with 130 (143); a second Ctrl-C exits
at once, which is safe because lines are only ever written whole and the rerun compacts.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import httpx

from .._balancer import Balancer, Replica
from .._config import BATCH_REQUEST_TIMEOUT, split_credentials
from .._exceptions import VllmError
from .._transports import create_async_http_client
from .._transports import run as run_event_loop
from ..batch._arrivals import paced
from ..batch._deadline import DeadlineSender
from ..batch._files import count_lines, iter_input, output_bytes
from ..batch._lock import OutputLock
from ..batch._metrics import LoadMetrics, format_table, percentile
from ..batch._output import OutputWriter, compact, remove_stale_temporaries, scan_output
from ..batch._runner import BATCH_RETRY_POLICY, drive_batch
from ..batch._senders import Endpoint, HttpSender, Sender
from ._progress import BatchProgress

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

    from ..batch import BatchResult

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_UNABLE",
    "BatchFileError",
    "BatchFileOptions",
    "BatchStats",
    "percentile",
    "run_batch_file",
    "run_from_cli",
]

#: Exit status: every request succeeded.
EXIT_OK = 0
#: Exit status: the run could not proceed (bad arguments, output locked or refused, unreadable input).
EXIT_UNABLE = 1
#: Exit status: the run finished but some requests failed (their error lines are in the output).
EXIT_FAILED = 3

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
    progress: str = "plain"  # bar, plain or none (resolved from --progress by the command line)
    timeout: float | None = None
    model: str | None = None  # overrides every line's body["model"] when set
    retry_failed: bool = False  # rerun every failed id, not only the retryably failed ones
    stream_idle_timeout: float | None = None  # seconds of silence allowed inside a stream
    # The longest one attempt may take, first byte sent to last byte read (inf: no bound). The client's
    # timeouts bound each phase only, so a server dripping bytes or streaming forever would hold a run open.
    request_timeout: float = BATCH_REQUEST_TIMEOUT
    request_rate: float = math.inf  # Poisson arrivals per second; inf: as fast as concurrency allows
    seed: int = 0  # seeds the arrival gaps
    slo: dict[str, float] | None = None  # milliseconds per SLO metric (goodput)
    json_summary: str | None = None  # where to write the metrics as JSON
    save_detailed: bool = False  # the JSON summary also carries the measured values (for plots)

    def check(self) -> None:
        """Raise :class:`BatchFileError` for a value no run can use."""
        if self.concurrency < 1:
            raise BatchFileError(f"--concurrency must be at least 1, not {self.concurrency}")
        if self.max_retries < 0:
            raise BatchFileError(f"--max-retries must be at least 0, not {self.max_retries}")
        for name, value in (
            ("--timeout", self.timeout),
            ("--stream-idle-timeout", self.stream_idle_timeout),
            ("--request-timeout", self.request_timeout),
        ):
            if value is not None and not value > 0:
                raise BatchFileError(f"{name} must be a number of seconds above 0, not {value}")
        if not self.request_rate > 0:
            raise BatchFileError(f"--request-rate must be above 0 (or inf), not {self.request_rate}")
        if self.save_detailed and self.json_summary is None:
            raise BatchFileError("--save-detailed needs --json-summary PATH (the values go into that file)")
        if self.slo and not self.stream and {"ttft", "tpot"} & set(self.slo):
            raise BatchFileError("--slo ttft/tpot need --stream (only streamed requests have a first token)")


class BatchFileError(VllmError):
    """The batch cannot run: a bad option, an unreadable input, an output that is the input."""


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
    retried: int = 0  # failed ids of an earlier run sent again
    failed_ids: int = 0  # ids whose result in the output is an error, once the run ended
    interrupted: bool = False
    metrics: LoadMetrics = field(default_factory=LoadMetrics)
    finished: float | None = None  # when the last result came in (the run's duration ends there)

    def add(self, result: BatchResult) -> None:
        self.requests += 1
        if not result.ok:
            self.errors += 1
        self.prompt_tokens += result.prompt_tokens or 0
        self.completion_tokens += result.completion_tokens or 0
        self.metrics.add(result)
        self.finished = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    def summary(self, **extra: Any) -> dict[str, Any]:
        """The load-generator metrics (``vllm bench serve``'s JSON keys) and the run's counts."""
        return self.metrics.summary(
            self.elapsed, **extra, skipped=self.skipped, invalid_lines=self.invalid_lines
        )

    def summary_lines(self) -> list[str]:
        elapsed = max(self.elapsed, 1e-9)
        return [
            f"requests: {self.requests} ({self.requests - self.errors} ok, {self.errors} errors)"
            + (f", {self.skipped} already done" if self.skipped else "")
            + (f", {self.retried} failed before and retried" if self.retried else "")
            + (f", {self.invalid_lines} invalid input lines" if self.invalid_lines else ""),
            f"tokens: {self.prompt_tokens} prompt, {self.completion_tokens} completion",
            f"time: {elapsed:.2f} s, {self.requests / elapsed:.1f} req/s, "
            f"{self.completion_tokens / elapsed:.1f} completion tokens/s",
        ]


def _endpoints(options: BatchFileOptions, http: httpx.AsyncClient) -> list[Endpoint]:
    endpoints = []
    for url in options.base_urls:
        # Credentials in a base URL become Basic auth unless an API key is given (never left in the URL).
        base_url, basic = split_credentials(url)
        auth = f"Bearer {options.api_key}" if options.api_key else basic
        endpoints.append(Endpoint(base_url, http, {"authorization": auth} if auth else {}))
    return endpoints


def _sender(options: BatchFileOptions) -> Sender[Endpoint]:
    """The HTTP sender of a run, its attempts bounded by ``--request-timeout`` unless that is ``inf``."""
    sender = HttpSender(idle_timeout=options.stream_idle_timeout)
    if math.isinf(options.request_timeout):
        return sender
    return DeadlineSender(sender, options.request_timeout)


def _http_client(options: BatchFileOptions) -> httpx.AsyncClient:
    read = options.timeout if options.timeout is not None else 600.0
    return create_async_http_client(
        timeout=httpx.Timeout(read, connect=min(5.0, read)),
        # The batch's concurrency bounds the connections in use; keep them all alive between requests.
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
    )


def _resolve_paths(options: BatchFileOptions) -> str:
    """Check the input and the output; returns the output's real path (symlinks resolved).

    The real path matters: compaction renames over the output, which must replace the file a symlink
    points to, not the symlink.
    """
    try:
        with open(options.input, "rb"):
            pass
        input_stat = os.stat(options.input)
    except OSError as exc:
        raise BatchFileError(f"cannot read the input {options.input}: {exc.strerror or exc}") from exc
    output = os.path.realpath(options.output)
    directory = os.path.dirname(output)
    if not os.path.isdir(directory):
        raise BatchFileError(f"cannot write the output {options.output}: there is no directory {directory}")
    try:
        output_stat = os.stat(output)
    except FileNotFoundError:
        return output
    except OSError as exc:
        raise BatchFileError(f"cannot use the output {options.output}: {exc.strerror or exc}") from exc
    if os.path.samestat(input_stat, output_stat):  # same file, also through a symlink or a hard link
        raise BatchFileError(
            f"the output {options.output} is the input file {options.input}: choose another -o"
        )
    if not os.path.isfile(output):
        raise BatchFileError(f"the output {options.output} is not a regular file")
    return output


async def run_batch_file(
    options: BatchFileOptions,
    *,
    err: TextIO | None = None,
    stop: asyncio.Event | None = None,
) -> BatchStats:
    """Run the batch file to completion (or until ``stop`` is set); returns the statistics.

    Raises :class:`BatchFileError`, ``OutputLockedError`` or ``ForeignOutputError`` (all
    :class:`~vllm_sdk.VllmError`) when the run cannot proceed, before sending anything.
    """
    out = err or sys.stderr
    options.check()
    output = _resolve_paths(options)
    with _locked(options.output, output):
        remove_stale_temporaries(output)
        scan = scan_output(output)
        stats = BatchStats()
        if scan.torn_bytes:
            print(f"repaired {options.output}: cut a torn last line ({scan.torn_bytes} bytes)", file=out)
        skip = scan.skip(retry_failed=options.retry_failed)
        stats.skipped = len(skip)
        stats.retried = len(scan.records) - len(skip)
        if scan.records:
            print(
                f"resuming: {len(skip)} requests already done in {options.output}"
                + (f", retrying {stats.retried} that failed" if stats.retried else ""),
                file=out,
            )
        try:
            await _run(options, output, skip, stats, out, stop)
        finally:
            # Exactly one line per id, also after an interrupt; a kill before this is compacted next run.
            final = scan_output(output, repair=False)
            compact(output, final)
        stats.failed_ids = final.failed
    return stats


def _locked(shown: str, output: str) -> OutputLock:
    """The output's lock, taken; a lock file that cannot be created (a read-only directory, say) is a
    :class:`BatchFileError` naming the output, not a bare ``OSError`` naming the lock file."""
    lock = OutputLock(output)
    try:
        lock.acquire()
    except OSError as exc:
        raise BatchFileError(
            f"cannot write the output {shown}: cannot create its lock file {lock.path} "
            f"({exc.strerror or exc})"
        ) from exc
    return lock


async def _run(
    options: BatchFileOptions,
    output: str,
    skip: set[str],
    stats: BatchStats,
    out: TextIO,
    stop: asyncio.Event | None,
) -> None:
    total = max(0, count_lines(options.input) - len(skip))

    def on_invalid(number: int, why: str) -> None:
        stats.invalid_lines += 1
        if stats.invalid_lines <= MAX_REPORTED_INVALID:
            print(f"{options.input}:{number}: skipped: {why}", file=out)
        elif stats.invalid_lines == MAX_REPORTED_INVALID + 1:
            print("(further invalid lines are only counted)", file=out)

    def requests() -> Iterator[dict[str, Any]]:
        for line in iter_input(options.input, skip=skip, on_invalid=on_invalid):
            request = line.request
            if options.model is not None and isinstance(request.get("body"), dict):
                request["body"] = {**request["body"], "model": options.model}
            yield request

    # Poisson arrivals at a finite rate; inf: as fast as the concurrency allows (no pacing at all).
    source: Iterator[dict[str, Any]] | AsyncIterator[dict[str, Any]] = (
        requests()
        if math.isinf(options.request_rate)
        else paced(requests(), options.request_rate, seed=options.seed)
    )
    stats.metrics = LoadMetrics(options.slo)

    http = _http_client(options)
    balancer: Balancer[Endpoint] = Balancer([Replica(e.base_url, e) for e in _endpoints(options, http)])
    policy = dataclasses.replace(BATCH_RETRY_POLICY, max_retries=options.max_retries)
    writer = OutputWriter(output)
    try:
        with BatchProgress(options.progress, total, stats, out) as progress:
            stats.started = time.perf_counter()  # the run's duration counts from the first request
            write = writer.write
            add = stats.add
            advance = progress.advance

            def on_result(result: BatchResult) -> None:
                write(output_bytes(result))
                add(result)
                advance()

            run = asyncio.ensure_future(
                drive_batch(
                    source,
                    balancer=balancer,
                    send=_sender(options),
                    concurrency=options.concurrency,
                    stream=options.stream,
                    policy=policy,
                    on_result=on_result,
                )
            )
            if stop is None:
                await run
            else:
                stopper = asyncio.ensure_future(stop.wait())
                await asyncio.wait({run, stopper}, return_when=asyncio.FIRST_COMPLETED)
                stopper.cancel()
                if not run.done():
                    stats.interrupted = True
                    # The run lasted until the interrupt, not until its last result: the throughputs
                    # divide by this.
                    stats.finished = time.perf_counter()
                    run.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await run
    finally:
        writer.close()
        await http.aclose()


def run_from_cli(options: BatchFileOptions, *, err: TextIO | None = None) -> int:
    """Run the batch with Ctrl-C/SIGTERM handling, print the summary; returns the exit status.

    :data:`EXIT_OK`, :data:`EXIT_FAILED` or :data:`EXIT_UNABLE`; ``128 + signal`` after an interrupt.
    """
    out = err or sys.stderr
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
    except (OSError, VllmError) as exc:  # refused output, locked output, unreadable input, unwritable output
        print(f"error: {exc}", file=out)
        return EXIT_UNABLE
    summary = stats.summary(
        max_concurrency=options.concurrency,
        # vLLM's spelling of an unpaced run, so scripts reading its results read ours too.
        request_rate="inf" if math.isinf(options.request_rate) else options.request_rate,
        burstiness=1.0,  # Poisson arrivals: vLLM's --burstiness 1 (its default)
    )
    for line in stats.summary_lines():
        print(line, file=out)
    for line in format_table(summary):
        print(line, file=out)
    if options.json_summary is not None:
        try:
            _write_json(
                options.json_summary,
                {**summary, **stats.metrics.detail()} if options.save_detailed else summary,
            )
        except OSError as exc:
            print(f"error: cannot write the JSON summary: {exc}", file=out)
            return EXIT_UNABLE
    if received:
        print(f"interrupted: rerun the same command to finish ({options.output} is resumable)", file=out)
        return 128 + received[0]
    if stats.failed_ids or stats.invalid_lines:
        if stats.failed_ids:
            print(
                f"{stats.failed_ids} requests failed (their error lines are in {options.output}): a rerun "
                "retries those that failed retryably, --retry-failed retries them all",
                file=out,
            )
        return EXIT_FAILED
    return EXIT_OK


def _write_json(path: str, summary: dict[str, Any]) -> None:
    """Write ``summary`` to ``path`` whole or not at all (a temp file renamed over it)."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2, allow_nan=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
