"""The load-generator metrics (``batch/_metrics.py``) on hand-computed examples."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vllm_sdk.batch._metrics import (
    TOKEN_EVENTS_NOTE,
    LoadMetrics,
    Samples,
    SloError,
    format_table,
    parse_slo,
    percentile,
    request_tpot,
)
from vllm_sdk.batch._result import BatchResult, RequestTiming


def result(
    timing: RequestTiming | None, completion_tokens: int | None, *, ok: bool = True, prompt: int = 5
) -> BatchResult:
    return BatchResult(
        index=0,
        custom_id=None,
        response={} if ok else None,
        error=None if ok else RuntimeError("boom"),
        status_code=200 if ok else 500,
        ttft=timing.ttft if timing else None,
        latency=timing.e2e if timing else 0.0,
        prompt_tokens=prompt if ok else None,
        completion_tokens=completion_tokens,
        attempts=1,
        base_url=None,
        request_id=None,
        body=None,
        timing=timing,
    )


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),  # position 1.5: halfway between 2 and 3
        ([1.0, 2.0, 3.0, 4.0], 90, 3.7),  # position 2.7
        ([1.0, 2.0, 3.0, 4.0], 99, 3.97),  # position 2.97
        ([4.0, 1.0, 3.0, 2.0], 50, 2.5),  # order of the input does not matter
        ([1.0, 2.0, 3.0, 4.0], 0, 1.0),
        ([1.0, 2.0, 3.0, 4.0], 100, 4.0),
        ([7.0], 99, 7.0),
        ([0.0, 10.0], 25, 2.5),
    ],
)
def test_percentile_interpolates_linearly_like_numpy(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_of_nothing_is_none_and_q_is_checked() -> None:
    assert percentile([], 50) is None
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1.0], 101)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50), st.floats(0, 100))
def test_percentile_lies_between_min_and_max_and_grows_with_q(values: list[float], q: float) -> None:
    p = percentile(values, q)
    assert p is not None
    assert min(values) - 1e-6 <= p <= max(values) + 1e-6
    higher = percentile(values, min(100.0, q + 10))
    assert higher is not None
    assert higher >= p - 1e-6


def test_request_timing_ttft_e2e_and_itls() -> None:
    timing = RequestTiming(sent=10.0, end=10.5, token_times=[10.1, 10.15, 10.3])
    assert timing.ttft == pytest.approx(0.1)
    assert timing.e2e == pytest.approx(0.3)  # the last token, not the end of the body
    assert timing.itls() == pytest.approx([0.05, 0.15])
    plain = RequestTiming(sent=1.0, end=1.25)
    assert plain.ttft is None
    assert plain.e2e == pytest.approx(0.25)
    assert plain.itls() == []


def test_tpot_excludes_the_first_token() -> None:
    # 10 tokens in 1 s, the first after 0.1 s: the other 9 took 0.9 s.
    assert request_tpot(1.0, 0.1, 10) == pytest.approx(0.1)
    assert request_tpot(1.0, 0.1, 2) == pytest.approx(0.9)
    assert request_tpot(1.0, 0.1, 1) is None
    assert request_tpot(1.0, 0.1, 0) is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("ttft=200,tpot=50", {"ttft": 200.0, "tpot": 50.0}),
        (" TTFT = 1.5 ", {"ttft": 1.5}),
        ("e2el=1000", {"e2el": 1000.0}),
    ],
)
def test_parse_slo(spec: str, expected: dict[str, float]) -> None:
    assert parse_slo(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("ttft", "METRIC=MS"),
        ("itl=5", "unknown SLO metric 'itl'"),
        ("ttft=5,ttft=6", "given twice"),
        ("ttft=fast", "not a number"),
        ("ttft=0", "positive"),
        ("ttft=-3", "positive"),
        ("ttft=nan", "positive"),
        ("ttft=inf", "positive"),
    ],
)
def test_parse_slo_refuses_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(SloError, match=message):
        parse_slo(spec)


def _example() -> LoadMetrics:
    metrics = LoadMetrics({"ttft": 200, "tpot": 100})
    # ttft 0.1, e2e 0.3, tpot (0.3 - 0.1) / 2 = 0.1, itl [0.1, 0.1]: meets both SLOs (tpot exactly).
    metrics.add(result(RequestTiming(0.0, 0.31, [0.1, 0.2, 0.3]), 3))
    # no usage: the 2 token events count; ttft 0.5 misses the TTFT SLO; tpot 0.1, itl [0.1].
    metrics.add(result(RequestTiming(1.0, 1.6, [1.5, 1.6]), None))
    metrics.add(result(None, None, ok=False))
    # one token: no TPOT sample, and a TPOT of 0 for the SLO: good.
    metrics.add(result(RequestTiming(0.0, 0.06, [0.05]), 1))
    return metrics


def test_summary_on_a_hand_computed_run() -> None:
    summary = _example().summary(2.0, max_concurrency=4)
    assert summary["max_concurrency"] == 4
    assert summary["completed"] == 3
    assert summary["failed"] == 1
    assert summary["total_input_tokens"] == 15
    assert summary["total_output_tokens"] == 6
    assert summary["request_throughput"] == pytest.approx(1.5)
    assert summary["output_throughput"] == pytest.approx(3.0)
    assert summary["total_token_throughput"] == pytest.approx(10.5)
    assert summary["request_goodput"] == pytest.approx(1.0)  # 2 good requests in 2 s
    assert summary["slo_ms"] == {"ttft": pytest.approx(200), "tpot": pytest.approx(100)}
    # TTFT [100, 500, 50] ms
    assert summary["mean_ttft_token_ms"] == pytest.approx(650 / 3)
    assert summary["median_ttft_token_ms"] == pytest.approx(100)
    assert summary["p90_ttft_token_ms"] == pytest.approx(420)  # position 1.8 of [50, 100, 500]
    assert summary["std_ttft_token_ms"] == pytest.approx(
        math.sqrt(((100 - 650 / 3) ** 2 + (500 - 650 / 3) ** 2 + (50 - 650 / 3) ** 2) / 3)
    )
    # TPOT [100, 100] ms: the one-token request has none
    assert summary["mean_tpot_token_ms"] == pytest.approx(100)
    assert summary["p99_tpot_token_ms"] == pytest.approx(100)
    # ITL [100, 100, 100] ms
    assert summary["median_itl_token_ms"] == pytest.approx(100)
    # E2E [300, 600, 50] ms
    assert summary["median_e2el_token_ms"] == pytest.approx(300)
    assert summary["p50_e2el_token_ms"] == pytest.approx(300)
    assert summary["sampled"] is False


def test_goodput_per_slo_metric() -> None:
    def good(slo: dict[str, float]) -> int:
        metrics = LoadMetrics(slo)
        metrics.add(result(RequestTiming(0.0, 0.31, [0.1, 0.2, 0.3]), 3))  # ttft 100, tpot 100, e2e 300
        metrics.add(result(RequestTiming(0.0, 1.0, [0.01, 0.91]), 2))  # ttft 10, tpot 900, e2e 910
        return metrics.good

    assert good({"ttft": 50}) == 1
    assert good({"ttft": 100}) == 2  # a request exactly at the SLO meets it
    assert good({"tpot": 500}) == 1
    assert good({"e2el": 500}) == 1
    assert good({"e2el": 1000, "tpot": 1000, "ttft": 1000}) == 2
    assert good({"ttft": 50, "tpot": 500}) == 0


def test_goodput_needs_a_first_token_for_ttft_and_tpot_slos() -> None:
    metrics = LoadMetrics({"ttft": 1000})
    metrics.add(result(RequestTiming(0.0, 0.01), 4))  # not streamed: no TTFT to meet the SLO with
    assert metrics.good == 0
    assert LoadMetrics().summary(1.0)["request_goodput"] is None


def test_a_run_without_streams_reports_no_ttft_but_e2e() -> None:
    metrics = LoadMetrics()
    metrics.add(result(RequestTiming(0.0, 0.2), 7))
    summary = metrics.summary(1.0)
    assert summary["mean_ttft_token_ms"] is None
    assert summary["p99_itl_token_ms"] is None
    assert summary["mean_e2el_token_ms"] == pytest.approx(200)
    assert summary["total_output_tokens"] == 7
    table = "\n".join(format_table(summary))
    assert "Time to First Token" not in table
    assert "Median E2EL (ms):" in table


def test_unknown_slo_metrics_are_refused() -> None:
    with pytest.raises(SloError):
        LoadMetrics({"itl": 5})


def test_table_shows_what_vllm_bench_serve_shows() -> None:
    table = format_table(_example().summary(2.0, max_concurrency=4, request_rate=10.0))
    text = "\n".join(table)
    assert table[0].strip("=") == " Serving Benchmark Result "
    for label in (
        "Successful requests:",
        "Failed requests:",
        "Maximum request concurrency:",
        "Benchmark duration (s):",
        "Total generated tokens:",
        "Request throughput (req/s):",
        "Request goodput (req/s):",
        "Output token throughput (tok/s):",
        "Mean TTFT (ms):",
        "P99 TPOT (ms):",
        "P90 ITL (ms):",
        "Median E2EL (ms):",
    ):
        assert label in text
    assert "Median TTFT (ms):                        100.00" in text
    assert "Request rate configured (RPS):           10.00" in text
    assert all(line == line.rstrip() for line in table)


def _std(n: int) -> float:
    return math.sqrt((n * n - 1) / 12)  # population std of 0 .. n-1


def test_samples_stay_bounded_with_exact_count_mean_and_std() -> None:
    samples = Samples(limit=100, seed=1)
    samples.extend([float(i) for i in range(10_000)])
    assert len(samples.values) == 100
    assert samples.count == 10_000
    assert samples.sampled
    stats: dict[str, Any] = samples.stats()
    assert stats["mean"] == pytest.approx(4999.5)
    assert stats["std"] == pytest.approx(_std(10_000))
    # A uniform sample of 100 values: its median is near the true one (deterministic with the seed).
    assert 3500 < stats["median"] < 6500


def test_samples_are_exact_below_the_limit() -> None:
    samples = Samples(limit=1000)
    samples.extend([3.0, 1.0, 2.0])
    assert not samples.sampled
    assert samples.stats() == {
        "mean": pytest.approx(2.0),
        "median": 2.0,
        "std": pytest.approx(math.sqrt(2 / 3)),
        "p50": 2.0,
        "p90": pytest.approx(2.8),
        "p99": pytest.approx(2.98),
    }
    assert Samples().stats()["p99"] is None
    with pytest.raises(ValueError, match="at least 1"):
        Samples(limit=0)


def test_sampled_summary_is_flagged() -> None:
    metrics = LoadMetrics(max_samples=2)
    for i in range(5):
        metrics.add(result(RequestTiming(0.0, 0.1 * (i + 1)), 1))
    summary = metrics.summary(1.0)
    assert summary["sampled"] is True
    assert summary["mean_e2el_token_ms"] == pytest.approx(300)  # still exact
    assert "uniform sample" in "\n".join(format_table(summary))


@given(st.lists(st.lists(st.floats(0, 10), max_size=20), max_size=10), st.integers(1, 60))
def test_extend_in_batches_agrees_with_adding_one_by_one(batches: list[list[float]], limit: int) -> None:
    one, many = Samples(limit=limit, seed=5), Samples(limit=limit, seed=5)
    for batch in batches:
        for value in batch:
            one.add(value)
        many.extend(batch)
    assert many.count == one.count
    a, b = one.stats(), many.stats()
    for key in ("mean", "std"):
        assert (a[key] is None) == (b[key] is None)
        if a[key] is not None:
            assert b[key] == pytest.approx(a[key], abs=1e-9)
    if not one.sampled:
        assert list(many.values) == list(one.values)


def test_the_reservoir_is_a_uniform_sample() -> None:
    # 10,000 values into 100 slots, over 200 seeds: every value has the same chance (1/100) to be kept,
    # so each tenth of the input holds ~10 % of the kept values and their mean is the input's mean.
    tenths = [0] * 10
    means = []
    for seed in range(200):
        samples = Samples(limit=100, seed=seed)
        samples.extend([float(i) for i in range(10_000)])
        assert len(samples.values) == 100
        assert len(set(samples.values)) == 100  # each position is kept at most once
        for value in samples.values:
            tenths[int(value) // 1000] += 1
        means.append(sum(samples.values) / 100)
    assert all(1800 <= n <= 2200 for n in tenths)  # 2,000 expected in each (sd ~42)
    assert sum(means) / len(means) == pytest.approx(4999.5, rel=0.02)


def test_one_by_one_and_in_batches_keep_the_same_sample() -> None:
    one, many = Samples(limit=50, seed=3), Samples(limit=50, seed=3)
    data = [float(i) for i in range(5_000)]
    for value in data:
        one.add(value)
    for start in range(0, len(data), 64):
        many.extend(data[start : start + 64])
    assert list(one.values) == list(many.values)
    assert one.stats() == pytest.approx(many.stats())


def test_the_gap_at_the_weights_floating_point_limits() -> None:
    from vllm_sdk.batch._metrics import _gap

    assert _gap(0.5, 1.0) == 1  # a weight that rounded up to 1: the very next value enters
    assert _gap(0.5, 0.0) > 1 << 60  # one that underflowed: none does any more
    assert _gap(0.5, 0.5) == 2  # log(0.5) / log(0.5) = 1, plus one


#: The keys ``vllm bench serve --save-result`` writes for the figures defined as ours are.
VLLM_SHARED_KEYS = (
    "duration",
    "completed",
    "failed",
    "total_input_tokens",
    "total_output_tokens",
    "request_throughput",
    "request_goodput",
    "output_throughput",
    "total_token_throughput",
)


def test_figures_defined_as_vllms_carry_its_keys_and_the_latencies_do_not() -> None:
    summary = _example().summary(2.0)
    assert set(VLLM_SHARED_KEYS) <= set(summary)
    # vLLM times its latencies on every chunk with choices (the role chunk is its first token); ours on
    # token events: the same key for both would let a script compare two different measurements.
    for metric in ("ttft", "tpot", "itl", "e2el"):
        for stat in ("mean", "median", "std", "p50", "p90", "p99"):
            assert f"{stat}_{metric}_ms" not in summary
            assert f"{stat}_{metric}_token_ms" in summary


def test_the_table_says_how_its_latencies_are_timed() -> None:
    table = format_table(_example().summary(2.0, request_rate="inf"))
    assert TOKEN_EVENTS_NOTE in table
    assert not any("Request rate" in line for line in table)  # vLLM shows no rate for an unpaced run
    paced = format_table(_example().summary(2.0, request_rate=10.0))
    assert any(line.startswith("Request rate configured (RPS):") for line in paced)
    plain = LoadMetrics()
    plain.add(result(RequestTiming(0.0, 0.2), 3))
    assert TOKEN_EVENTS_NOTE not in format_table(plain.summary(1.0))  # not streamed: whole bodies


@given(st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=60))
def test_statistics_are_numpys_as_vllm_computes_them(values: list[float]) -> None:
    """``vllm bench serve`` takes numpy's mean, median, std (population) and linear percentiles."""
    np = pytest.importorskip("numpy")
    samples = Samples()
    samples.extend(values)
    stats = samples.stats()
    assert stats["mean"] == pytest.approx(float(np.mean(values)), abs=1e-12)
    assert stats["median"] == pytest.approx(float(np.median(values)), abs=1e-12)
    assert stats["std"] == pytest.approx(float(np.std(values)), abs=1e-9)
    for q in (50, 90, 99):
        assert stats[f"p{q}"] == pytest.approx(float(np.percentile(values, q)), abs=1e-12)


def test_goodput_follows_vllms_rules() -> None:
    """A request is good when every SLO is met (a value equal to its SLO meets it); a one-token request
    has a TPOT of 0 for the SLO; failed requests are never good; goodput is good requests per second."""
    metrics = LoadMetrics({"ttft": 100, "tpot": 50, "e2el": 1000})
    metrics.add(result(RequestTiming(0.0, 1.0, [0.1, 0.15, 0.2]), 3))  # ttft 100, tpot 50, e2e 200: good
    metrics.add(result(RequestTiming(0.0, 1.0, [0.1]), 1))  # one token: tpot 0 for the SLO: good
    metrics.add(result(RequestTiming(0.0, 1.0, [0.1, 0.3]), 2))  # tpot 200: not good
    metrics.add(result(None, None, ok=False))  # failed: not good
    assert metrics.good == 2
    assert metrics.summary(4.0)["request_goodput"] == pytest.approx(0.5)
