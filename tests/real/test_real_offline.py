"""Offline checks of the real-server suite's own oracles (no server needed; part of ``make test``).

The strict response validator must accept every exchange recorded from a real vLLM 0.32.0 and reject drift;
the schema-drift check must be silent on the documents the schema was vendored from and catch a new field.
"""

from __future__ import annotations

import copy
import json
import re

import httpx
import pytest
import yaml

from .real_support import REFERENCE, SCHEMA, TRANSCRIPTS, Exchange, validate_exchange, validate_json
from .schema_drift import drift

needs_reference = pytest.mark.usefixtures("reference_transcripts")


def _exchange(name: str) -> Exchange | None:
    """A transcript as an Exchange: method and path from NAME.req, status/headers/body from NAME.http."""
    request = (TRANSCRIPTS / f"{name}.req").read_text().split("\n", 1)[0]
    match = re.match(r"(\w+) https?://[^/]+(/[^ ?]*)", request)
    raw = (TRANSCRIPTS / f"{name}.http").read_bytes()
    if match is None or not raw:
        return None
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.split(b"\r\n")
    headers = [tuple(line.split(b": ", 1)) for line in header_lines if b": " in line]
    # curl already decoded the chunked framing, so the framing headers no longer describe the body
    kept = [(k, v) for k, v in headers if k.lower() not in (b"transfer-encoding", b"content-length")]
    return Exchange(
        method=match.group(1),
        path=match.group(2),
        status=int(status_line.split()[1]),
        headers=httpx.Headers(kept),
        body=bytearray(body),
        complete=not name.startswith("X0"),  # X0* are client aborts
    )


@needs_reference
def test_every_recorded_real_response_validates_strictly() -> None:
    names = sorted(p.stem for p in TRANSCRIPTS.glob("*.http") if (TRANSCRIPTS / f"{p.stem}.req").exists())
    exchanges = [ex for ex in map(_exchange, names) if ex is not None]
    assert len(exchanges) > 150
    problems = [p for ex in exchanges for p in validate_exchange(ex)]
    assert problems == []


@needs_reference
def test_validator_reports_undeclared_fields_and_wrong_types() -> None:
    exchange = _exchange("A10_chat_nonstream")
    assert exchange is not None
    body = json.loads(bytes(exchange.body))
    body["choices"][0]["message"]["brand_new"] = 1
    [problem] = validate_json(["ChatCompletionResponse"], json.dumps(body).encode(), "chat")
    assert "ChatCompletionResponse.choices[0].message.brand_new" in problem
    body = json.loads(bytes(exchange.body))
    body["usage"]["prompt_tokens"] = "12"  # strict: no str -> int coercion
    [problem] = validate_json(["ChatCompletionResponse"], json.dumps(body).encode(), "chat")
    assert "prompt_tokens" in problem


@needs_reference
def test_drift_check_is_silent_on_its_sources_and_catches_a_new_field() -> None:
    vendored = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    for source in ("vllm-0.32.0-openapi.json", "vllm-0.32.0-pooling-openapi.json"):
        assert drift(json.loads((REFERENCE / source).read_text()), vendored) == []
    live = json.loads((REFERENCE / "vllm-0.32.0-openapi.json").read_text())
    newer = copy.deepcopy(live)
    newer["components"]["schemas"]["ChatCompletionRequest"]["properties"]["new_knob"] = {"type": "integer"}
    newer["components"]["schemas"]["StreamOptions"]["properties"]["newer"] = {"type": "boolean"}
    assert sorted(drift(newer, vendored)) == [
        "POST /v1/chat/completions: ChatCompletionRequest lacks field(s) new_knob",
        "POST /v1/chat/completions: StreamOptions lacks field(s) newer",
    ]
