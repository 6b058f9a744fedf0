"""What reading streamed events costs *below* any HTTP client: the floors of the end-to-end benchmark.

Runs the end-to-end server (``benchmarks/e2e_server.py``) in its own process and reads the same streams
with two clients that do no SSE or JSON work at all, printing client CPU seconds per 100k events:

* ``bare-aiohttp``: ``aiohttp.ClientSession.post`` and ``content.iter_any()``, counting ``data:`` lines;
* ``raw-protocol``: a bare ``asyncio.Protocol`` per connection that writes the request bytes and counts
  ``data:`` in ``data_received`` (no HTTP parsing at all: the cost of the event loop's reads alone);
* ``protocol-parser``: what an SDK-owned HTTP path could cost at best - a bare protocol that skips the
  response head, undoes the chunked framing, feeds vllm_sdk's stream parser in ``data_received`` and
  hands the typed events to a consumer task through a deque and one future per wait (no httpx, no
  aiohttp, no timeouts, no error handling);

each on the default asyncio loop and, when uvloop is installed, on uvloop. Compare with the
``sdk-aiohttp-c`` and ``openai`` rows of ``python -m benchmarks.run_e2e`` taken in the same minutes.

    python -m benchmarks.floors --concurrency 64 --requests 768 [--json PATH]

``--json PATH`` also writes the rows (client, loop, CPU seconds per 100k events) for ``benchmarks/plot.py``,
which draws them as the reference lines of the end-to-end plot.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Coroutine

BODY = json.dumps({"model": "mock", "messages": [{"role": "user", "content": "hi"}], "stream": True}).encode()


async def bare_aiohttp(url: str, concurrency: int, requests: int) -> tuple[float, int]:
    """CPU seconds and events for ``requests`` streams read with plain aiohttp."""
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        events = 0

        async def one() -> None:
            nonlocal events
            headers = {"content-type": "application/json"}
            async with session.post(url + "/chat/completions", data=BODY, headers=headers) as resp:
                async for chunk in resp.content.iter_any():
                    events += chunk.count(b"data:")

        await asyncio.gather(*(one() for _ in range(concurrency)))  # warm the connections up
        events = 0
        todo = requests

        async def worker() -> None:
            nonlocal todo
            while todo > 0:
                todo -= 1
                await one()

        cpu0 = time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.process_time() - cpu0, events


class _Counter(asyncio.Protocol):
    """Counts ``data:`` in what arrives; the end of a chunked body completes ``done``."""

    def __init__(self) -> None:
        self.events = 0
        self.done: asyncio.Future[None] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's TCP transports are not registered as asyncio.Transport subclasses: no isinstance check.
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.events += data.count(b"data:")
        if data.endswith(b"0\r\n\r\n") and self.done is not None and not self.done.done():
            self.done.set_result(None)


def _raw_request(url: str) -> tuple[str, int, bytes]:
    """Host, port and the bytes of one streaming chat request, for the clients that speak HTTP by hand."""
    parts = urlparse(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    head = (
        f"POST {parts.path}/chat/completions HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n"
    )
    return host, port, head.encode() + BODY


async def raw_protocol(url: str, concurrency: int, requests: int) -> tuple[float, int]:
    """CPU seconds and events for ``requests`` streams read by bare protocols (no HTTP parsing)."""
    host, port, request = _raw_request(url)
    loop = asyncio.get_running_loop()
    protocols = [(await loop.create_connection(_Counter, host, port))[1] for _ in range(concurrency)]
    todo = requests

    async def worker(proto: _Counter) -> None:
        nonlocal todo
        assert proto.transport is not None
        while todo > 0:
            todo -= 1
            proto.done = loop.create_future()
            proto.transport.write(request)
            await proto.done

    cpu0 = time.process_time()
    await asyncio.gather(*(worker(p) for p in protocols))
    cpu = time.process_time() - cpu0
    for proto in protocols:
        if proto.transport is not None:
            proto.transport.close()
    return cpu, sum(p.events for p in protocols)


class _ParsingProtocol(asyncio.Protocol):
    """Head skipped, chunked framing undone, body fed to the stream parser, events queued for a consumer."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.content = self.sse_events = 0
        self.start()

    def start(self) -> None:
        from vllm_sdk._speedups import ChatStreamParser

        self.in_head = True
        self.pending = b""
        self.parser = ChatStreamParser()
        self.events: collections.deque[object] = collections.deque()
        self.waiter: asyncio.Future[None] | None = None
        self.finished = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.sse_events += data.count(b"data:")  # as the other floors count (the parser emits no 1:1 events)
        buf = self.pending + data if self.pending else data
        pos = 0
        if self.in_head:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.pending = buf
                return
            self.in_head, pos = False, end + 4
        pieces: list[bytes] = []
        while True:  # chunked transfer coding: hex size CRLF data CRLF, a 0 size ends the body
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                break
            size = int(buf[pos:eol], 16)
            if size == 0:
                self.finished, pos = True, len(buf)
                break
            end = eol + 2 + size
            if end + 2 > len(buf):
                break
            pieces.append(buf[eol + 2 : end])
            pos = end + 2
        self.pending = buf[pos:]
        if pieces:
            self.events.extend(self.parser.feed(pieces[0] if len(pieces) == 1 else b"".join(pieces)))
        waiter = self.waiter
        if waiter is not None and (self.events or self.finished) and not waiter.done():
            waiter.set_result(None)

    async def stream(self) -> AsyncIterator[object]:
        loop = asyncio.get_running_loop()
        while True:
            while self.events:
                yield self.events.popleft()
            if self.finished:
                return
            self.waiter = loop.create_future()
            await self.waiter
            self.waiter = None


async def protocol_parser(url: str, concurrency: int, requests: int) -> tuple[float, int]:
    """CPU seconds and events for ``requests`` streams parsed into typed events without an HTTP library."""
    from vllm_sdk._events import Content

    host, port, request = _raw_request(url)
    loop = asyncio.get_running_loop()
    protocols = [(await loop.create_connection(_ParsingProtocol, host, port))[1] for _ in range(concurrency)]
    todo = requests

    async def one(proto: _ParsingProtocol) -> None:
        assert proto.transport is not None
        proto.start()
        proto.transport.write(request)
        async for event in proto.stream():
            if type(event) is Content:
                proto.content += 1

    await asyncio.gather(*(one(p) for p in protocols))  # warm-up: parser and envelope caches
    for proto in protocols:
        proto.content = proto.sse_events = 0

    async def worker(proto: _ParsingProtocol) -> None:
        nonlocal todo
        while todo > 0:
            todo -= 1
            await one(proto)

    cpu0 = time.process_time()
    await asyncio.gather(*(worker(p) for p in protocols))
    cpu = time.process_time() - cpu0
    for proto in protocols:
        if proto.transport is not None:
            proto.transport.close()
    if any(p.content == 0 for p in protocols):
        raise RuntimeError("a connection parsed no content: the protocol-parser floor is broken")
    return cpu, sum(p.sse_events for p in protocols)


CLIENTS: dict[str, Callable[[str, int, int], Coroutine[Any, Any, tuple[float, int]]]] = {
    "bare-aiohttp": bare_aiohttp,
    "raw-protocol": raw_protocol,
    "protocol-parser": protocol_parser,
}


def _worker(args: argparse.Namespace) -> int:
    coro = CLIENTS[args.worker](args.url, args.concurrency, args.requests)
    if args.loop == "uvloop":
        import uvloop

        cpu, events = uvloop.run(coro)
    else:
        cpu, events = asyncio.run(coro)
    print(json.dumps({"cpu": cpu, "events": events}))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Start the benchmark server, run every floor client in a fresh process, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--requests", type=int, default=768)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--burst", action="store_true", help="the server writes each stream in one write")
    parser.add_argument("--json", dest="json_out", metavar="PATH", help="also write the rows to this file")
    parser.add_argument("--worker", choices=sorted(CLIENTS), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args)

    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.e2e_server", "--port", "0", "--tokens", str(args.tokens)]
        + (["--burst"] if args.burst else []),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().split()[-1]
        loops = ["asyncio"]
        try:
            import uvloop  # noqa: F401

            loops.append("uvloop")
        except ImportError:
            print("(uvloop is not installed: only the default asyncio loop is measured)")
        print(f"{args.concurrency} streams, {args.requests} requests, {args.tokens} tokens per stream")
        print("| client | loop | CPU s / 100k events |\n|---|---|---|")
        rows: list[dict[str, Any]] = []
        for name in CLIENTS:
            for loop in loops:
                cmd = [sys.executable, "-m", "benchmarks.floors", "--worker", name, "--url", url]
                cmd += ["--concurrency", str(args.concurrency), "--requests", str(args.requests)]
                cmd += ["--loop", loop]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=os.environ)
                result = json.loads(out.stdout.strip().splitlines()[-1])
                per_100k = result["cpu"] / result["events"] * 1e5
                row = {"client": name, "loop": loop, "cpu_per_100k": per_100k, "events": result["events"]}
                rows.append(row)
                print(f"| {name} | {loop} | {per_100k:.3f} |")
        if args.json_out:
            document = {
                "benchmark": "floors",
                "mode": "burst" if args.burst else "interleaved",
                "concurrency": args.concurrency,
                "requests": args.requests,
                "tokens": args.tokens,
                "rows": rows,
            }
            with open(args.json_out, "w", encoding="utf-8") as f:
                json.dump(document, f, indent=1)
                f.write("\n")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
