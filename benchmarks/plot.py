"""Plots of the Performance page, rendered from the JSON the benchmarks write (never drawn by hand).

    python -m benchmarks.plot --results benchmarks/results --out docs/assets/perf     # what `make bench` runs
    python -m benchmarks.plot --summary run-summary.json --out plots                  # one batch run

What it reads (``--results DIR`` picks the files up by name; the options name files explicitly):

* ``e2e*.json`` / ``--e2e PATH``: ``python -m benchmarks.run_e2e --json``: an object with ``rows``, each
  carrying ``variant``, ``concurrency`` and ``cpu_per_100k`` (client CPU seconds per 100k chunks; ``cpu``
  and ``chunks`` are used when it is absent). Every variant found is drawn, whatever its name. The event loop
  of a row is its ``loop`` field, else the file's ``loop`` field, else ``uvloop`` when the file name says so,
  else ``asyncio``; the server mode likewise (``mode``, or ``burst`` in the name, else ``interleaved``).
  Rows whose variant is a floor client (``raw-protocol``, ``bare-aiohttp``, ``protocol-parser``) or that
  carry ``"floor": true`` are drawn as reference lines, not curves.
* ``floors*.json`` / ``--floors PATH``: ``python -m benchmarks.floors --json``: ``rows`` of ``client``,
  ``loop`` and ``cpu_per_100k``, measured at one concurrency: horizontal reference lines on the end-to-end
  plot of the same server mode.
* ``parsers.json`` / ``--parsers PATH``: ``python -m benchmarks.run_parsers --json``: ``rows`` of ``case`` and
  ``chunks_per_s`` (contender -> chunks per second): grouped bars per case.
* ``*summary*.json`` / ``--summary PATH``: a ``vllm-sdk batch --json-summary`` file. Plotted when it holds
  per-request values: top-level lists ``ttft_s``, ``e2e_s``, ``itl_s`` (seconds), or a list ``requests`` of
  objects with those keys (``itl_s`` there may be a list per request). A summary of aggregates only
  (percentiles, throughput) is skipped with a one-line message.

Writes one file per plot into ``--out``: ``e2e-cpu-per-chunk-<mode>.svg``, ``parser-throughput.svg``,
``batch-latency-<name>.svg`` (``--format png`` for PNG). SVG output is deterministic (no date, fixed ids)
and keeps text as text, so a re-run on the same JSON changes nothing. Needs matplotlib (the ``bench``
extra, part of ``dev``). Bad input stops with ``error: <file>: <what is wrong>`` and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

#: Clients of ``benchmarks/floors.py``: drawn as reference lines when they appear in an end-to-end file.
FLOOR_CLIENTS = frozenset({"raw-protocol", "bare-aiohttp", "protocol-parser"})
#: Per-request keys of a batch summary, and how each histogram is titled.
SUMMARY_KEYS = {
    "ttft_s": "time to first token",
    "itl_s": "inter-token latency",
    "e2e_s": "end-to-end latency",
}
LOOPS = ("asyncio", "uvloop")


class PlotInputError(ValueError):
    """A benchmark JSON file that does not have the shape this script reads."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")


# ---------------------------------------------------------------- reading


@dataclass
class Curve:
    """One client on one loop: CPU microseconds per chunk at each concurrency."""

    variant: str
    loop: str
    points: dict[int, float] = field(default_factory=dict)


@dataclass
class Reference:
    """A floor: one client on one loop, CPU microseconds per chunk (measured at one concurrency)."""

    client: str
    loop: str
    us_per_chunk: float


@dataclass
class E2EPlot:
    """Everything drawn on the end-to-end plot of one server mode."""

    mode: str
    curves: dict[tuple[str, str], Curve] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)


def load_json(path: Path) -> Any:
    """The parsed file, or :class:`PlotInputError` naming the file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlotInputError(path, f"cannot read JSON ({exc})") from exc


def _rows(path: Path, document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict) or not isinstance(document.get("rows"), list):
        raise PlotInputError(path, 'expected a JSON object with a "rows" list')
    rows = document["rows"]
    if not all(isinstance(row, dict) for row in rows):
        raise PlotInputError(path, '"rows" must hold objects')
    return rows


def _number(path: Path, row: dict[str, Any], key: str) -> float:
    value = row.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PlotInputError(
            path, f"row {row.get('variant') or row.get('client') or row}: {key!r} is not a number"
        )
    return float(value)


def _us_per_chunk(path: Path, row: dict[str, Any]) -> float:
    # cpu_per_100k is in seconds per 100,000 chunks: x 1e6 / 1e5 = microseconds per chunk.
    if "cpu_per_100k" in row:
        return _number(path, row, "cpu_per_100k") * 10
    if "cpu" in row and "chunks" in row:
        chunks = _number(path, row, "chunks")
        if chunks <= 0:
            raise PlotInputError(path, f"row {row.get('variant')}: 'chunks' must be positive")
        return _number(path, row, "cpu") / chunks * 1e6
    raise PlotInputError(path, f"row {row.get('variant') or row}: no 'cpu_per_100k' (nor 'cpu' and 'chunks')")


def _label_from_name(path: Path, document: dict[str, Any], key: str, choices: Sequence[str]) -> str:
    value = document.get(key)
    if isinstance(value, str) and value:
        return value
    tokens = set(path.stem.lower().replace("_", "-").split("-"))
    return next((choice for choice in choices[1:] if choice in tokens), choices[0])


def _mode_of(path: Path, document: dict[str, Any]) -> str:
    if document.get("burst") is True:
        return "burst"
    return _label_from_name(path, document, "mode", ("interleaved", "burst"))


def read_e2e(path: Path, plots: dict[str, E2EPlot]) -> None:
    """Add the curves (and floor rows) of one ``run_e2e --json`` file to ``plots`` (by server mode)."""
    document = load_json(path)
    rows = _rows(path, document)
    if not rows:
        raise PlotInputError(path, "no rows")
    file_loop = _label_from_name(path, document, "loop", LOOPS)
    file_mode = _mode_of(path, document)
    for row in rows:
        variant = row.get("variant")
        if not isinstance(variant, str) or not variant:
            raise PlotInputError(path, f"a row has no 'variant': {row}")
        loop = row.get("loop") if isinstance(row.get("loop"), str) else file_loop
        mode = row.get("mode") if isinstance(row.get("mode"), str) else file_mode
        plot = plots.setdefault(mode, E2EPlot(mode))
        value = _us_per_chunk(path, row)
        if variant in FLOOR_CLIENTS or row.get("floor") is True:
            plot.references.append(Reference(variant, loop, value))
            continue
        concurrency = _number(path, row, "concurrency")
        if concurrency < 1 or concurrency != int(concurrency):
            raise PlotInputError(path, f"row {variant}: 'concurrency' must be a positive integer")
        curve = plot.curves.setdefault((variant, loop), Curve(variant, loop))
        curve.points[int(concurrency)] = value


def read_floors(path: Path, plots: dict[str, E2EPlot]) -> None:
    """Add the reference lines of one ``floors --json`` file to the plot of its server mode."""
    document = load_json(path)
    rows = _rows(path, document)
    plot = plots.setdefault(_mode_of(path, document), E2EPlot(_mode_of(path, document)))
    for row in rows:
        client = row.get("client")
        if not isinstance(client, str) or not client:
            raise PlotInputError(path, f"a row has no 'client': {row}")
        loop = row.get("loop") if isinstance(row.get("loop"), str) else "asyncio"
        plot.references.append(Reference(client, loop, _us_per_chunk(path, row)))


@dataclass
class ParserTable:
    """Chunks per second per case (rows) and contender (columns, in first-seen order)."""

    cases: list[str] = field(default_factory=list)
    contenders: list[str] = field(default_factory=list)
    rates: dict[tuple[str, str], float] = field(default_factory=dict)


def read_parsers(path: Path) -> ParserTable:
    """One ``run_parsers --json`` file."""
    document = load_json(path)
    table = ParserTable()
    for row in _rows(path, document):
        case, rates = row.get("case"), row.get("chunks_per_s")
        if not isinstance(case, str) or not isinstance(rates, dict) or not rates:
            raise PlotInputError(path, f"a row needs 'case' and a 'chunks_per_s' object: {row}")
        table.cases.append(case)
        for name in rates:
            value = _number(path, rates, name)
            if value <= 0:
                raise PlotInputError(path, f"{case}: {name} has a non-positive rate")
            if name not in table.contenders:
                table.contenders.append(name)
            table.rates[(case, name)] = value
    if not table.cases:
        raise PlotInputError(path, "no rows")
    return table


def _seconds(path: Path, key: str, values: Iterable[Any]) -> list[float]:
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise PlotInputError(path, f"{key}: {value!r} is not a number of seconds")
        out.append(float(value))
    return out


def read_summary(path: Path) -> dict[str, list[float]] | None:
    """Per-request values (seconds) of a batch summary by key, or ``None`` when it has none to plot."""
    document = load_json(path)
    if not isinstance(document, dict):
        return None
    found: dict[str, list[float]] = {}
    for key in SUMMARY_KEYS:
        if isinstance(document.get(key), list):
            found[key] = _seconds(path, key, document[key])
    requests = document.get("requests")
    if not found and isinstance(requests, list):
        for request in requests:
            if not isinstance(request, dict):
                raise PlotInputError(path, "'requests' must hold objects")
            for key in SUMMARY_KEYS:
                value = request.get(key)
                if value is None:
                    continue  # e.g. no TTFT for a request that failed or did not stream
                found.setdefault(key, []).extend(
                    _seconds(path, key, value if isinstance(value, list) else [value])
                )
    found = {key: values for key, values in found.items() if values}
    return found or None


# ---------------------------------------------------------------- drawing


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",  # text stays text: searchable, and what the tests read
            "svg.hashsalt": "vllm-sdk-benchmarks",  # fixed element ids: same JSON, same file
            "font.size": 9,
        }
    )
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, figure: Any, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Date": None} if out.suffix == ".svg" else {}
    figure.savefig(out, bbox_inches="tight", metadata=metadata)
    plt.close(figure)
    return out


def draw_e2e(plot: E2EPlot, out: Path) -> Path:
    """Client CPU per chunk against concurrency: one curve per client and loop, floors as dashed lines."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(8, 4.8))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    variants = sorted({variant for variant, _ in plot.curves})
    for (variant, loop), curve in sorted(plot.curves.items()):
        xs = sorted(curve.points)
        axes.plot(
            xs,
            [curve.points[x] for x in xs],
            marker="o" if loop == "asyncio" else "s",
            linestyle="-" if loop == "asyncio" else "--",
            color=colours[variants.index(variant) % len(colours)],
            label=f"{variant} ({loop})",
        )
    # Floors are single measurements (one concurrency): horizontal grey lines, named in the legend.
    styles = [":", "-.", (0, (5, 2, 1, 2)), (0, (1, 3))]
    clients = sorted({ref.client for ref in plot.references})
    for ref in sorted(plot.references, key=lambda r: (r.client, r.loop)):
        axes.axhline(
            ref.us_per_chunk,
            color="dimgrey" if ref.loop == "asyncio" else "darkgrey",
            linestyle=styles[clients.index(ref.client) % len(styles)],
            lw=1.2,
            label=f"floor: {ref.client} ({ref.loop}) {ref.us_per_chunk:.1f} µs",
        )
    axes.set_xscale("log", base=2)
    levels = sorted({x for curve in plot.curves.values() for x in curve.points})
    axes.set_xticks(levels, [str(x) for x in levels])  # the measured concurrencies, not powers of two
    axes.minorticks_off()
    axes.set_yscale("log")
    axes.set_xlabel("concurrent streams")
    axes.set_ylabel("client CPU per chunk (µs, lower is better)")
    axes.set_title(f"End to end over loopback, {plot.mode} server")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.14), ncol=3, frameon=False)
    return _save(plt, figure, out)


def draw_parsers(table: ParserTable, out: Path) -> Path:
    """Parse throughput per corpus case: one bar per contender, log scale."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(10, 4.8))
    width = 0.8 / len(table.contenders)
    for i, name in enumerate(table.contenders):
        xs = [c + (i - (len(table.contenders) - 1) / 2) * width for c in range(len(table.cases))]
        heights = [table.rates.get((case, name), 0.0) / 1e3 for case in table.cases]
        axes.bar(xs, heights, width=width, label=name)
    axes.set_xticks(range(len(table.cases)), table.cases, rotation=30, ha="right")
    axes.set_yscale("log")
    axes.set_ylim(bottom=min(table.rates.values()) / 1e3 / 3)  # the slowest bar stays visible
    axes.set_ylabel("thousand chunks per second (higher is better)")
    axes.set_title("Stream parsing throughput per case")
    axes.grid(True, axis="y", which="both", alpha=0.3)
    axes.legend(fontsize=7, ncol=len(table.contenders), loc="upper left", bbox_to_anchor=(0, -0.25))
    return _save(plt, figure, out)


def draw_summary(values: dict[str, list[float]], title: str, out: Path) -> Path:
    """Histograms (milliseconds) of each per-request metric of a batch run."""
    plt = _pyplot()
    keys = [key for key in SUMMARY_KEYS if key in values]
    figure, axes_list = plt.subplots(1, len(keys), figsize=(4 * len(keys), 3.4), squeeze=False)
    for axes, key in zip(axes_list[0], keys, strict=True):
        ms = [v * 1000 for v in values[key]]
        axes.hist(ms, bins=min(50, max(5, int(math.sqrt(len(ms))))))
        axes.set_title(f"{SUMMARY_KEYS[key]} ({len(ms)} values)")
        axes.set_xlabel(f"{key.removesuffix('_s')} (ms)")
        axes.set_ylabel("count")
    figure.suptitle(title)
    return _save(plt, figure, out)


# ---------------------------------------------------------------- command line


def _discover(directory: Path) -> dict[str, list[Path]]:
    if not directory.is_dir():
        raise PlotInputError(directory, "not a directory")
    files = sorted(directory.glob("*.json"))
    return {
        "e2e": [p for p in files if p.name.startswith("e2e")],
        "floors": [p for p in files if p.name.startswith("floors")],
        "parsers": [p for p in files if p.name.startswith("parsers")],
        "summary": [p for p in files if "summary" in p.name],
    }


def render(
    *,
    e2e: Sequence[Path] = (),
    floors: Sequence[Path] = (),
    parsers: Sequence[Path] = (),
    summaries: Sequence[Path] = (),
    out: Path,
    fmt: str = "svg",
    say: Any = print,
) -> list[Path]:
    """Read every file, then draw every plot; the files written. Raises :class:`PlotInputError`."""
    plots: dict[str, E2EPlot] = {}
    for path in e2e:
        read_e2e(path, plots)
    for path in floors:
        read_floors(path, plots)
    tables = [read_parsers(path) for path in parsers]
    batches = [(path, read_summary(path)) for path in summaries]
    written = []
    for mode, plot in sorted(plots.items()):
        if not plot.curves:
            say(f"skipping the {mode} end-to-end plot: floors only, no client measured in that mode")
            continue
        written.append(draw_e2e(plot, out / f"e2e-cpu-per-chunk-{mode}.{fmt}"))
    for i, table in enumerate(tables):
        suffix = "" if i == 0 else f"-{parsers[i].stem}"
        written.append(draw_parsers(table, out / f"parser-throughput{suffix}.{fmt}"))
    for path, values in batches:
        if values is None:
            say(f"skipping {path}: no per-request ttft_s / itl_s / e2e_s values (aggregates only)")
            continue
        written.append(
            draw_summary(values, f"vllm-sdk batch: {path.stem}", out / f"batch-latency-{path.stem}.{fmt}")
        )
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, render every plot, print what was written."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--results", type=Path, help="read e2e*.json, floors*.json, parsers*.json, *summary*.json"
    )
    parser.add_argument("--e2e", type=Path, action="append", default=[], help="a run_e2e --json file")
    parser.add_argument("--floors", type=Path, action="append", default=[], help="a floors --json file")
    parser.add_argument("--parsers", type=Path, action="append", default=[], help="a run_parsers --json file")
    parser.add_argument(
        "--summary", type=Path, action="append", default=[], help="a batch --json-summary file"
    )
    parser.add_argument("--out", type=Path, required=True, help="directory for the plots")
    parser.add_argument("--format", choices=["svg", "png"], default="svg")
    args = parser.parse_args(argv)
    try:
        found = _discover(args.results) if args.results else {}
        inputs = {
            "e2e": [*found.get("e2e", []), *args.e2e],
            "floors": [*found.get("floors", []), *args.floors],
            "parsers": [*found.get("parsers", []), *args.parsers],
            "summaries": [*found.get("summary", []), *args.summary],
        }
        if not any(inputs.values()):
            parser.error("nothing to plot: give --results DIR or at least one input file")
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print('error: plotting needs matplotlib: pip install "vllm-python-sdk[bench]"', file=sys.stderr)
            return 1
        written = render(**inputs, out=args.out, fmt=args.format)
    except PlotInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
