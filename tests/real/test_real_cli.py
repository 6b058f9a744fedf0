"""The ``vllm-sdk`` command against a real vLLM: models, health and a resumable batch run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .real_support import NO_THINKING, ServerInfo

pytestmark = pytest.mark.real_vllm

CLI = str(Path(sys.executable).parent / "vllm-sdk")


def _run(server: ServerInfo, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VLLM_API_KEY": server.api_key or ""}
    env.pop("VLLM_BASE_URL", None)
    return subprocess.run(
        [CLI, *args, "--base-url", server.base_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_models_and_health(main_server: ServerInfo) -> None:
    models = _run(main_server, "models", "--json")
    assert models.returncode == 0, models.stderr
    assert main_server.model in models.stdout
    health = _run(main_server, "health")
    assert health.returncode == 0, health.stderr


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_cli_batch_matches_single_requests(
    client: Any, main_server: ServerInfo, tmp_path: Path, stream: bool
) -> None:
    prompts = ["Hello", "Count to twenty.", "Tell me a story.", "Hello"]
    bodies = [
        {
            "model": main_server.model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": 0,
            "max_tokens": 24,
            "chat_template_kwargs": NO_THINKING,
        }
        for prompt in prompts
    ]
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(
            json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body})
            + "\n"
            for i, body in enumerate(bodies)
        )
    )
    out = tmp_path / "out.jsonl"
    args = ["batch", str(source), "-o", str(out), "--concurrency", "4", "--no-progress"]
    result = _run(main_server, *args, *(["--stream"] if stream else []))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    by_id = {line["custom_id"]: line for line in lines}
    assert sorted(by_id) == ["r0", "r1", "r2", "r3"]
    for i, body in enumerate(bodies):
        expected = client.chat.completions.create(**body).content
        response = by_id[f"r{i}"]["response"]
        assert response["status_code"] == 200
        assert response["body"]["choices"][0]["message"]["content"] == expected
    # a rerun resumes: nothing left to do, nothing appended
    again = _run(main_server, *args)
    assert again.returncode == 0, again.stderr
    assert len(out.read_text().splitlines()) == len(lines)


def test_cli_chat_and_complete_one_shot(client: Any, main_server: ServerInfo) -> None:
    expected = client.chat.completions.create(
        model=main_server.model,
        messages=[{"role": "user", "content": "Hello"}],
        temperature=0,
        max_tokens=64,
        chat_template_kwargs=NO_THINKING,
    ).content
    chat = _run(main_server, "chat", "--no-think", "--temperature", "0", "--max-tokens", "64", "Hello")
    assert chat.returncode == 0, chat.stderr
    assert expected.strip() in chat.stdout
    text = (
        client.completions.create(
            model=main_server.model, prompt="The quick brown fox", max_tokens=16, temperature=0
        )
        .choices[0]
        .text
    )
    complete = _run(
        main_server, "complete", "--temperature", "0", "--max-tokens", "16", "The quick brown fox"
    )
    assert complete.returncode == 0, complete.stderr
    assert text.strip() in complete.stdout
