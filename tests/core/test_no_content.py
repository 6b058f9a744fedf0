"""NoContentError: asking a response for content it does not have."""

from __future__ import annotations

import pytest

from vllm_sdk import ChatCompletionResponse, NoContentError

EMPTY = b'{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[]}'
ONE = (
    b'{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,'
    b'"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}'
)


def test_assistant_message_without_choices_raises_no_content() -> None:
    resp = ChatCompletionResponse.model_validate_json(EMPTY)
    assert resp.content is None
    with pytest.raises(NoContentError, match="no choices"):
        resp.assistant_message()


def test_assistant_message_with_a_choice() -> None:
    resp = ChatCompletionResponse.model_validate_json(ONE)
    assert resp.assistant_message() == {"role": "assistant", "content": "hi"}
