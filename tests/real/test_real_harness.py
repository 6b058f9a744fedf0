"""Offline tests of scripts/real_vllm/harness.py with a fake server (no vLLM needed; part of ``make test``).

The fake stands in for ``.venv-real/bin/python -m vllm...``: it forks a child like vLLM's engine process,
serves ``/health`` on the port it was given, or crashes / never becomes healthy on request.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from .real_support import REPO

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the harness relies on POSIX process groups")

FAKE_SERVER = textwrap.dedent(
    """
    import http.server, os, subprocess, sys, time
    port = int(sys.argv[sys.argv.index("--port") + 1])
    mode = os.environ.get("FAKE_MODE", "ok")
    if mode == "crash":
        print("boom: cannot start", flush=True)
        sys.exit(3)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    print("child", child.pid, flush=True)
    if mode == "hang":
        time.sleep(60)

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/health" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    http.server.HTTPServer(("127.0.0.1", port), Health).serve_forever()
    """
)


@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    spec = importlib.util.spec_from_file_location("real_vllm_harness", REPO / "scripts/real_vllm/harness.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "STATE_DIR", tmp_path / "state")
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    monkeypatch.setenv("VLLM_SDK_TEST_MODEL", str(model))
    monkeypatch.setenv("VLLM_SDK_TEST_EMBED_MODEL", str(model))
    return module


@pytest.fixture
def fake_venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    script = tmp_path / "fake_server.py"
    script.write_text(FAKE_SERVER)
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n')
    python.chmod(0o755)
    return venv


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _child_pid(log: str) -> int:
    for line in Path(log).read_text().splitlines():
        if line.startswith("child "):
            return int(line.split()[1])
    raise AssertionError(f"no child pid in {log}")


def test_start_wait_stop_takes_down_the_whole_process_group(harness: Any, fake_venv: Path) -> None:
    server = harness.start_server("main", fake_venv)
    try:
        harness.wait_healthy([server], timeout=20)
        assert "--api-key" in server.argv
        assert server.api_key
        assert server.argv[server.argv.index("--api-key") + 1] == server.api_key
        child = _child_pid(server.log)
    finally:
        harness.stop_server(server, grace=5)
    assert _gone(server.pid)
    assert _gone(child)
    env = harness.test_env([server])
    assert env["VLLM_SDK_TEST_BASE_URL"] == f"http://127.0.0.1:{server.port}/v1"
    assert env["VLLM_SDK_TEST_API_KEY"] == server.api_key


def test_a_server_that_dies_during_startup_fails_fast_with_its_log(
    harness: Any, fake_venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_MODE", "crash")
    server = harness.start_server("plain", fake_venv)
    try:
        with pytest.raises(harness.HarnessError, match="exited during startup") as info:
            harness.wait_healthy([server], timeout=20)
    finally:
        harness.stop_server(server, grace=5)
    assert "boom: cannot start" in str(info.value)


def test_a_server_that_never_gets_healthy_times_out_and_is_killed(
    harness: Any, fake_venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_MODE", "hang")
    server = harness.start_server("embed", fake_venv)
    try:
        with pytest.raises(harness.HarnessError, match="not healthy within 1 s"):
            harness.wait_healthy([server], timeout=1)
        child = _child_pid(server.log)
    finally:
        harness.stop_server(server, grace=5)
    assert _gone(server.pid)
    assert _gone(child)


def test_sigterm_during_a_phase_stops_its_servers(
    harness: Any, fake_venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_MODE", "hang")
    started: list[Any] = []
    real_start = harness.start_server

    def start_and_signal(name: str, venv: Path) -> Any:
        started.append(real_start(name, venv))
        os.kill(os.getpid(), signal.SIGTERM)  # arrives while the harness waits for /health
        return started[-1]

    monkeypatch.setattr(harness, "start_server", start_and_signal)
    previous = signal.signal(signal.SIGTERM, harness._on_sigterm)
    try:
        with pytest.raises(harness._Interrupted):
            harness.run_phase(("main",), fake_venv, timeout=30, pytest_args=[])
    finally:
        signal.signal(signal.SIGTERM, previous)
    [server] = started
    assert _gone(server.pid)


def test_a_missing_model_directory_is_a_clear_error(harness: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_SDK_TEST_MODEL", "/nonexistent/model")
    with pytest.raises(harness.HarnessError, match="VLLM_SDK_TEST_MODEL=/nonexistent/model"):
        harness.server_args("main", 1234, None)


def test_server_flags_follow_the_recipe(harness: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_SDK_REAL_SERVER_ARGS", "--max-num-seqs 4")
    main = harness.server_args("main", 1234, "k")
    for flag in ("--enable-auto-tool-choice", "--reasoning-parser", "--structured-outputs-config"):
        assert flag in main
    assert main[main.index("--tool-call-parser") + 1] == "hermes"
    assert "--enable-lora" in main  # tests/real/test_real_lora.py; the adapter there is rank 8
    assert int(main[main.index("--max-lora-rank") + 1]) >= 8
    assert harness.SERVER_EXTRA_ENV["main"] == {"VLLM_ALLOW_RUNTIME_LORA_UPDATING": "1"}
    last = max(i for i, arg in enumerate(main) if arg == "--max-num-seqs")  # argparse: the last one wins
    assert main[last + 1] == "4"
    plain = harness.server_args("plain", 1234, None)
    assert "--reasoning-parser" not in plain
    assert "--api-key" not in plain
    assert "--enable-lora" not in plain
    embed = harness.server_args("embed", 1234, None)
    assert embed[embed.index("--runner") + 1] == "pooling"
    assert embed[embed.index("--convert") + 1] == "embed"
