"""OpenAI batch files: input lines, and output lines in run-batch's format."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from vllm_sdk._exceptions import HttpError, RateLimitError
from vllm_sdk.batch._files import count_lines, iter_input, output_line
from vllm_sdk.batch._prepare import InvalidBatchRequest
from vllm_sdk.batch._result import BatchResult

if TYPE_CHECKING:
    from pathlib import Path


def result(**changes: Any) -> BatchResult:
    fields: dict[str, Any] = {
        "index": 0,
        "custom_id": "a",
        "response": {"id": "x"},
        "error": None,
        "status_code": 200,
        "ttft": None,
        "latency": 0.1,
        "prompt_tokens": None,
        "completion_tokens": None,
        "attempts": 1,
        "base_url": "http://a/v1",
        "request_id": "req-1",
        "body": {"id": "x"},
    }
    return BatchResult(**{**fields, **changes})


def test_output_lines_follow_run_batch() -> None:
    ok = output_line(result())
    assert ok["custom_id"] == "a"
    assert ok["response"] == {"status_code": 200, "request_id": "req-1", "body": {"id": "x"}}
    assert ok["error"] is None
    limited = output_line(result(error=RateLimitError("slow", status_code=429), response=None, body=None))
    assert limited["response"]["status_code"] == 429
    assert limited["error"]["code"] == 429
    invalid = output_line(result(error=InvalidBatchRequest("bad"), status_code=400, request_id=None))
    assert invalid["response"]["status_code"] == 400
    assert invalid["response"]["request_id"].startswith("vllm-batch-")
    assert invalid["error"] == {"message": "bad", "type": "InvalidBatchRequest", "retryable": False}
    refused = output_line(result(error=HttpError("refused"), status_code=None))
    assert refused["response"] is None
    assert refused["error"] == {"message": "refused", "type": "HttpError", "retryable": True}


def test_input_lines_skip_done_and_report_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    rows = [
        json.dumps({"custom_id": "a", "url": "/v1/chat/completions", "body": {}}),
        "not json",
        json.dumps([1]),
        json.dumps({"url": "/v1/completions"}),
        "",
        json.dumps({"custom_id": "a", "url": "/v1/completions", "body": {}}),
        json.dumps({"custom_id": "b", "url": "/v1/completions", "body": {}}),
        json.dumps({"custom_id": "c", "url": "/v1/completions", "body": {}}),
    ]
    path.write_text("\n".join(rows) + "\n")
    bad: list[tuple[int, str]] = []
    lines = list(iter_input(path, skip={"b"}, on_invalid=lambda n, why: bad.append((n, why))))
    assert [(line.number, line.custom_id) for line in lines] == [(1, "a"), (8, "c")]
    assert [n for n, _ in bad] == [2, 3, 4, 6]
    assert "duplicate" in bad[-1][1]
    assert count_lines(path) == 7


def test_result_ids_are_unique_hex_of_uuid_length_and_a_new_prefix_after_fork() -> None:
    import re

    from vllm_sdk.batch import _files

    ids = [_files._new_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    # What a forked child runs (os.register_at_fork): a random half of its own, so ids never repeat.
    _files._new_prefix()
    after = _files._new_id()
    assert after[:16] != ids[0][:16]
    assert after not in ids
