"""Rows per second and client CPU per row: ``client.batch`` vs ``run_partition`` vs the Ray processor vs
Ray's own ``HttpRequestProcessorConfig`` processor, on one machine, against one mock server in its own
process (so the server's CPU is not counted as the client's).

    python -m benchmarks.run_scaleout --rows 2000

Client CPU is this process's CPU time (``time.process_time``) for the in-process runners. For the Ray
runs it is this process (the driver, which runs Ray Data's scheduler) plus every Ray worker process
(``ray::...`` in ``/proc/PID/cmdline``: the actors and tasks), read from ``/proc/PID/stat`` every 50 ms
while the run lasts (Linux only; the last <50 ms of a worker that exits is missed, Ray's own raylet and
GCS are not counted). Each Ray run starts its actors afresh, as a user's job does: start-up is in the
figures. Numbers go in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from typing import Any

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # loopback only
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

from vllm_sdk import ClientConfig, VllmClient
from vllm_sdk.batch import run_partition


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_mock(port: int, token_delay: float) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "vllm_sdk.testing", "--port", str(port), "--token-delay", str(token_delay)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the mock server did not start")


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"id": i, "messages": [{"role": "user", "content": f"fact {i}"}]} for i in range(n)]


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _ray_worker_cpu() -> dict[int, float]:
    """CPU seconds (user + system) of every live Ray worker process, by pid."""
    out: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if not f.read(5).startswith(b"ray::"):
                    continue
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        out[int(entry)] = (int(fields[11]) + int(fields[12])) / _TICK
    return out


class _WorkerCpu:
    """The CPU Ray's worker processes spend while the block runs (sampled; see the module doc)."""

    def __enter__(self) -> _WorkerCpu:
        self._base = _ray_worker_cpu()
        self._last = dict(self._base)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self._last.update(_ray_worker_cpu())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._last.update(_ray_worker_cpu())
        self.seconds = sum(v - self._base.get(pid, 0.0) for pid, v in self._last.items())


def _measure(name: str, n: int, run: Any, *, ray_workers: bool = False) -> dict[str, Any]:
    workers = _WorkerCpu() if ray_workers else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if workers is not None:
        with workers:
            ok = run()
    else:
        ok = run()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    actor_cpu = workers.seconds if workers is not None else 0.0
    return {
        "name": name,
        "rows": n,
        "ok": ok,
        "rows_s": n / wall,
        "cpu_ms_row": (cpu + actor_cpu) / n * 1000,
        "driver_ms_row": cpu / n * 1000,
        "wall": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument(
        "--token-delay",
        type=float,
        default=0.0,
        help="the mock's seconds per generated token (0: answers at once, the run is CPU-bound; 0.01: "
        "16 tokens take 160 ms, the run is bound by latency, as against a real server)",
    )
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    n, k = args.rows, args.in_flight
    port = _free_port()
    server = _start_mock(port, args.token_delay)
    base = f"http://127.0.0.1:{port}/v1"
    cfg = ClientConfig(base_url=base)
    params = {"max_tokens": 16}
    results = []
    try:
        with VllmClient(base) as client:
            requests = [{"model": "mock", **params, "messages": r["messages"]} for r in _rows(n)]
            results.append(
                _measure("client.batch", n, lambda: sum(r.ok for r in client.batch(requests, concurrency=k)))
            )
        results.append(
            _measure(
                "run_partition",
                n,
                lambda: sum(
                    r["error"] is None
                    for r in run_partition(_rows(n), cfg, model="mock", params=params, max_in_flight=k)
                ),
            )
        )
        if not args.no_ray:
            results += _ray_runs(n, k, base, cfg, params)
    finally:
        server.terminate()
        server.wait(10)
    print("| runner | rows | ok | rows/s | client CPU ms/row (driver + Ray workers) | of it, driver |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['name']} | {r['rows']} | {r['ok']} | {r['rows_s']:.0f} | {r['cpu_ms_row']:.2f} "
            f"| {r['driver_ms_row']:.2f} |"
        )


def _ray_runs(n: int, k: int, base: str, cfg: ClientConfig, params: dict[str, Any]) -> list[dict[str, Any]]:
    import ray

    from vllm_sdk.integrations.ray import VllmProcessor

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    out = []
    try:
        proc = VllmProcessor(cfg, model="mock", params=params, concurrency=1, max_in_flight=k, batch_size=256)
        # Warm-up: actor start-up is not what is measured.
        proc(ray.data.from_items(_rows(10))).take_all()
        out.append(
            _measure(
                "ray VllmProcessor",
                n,
                lambda: sum(r["error"] is None for r in proc(ray.data.from_items(_rows(n))).take_all()),
                ray_workers=True,
            )
        )
        try:
            from ray.data.llm import HttpRequestProcessorConfig, build_processor
        except ImportError as exc:  # pragma: no cover - depends on the installed ray
            print(f"ray.data.llm is not importable: {exc}", file=sys.stderr)
            return out
        theirs = build_processor(
            HttpRequestProcessorConfig(url=base + "/chat/completions", concurrency=1, batch_size=256),
            preprocess=lambda row: {"payload": {"model": "mock", "messages": row["messages"], **params}},
            postprocess=lambda row: {"id": row["id"], "ok": row.get("http_response") is not None},
        )
        theirs(ray.data.from_items(_rows(10))).take_all()
        out.append(
            _measure(
                "ray.data.llm HttpRequestProcessor",
                n,
                lambda: sum(bool(r["ok"]) for r in theirs(ray.data.from_items(_rows(n))).take_all()),
                ray_workers=True,
            )
        )
    finally:
        ray.shutdown()
    return out


if __name__ == "__main__":
    main()
