"""``vllm-sdk batch`` against a hostile server: whatever it sends becomes a result line or an error line.

Poisoned bodies of every kind (nested deeper than any parser, 2**70 integers, lone surrogates, invalid
UTF-8) in success bodies, error bodies and streams; streams broken part-way. Every run ends with one line
per id, the raw text of what cannot be re-encoded is kept exactly, and a rerun reads the file back.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import pytest

import vllm_sdk._speedups as speedups
from vllm_sdk import AsyncVllmClient, VllmClient, cli
from vllm_sdk._exceptions import StreamError

from .hostile import BODIES, HUGE, STREAMS, HostileServer, write_behaviours

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType


def records(path: Path) -> dict[str, dict[str, Any]]:
    """The output by id, read with the standard library (exact for huge integers and lone surrogates)."""
    lines = path.read_bytes().splitlines()
    by_id = {}
    for raw in lines:
        record = json.loads(raw)
        assert set(record) == {"id", "custom_id", "response", "error"}
        assert record["custom_id"] not in by_id, "a custom_id was written twice"
        by_id[record["custom_id"]] = record
    return by_id


def raw_text(obj: dict[str, Any]) -> bytes:
    """The raw body a line kept, as bytes."""
    if obj["raw_encoding"] == "base64":
        return base64.b64decode(obj["raw"])
    assert obj["raw_encoding"] == "utf-8"
    return str(obj["raw"]).encode("utf-8")


@pytest.fixture
def build(engine: ModuleType, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Streams parse with the build under test (both builds run every streamed test)."""
    monkeypatch.setattr(speedups, "ChatStreamParser", engine.ChatStreamParser)
    monkeypatch.setattr(speedups, "CompletionStreamParser", engine.CompletionStreamParser)
    return engine


def test_poisoned_bodies_become_lines_that_keep_the_raw_text(batch_dir: Path) -> None:
    behaviours = list(BODIES)
    inp = write_behaviours(batch_dir / "in.jsonl", behaviours)
    out = batch_dir / "out.jsonl"
    args = ["batch", str(inp), "-o", str(out), "--max-retries", "0"]
    with HostileServer() as srv:
        assert cli.main([*args, "--base-url", srv.base_url]) == 3
        got = records(out)
        assert set(got) == set(behaviours)

        assert got["ok"]["response"]["body"]["choices"][0]["message"]["content"] == "fine"
        # Valid JSON that cannot be held or re-encoded: a success whose body is kept byte for byte.
        for name in ("deep-ok", "deep300-ok", "huge-int-ok", "surrogate-ok"):
            line = got[name]
            assert line["error"] is None, name
            assert line["response"]["status_code"] == 200
            assert line["response"]["body"] is None
            assert raw_text(line["response"]) == BODIES[name][1], name
        assert json.loads(got["huge-int-ok"]["response"]["raw"])["poison"] == HUGE  # exact, not a float
        assert json.loads(got["surrogate-ok"]["response"]["raw"])["poison"] == "\ud800"
        # A 200 that is not JSON (invalid UTF-8): an error line with the bytes in base64, not retried.
        bad = got["bad-utf8-ok"]
        assert bad["error"]["type"] == "JsonError"
        assert bad["error"]["retryable"] is False
        assert raw_text(bad["error"]) == BODIES["bad-utf8-ok"][1]
        # Error bodies: the status is kept, and so is every byte of a body that cannot be re-encoded.
        for name in ("deep-error", "huge-int-error", "surrogate-error", "bad-utf8-error"):
            line = got[name]
            assert line["response"]["status_code"] == 400, name
            assert raw_text(line["error"]) == BODIES[name][1], name
        assert got["surrogate-error"]["error"]["message"] == "bad \\ud800"
        assert got["huge-int-error"]["error"]["message"] == "poisoned"
        vllm_error = {"message": "no", "type": "BadRequestError", "code": 400}
        assert got["bad-request"]["error"] == {"error": vllm_error}

        # The rerun reads every line back and sends nothing: nothing failed retryably.
        before = sum(srv.attempts.values())
        assert cli.main([*args, "--base-url", srv.base_url]) == 3
        assert sum(srv.attempts.values()) == before
        assert records(out) == got


def test_poisoned_streams_become_lines_and_reruns_read_them(build: ModuleType, batch_dir: Path) -> None:
    behaviours = list(STREAMS)
    inp = write_behaviours(batch_dir / "in.jsonl", behaviours)
    out = batch_dir / "out.jsonl"
    args = ["batch", str(inp), "-o", str(out), "--max-retries", "1", "--stream"]
    with HostileServer() as srv:
        assert cli.main([*args, "--base-url", srv.base_url]) == 3
        got = records(out)
        assert set(got) == set(behaviours)
        assert got["ok"]["response"]["body"]["choices"][0]["message"]["content"] == "fine"
        # A lone surrogate in streamed content: the collected body is kept as exact JSON text.
        surrogate = got["surrogate-stream"]
        assert surrogate["error"] is None
        assert json.loads(surrogate["response"]["raw"])["choices"][0]["message"]["content"] == "x\ud800"
        # A chunk nested deeper than any parser: a malformed stream, retried, then an error line.
        assert got["deep-stream"]["response"] is None
        assert got["deep-stream"]["error"]["type"] == "StreamError"
        assert srv.attempts["deep-stream"] == 2
        # Whatever the engine makes of a 2**70 "created" or of invalid UTF-8, it is a line of its own.
        for name, start in (("huge-int-stream", "big"), ("bad-utf8-stream", "x")):
            line = got[name]
            if line["error"] is None:
                response = line["response"]
                body = response["body"] if response["body"] is not None else json.loads(response["raw"])
                assert body["choices"][0]["message"]["content"].startswith(start), name
            else:
                assert line["error"]["message"], name

        assert cli.main([*args, "--base-url", srv.base_url]) == 3  # a rerun reads every line back
        assert set(records(out)) == set(behaviours)


def test_a_stream_broken_part_way_is_retried(build: ModuleType, batch_dir: Path) -> None:
    behaviours = ["broken-once", "broken-always"]
    inp = write_behaviours(batch_dir / "in.jsonl", behaviours)
    out = batch_dir / "out.jsonl"
    args = ["batch", str(inp), "-o", str(out), "--max-retries", "2", "--stream"]
    with HostileServer() as srv:
        assert cli.main([*args, "--base-url", srv.base_url]) == 3
        got = records(out)
        assert got["broken-once"]["error"] is None
        assert got["broken-once"]["response"]["body"]["choices"][0]["message"]["content"] == "fine"
        assert srv.attempts["broken-once"] == 2
        assert srv.attempts["broken-always"] == 3  # the first attempt and max-retries more
        assert got["broken-always"]["error"]["type"] == "StreamError"
        assert got["broken-always"]["error"]["retryable"] is True
        # A broken stream is a retryable failure: the rerun sends it again (and only it).
        assert cli.main([*args, "--base-url", srv.base_url]) == 3
        assert srv.attempts["broken-always"] == 6
        assert srv.attempts["broken-once"] == 2
        assert set(records(out)) == set(behaviours)


def test_failed_then_rerun_retries_retryable_failures_and_all_with_retry_failed(batch_dir: Path) -> None:
    behaviours = ["ok", "fail-then-ok", "bad-request"]
    inp = write_behaviours(batch_dir / "in.jsonl", behaviours)
    out = batch_dir / "out.jsonl"
    args = ["batch", str(inp), "-o", str(out), "--max-retries", "0"]
    with HostileServer() as srv:
        assert cli.main([*args, "--base-url", srv.base_url]) == 3
        first = records(out)
        assert first["fail-then-ok"]["response"]["status_code"] == 503
        assert first["bad-request"]["response"]["status_code"] == 400

        assert cli.main([*args, "--base-url", srv.base_url]) == 3  # the 400 is still there
        second = records(out)
        assert second["fail-then-ok"]["error"] is None  # the 503 was retried, and succeeded
        assert second["ok"] == first["ok"]  # a success is never sent again
        assert srv.attempts == {"ok": 1, "fail-then-ok": 2, "bad-request": 1}

        assert cli.main([*args, "--retry-failed", "--base-url", srv.base_url]) == 3
        assert srv.attempts == {"ok": 1, "fail-then-ok": 2, "bad-request": 2}
        assert set(records(out)) == set(behaviours)


def test_a_wrong_base_url_fails_retryably_and_the_rerun_fixes_it(batch_dir: Path) -> None:
    inp = write_behaviours(batch_dir / "in.jsonl", ["ok"], prefix="a-")
    with inp.open("a") as f:  # two more ids
        f.write(inp.read_text().replace('"a-ok"', '"b-ok"'))
        f.write(inp.read_text().splitlines()[0].replace('"a-ok"', '"c-ok"') + "\n")
    out = batch_dir / "out.jsonl"
    args = ["batch", str(inp), "-o", str(out), "--max-retries", "0"]
    assert cli.main([*args, "--base-url", "http://127.0.0.1:9/v1"]) == 3  # nothing listens there
    assert all(r["error"]["retryable"] is True for r in records(out).values())
    with HostileServer() as srv:
        assert cli.main([*args, "--base-url", srv.base_url]) == 0
        assert srv.attempts["ok"] == 3
    got = records(out)
    assert set(got) == {"a-ok", "b-ok", "c-ok"}
    assert all(r["error"] is None for r in got.values())


def _chat(behaviour: str) -> dict[str, Any]:
    return {"model": "mock", "messages": [{"role": "user", "content": behaviour}]}


async def test_client_batch_retries_a_stream_broken_part_way(build: ModuleType) -> None:
    with HostileServer() as srv:
        async with AsyncVllmClient(srv.base_url) as client:
            requests = [_chat("broken-once-async"), _chat("broken-always")]
            results = [r async for r in client.batch(requests, stream=True, max_retries=2, backoff_base=0.01)]
    by_index = {r.index: r for r in results}
    assert by_index[0].ok, by_index[0].error
    assert by_index[0].response.content == "fine"
    assert by_index[0].attempts == 2
    assert isinstance(by_index[1].error, StreamError)
    assert by_index[1].attempts == 3
    assert srv.attempts["broken-once-async"] == 2


def test_sync_client_batch_retries_a_stream_broken_part_way(build: ModuleType) -> None:
    with HostileServer() as srv, VllmClient(srv.base_url) as client:
        results = list(client.batch([_chat("broken-once-sync")], stream=True, backoff_base=0.01))
    assert results[0].ok, results[0].error
    assert results[0].attempts == 2
    assert srv.attempts["broken-once-sync"] == 2


def test_a_stream_that_only_trickles_keep_alive_comments_hits_the_idle_timeout(
    build: ModuleType, batch_dir: Path
) -> None:
    inp = write_behaviours(batch_dir / "in.jsonl", ["trickle"])
    out = batch_dir / "out.jsonl"
    args = ["batch", str(inp), "-o", str(out), "--stream", "--max-retries", "0", "--timeout", "20"]
    with HostileServer() as srv:
        assert cli.main([*args, "--stream-idle-timeout", "0.3", "--base-url", srv.base_url]) == 3
    line = records(out)["trickle"]
    assert line["error"]["type"] == "VllmTimeoutError"
    assert line["error"]["retryable"] is True


@pytest.mark.parametrize(
    ("behaviour", "stream"), [("drip", False), ("endless", True)], ids=["dripping-body", "endless-stream"]
)
def test_a_request_that_never_finishes_hits_the_request_timeout(
    build: ModuleType, batch_dir: Path, behaviour: str, stream: bool
) -> None:
    # Every read is quick and the stream is never silent, so only the bound on the whole attempt ends it.
    inp = write_behaviours(batch_dir / "in.jsonl", [behaviour])
    out = batch_dir / "out.jsonl"
    args = ["batch", str(inp), "-o", str(out), "--max-retries", "0", "--timeout", "20"]
    args += ["--stream", "--stream-idle-timeout", "20"] if stream else []
    with HostileServer() as srv:
        assert cli.main([*args, "--request-timeout", "0.5", "--base-url", srv.base_url]) == 3
    line = records(out)[behaviour]
    assert line["error"]["type"] == "VllmTimeoutError"
    assert "did not finish within 0.5 s" in line["error"]["message"]
    assert line["error"]["retryable"] is True
