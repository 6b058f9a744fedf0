"""Load-generator metrics of a batch run, next to ``vllm bench serve``'s (pure functions, no I/O).

Same name, same definition: the figures that mean what ``vllm bench serve``'s mean carry its JSON keys
(``completed``, ``failed``, ``duration``, ``total_input_tokens``, ``total_output_tokens``,
``request_throughput``, ``output_throughput``, ``total_token_throughput``, ``request_goodput``); the
latency distributions are timed differently, so they carry names of their own.

vLLM's client times every chunk that carries ``choices``: its TTFT ends at the first of them (vLLM's
role-only chunk, empty content), its ITL runs from chunk to chunk (role chunk to first token, last token
to the empty ``finish_reason`` chunk included) and its E2EL ends at the last of them. The SDK's streams
yield token events, not chunks (a role-only chunk yields none), so ours are timed on **token events**
(content, reasoning and tool-call deltas; completion text), per successful request
(:class:`~vllm_sdk.batch._result.RequestTiming`, measured by the senders):

* ``ttft_token``: first token event minus send time (streamed requests only);
* ``itl_token``: the intervals between successive token events of one stream;
* ``tpot_token``: ``(e2e - ttft) / (output_tokens - 1)`` over the two above, the time per output token
  *excluding the first*, for requests with more than one output token;
* ``e2el_token``: the last token event (or the whole body, when not streamed) minus send time;
* output tokens: the server's ``usage.completion_tokens``, else the counted token events (vLLM's client
  falls back on its tokenizer).

Against a vLLM server the role chunk comes in the same engine step as the first token, so the TTFTs agree
to within microseconds; ITL and E2EL differ by the role-to-first-token and last-token-to-finish intervals
vLLM's include.

Over the run (:class:`LoadMetrics`): counts, request and token throughput over the run's duration, and
mean / median / standard deviation (population, as numpy's default) / p50 / p90 / p99 of each
distribution, percentiles interpolated linearly between ranks (numpy's default, as ``vllm bench serve``).
**Goodput** is, as in vLLM, the number of requests meeting every SLO (``ttft``, ``tpot``, ``e2el`` in
milliseconds; a value equal to its SLO meets it) per second, judged on the token-event latencies; a
request with one output token has a TPOT of 0 for the SLO, as in vLLM. A distribution with no value is
``None`` (vLLM reports 0, which reads as a measurement).

Memory stays bounded on runs of any length: each distribution keeps at most ``max_samples`` values and
past that a uniform reservoir sample (seeded, so reruns agree); count, mean and standard deviation stay
exact, and the summary says ``"sampled": true``.
"""

from __future__ import annotations

import math
import random
from array import array
from itertools import repeat
from operator import mul, sub
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ._result import BatchResult

__all__ = [
    "DEFAULT_MAX_SAMPLES",
    "METRICS",
    "PERCENTILES",
    "SLO_METRICS",
    "TOKEN_EVENTS_NOTE",
    "LoadMetrics",
    "Samples",
    "SloError",
    "format_table",
    "parse_slo",
    "percentile",
    "request_tpot",
]

#: The percentiles every summary reports.
PERCENTILES = (50.0, 90.0, 99.0)

#: The distributions, in the order the table shows them: (key, title, short name). The keys are not
#: ``vllm bench serve``'s ``ttft``/``tpot``/``itl``/``e2el``: those are timed on chunks, these on token
#: events (see the module's docstring), and a script reading vLLM's keys must not mistake one for the other.
METRICS = (
    ("ttft_token", "Time to First Token (token events)", "TTFT"),
    ("tpot_token", "Time per Output Token (excl. 1st, token events)", "TPOT"),
    ("itl_token", "Inter-token Latency (token events)", "ITL"),
    ("e2el_token", "End-to-end Latency (last token event or body)", "E2EL"),
)

#: The keys of :meth:`LoadMetrics.detail` (seconds), per distribution.
_DETAIL_KEYS = {"ttft_token": "ttft_s", "tpot_token": "tpot_s", "itl_token": "itl_s", "e2el_token": "e2e_s"}

#: The one line under the table that says why its latencies are not named as vLLM's.
TOKEN_EVENTS_NOTE = "(latencies timed on token events, not on every chunk as vllm bench serve does)"

#: What ``--slo`` accepts (milliseconds each), as ``vllm bench serve --goodput``.
SLO_METRICS = ("ttft", "tpot", "e2el")

#: Values kept per distribution before switching to a reservoir sample (8 MB of doubles each).
DEFAULT_MAX_SAMPLES = 1 << 20


class SloError(ValueError):
    """A ``--slo`` specification that cannot be parsed."""


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) of ``values`` interpolated linearly between the closest ranks
    (numpy's default method), or ``None`` when there are no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, not {q!r}")
    if not values:
        return None
    ordered = sorted(values)
    return _interpolate(ordered, q)


def _interpolate(ordered: Sequence[float], q: float) -> float:
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    fraction = position - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def request_tpot(e2e: float, ttft: float, output_tokens: int) -> float | None:
    """Time per output token excluding the first: ``(e2e - ttft) / (output_tokens - 1)``, or ``None``
    when the request produced at most one token."""
    if output_tokens <= 1:
        return None
    return (e2e - ttft) / (output_tokens - 1)


def parse_slo(spec: str) -> dict[str, float]:
    """Parse ``"ttft=200,tpot=50"`` (milliseconds) into ``{"ttft": 200.0, "tpot": 50.0}``.

    Raises :class:`SloError` for an unknown metric, a repeated one, or a value that is not a positive
    number.
    """
    slo: dict[str, float] = {}
    for part in spec.split(","):
        name, sep, raw = part.strip().partition("=")
        name = name.strip().lower()
        if not sep or not name:
            raise SloError(f"expected METRIC=MS pairs such as 'ttft=200,tpot=50', got {part.strip()!r}")
        if name not in SLO_METRICS:
            raise SloError(f"unknown SLO metric {name!r} (known: {', '.join(SLO_METRICS)})")
        if name in slo:
            raise SloError(f"SLO metric {name!r} given twice")
        try:
            value = float(raw)
        except ValueError:
            raise SloError(f"SLO {name}: {raw.strip()!r} is not a number of milliseconds") from None
        if not (value > 0 and math.isfinite(value)):
            raise SloError(f"SLO {name}: must be a positive number of milliseconds, not {raw.strip()!r}")
        slo[name] = value
    return slo


#: What a draw of 0 from ``random()`` is taken as (Algorithm L takes logarithms of its draws).
_TINY = 5e-324


def _gap(draw: float, w: float) -> int:
    """Algorithm L: how many positions ahead the next value entering the reservoir is."""
    # Only at floating point's limits: a weight rounded up to 1 takes the next value; one that
    # underflowed to 0 (after ~e**745 values) never takes another.
    if w >= 1.0:
        return 1
    if w <= 0.0:
        return 1 << 62
    return int(math.log(draw) / math.log1p(-w)) + 1


class Samples:
    """One distribution: exact count, mean and standard deviation, and up to ``limit`` values for the
    percentiles (a seeded uniform reservoir sample beyond that).

    While every value is kept (at most ``limit``), recording one is a C-level append and the mean and
    standard deviation are computed from the values when asked for: this runs once per streamed token.
    Past ``limit`` the running mean and M2 take over (Welford, Chan et al. for a batch) and the reservoir
    is kept with Li's Algorithm L, which draws random numbers only for the values it keeps (O(limit log
    n) draws over n values, where Algorithm R draws one per value).
    """

    __slots__ = ("_m2", "_mean", "_next", "_rng", "_w", "count", "limit", "values")

    def __init__(self, limit: int = DEFAULT_MAX_SAMPLES, *, seed: int = 0) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.values: array[float] = array("d")
        self.count = 0
        self._mean = 0.0
        self._m2 = 0.0  # Welford's running sum of squared deviations, once values are no longer all kept
        self._rng = random.Random(seed)
        self._w = 0.0  # Algorithm L's running weight (set when the reservoir fills)
        self._next = 0  # 1-based position of the next value that enters the reservoir

    def _spill(self) -> None:
        """The reservoir is full: start the running statistics and Algorithm L's schedule."""
        values = self.values
        n = len(values)
        mean = math.fsum(values) / n
        self._mean = mean
        self._m2 = math.fsum((v - mean) * (v - mean) for v in values)
        rnd = self._rng.random
        # random() is in [0, 1); a 0 (chance 2**-53 a draw) is taken as the smallest float, as log() needs.
        self._w = (rnd() or _TINY) ** (1.0 / self.limit)
        self._next = n + _gap(rnd() or _TINY, self._w)

    def _place(self, values: Sequence[float], offset: int) -> None:
        """Put the chosen values among ``values`` (positions ``offset + 1 ...``) into the reservoir.

        Algorithm L: each chosen value replaces a uniformly chosen kept one; the weight shrinks and the gap
        to the next chosen position is drawn. Inlined: past the limit this is the per-value work of a run.
        """
        kept = self.values
        limit = self.limit
        inverse = 1.0 / limit
        rnd = self._rng.random
        w = self._w
        nxt = self._next
        end = offset + len(values)
        while nxt <= end:
            kept[int(rnd() * limit)] = values[nxt - offset - 1]
            w *= (rnd() or _TINY) ** inverse
            nxt += _gap(rnd() or _TINY, w)
        self._w = w
        self._next = nxt

    def add(self, value: float) -> None:
        """Record one value."""
        count = self.count
        if count < self.limit:
            self.values.append(value)
            self.count = count + 1
            return
        if count == self.limit:
            self._spill()
        count += 1
        self.count = count
        delta = value - self._mean
        self._mean += delta / count
        self._m2 += delta * (value - self._mean)
        if count == self._next:
            self._place((value,), count - 1)

    def extend(self, values: Sequence[float]) -> None:
        """Record several values (a stream's inter-token latencies: the per-token path, kept lean)."""
        n = len(values)
        if not n:
            return
        count = self.count
        room = self.limit - count
        if room >= n:
            self.values.extend(values)
            self.count = count + n
            return
        if room > 0:  # fill the reservoir first, then go on with the rest
            self.values.extend(values[:room])
            self.count = self.limit
            self.extend(values[room:])
            return
        if count == self.limit:
            self._spill()
        # Chan et al.'s parallel update of the running mean and M2, one batch at a time; map() with
        # operator functions keeps the per-value work in C.
        batch_mean = math.fsum(values) / n
        deviations = list(map(sub, values, repeat(batch_mean, n)))
        batch_m2 = math.fsum(map(mul, deviations, deviations))
        total = count + n
        delta = batch_mean - self._mean
        self._m2 += batch_m2 + delta * delta * count * n / total
        self._mean += delta * n / total
        self.count = total
        # Only the values Algorithm L chose are looked at: a few per batch at most, usually none.
        if self._next <= total:
            self._place(values, count)

    @property
    def sampled(self) -> bool:
        """Whether the percentiles come from a sample (more values than ``limit``)."""
        return self.count > self.limit

    def _moments(self) -> tuple[float, float]:
        """The mean and the population variance of every value recorded (numpy's default ``std``)."""
        if self.sampled:
            return self._mean, self._m2 / self.count
        values = self.values
        mean = math.fsum(values) / len(values)
        deviations = list(map(sub, values, repeat(mean, len(values))))
        return mean, math.fsum(map(mul, deviations, deviations)) / len(values)

    def stats(self) -> dict[str, float | None]:
        """``mean``, ``median``, ``std`` and ``p50``/``p90``/``p99`` (``None`` each when empty)."""
        if not self.count:
            return {"mean": None, "median": None, "std": None, **{_pkey(q): None for q in PERCENTILES}}
        ordered = sorted(self.values)
        mean, variance = self._moments()
        out: dict[str, float | None] = {
            "mean": mean,
            "median": _interpolate(ordered, 50.0),
            "std": math.sqrt(variance),
        }
        for q in PERCENTILES:
            out[_pkey(q)] = _interpolate(ordered, q)
        return out


def _pkey(q: float) -> str:
    return f"p{int(q)}" if q == int(q) else f"p{q}"


class LoadMetrics:
    """Accumulates the results of a run (:meth:`add`) and summarises them (:meth:`summary`).

    ``slo`` maps SLO metric names (:data:`SLO_METRICS`) to milliseconds; with none, goodput is not
    computed.
    """

    def __init__(
        self, slo: Mapping[str, float] | None = None, *, max_samples: int = DEFAULT_MAX_SAMPLES
    ) -> None:
        unknown = set(slo or ()) - set(SLO_METRICS)
        if unknown:
            raise SloError(f"unknown SLO metric(s): {', '.join(sorted(unknown))}")
        self.slo = {k: float(v) / 1000 for k, v in (slo or {}).items()}  # seconds, to compare
        self.completed = 0
        self.failed = 0
        self.good = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.samples = {key: Samples(max_samples, seed=i) for i, (key, _, _) in enumerate(METRICS)}

    def add(self, result: BatchResult) -> None:
        """Count one result; a successful one adds its latencies (when it carries a timing)."""
        if not result.ok:
            self.failed += 1
            return
        self.completed += 1
        self.input_tokens += result.prompt_tokens or 0
        timing = result.timing
        counted = len(timing.token_times) if timing is not None else 0
        tokens = result.completion_tokens if result.completion_tokens is not None else counted
        self.output_tokens += tokens
        if timing is None:
            return
        samples = self.samples
        e2e = timing.e2e
        samples["e2el_token"].add(e2e)
        ttft = timing.ttft
        tpot = None
        if ttft is not None:
            samples["ttft_token"].add(ttft)
            tpot = request_tpot(e2e, ttft, tokens)
            if tpot is not None:
                samples["tpot_token"].add(tpot)
            samples["itl_token"].extend(timing.itls())
        if self.slo and self._meets_slo(ttft, tpot, e2e):
            self.good += 1

    def _meets_slo(self, ttft: float | None, tpot: float | None, e2e: float) -> bool:
        slo = self.slo
        if "ttft" in slo and (ttft is None or ttft > slo["ttft"]):
            return False
        # A request with at most one token has a TPOT of 0 for the SLO (vLLM's convention).
        if "tpot" in slo and (ttft is None or (tpot or 0.0) > slo["tpot"]):
            return False
        return not ("e2el" in slo and e2e > slo["e2el"])

    def detail(self) -> dict[str, list[float]]:
        """The measured values themselves, in seconds, under the keys the plot script reads
        (``ttft_s``, ``tpot_s``, ``itl_s``, ``e2e_s``): every value, or a uniform sample of about
        :data:`DEFAULT_MAX_SAMPLES` when a distribution had more (``summary()["sampled"]`` says so)."""
        return {f"{_DETAIL_KEYS[key]}": self.samples[key].values.tolist() for key, _, _ in METRICS}

    def summary(self, duration: float, **extra: Any) -> dict[str, Any]:
        """The run's figures as a flat dict: ``vllm bench serve``'s JSON keys for the figures defined as
        its are, ``{mean,median,std,p50,p90,p99}_{ttft,tpot,itl,e2el}_token_ms`` for the token-event
        latencies (milliseconds; ``None`` where nothing was measured); ``extra`` items are added as they
        are."""
        duration = max(duration, 1e-9)
        out: dict[str, Any] = {
            **extra,
            "duration": duration,
            "completed": self.completed,
            "failed": self.failed,
            "total_input_tokens": self.input_tokens,
            "total_output_tokens": self.output_tokens,
            "request_throughput": self.completed / duration,
            "output_throughput": self.output_tokens / duration,
            "total_token_throughput": (self.input_tokens + self.output_tokens) / duration,
            "request_goodput": self.good / duration if self.slo else None,
            "slo_ms": {k: v * 1000 for k, v in self.slo.items()} or None,
            "sampled": any(s.sampled for s in self.samples.values()),
        }
        for key, _, _ in METRICS:
            for stat, value in self.samples[key].stats().items():
                out[f"{stat}_{key}_ms"] = None if value is None else value * 1000
        return out


def format_table(summary: Mapping[str, Any]) -> list[str]:
    """The summary as ``vllm bench serve``'s result table, one string per line."""
    width = 50
    lines = ["{s:{c}^{n}}".format(s=" Serving Benchmark Result ", n=width, c="=")]

    def row(label: str, value: Any, fmt: str = ".2f") -> None:
        shown = "n/a" if value is None else (f"{value:{fmt}}" if isinstance(value, float) else str(value))
        lines.append(f"{label:<40} {shown}")

    row("Successful requests:", summary["completed"])
    row("Failed requests:", summary["failed"])
    if summary.get("max_concurrency") is not None:
        row("Maximum request concurrency:", summary["max_concurrency"])
    if isinstance(summary.get("request_rate"), (int, float)):  # "inf" (vLLM's spelling) is not shown
        row("Request rate configured (RPS):", summary["request_rate"])
    row("Benchmark duration (s):", summary["duration"])
    row("Total input tokens:", summary["total_input_tokens"])
    row("Total generated tokens:", summary["total_output_tokens"])
    row("Request throughput (req/s):", summary["request_throughput"])
    if summary.get("request_goodput") is not None:
        row("Request goodput (req/s):", summary["request_goodput"])
    row("Output token throughput (tok/s):", summary["output_throughput"])
    row("Total token throughput (tok/s):", summary["total_token_throughput"])
    for key, title, short in METRICS:
        if summary.get(f"mean_{key}_ms") is None:
            continue  # e.g. TTFT, TPOT and ITL of a run that did not stream
        lines.append("{s:{c}^{n}}".format(s=title, n=width, c="-"))
        row(f"Mean {short} (ms):", summary[f"mean_{key}_ms"])
        row(f"Median {short} (ms):", summary[f"median_{key}_ms"])
        for q in PERCENTILES:
            row(f"P{_pkey(q)[1:]} {short} (ms):", summary[f"{_pkey(q)}_{key}_ms"])
    if summary.get("mean_ttft_token_ms") is not None:  # streamed: the latencies are timed on token events
        lines.append(TOKEN_EVENTS_NOTE)
    if summary.get("sampled"):
        lines.append("(percentiles from a uniform sample of each distribution)")
    lines.append("=" * width)
    return lines
