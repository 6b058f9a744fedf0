"""End-to-end streaming benchmark: client CPU seconds per 100k streamed chunks, vllm_sdk vs openai-python.

    python -m benchmarks.run_e2e            # 1, 16, 64, 256, 1024 concurrent streams, ~100k chunks each
    python -m benchmarks.run_e2e --quick    # fewer chunks per point (a couple of minutes)

The server (``benchmarks/e2e_server.py``) runs in its own process on loopback and serves vLLM-shaped
streams, one HTTP chunk per SSE event. Each client configuration runs in a fresh process (so imports,
caches and garbage from one do not bill the next) that opens the streams with ``N`` concurrent workers,
reads every event the way an application would (content deltas as text), and reports
``time.process_time()`` of its own process over the measured part only; a few warm-up requests come
first. Configurations: vllm_sdk's ``AsyncVllmClient`` on the aiohttp-backed transport and on native httpx,
each with the compiled (C) and the pure-Python stream parser, and openai-python's ``AsyncOpenAI``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import subprocess
import sys
import time
from typing import Any

import httpx

CONCURRENCY = (1, 16, 64, 256, 1024)
MESSAGES = [{"role": "user", "content": "Tell me a story."}]

# name -> (client kind, extra environment)
VARIANTS: dict[str, tuple[str, dict[str, str]]] = {
    "sdk-wire-c": ("vllm_sdk", {"VLLM_SDK_TRANSPORT": "wire"}),
    "sdk-wire-py": ("vllm_sdk", {"VLLM_SDK_TRANSPORT": "wire", "VLLM_SDK_NO_EXTENSIONS": "1"}),
    "sdk-aiohttp-c": ("vllm_sdk", {"VLLM_SDK_TRANSPORT": "aiohttp"}),
    "sdk-aiohttp-py": ("vllm_sdk", {"VLLM_SDK_TRANSPORT": "aiohttp", "VLLM_SDK_NO_EXTENSIONS": "1"}),
    "sdk-httpx-c": ("vllm_sdk", {"VLLM_SDK_TRANSPORT": "httpx"}),
    "sdk-httpx-py": ("vllm_sdk", {"VLLM_SDK_TRANSPORT": "httpx", "VLLM_SDK_NO_EXTENSIONS": "1"}),
    "openai": ("openai", {}),
}
BASELINE, OURS = "openai", "sdk-wire-c"
#: Pool limits of both clients: enough connections for every stream at once, all kept alive.
LIMITS = httpx.Limits(max_connections=4096, max_keepalive_connections=4096)


# ---------------------------------------------------------------- the client processes


async def _maybe_await(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


async def _sdk_client(url: str, tokens: int) -> tuple[Any, Any, str]:
    """An async ``one_stream()`` over vllm_sdk: the public client when it exists, else its stream engine."""
    from vllm_sdk._events import Content

    try:
        from vllm_sdk import AsyncVllmClient  # type: ignore[attr-defined]
    except ImportError:
        AsyncVllmClient = None

    if AsyncVllmClient is not None:
        # The same pool limits as the openai-python client below: every stream at once, and all of them
        # kept alive between requests (the defaults of both, 1,000 / 100, would reconnect most streams at
        # 1,024 when a server's streams end together).
        client = AsyncVllmClient(base_url=url, api_key="bench", max_retries=0, timeout=600.0, limits=LIMITS)

        async def one() -> int:
            stream = await _maybe_await(
                client.chat.completions.create(
                    model="bench", messages=MESSAGES, max_tokens=tokens, stream=True
                )
            )
            n = 0
            async with stream:
                async for event in stream:
                    if type(event) is Content:
                        n += 1
            return n

        return one, client.aclose, "AsyncVllmClient"

    from vllm_sdk._streams import AsyncMessageStream
    from vllm_sdk._transports import create_async_http_client

    http = create_async_http_client(
        timeout=httpx.Timeout(600.0, connect=5.0), limits=httpx.Limits(max_connections=None)
    )
    body = json.dumps({"model": "bench", "messages": MESSAGES, "max_tokens": tokens, "stream": True})

    async def one_raw() -> int:
        request = http.build_request(
            "POST", url + "/chat/completions", content=body, headers={"content-type": "application/json"}
        )
        response = await http.send(request, stream=True)
        n = 0
        async with AsyncMessageStream(response) as stream:
            async for event in stream:
                if type(event) is Content:
                    n += 1
        return n

    return one_raw, http.aclose, "transport+AsyncMessageStream"


async def _openai_client(url: str, tokens: int) -> tuple[Any, Any, str]:
    from openai import AsyncOpenAI, DefaultAsyncHttpxClient

    # Enough connections for every stream at once, as for vllm_sdk (openai's default pool caps at 1,000).
    http = DefaultAsyncHttpxClient(limits=LIMITS)
    client = AsyncOpenAI(base_url=url, api_key="bench", max_retries=0, timeout=600.0, http_client=http)

    async def one() -> int:
        stream = await client.chat.completions.create(
            model="bench",
            messages=MESSAGES,
            max_tokens=tokens,
            stream=True,  # type: ignore[arg-type]
        )
        n = 0
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                n += 1
        return n

    return one, client.close, "AsyncOpenAI"


async def _run_worker(kind: str, url: str, concurrency: int, requests: int, tokens: int) -> dict[str, Any]:
    make = _sdk_client if kind == "vllm_sdk" else _openai_client
    one, close, label = await make(url, tokens)
    try:
        # Warm-up, not measured: imports, lazy initialisation, and one connection per concurrent stream,
        # so that every level measures streaming over kept-alive connections rather than TCP set-up.
        await asyncio.gather(*(one() for _ in range(concurrency)))
        per_worker = requests // concurrency
        counts: list[int] = []

        async def worker() -> None:
            for _ in range(per_worker):
                counts.append(await one())

        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    finally:
        await close()
    bad = sum(1 for c in counts if c != tokens)
    impl = "-"
    if kind == "vllm_sdk":
        from vllm_sdk import _speedups

        impl = str(getattr(_speedups, "IMPLEMENTATION", "?"))
    return {
        "label": label,
        "cpu": cpu,
        "wall": wall,
        "requests": len(counts),
        "incomplete": bad,
        "impl": impl,
    }


def worker_main(args: argparse.Namespace) -> int:
    concurrency = args.concurrency[0]
    coro = _run_worker(args.worker, args.url, concurrency, args.requests, args.tokens)
    if args.loop == "uvloop":
        import uvloop

        result = uvloop.run(coro)
    else:
        result = asyncio.run(coro)
    print(json.dumps(result))
    return 0


# ---------------------------------------------------------------- the orchestrator


def _start_server(tokens: int, mode: str = "interleaved") -> tuple[subprocess.Popen[str], str]:
    """Start ``benchmarks.e2e_server`` in ``mode`` (see its :data:`~benchmarks.e2e_server.MODES`)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.e2e_server",
            "--port",
            "0",
            "--tokens",
            str(tokens),
            "--mode",
            mode,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "serving on" not in line:
        proc.kill()
        raise RuntimeError(f"benchmark server did not start: {line!r}")
    return proc, line.split()[-1]


def _run_variant(
    name: str, url: str, concurrency: int, requests: int, tokens: int, loop: str = "asyncio"
) -> dict[str, Any]:
    kind, env_extra = VARIANTS[name]
    env = {**os.environ, **env_extra}
    if "VLLM_SDK_NO_EXTENSIONS" not in env_extra:
        env.pop("VLLM_SDK_NO_EXTENSIONS", None)
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.run_e2e",
        "--worker",
        kind,
        "--url",
        url,
        "--concurrency",
        str(concurrency),
        "--requests",
        str(requests),
        "--tokens",
        str(tokens),
        "--loop",
        loop,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{name} at {concurrency} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _versions() -> str:
    from importlib.metadata import version

    parts = [f"Python {platform.python_version()} ({platform.python_implementation()})"]
    for dist in ("vllm-python-sdk", "httpx", "aiohttp", "orjson", "openai", "pydantic", "uvloop"):
        try:
            parts.append(f"{dist} {version(dist)}")
        except Exception:
            parts.append(f"{dist} -")
    return ", ".join(parts)


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="End-to-end client CPU per streamed chunk.")
    parser.add_argument("--quick", action="store_true", help="~20k chunks per point instead of ~100k")
    parser.add_argument("--tokens", type=int, default=None, help="content chunks per stream (default 128/64)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=list(CONCURRENCY))
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--json", dest="json_out", help="also write the raw results to this file")
    parser.add_argument(
        "--burst",
        action="store_true",
        help="server writes each stream's events in one write (default: one write per event with a yield "
        "between events, so every event tends to arrive in its own read, as from a batching engine)",
    )
    parser.add_argument(
        "--loop",
        choices=["asyncio", "uvloop"],
        default="asyncio",
        help="event loop of every client process (uvloop: installed with the dev extra, not on Windows)",
    )
    # internal: one measured client process
    parser.add_argument("--worker", choices=["vllm_sdk", "openai"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args)

    tokens = args.tokens or (64 if args.quick else 128)
    target_chunks = 20_000 if args.quick else 100_000
    events = tokens + 4  # role, tokens, finish, usage, [DONE]
    print(f"machine: {_machine()}\nversions: {_versions()}")
    print(f"{events} SSE events per stream ({tokens} tokens); about {target_chunks:,} chunks per point\n")
    mode = "burst" if args.burst else "interleaved"
    print(f"server mode: {mode}; client event loop: {args.loop}")
    server, url = _start_server(tokens, mode)
    rows: list[dict[str, Any]] = []
    try:
        for concurrency in args.concurrency:
            requests = max(concurrency, math.ceil(target_chunks / events / concurrency) * concurrency)
            for name in args.variants:
                res = _run_variant(name, url, concurrency, requests, tokens, args.loop)
                chunks = res["requests"] * events
                res.update(
                    variant=name,
                    concurrency=concurrency,
                    chunks=chunks,
                    cpu_per_100k=res["cpu"] / chunks * 100_000,
                    cpu_per_chunk_us=res["cpu"] / chunks * 1e6,
                )
                rows.append(res)
                print(
                    f"  {name:<15} {concurrency:>5} streams: {res['cpu_per_100k']:7.3f} s CPU / 100k chunks "
                    f"({res['requests']} requests, {res['wall']:.1f} s wall, {res['label']}, "
                    f"parser {res['impl']}, incomplete {res['incomplete']})",
                    flush=True,
                )
    finally:
        server.terminate()
        server.wait(timeout=10)
    print()
    print(render_table(rows, args.variants, args.concurrency))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(
                {"machine": _machine(), "versions": _versions(), "tokens": tokens, "rows": rows}, f, indent=1
            )
    return 0


def render_table(rows: list[dict[str, Any]], variants: list[str], levels: list[int]) -> str:
    """A Markdown table: CPU seconds per 100k chunks per variant and concurrency, and the ratio."""
    cell = {(r["variant"], r["concurrency"]): r["cpu_per_100k"] for r in rows}
    header = ["streams", *variants]
    show_ratio = BASELINE in variants and OURS in variants
    if show_ratio:
        header.append(f"{BASELINE} / {OURS}")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for level in levels:
        values = [f"{cell[(v, level)]:.3f}" if (v, level) in cell else "-" for v in variants]
        if show_ratio and (BASELINE, level) in cell and (OURS, level) in cell:
            values.append(f"{cell[(BASELINE, level)] / cell[(OURS, level)]:.1f}×")
        lines.append(f"| {level} | " + " | ".join(values) + " |")
    flat = []
    for v in variants:
        points = [cell[(v, level)] for level in levels if (v, level) in cell]
        if len(points) > 1:
            flat.append(f"{v} {max(points) / min(points):.2f}")
    lines.append("")
    lines.append(
        "client CPU seconds per 100k chunks (lower is better); max/min over concurrency: " + ", ".join(flat)
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
