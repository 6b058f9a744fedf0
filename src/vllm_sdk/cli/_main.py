"""The ``vllm-sdk`` command: chat, complete, models, health, batch, mock-server, demo.

::

    vllm-sdk demo                                    # the tour, against an embedded mock server
    vllm-sdk chat "Why is the sky blue?"             # one-shot, streamed; no prompt = interactive
    vllm-sdk batch in.jsonl -o out.jsonl --concurrency 128 --base-url http://gpu-1:8000/v1 \\
        --base-url http://gpu-2:8000/v1 --stream
    vllm-sdk mock-server --port 8000

Connection options work before or after the sub-command: ``--base-url`` (``VLLM_BASE_URL``, default
``http://localhost:8000/v1``), ``--api-key`` (``VLLM_API_KEY``), ``--model`` (default: the first model
the server lists), ``--timeout``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from .._config import BATCH_REQUEST_TIMEOUT, env_base_url, split_credentials
from .._exceptions import VllmError
from ._deps import missing_dependency_hint

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["build_parser", "main"]

DEFAULT_BASE_URL = "http://localhost:8000/v1"


#: The global options that take a value (skipped when looking for the sub-command in argv).
_VALUE_OPTIONS = frozenset({"--base-url", "--api-key", "--model", "--timeout"})


def _connection_options(
    parser: argparse.ArgumentParser, *, suppress: bool, multi_url: bool = False, model: bool = True
) -> None:
    default = argparse.SUPPRESS if suppress else None
    if multi_url:
        parser.add_argument(
            "--base-url",
            dest="base_urls",
            action="append",
            default=None,
            type=_base_url,
            metavar="URL",
            help="server base URL ending in /v1; repeat for replicas of one model (default: VLLM_BASE_URL)",
        )
    else:
        parser.add_argument(
            "--base-url",
            default=default,
            type=_base_url,
            metavar="URL",
            help=f"server base URL (env VLLM_BASE_URL, default {DEFAULT_BASE_URL})",
        )
    parser.add_argument("--api-key", default=default, help="bearer token (env VLLM_API_KEY)")
    if model:  # models and health name no model: no option that does nothing
        parser.add_argument("--model", default=default, help="model name (default: the first model served)")
    parser.add_argument(
        "--timeout", type=float, default=default, metavar="SECONDS", help="read timeout per request"
    )


def _base_url(text: str) -> str:
    """``--base-url``: checked when parsed, so a URL without a scheme is a usage error naming the option
    (exit status 2, or 1 for ``batch``), not a traceback from deep inside the run."""
    try:
        split_credentials(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("base_url ")) from None
    return text


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of requests per second: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0 requests per second or inf, not {text!r}")
    return value


def _slo(text: str) -> dict[str, float]:
    from ..batch._metrics import SloError, parse_slo

    try:
        return parse_slo(text)
    except SloError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _load_options(batch: argparse.ArgumentParser) -> None:
    """The load-generator options of ``vllm-sdk batch`` (``vllm bench serve``'s names)."""
    batch.add_argument(
        "--request-rate",
        type=_rate,
        default=float("inf"),
        metavar="R",
        help="Poisson arrivals at R requests/s (default inf: as fast as the concurrency allows)",
    )
    batch.add_argument("--seed", type=int, default=0, help="seed of the arrival times (default 0)")
    batch.add_argument(
        "--slo",
        type=_slo,
        default=None,
        metavar="ttft=MS,tpot=MS",
        help="goodput SLOs in milliseconds (ttft, tpot, e2el): requests meeting all of them per second",
    )
    batch.add_argument("--json-summary", metavar="PATH", help="write the metrics as JSON to PATH")
    batch.add_argument(
        "--save-detailed",
        action="store_true",
        help="also write the measured values (ttft_s, tpot_s, itl_s, e2e_s lists, seconds) into the JSON "
        "summary, for benchmarks/plot.py's histograms",
    )
    batch.add_argument(
        "--progress",
        choices=("auto", "bar", "plain", "none"),
        default="auto",
        help="auto (default): a bar on a terminal, plain lines otherwise",
    )
    batch.add_argument(
        "--no-progress", dest="progress", action="store_const", const="none", help="no progress"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``vllm-sdk`` (sub-commands and their options)."""
    parser = argparse.ArgumentParser(
        prog="vllm-sdk",
        description="Command line of vllm_sdk, the Python SDK for vLLM's OpenAI-compatible API.",
    )
    _connection_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    chat = sub.add_parser("chat", help="chat with the model (one-shot or interactive)")
    chat.add_argument("prompt", nargs="?", help="the question; omit for an interactive conversation")
    chat.add_argument("--system", help="system prompt")
    chat.add_argument("--max-tokens", type=int, metavar="N", help="longest answer, in tokens")
    chat.add_argument("--temperature", type=float, metavar="T", help="sampling temperature (0 = greedy)")
    chat.add_argument(
        "--think",
        dest="think",
        action="store_true",
        default=None,
        help="ask for reasoning (chat_template_kwargs.enable_thinking)",
    )
    chat.add_argument("--no-think", dest="think", action="store_false", help="ask for no reasoning")
    _connection_options(chat, suppress=True)

    complete = sub.add_parser("complete", help="stream a legacy text completion")
    complete.add_argument("prompt", help="the text to continue")
    complete.add_argument("--max-tokens", type=int, metavar="N", help="longest continuation, in tokens")
    complete.add_argument("--temperature", type=float, metavar="T", help="sampling temperature (0 = greedy)")
    _connection_options(complete, suppress=True)

    models = sub.add_parser("models", help="list the served models")
    models.add_argument("--json", action="store_true", help="print the full JSON")
    _connection_options(models, suppress=True, model=False)

    health = sub.add_parser("health", help="check the server's /health (exit status 0 = healthy)")
    _connection_options(health, suppress=True, model=False)

    batch = sub.add_parser(
        "batch",
        help="run an OpenAI batch file (resumable)",
        description="Run an OpenAI batch file ({custom_id, method, url, body} per line) "
        "and write vLLM run-batch output lines, one per custom_id; rerun to resume and to retry failures.",
        epilog="exit status: 0 every request succeeded, 3 finished but some failed, 1 could not proceed "
        "(bad arguments, output locked by another run, output equal to the input, unreadable input)",
    )
    batch.add_argument("input", help="input .jsonl")
    batch.add_argument("-o", "--output", required=True, help="output .jsonl (one line per id; resumable)")
    batch.add_argument(
        "--concurrency", "--max-concurrency", type=int, default=64, help="requests in flight (default 64)"
    )
    batch.add_argument("--max-retries", type=int, default=3, help="retries per request (default 3)")
    batch.add_argument(
        "--stream", action="store_true", help="stream every request (measures TTFT, TPOT and ITL)"
    )
    batch.add_argument(
        "--retry-failed",
        action="store_true",
        help="rerun every failed id of the output, not only those that failed retryably",
    )
    batch.add_argument(
        "--stream-idle-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="longest silence allowed inside a stream (default: the read timeout)",
    )
    batch.add_argument(
        "--request-timeout",
        type=float,
        default=BATCH_REQUEST_TIMEOUT,
        metavar="SECONDS",
        help="longest one attempt of a request may take, sent to fully read; inf: no bound "
        "(default: 21600, six hours)",
    )
    _load_options(batch)
    _connection_options(batch, suppress=True, multi_url=True)

    # Only listed here: main() hands everything after "mock-server" to the mock server's own parser.
    sub.add_parser(
        "mock-server", help="serve the mock vLLM API (vllm-sdk mock-server --help)", add_help=False
    )

    demo = sub.add_parser("demo", help="a tour of the SDK against an embedded mock server")
    demo.add_argument("--requests", type=int, default=1000, help="batch size of the last part (default 1000)")
    demo.add_argument(
        "--concurrency", type=int, default=64, help="requests in flight in the batch part (default 64)"
    )
    _connection_options(demo, suppress=True)
    return parser


def _setting(args: argparse.Namespace, name: str, env: str | None = None) -> Any:
    value = getattr(args, name, None)
    if value is None and env is not None:
        value = os.environ.get(env) or None
    return value


def _command_index(argv: Sequence[str]) -> int | None:
    """Where the sub-command is in ``argv`` (the first word that is not a global option or its value)."""
    skip = False
    for index, word in enumerate(argv):
        if skip:
            skip = False
        elif word in _VALUE_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            return index
    return None


def _command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv`` (for an exit status when parsing failed), if any."""
    at = _command_index(argv)
    return argv[at] if at is not None else None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vllm-sdk`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    at = _command_index(argv)
    command = argv[at] if at is not None else "vllm-sdk"
    try:
        if at is not None and command == "mock-server":
            # Everything after it goes to the mock server's own parser, --help included.
            from ..testing.__main__ import main as mock_main

            return mock_main(argv[at + 1 :], prog="vllm-sdk mock-server")
        return _run(argv)
    except ImportError as exc:
        hint = missing_dependency_hint(exc, command)
        if hint is None:
            raise
        print(f"error: {hint}", file=sys.stderr)
        return 1


def _run(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        # API.md section 10: batch exits with 1 when it cannot proceed, bad arguments included.
        if exc.code == 2 and _command_of(argv) == "batch":
            return 1
        raise
    command = args.command
    base_url = _setting(args, "base_url", "VLLM_BASE_URL")
    api_key = _setting(args, "api_key", "VLLM_API_KEY")
    try:
        if base_url is not None and getattr(args, "base_url", None) is None:
            # From the environment: a bad value is the SettingError naming VLLM_BASE_URL, as in the clients.
            env_base_url()
        if command == "demo":
            from ._demo import run_demo

            return run_demo(
                base_url=base_url,
                api_key=api_key,
                model=args.model,
                requests=args.requests,
                concurrency=args.concurrency,
            )
        if command == "batch":
            from ._batch import BatchFileOptions, run_from_cli
            from ._progress import resolve_mode

            urls = args.base_urls or [base_url or DEFAULT_BASE_URL]
            return run_from_cli(
                BatchFileOptions(
                    input=args.input,
                    output=args.output,
                    base_urls=urls,
                    api_key=api_key,
                    concurrency=args.concurrency,
                    max_retries=args.max_retries,
                    stream=args.stream,
                    progress=resolve_mode(args.progress, is_tty=sys.stderr.isatty(), err=sys.stderr),
                    timeout=args.timeout,
                    model=args.model,
                    retry_failed=args.retry_failed,
                    stream_idle_timeout=args.stream_idle_timeout,
                    request_timeout=args.request_timeout,
                    request_rate=args.request_rate,
                    seed=args.seed,
                    slo=args.slo,
                    json_summary=args.json_summary,
                    save_detailed=args.save_detailed,
                )
            )
        from ._chat import (
            ChatSettings,
            command_chat,
            command_complete,
            command_health,
            command_models,
        )

        settings = ChatSettings(
            base_url=base_url or DEFAULT_BASE_URL,
            api_key=api_key,
            model=getattr(args, "model", None),
            timeout=args.timeout,
            max_tokens=getattr(args, "max_tokens", None),
            temperature=getattr(args, "temperature", None),
            system=getattr(args, "system", None),
            think=getattr(args, "think", None),
        )
        if command == "chat":
            return command_chat(settings, args.prompt, stdin=sys.stdin, out=sys.stdout, err=sys.stderr)
        if command == "complete":
            return command_complete(settings, args.prompt, out=sys.stdout, err=sys.stderr)
        if command == "models":
            return command_models(settings, as_json=args.json, out=sys.stdout)
        return command_health(settings, out=sys.stdout)  # argparse admits no other command
    except VllmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
