"""``benchmarks/plot.py``: the Performance page's plots from benchmark JSON, on fixtures written here."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("matplotlib")  # the bench extra (part of dev): skipped only where it is not installed

REPO = Path(__file__).resolve().parents[2]


def e2e_document(*variants: str, loop: str | None = None) -> dict[str, Any]:
    rows = []
    for n, variant in enumerate(variants):
        for concurrency, cost in ((1, 1.5), (64, 1.0), (1024, 1.2)):
            rows.append(
                {"variant": variant, "concurrency": concurrency, "cpu_per_100k": cost * (n + 1), "label": "x"}
            )
    document: dict[str, Any] = {"machine": "test", "tokens": 8, "rows": rows}
    if loop is not None:
        document["loop"] = loop
    return document


PARSERS = {
    "benchmark": "parsers",
    "contenders": ["openai", "vllm_sdk-c"],
    "rows": [
        {"case": "plain/event", "events": 10, "chunks_per_s": {"openai": 13e3, "vllm_sdk-c": 1.0e6}},
        {"case": "tools/16k", "events": 10, "chunks_per_s": {"openai": 12e3, "vllm_sdk-c": 0.8e6}},
    ],
}
FLOORS = {
    "benchmark": "floors",
    "mode": "interleaved",
    "rows": [{"client": "raw-protocol", "loop": "asyncio", "cpu_per_100k": 0.92, "events": 100}],
}


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def plot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.plot", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def results(tmp_path: Path) -> Path:
    directory = tmp_path / "results"
    directory.mkdir()
    write(directory / "e2e-asyncio.json", e2e_document("sdk-aiohttp-c", "openai", "sdk-new-variant"))
    write(directory / "e2e-uvloop.json", e2e_document("sdk-aiohttp-c"))
    write(directory / "e2e-asyncio-burst.json", e2e_document("sdk-aiohttp-c"))
    write(directory / "floors.json", FLOORS)
    write(directory / "parsers.json", PARSERS)
    return directory


def test_results_directory_renders_every_plot(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "plots"
    done = plot("--results", str(results), "--out", str(out))
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "e2e-cpu-per-chunk-burst.svg",
        "e2e-cpu-per-chunk-interleaved.svg",
        "parser-throughput.svg",
    ]
    interleaved = (out / "e2e-cpu-per-chunk-interleaved.svg").read_text()
    # every variant found in the files, on the loop its file names; the floor as a labelled reference line
    for label in ("sdk-aiohttp-c (asyncio)", "openai (asyncio)", "sdk-new-variant (asyncio)"):
        assert label in interleaved
    assert "sdk-aiohttp-c (uvloop)" in interleaved
    assert "floor: raw-protocol (asyncio) 9.2 µs" in interleaved  # 0.92 s per 100k chunks = 9.2 µs per chunk
    assert "interleaved server" in interleaved
    assert ">1024<" in interleaved  # the measured concurrencies label the axis
    burst = (out / "e2e-cpu-per-chunk-burst.svg").read_text()
    assert "sdk-aiohttp-c (asyncio)" in burst
    assert "openai" not in burst
    parsers = (out / "parser-throughput.svg").read_text()
    for label in ("plain/event", "tools/16k", "openai", "vllm_sdk-c"):
        assert label in parsers
    assert sorted(done.stdout.split()) == sorted(["wrote"] * 3 + [str(out / n) for n in names])


def test_output_is_deterministic(results: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert plot("--results", str(results), "--out", str(first)).returncode == 0
    assert plot("--results", str(results), "--out", str(second)).returncode == 0
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name


def test_e2e_numbers_are_read_as_microseconds_per_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loaded from its file: the tests' own packages shadow the repository's ``benchmarks`` package name.
    spec = importlib.util.spec_from_file_location("_benchmarks_plot", REPO / "benchmarks" / "plot.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)

    plots: dict[str, Any] = {}
    module.read_e2e(write(tmp_path / "e2e-uvloop.json", e2e_document("a", "bare-aiohttp")), plots)
    legacy = {"rows": [{"variant": "b", "concurrency": 16, "cpu": 0.5, "chunks": 100_000, "loop": "asyncio"}]}
    module.read_e2e(write(tmp_path / "e2e-other.json", legacy), plots)
    plot_ = plots["interleaved"]
    assert plot_.curves[("a", "uvloop")].points == {1: 15.0, 64: 10.0, 1024: 12.0}
    assert plot_.curves[("b", "asyncio")].points == {16: 5.0}
    # a floor client inside an e2e file is a reference line, one per row
    assert {(r.client, r.loop) for r in plot_.references} == {("bare-aiohttp", "uvloop")}
    assert sorted(r.us_per_chunk for r in plot_.references) == [20.0, 24.0, 30.0]


def test_per_request_batch_summaries_become_histograms(tmp_path: Path) -> None:
    flat = write(tmp_path / "flat-summary.json", {"ttft_s": [0.01, 0.02, 0.03], "e2e_s": [0.5, 0.6, 0.7]})
    nested = write(
        tmp_path / "nested-summary.json",
        {
            "requests": [
                {"ttft_s": 0.01, "itl_s": [0.001, 0.002], "e2e_s": 0.2},
                {"ttft_s": None, "e2e_s": 0.3},
            ]
        },
    )
    out = tmp_path / "plots"
    done = plot("--summary", str(flat), "--summary", str(nested), "--out", str(out))
    assert done.returncode == 0, done.stderr
    flat_svg = (out / "batch-latency-flat-summary.svg").read_text()
    assert "time to first token (3 values)" in flat_svg
    assert "end-to-end latency (3 values)" in flat_svg
    assert "inter-token latency" not in flat_svg
    nested_svg = (out / "batch-latency-nested-summary.svg").read_text()
    assert "inter-token latency (2 values)" in nested_svg
    assert "time to first token (1 values)" in nested_svg
    assert "end-to-end latency (2 values)" in nested_svg


def test_a_detailed_batch_summary_of_the_command_plots(tmp_path: Path) -> None:
    # What `vllm-sdk batch --json-summary PATH --save-detailed` writes is what the histograms read.
    from vllm_sdk import cli
    from vllm_sdk.testing import MockVllmServer

    body = {"model": "mock", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}
    inp = tmp_path / "in.jsonl"
    inp.write_text(
        "".join(
            json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body})
            + "\n"
            for i in range(10)
        )
    )
    summary = tmp_path / "run-summary.json"
    with MockVllmServer() as server:
        argv = ["batch", str(inp), "-o", str(tmp_path / "out.jsonl"), "--base-url", server.base_url]
        assert cli.main([*argv, "--stream", "--json-summary", str(summary), "--save-detailed"]) == 0
    out = tmp_path / "plots"
    done = plot("--summary", str(summary), "--out", str(out))
    assert done.returncode == 0, done.stderr
    svg = (out / "batch-latency-run-summary.svg").read_text()
    assert "time to first token (10 values)" in svg
    assert "end-to-end latency (10 values)" in svg
    assert "inter-token latency (" in svg


def test_a_summary_of_aggregates_only_is_skipped_with_one_line(tmp_path: Path) -> None:
    aggregates = write(
        tmp_path / "run-summary.json", {"completed": 10, "mean_ttft_ms": 12.0, "p99_e2el_ms": 80.0}
    )
    out = tmp_path / "plots"
    done = plot("--summary", str(aggregates), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == [
        f"skipping {aggregates}: no per-request ttft_s / itl_s / e2e_s values (aggregates only)"
    ]
    assert not out.exists() or not list(out.iterdir())


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"rows": [{"variant": "a", "concurrency": 1}]}, "no 'cpu_per_100k'"),
        (
            {"rows": [{"variant": "a", "concurrency": 1, "cpu_per_100k": "fast"}]},
            "'cpu_per_100k' is not a number",
        ),
        ({"rows": [{"concurrency": 1, "cpu_per_100k": 1.0}]}, "has no 'variant'"),
        ({"rows": [{"variant": "a", "concurrency": 0, "cpu_per_100k": 1.0}]}, "positive integer"),
        ([1, 2], 'a JSON object with a "rows" list'),
        ({"rows": []}, "no rows"),
    ],
)
def test_a_malformed_e2e_file_is_a_clear_error(tmp_path: Path, document: Any, problem: str) -> None:
    bad = write(tmp_path / "e2e.json", document)
    done = plot("--e2e", str(bad), "--out", str(tmp_path / "plots"))
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {bad}: ")
    assert problem in done.stderr
    assert not (tmp_path / "plots").exists()


def test_invalid_json_and_nothing_to_plot(tmp_path: Path) -> None:
    broken = tmp_path / "parsers.json"
    broken.write_text("{not json")
    done = plot("--parsers", str(broken), "--out", str(tmp_path / "plots"))
    assert done.returncode == 2
    assert "cannot read JSON" in done.stderr
    done = plot("--out", str(tmp_path / "plots"))
    assert done.returncode == 2
    assert "nothing to plot" in done.stderr


def test_the_committed_plots_are_rendered_from_the_committed_json(tmp_path: Path) -> None:
    # The Performance page's plots are never drawn by hand: re-rendering benchmarks/results/ must give the
    # files in docs/assets/perf/ byte for byte (`make bench-plots` after changing the JSON or the script).
    import matplotlib

    pinned = next(
        line.split("==")[1].split('"')[0]
        for line in (REPO / "pyproject.toml").read_text().splitlines()
        if line.strip().startswith('"matplotlib==')
    )
    if matplotlib.__version__ != pinned:
        pytest.skip(f"the plots are rendered with matplotlib {pinned}, this is {matplotlib.__version__}")
    committed = REPO / "docs" / "assets" / "perf"
    done = plot("--results", str(REPO / "benchmarks" / "results"), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    rendered = sorted(p.name for p in tmp_path.iterdir())
    assert rendered == sorted(p.name for p in committed.iterdir())
    for name in rendered:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), (
            f"{name}: run make bench-plots"
        )
