"""Normalising batch elements: requests, batch-file lines and what is not a request."""

from __future__ import annotations

import pytest

from vllm_sdk.batch._prepare import InvalidBatchRequest, prepare


def test_prepare_shapes() -> None:
    chat = prepare({"model": "m", "messages": []})
    assert chat.path == "/chat/completions"
    assert chat.custom_id is None
    comp = prepare({"model": "m", "prompt": "hi"})
    assert comp.path == "/completions"
    line = prepare({"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"input": "x"}})
    assert line.path == "/embeddings"
    assert line.custom_id == "a"
    with pytest.raises(InvalidBatchRequest, match="method"):
        prepare({"custom_id": "a", "method": "GET", "url": "/v1/models", "body": {}})
    with pytest.raises(InvalidBatchRequest):
        prepare({"model": "m"})
    with pytest.raises(InvalidBatchRequest, match="custom_id"):
        prepare({"custom_id": 5, "url": "/v1/chat/completions", "body": {}})
