"""The output file: what a rerun skips, torn-line repair of our files only, atomic compaction, the lock."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk.batch._lock import OutputLock, OutputLockedError
from vllm_sdk.batch._output import (
    ForeignOutputError,
    OutputWriter,
    compact,
    remove_stale_temporaries,
    scan_output,
)

if TYPE_CHECKING:
    from pathlib import Path


def ok(cid: str) -> dict[str, Any]:
    response = {"status_code": 200, "body": {}}
    return {"id": f"vllm-{cid}", "custom_id": cid, "response": response, "error": None}


def failed(cid: str, status: int | None, retryable: bool | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": "x"}
    if retryable is not None:
        error["retryable"] = retryable
    response = None if status is None else {"status_code": status, "body": None}
    return {"id": f"vllm-{cid}", "custom_id": cid, "response": response, "error": error}


def write(path: Path, *records: dict[str, Any], tail: bytes = b"") -> None:
    with OutputWriter(path) as writer:
        for record in records:
            writer.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
    if tail:
        with path.open("ab") as f:
            f.write(tail)


def test_the_last_line_of_an_id_decides_what_a_rerun_skips(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    write(
        out,
        failed("a", 503),
        ok("a"),  # retried by a rerun: the last line wins
        failed("b", 400),
        failed("c", 429),
        failed("d", None),  # no HTTP answer, no flag: retryable
        failed("e", None, retryable=False),
        ok("f"),
        failed("f", 500),  # a later failure wins over an earlier success too
    )
    scan = scan_output(out)
    assert scan.lines == 8
    assert len(scan.records) == 6
    assert not scan.compact
    assert scan.skip(retry_failed=False) == {"a", "b", "e"}
    assert scan.skip(retry_failed=True) == {"a"}
    assert scan.failed == 5
    assert scan_output(tmp_path / "missing.jsonl").records == {}


def test_a_torn_last_line_of_our_own_file_is_cut(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    write(out, ok("a"), ok("b"), tail=b'{"id":"vllm-c","custom_id":"c","resp')
    whole = out.read_bytes()[: -len(b'{"id":"vllm-c","custom_id":"c","resp')]
    assert scan_output(out, repair=False).torn_bytes == 0  # seen, not cut
    scan = scan_output(out)
    assert scan.torn_bytes == len(b'{"id":"vllm-c","custom_id":"c","resp')
    assert set(scan.records) == {"a", "b"}
    assert out.read_bytes() == whole
    write(out, tail=b'{"i')  # even a few bytes of a line's start
    assert scan_output(out).torn_bytes == 3


@pytest.mark.parametrize(
    "content",
    [b"hello", b"hello\n", b"[1]\n", b'{"custom_id": "a"}\n', b'{"id":"vllm-a","custom_id":"a"}\n'],
)
def test_a_foreign_file_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(content)
    with pytest.raises(ForeignOutputError, match="did not write"):
        scan_output(out)
    assert out.read_bytes() == content


def test_compaction_keeps_the_last_line_of_each_id_atomically(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    write(out, failed("a", 503), ok("b"), ok("a"), failed("c", None))
    out.chmod(0o640)
    with out.open("ab") as f:
        f.write(b"\n")  # a blank line goes too
    assert compact(str(out), scan_output(out))
    kept = [json.loads(line) for line in out.read_bytes().splitlines()]
    assert [(r["custom_id"], r["error"] is None) for r in kept] == [("b", True), ("a", True), ("c", False)]
    assert os.stat(out).st_mode & 0o777 == 0o640
    assert not compact(str(out), scan_output(out))  # already compact: left alone
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_stale_compaction_files_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    (tmp_path / ".out.jsonl.abc123.compacting").write_bytes(b"partial")
    (tmp_path / ".other.jsonl.x.compacting").write_bytes(b"not ours")
    assert remove_stale_temporaries(str(out)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.jsonl.x.compacting"]


def test_the_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    out = str(tmp_path / "out.jsonl")
    with OutputLock(out) as lock:
        assert lock.path == out + ".lock"
        with pytest.raises(OutputLockedError, match=f"process {os.getpid()}"):
            OutputLock(out).acquire()
    with OutputLock(out):  # released when the first left
        pass
