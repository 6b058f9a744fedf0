"""The generated pydantic models accept what vLLM really sends, and keep what they do not know."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from reference_data import TRANSCRIPTS
from vllm_sdk.types import _generated as m

if TYPE_CHECKING:
    from pydantic import BaseModel

CHAT: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "tiny",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "hi", "reasoning": "r", "shiny_new": [1]},
            "finish_reason": "stop",
            "stop_reason": None,
            "future_choice_field": True,
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    "brand_new_top_level": {"x": 1},
}


def test_response_models_keep_unknown_fields_at_every_level() -> None:
    resp = m.ChatCompletionResponse.model_validate(CHAT)
    assert resp.model_extra == {"brand_new_top_level": {"x": 1}}
    assert resp.choices[0].model_extra == {"future_choice_field": True}
    assert resp.choices[0].message.model_extra == {"shiny_new": [1]}
    dumped = resp.model_dump(exclude_unset=True)
    assert dumped["brand_new_top_level"] == {"x": 1}
    assert dumped["choices"][0]["message"]["shiny_new"] == [1]


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content"])
def test_messages_and_deltas_read_both_reasoning_names(field: str) -> None:
    message = m.ChatMessage.model_validate({"role": "assistant", field: "thinking"})
    delta = m.DeltaMessage.model_validate({field: "thinking"})
    assert getattr(message, field) == "thinking"
    assert getattr(delta, field) == "thinking"
    assert "reasoning" in m.ChatMessage.model_fields
    assert "reasoning_content" in m.DeltaMessage.model_fields


@pytest.mark.parametrize("stop_reason", [151645, "END", None])
def test_stop_reason_is_int_str_or_null(stop_reason: object) -> None:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "tiny",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop", "stop_reason": stop_reason}],
    }
    parsed = m.ChatCompletionStreamResponse.model_validate(chunk)
    assert parsed.choices[0].stop_reason == stop_reason
    choice = m.CompletionResponseChoice.model_validate({"index": 0, "text": "t", "stop_reason": stop_reason})
    assert choice.stop_reason == stop_reason


@pytest.mark.parametrize("usage", ["absent", None])
def test_chunk_usage_may_be_absent_or_null(usage: object) -> None:
    chunk: dict[str, Any] = {"model": "tiny", "choices": []}
    if usage != "absent":
        chunk["usage"] = usage
    assert m.ChatCompletionStreamResponse.model_validate(chunk).usage is None
    assert m.CompletionStreamResponse.model_validate(chunk).usage is None


def test_both_error_shapes_parse() -> None:
    nested = m.ErrorResponse.model_validate(
        {"error": {"message": "no such model", "type": "NotFoundError", "param": "model", "code": 404}}
    )
    assert nested.error.code == 404
    flat = m.LegacyErrorResponse.model_validate(
        {"object": "error", "message": "bad", "type": "BadRequestError", "param": None, "code": 400}
    )
    assert flat.message == "bad"
    assert flat.code == 400


def test_status_payload_models() -> None:
    assert m.VersionResponse.model_validate({"version": "0.32.0"}).version == "0.32.0"
    assert m.LoadResponse.model_validate({"server_load": 0}).server_load == 0


def test_request_model_validates_and_keeps_vllm_extras() -> None:
    req = m.ChatCompletionRequest.model_validate(
        {"model": "x", "messages": [{"role": "user", "content": "hi"}], "top_k": 5, "not_in_schema": 1}
    )
    assert req.top_k == 5
    assert req.model_extra == {"not_in_schema": 1}


def _model_for(name: str, body: dict[str, Any]) -> type[BaseModel] | None:
    if "error" in body:
        return m.ErrorResponse if isinstance(body["error"], dict) else None
    by_object: dict[str, type[BaseModel]] = {
        "chat.completion": m.ChatCompletionResponse,
        "chat.completion.chunk": m.ChatCompletionStreamResponse,
        "text_completion": m.CompletionResponse,
    }
    if name.startswith(("A01_", "B01_", "D01_")):
        return m.ModelList
    if "embeddings" in name and body.get("object") == "list":
        return m.EmbeddingResponse
    if "detokenize" in name:
        return m.DetokenizeResponse
    if "tokenize" in name:
        return m.TokenizeResponse
    if "version" in name:
        return m.VersionResponse
    return by_object.get(str(body.get("object")))


@pytest.mark.usefixtures("reference_transcripts")
def test_every_recorded_vllm_body_validates() -> None:
    """Every JSON body and stream chunk recorded from vLLM 0.32.0 validates against the generated models."""
    checked = 0
    for path in sorted(TRANSCRIPTS.glob("*.http")):
        raw = path.read_bytes()
        head, _, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
        if b"text/event-stream" in head:
            payloads = [ln.strip()[6:] for ln in body.split(b"\n") if ln.strip().startswith(b"data: {")]
        else:
            payloads = [body]
        for payload in payloads:
            try:
                data = json.loads(payload)
            except ValueError:
                continue
            if not isinstance(data, dict) or set(data) == {"detail"}:
                continue  # FastAPI's own 404/405 bodies are not vLLM responses
            model = _model_for(path.name, data)
            if model is None:
                continue
            if data.get("object") == "text_completion" and b"text/event-stream" in head:
                model = m.CompletionStreamResponse
            model.model_validate(data)
            checked += 1
    assert checked > 1000
