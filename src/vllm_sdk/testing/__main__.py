"""``python -m vllm_sdk.testing``: run the mock vLLM server in the foreground until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import TYPE_CHECKING

from ._faults import FaultSpecError, parse_faults

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._server import MockVllmServer

__all__ = ["build_parser", "main"]


def build_parser(prog: str = "python -m vllm_sdk.testing") -> argparse.ArgumentParser:
    """The command-line options of the mock server (shared with ``vllm-sdk mock-server``)."""
    p = argparse.ArgumentParser(prog=prog, description="Serve a mock vLLM (OpenAI-compatible) API.")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000; 0 picks a free one)")
    p.add_argument("--model", default="mock", help="served model name (default: mock)")
    p.add_argument("--served-model-name", action="append", default=[], help="an extra served model alias")
    p.add_argument("--api-key", default=None, help="require this bearer token on /v1 routes")
    p.add_argument("--token-delay", type=float, default=0.0, help="seconds between stream events")
    p.add_argument("--faults", default=None, help="server-wide faults, e.g. 'status=503:2,delay_events=0.1'")
    p.add_argument("--max-model-len", type=int, default=2048, help="context window (default 2048)")
    p.add_argument(
        "--enable-scale-out",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="serve the /v1/*/render routes, as vLLM with --enable-scale-out (default); "
        "--no-enable-scale-out answers them with vLLM's 403",
    )
    return p


async def _serve(server: MockVllmServer) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        # SIGTERM (what process managers and Popen.terminate send) stops the server cleanly too.
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    except (NotImplementedError, AttributeError, RuntimeError):  # pragma: no cover - Windows
        pass
    async with server:
        print(f"Mock vLLM server for model {server.model!r} at {server.base_url}", flush=True)
        await stop.wait()


def _raise_open_files_limit() -> None:
    """Allow as many connections as the hard limit permits: benchmarks open thousands of streams."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):  # pragma: no cover - not allowed here; keep the soft limit
            pass


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m vllm_sdk.testing") -> int:
    """Run the server until Ctrl-C; returns the process exit status. ``prog`` names the command in help
    and usage messages (``vllm-sdk mock-server`` when run through the ``vllm-sdk`` command)."""
    args = build_parser(prog).parse_args(argv)
    if args.token_delay < 0:
        print("error: --token-delay must be >= 0", file=sys.stderr)
        return 2
    try:
        faults = parse_faults(args.faults)
    except FaultSpecError as exc:
        print(f"error: --faults: {exc}", file=sys.stderr)
        return 2
    _raise_open_files_limit()
    # Imported here, after the arguments: --help works without aiohttp (the mock extra), and a missing
    # aiohttp is reported by the caller as an install hint.
    from ._server import MockVllmServer

    server = MockVllmServer(
        args.model,
        args.host,
        args.port,
        api_key=args.api_key,
        token_delay=args.token_delay,
        faults=faults,
        served_models=args.served_model_name,
        max_model_len=args.max_model_len,
        enable_scale_out=args.enable_scale_out,
    )
    try:
        asyncio.run(_serve(server))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
