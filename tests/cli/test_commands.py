"""``vllm-sdk chat | complete | models | health | mock-server | demo`` against the mock server."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys
import time
import urllib.request
from typing import Any

import pytest

from vllm_sdk import cli
from vllm_sdk.testing import MockVllmServer

from .conftest import cli_command, cli_env


@pytest.fixture(scope="module")
def server() -> Any:
    with MockVllmServer() as srv:
        yield srv


def test_models_lists_ids(server: MockVllmServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--base-url", server.base_url, "models"]) == 0
    assert capsys.readouterr().out == "mock\n"


def test_models_json(server: MockVllmServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["models", "--json", "--base-url", server.base_url]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["data"][0]["id"] == "mock"


def test_health_ok_and_unreachable(server: MockVllmServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["health", "--base-url", server.base_url]) == 0
    assert capsys.readouterr().out == "ok\n"
    assert cli.main(["health", "--base-url", "http://127.0.0.1:9/v1", "--timeout", "2"]) == 1
    assert capsys.readouterr().out.startswith("unhealthy")


def test_chat_one_shot_streams_the_answer(server: MockVllmServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.reset()
    assert cli.main(["chat", "Hello there", "--base-url", server.base_url, "--max-tokens", "12"]) == 0
    out = capsys.readouterr().out
    assert out.strip()
    sent = [r for r in server.requests if r.path.endswith("/chat/completions")][-1].json
    assert sent["stream"] is True
    assert sent["messages"] == [{"role": "user", "content": "Hello there"}]
    assert sent["model"] == "mock"  # the first model the server lists


def test_chat_reasoning_goes_to_stderr(server: MockVllmServer, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["chat", "Why?", "--think", "--base-url", server.base_url, "--max-tokens", "40"])
    assert code == 0
    captured = capsys.readouterr()
    assert captured.err.strip()  # the reasoning, apart from the answer
    assert captured.out.strip()
    assert captured.err.strip() not in captured.out


def test_chat_reads_a_piped_prompt(
    server: MockVllmServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a piped question\n"))
    assert cli.main(["chat", "--base-url", server.base_url, "--max-tokens", "8"]) == 0
    assert capsys.readouterr().out.strip()
    sent = [r for r in server.requests if r.path.endswith("/chat/completions")][-1].json
    assert sent["messages"][-1]["content"] == "a piped question"


def test_complete_streams_text(server: MockVllmServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["complete", "Once upon a time", "--base-url", server.base_url, "--max-tokens", "8"]) == 0
    assert capsys.readouterr().out.strip()


def test_unknown_model_is_a_clean_error(server: MockVllmServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["chat", "hi", "--model", "nope", "--base-url", server.base_url]) == 1
    assert "error:" in capsys.readouterr().err


def test_mock_server_subcommand_serves() -> None:
    proc = subprocess.Popen(
        cli_command("mock-server", "--port", "0", "--model", "m2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = next(word for word in line.split() if word.startswith("http://"))
        with urllib.request.urlopen(url + "/models", timeout=5) as resp:
            assert json.loads(resp.read())["data"][0]["id"] == "m2"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


@pytest.mark.slow
def test_demo_runs_in_well_under_a_minute() -> None:
    started = time.monotonic()
    done = subprocess.run(
        cli_command("demo"), capture_output=True, text=True, timeout=120, env=cli_env(), check=False
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for part in ("1. A chat completion", "2. A streamed answer", "3. Tool calling", "4. A batch of 1,000"):
        assert part in out
    assert "get_weather" in out
    assert "final answer" in out
    assert "1,000 ok, 0 errors" in out
    assert "per chunk" in out
    assert elapsed < 60


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_chat_interactive_conversation_on_a_terminal(server: MockVllmServer) -> None:
    import pty

    leader, follower = pty.openpty()
    command = cli_command("chat", "--base-url", server.base_url, "--max-tokens", "6")
    proc = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, env=cli_env())
    os.close(follower)
    transcript = b""

    def read_until(marker: bytes, count: int) -> None:
        nonlocal transcript
        deadline = time.monotonic() + 20
        while transcript.count(marker) < count:
            assert time.monotonic() < deadline, transcript
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    transcript += os.read(leader, 4096)
                except OSError:  # the child closed the terminal
                    break

    try:
        read_until(b"you> ", 1)
        os.write(leader, b"first question\n")
        read_until(b"you> ", 2)
        os.write(leader, b"second question\n")
        read_until(b"you> ", 3)
        os.write(leader, b"/exit\n")
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
    assert b"chatting with mock" in transcript
    sent = [r.json for r in server.requests if r.path.endswith("/chat/completions")][-2:]
    assert [m["role"] for m in sent[1]["messages"]] == ["user", "assistant", "user"]  # the history is kept
    assert sent[1]["messages"][0]["content"] == "first question"
    assert sent[1]["messages"][2]["content"] == "second question"
