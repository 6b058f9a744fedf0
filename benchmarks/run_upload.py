"""Client memory of an audio upload: a file streamed from disk vs the same file passed as bytes.

    python -m benchmarks.run_upload --mib 64

A bare aiohttp server in its own process reads each upload in chunks and throws it away (so its memory is
not this process's); each case uploads one file of ``--mib`` MiB through ``client.audio.transcriptions``:
the sync client, the async client on httpx's transport and on the aiohttp transport, each with ``file=``
a path (streamed from disk) and with ``file=`` the file's bytes (in memory, as every upload was before).
Peak is the peak of Python allocations during the call (``tracemalloc``), the bytes held by the caller
excepted; seconds are measured in a second run without tracing. Numbers go in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

_SERVER = """
import sys
from aiohttp import web

async def upload(request):
    size = 0
    async for chunk in request.content.iter_chunked(1 << 16):
        size += len(chunk)
    return web.json_response({"text": str(size)})

app = web.Application()
app.router.add_post("/v1/audio/transcriptions", upload)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_server(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, str(port)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the upload server did not start")


def _upload(client_kind: str, base_url: str, file: Any) -> str:
    from vllm_sdk import AsyncVllmClient, VllmClient

    if client_kind == "sync":
        with VllmClient(base_url, max_retries=0, timeout=120.0) as client:
            return client.audio.transcriptions.create(file=file, model="m").text

    async def run() -> str:
        async with AsyncVllmClient(base_url, max_retries=0, timeout=120.0) as client:
            return (await client.audio.transcriptions.create(file=file, model="m")).text

    return asyncio.run(run())


def _case(client_kind: str, base_url: str, file: Any, size: int) -> tuple[float, float]:
    """(peak MiB of Python allocations, seconds) of one upload."""
    tracemalloc.start()
    try:
        text = _upload(client_kind, base_url, file)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if int(text) < size:
        raise SystemExit(f"the server got {text} bytes of a {size}-byte file")
    started = time.perf_counter()
    _upload(client_kind, base_url, file)
    return peak / 2**20, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=64, help="size of the uploaded file in MiB")
    args = parser.parse_args()
    port = _free_port()
    server = _start_server(port)
    base_url = f"http://127.0.0.1:{port}/v1"
    size = args.mib * 2**20
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "talk.wav"
            with path.open("wb") as sink:
                sink.write(b"RIFF\x00\x00\x00\x00WAVEfmt ")
                sink.write(os.urandom(size - 16))
            data = path.read_bytes()
            print(f"file: {args.mib} MiB; peak: Python allocations during the call, caller's bytes excepted")
            for kind in ("sync", "async"):  # imports and first-use caches out of the measured calls
                _upload(kind, base_url, b"RIFF" * 8)
            print("| client | file= | peak MiB | seconds |")
            print("|---|---|---|---|")
            for label, kind, transport in (
                ("sync", "sync", None),
                ("async, httpx transport", "async", "httpx"),
                ("async, aiohttp transport", "async", "aiohttp"),
            ):
                if transport is not None:
                    os.environ["VLLM_SDK_TRANSPORT"] = transport
                for name, file in (("path (streamed)", path), ("bytes (in memory)", data)):
                    peak, seconds = _case(kind, base_url, file, size)
                    print(f"| {label} | {name} | {peak:,.1f} | {seconds:.2f} |")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
