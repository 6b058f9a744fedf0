"""Client CPU per non-streamed chat request: vllm_sdk against a bare aiohttp client and openai-python.

Every client sends the same ``POST /v1/chat/completions`` (no ``stream``) to the end-to-end server
(``benchmarks/e2e_server.py``), which answers with one precomputed vLLM 0.32.0-shaped chat completion, from
``concurrency`` workers at once, after a warm-up round that opens one connection per worker. Measured:
``time.process_time()`` of the client process over the timed requests only, divided by their number.

* ``sdk``: ``AsyncVllmClient.chat.completions.create(...)`` - a typed ``ChatCompletion``, over the SDK's
  own HTTP/1.1 connections (the default ``wire`` transport);
* ``sdk-aiohttp``: the same over aiohttp's session (``transport="aiohttp"``, the previous default);
* ``bare-aiohttp``: ``aiohttp.ClientSession.post``, ``await resp.read()``, ``orjson.loads`` - an untyped
  dict, no status mapping, no timeouts beyond aiohttp's defaults: the floor of an aiohttp-based client;
* ``openai``: openai-python's ``AsyncOpenAI(...).chat.completions.create(...)`` (a pydantic model).

    python -m benchmarks.nonstream --concurrency 64 --requests 6400
    python -m benchmarks.nonstream --rounds 3 --clients sdk,bare-aiohttp   # alternating, round by round
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

MESSAGES = [{"role": "user", "content": "Tell me a story."}]
MAX_TOKENS = 16


async def _sdk(url: str) -> tuple[Callable[[], Awaitable[str]], Callable[[], Awaitable[None]]]:
    from vllm_sdk import AsyncVllmClient

    client = AsyncVllmClient(base_url=url, api_key="bench", max_retries=0, timeout=600.0)

    async def one() -> str:
        completion = await client.chat.completions.create(
            model="bench", messages=MESSAGES, max_tokens=MAX_TOKENS
        )
        return completion.choices[0].message.content or ""

    return one, client.aclose


async def _sdk_aiohttp(url: str) -> tuple[Callable[[], Awaitable[str]], Callable[[], Awaitable[None]]]:
    from vllm_sdk import AsyncVllmClient

    # The previous default: non-streamed calls through aiohttp's session (``VLLM_SDK_TRANSPORT=aiohttp``).
    client = AsyncVllmClient(base_url=url, api_key="bench", max_retries=0, timeout=600.0, transport="aiohttp")

    async def one() -> str:
        completion = await client.chat.completions.create(
            model="bench", messages=MESSAGES, max_tokens=MAX_TOKENS
        )
        return completion.choices[0].message.content or ""

    return one, client.aclose


async def _bare_aiohttp(url: str) -> tuple[Callable[[], Awaitable[str]], Callable[[], Awaitable[None]]]:
    import aiohttp
    import orjson

    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    body = orjson.dumps({"model": "bench", "messages": MESSAGES, "max_tokens": MAX_TOKENS})
    headers = {"content-type": "application/json", "authorization": "Bearer bench"}
    target = url + "/chat/completions"

    async def one() -> str:
        async with session.post(target, data=body, headers=headers) as resp:
            data = orjson.loads(await resp.read())
        content: str = data["choices"][0]["message"]["content"]
        return content

    return one, session.close


async def _openai(url: str) -> tuple[Callable[[], Awaitable[str]], Callable[[], Awaitable[None]]]:
    import httpx
    from openai import AsyncOpenAI, DefaultAsyncHttpxClient

    http = DefaultAsyncHttpxClient(limits=httpx.Limits(max_connections=4096, max_keepalive_connections=4096))
    client = AsyncOpenAI(base_url=url, api_key="bench", max_retries=0, timeout=600.0, http_client=http)

    async def one() -> str:
        completion = await client.chat.completions.create(
            model="bench",
            messages=MESSAGES,  # type: ignore[arg-type]
            max_tokens=MAX_TOKENS,
        )
        return completion.choices[0].message.content or ""

    return one, client.close


CLIENTS: dict[str, Callable[[str], Awaitable[tuple[Any, Any]]]] = {
    "sdk": _sdk,
    "sdk-aiohttp": _sdk_aiohttp,
    "bare-aiohttp": _bare_aiohttp,
    "openai": _openai,
}


async def measure(name: str, url: str, concurrency: int, requests: int) -> dict[str, Any]:
    """CPU seconds of ``requests`` requests of client ``name`` sent by ``concurrency`` workers."""
    one, close = await CLIENTS[name](url)
    try:
        await asyncio.gather(*(one() for _ in range(concurrency)))  # warm-up: connections, lazy imports
        per_worker = max(1, requests // concurrency)
        answers: list[str] = []

        async def worker() -> None:
            for _ in range(per_worker):
                answers.append(await one())

        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    finally:
        await close()
    bad = sum(1 for text in answers if not text)
    if bad:
        raise RuntimeError(f"{name}: {bad} answers without content")
    return {"cpu": cpu, "wall": wall, "requests": len(answers)}


def run_in_process(
    name: str, url: str, concurrency: int, requests: int, loop: str = "asyncio"
) -> dict[str, Any]:
    """:func:`measure` in a fresh interpreter (imports and garbage of one client never bill another)."""
    cmd = [sys.executable, "-m", "benchmarks.nonstream", "--worker", name, "--url", url]
    cmd += ["--concurrency", str(concurrency), "--requests", str(requests), "--loop", loop]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"non-streamed {name} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    """Start the benchmark server and print each client's CPU per request (or run one measured client)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--requests", type=int, default=6400)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--rounds", type=int, default=1, help="measure every client this many times, in turn")
    parser.add_argument(
        "--clients", default=",".join(CLIENTS), help=f"comma-separated, of: {', '.join(CLIENTS)}"
    )
    parser.add_argument("--worker", choices=sorted(CLIENTS), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        coro = measure(args.worker, args.url, args.concurrency, args.requests)
        if args.loop == "uvloop":
            import uvloop

            result = uvloop.run(coro)
        else:
            result = asyncio.run(coro)
        print(json.dumps(result))
        return 0

    from .run_e2e import _start_server

    names = [name.strip() for name in args.clients.split(",") if name.strip()]
    unknown = [name for name in names if name not in CLIENTS]
    if unknown:
        parser.error(f"unknown client(s) {', '.join(unknown)}: choose from {', '.join(CLIENTS)}")
    server, url = _start_server(MAX_TOKENS)
    try:
        print(f"{args.concurrency} concurrent non-streamed chat requests, {args.requests} per client")
        for round_no in range(1, args.rounds + 1):
            if args.rounds > 1:
                print(f"round {round_no} (load average {os.getloadavg()[0]:.2f})", flush=True)
            for name in names:
                res = run_in_process(name, url, args.concurrency, args.requests, args.loop)
                print(f"  {name:<13} {res['cpu'] / res['requests'] * 1e3:.3f} ms CPU per request", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
