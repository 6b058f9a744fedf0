"""Rows per second and client CPU per row: ``client.batch`` vs ``run_partition`` vs the Ray processor vs
Ray's own ``HttpRequestProcessorConfig`` processor, on one machine, against one mock server in its own
process (so the server's CPU is not counted as the client's).

    python -m benchmarks.run_scaleout --rows 2000

Client CPU is this process's CPU time (``time.process_time``) for the in-process runners; for the Ray
runs the work happens in actor processes, so only rows/s is reported for them (their CPU is not
attributable from the driver without reading every Ray process of the machine). Numbers go in
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
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


def _start_mock(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "vllm_sdk.testing", "--port", str(port)],
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


def _measure(name: str, n: int, run: Any) -> dict[str, Any]:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    ok = run()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"name": name, "rows": n, "ok": ok, "rows_s": n / wall, "cpu_ms_row": cpu / n * 1000, "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    n, k = args.rows, args.in_flight
    port = _free_port()
    server = _start_mock(port)
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
    print("| runner | rows | ok | rows/s | client CPU ms/row |")
    print("|---|---|---|---|---|")
    for r in results:
        cpu = "n/a (actors)" if r["name"].startswith("ray") else f"{r['cpu_ms_row']:.2f}"
        print(f"| {r['name']} | {r['rows']} | {r['ok']} | {r['rows_s']:.0f} | {cpu} |")


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
            )
        )
    finally:
        ray.shutdown()
    return out


if __name__ == "__main__":
    main()
