"""pytest-benchmark suite of the stream parsers: ``pytest benchmarks/test_bench_parsers.py``.

Same contenders and corpus as ``python -m benchmarks.run_parsers`` (which prints the comparison table);
here each (contender, case) is one benchmark, so pytest-benchmark's statistics, ``--benchmark-compare``
and ``--benchmark-json`` apply. ``extra_info["chunks_per_s"]`` holds the throughput in SSE chunks/s.
"""

from __future__ import annotations

import pytest

from .corpus import Case, cases
from .parsers import available

CONTENDERS = available()
CASES = cases(chunkings=("event", "16k", "random"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("name", list(CONTENDERS))
def test_parser_throughput(benchmark: pytest.FixtureRequest, name: str, case: Case) -> None:
    run = CONTENDERS[name]
    if name == "openai":  # ~80 µs per chunk: a few rounds are plenty
        count = benchmark.pedantic(run, args=(case.chunks,), rounds=3, iterations=1)  # type: ignore[attr-defined]
    else:
        count = benchmark(run, case.chunks)  # type: ignore[operator]
    assert count >= case.events - 1  # every contender handled every chunk ([DONE] may not count)
    if benchmark.stats is not None:  # type: ignore[attr-defined]  # None under --benchmark-disable
        best = benchmark.stats.stats.min  # type: ignore[attr-defined]
        benchmark.extra_info["chunks_per_s"] = round(case.events / best)  # type: ignore[attr-defined]
