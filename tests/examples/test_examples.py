"""Every script in examples/ runs to completion against the mock server and prints what it promises.

Each example is started as a subprocess, the way a user runs it. Most get ``--base-url`` of one shared
mock server (the path a user with a real server takes); those in ``SELF_STARTED`` run without it, so the
self-started mock server of ``examples/_common.py`` is covered too (and they need it: they inject faults or
read what the server recorded). ``EXPECTED`` lists text the output must contain, so an example that exits
0 but shows nothing useful still fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import Iterator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TIMEOUT = 60.0
# Starting a local Ray cluster alone takes 20-50 s on a loaded 2-core machine.
SLOW_TIMEOUT = {"ray_batch.py": 240.0}
WORKERS = 4

# example -> substrings its standard output must contain
EXPECTED: dict[str, list[str]] = {
    "simple_chat.py": ["builder:", "keywords:", "finish reason:"],
    "system_prompt.py": [],
    "multi_turn.py": ["user:      What is my name?", "assistant:", "history: 7 messages"],
    "sampling_parameters.py": ["greedy:", "creative:", "same seed, same text: True", "candidate 2:"],
    "stop_sequences.py": ["without stop:", "finish_reason: stop", "with the stop string kept:"],
    "token_usage.py": ["non-streamed: prompt=", "streamed:     prompt=", "tokenize:"],
    "streaming.py": ["[finish_reason:", "[done]", "collected:"],
    "streaming_reasoning.py": ["--- thinking ---", "--- answer ---", "characters of reasoning"],
    "spinner.py": ["[time to first token:"],
    "stream_idle_timeout.py": ["healthy:", "stalled: gave up after"],
    "completions_streaming.py": ["[finish_reason:", "tokens]", "collected:", "echoed:"],
    "tool_calling.py": ["model called get_weather(", "tool returned:", "final answer:"],
    "tool_multiple.py": ["2 tool calls", "get_weather(", "convert_currency(", "streamed call complete:"],
    "tool_agent_loop.py": [
        "round 1: get_weather(",
        "round 1: convert_currency(",
        "the model answered",
        "answer:",
    ],
    "tool_choice.py": ["    auto:", "    none:", "required:", "   named: finish_reason=stop"],
    "tool_safe_execution.py": ["unknown tool", "invalid arguments", "KeyError", "final answer:"],
    "multimodal_base64.py": ["file:", "bytes:"],
    "multimodal_url.py": ["builder:", "keywords:"],
    "multimodal_multiple_images.py": ["2 images ->", "images() ->"],
    "thinking_toggle.py": ["thinking=True:", "thinking=False: 0 characters", "reasoning = None"],
    "retries.py": ["succeeded after", "attempt 2 failed", "ModelNotFoundError (retryable=False)"],
    "custom_headers.py": ["'x-team': 'search'", "'x-tenant': 'acme'", "'x-request-id': 'example-42'"],
    "batch_processing.py": ["200 ok, 0 failed", "time to first token:", "custom_id=line-2 ok=True"],
    "structured_outputs.py": [
        "parsed: CityInfo",
        "parsed: True",
        "tool arguments: GetWeather(",
        "choice: ",
        "max_tokens=3: LengthFinishReasonError",
    ],
    "responses_api.py": [
        "output_text:",
        "builder id: True",
        "[done]",
        "model called GetWeather(",
        "after the tool:",
        "streamed tool calls: ['GetWeather']",
        "output_parsed: verdict=",
    ],
    "messages_api.py": [
        "text:",
        "builder gives the same text: True",
        "count_tokens:",
        "[done]",
        "blocks: ['thinking', 'text']",
        "model called GetWeather(city=",
        "stop_reason=tool_use",
        "streamed tool calls: ['GetWeather']",
    ],
    "ops_routes.py": [
        "conversation 0:",
        "conversation 1:",
        "rendered prompt tokens:",
        "completions render:",
        "scores: [",
        "decision: ",
        "embed: 2 vectors of 128, 16 packed bytes each",
        "sleep: sleeping",
        "is_sleeping: True",
        "wake_up weights: sleeping",
        "wake_up all: awake | is_sleeping: False",
        "kv event sources: {}",
        "scaling elastic EP: False",
    ],
    "audio_transcription.py": [
        "json:",
        "audio seconds: 2",
        "text is a str: True",
        "verbose_json: duration=2.0s, 1 segment(s)",
        "streamed tokens:",
        "streamed text matches: True",
        "translation:",
    ],
    "realtime_transcription.py": [
        "session: sess-",
        "sent 48000 bytes in 3 chunks",
        "transcript: heard 0.00-0.50 s heard 0.50-1.00 s heard 1.00-1.50 s",
        "[done]",
        "server error: RealtimeError code=unknown_event",
        "async transcript: heard 0.00-0.50 s heard 0.50-1.00 s heard 1.00-1.50 s",
    ],
    "ray_batch.py": ["rows back (", "ok, 1 failed", "ttft=", "status=400 error=InvalidBatchRequest"],
    "async_concurrency.py": [
        "50 answers",
        "10 concurrent streams",
        "cancelled a stream after its first piece",
        "client is still fine",
    ],
}

# Examples that need the mock server they start themselves (fault injection needs no --base-url).
SELF_STARTED = {"stream_idle_timeout.py", "retries.py", "custom_headers.py", "spinner.py", "ray_batch.py"}
# Examples given --base-url but no --model: they ask the server for its first model.
NO_MODEL = {"simple_chat.py"}


def test_every_example_is_listed() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(EXPECTED)


@pytest.fixture(scope="module")
def mock_server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as server:
        yield server


def run_example(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VLLM_")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=SLOW_TIMEOUT.get(name, TIMEOUT),
        env=env,
        cwd=EXAMPLES,
        check=False,
    )


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, mock_server: MockVllmServer
) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """Start the selected examples at once (a few at a time): much of their time is spent waiting on
    purpose (spinners, retries, timeouts), so running them side by side keeps the suite short."""
    selected = sorted(
        item.callspec.params["name"]
        for item in request.session.items
        if item.originalname == "test_example_runs" and hasattr(item, "callspec")
    )
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {}
        for name in selected:
            if name in SELF_STARTED:
                args: tuple[str, ...] = ()
            elif name in NO_MODEL:
                args = ("--base-url", mock_server.base_url)
            else:
                args = ("--base-url", mock_server.base_url, "--model", mock_server.model)
            futures[name] = pool.submit(run_example, name, *args)
        yield futures


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name: str, runs: dict[str, Future[subprocess.CompletedProcess[str]]]) -> None:
    proc = runs[name].result()
    report = f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    assert proc.returncode == 0, report
    assert proc.stdout.strip(), report
    for text in EXPECTED[name]:
        assert text in proc.stdout, f"{text!r} missing\n{report}"
    assert "Traceback" not in proc.stderr, report
