"""Result lines whatever the server sent: exact decoding, raw text for what cannot be re-encoded."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vllm_sdk._exceptions import StreamError, api_error_from_response
from vllm_sdk.batch._encode import TOO_DEEP, decode_body, encode_line, keep_raw, loads_line, raw_of
from vllm_sdk.batch._failures import retryable
from vllm_sdk.batch._files import output_bytes
from vllm_sdk.batch._result import BatchResult

HUGE = 2**70


def line(body: Any = None, error: Any = None) -> dict[str, Any]:
    response = None if error is not None else {"status_code": 200, "request_id": "r", "body": body}
    return {"id": "vllm-1", "custom_id": "a", "response": response, "error": error}


def test_decode_body_is_exact_where_orjson_is_not() -> None:
    assert decode_body(b'{"n": %d}' % HUGE) == {"n": HUGE}  # orjson alone gives a float
    assert decode_body(b'{"s": "\\ud800"}') == {"s": "\ud800"}
    assert decode_body(b"[" * 5000 + b"]" * 5000) is TOO_DEEP
    assert decode_body(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    with pytest.raises(ValueError):
        decode_body(b"<html>")
    with pytest.raises(ValueError):
        decode_body(b'{"s": "\xff"}')


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        (b'{"n": %d}' % HUGE, {"n": HUGE}),
        (b'{"s": "\\ud800"}', {"s": "\ud800"}),
        (b"[" * 300 + b"]" * 300, json.loads(b"[" * 300 + b"]" * 300)),
    ],
)
def test_a_body_orjson_cannot_write_is_kept_raw(raw: bytes, body: Any) -> None:
    data = encode_line(line(body), raw_body=raw)
    record = loads_line(data)
    assert data.endswith(b"\n")
    assert data.count(b"\n") == 1
    assert record["response"]["body"] is None
    assert record["response"]["raw_encoding"] == "utf-8"
    assert record["response"]["raw"].encode() == raw
    assert json.loads(record["response"]["raw"]) == body


def test_without_raw_bytes_the_value_is_written_as_exact_json_text() -> None:
    record = loads_line(encode_line(line({"n": HUGE, "s": "\ud800"})))
    assert json.loads(record["response"]["raw"]) == {"n": HUGE, "s": "\ud800"}


def test_an_error_object_that_cannot_be_written_keeps_message_type_code_and_raw() -> None:
    raw = b'{"error": {"message": "bad \\ud800", "type": "BadRequestError", "code": %d}}' % HUGE
    error = json.loads(raw)
    record = loads_line(encode_line(line(error=error), raw_error=raw))
    assert record["error"]["message"] == "bad \\ud800"
    assert record["error"]["type"] == "BadRequestError"
    assert record["error"]["code"] == str(HUGE)
    assert record["error"]["raw"].encode() == raw


def test_invalid_utf8_is_kept_in_base64() -> None:
    raw = b'{"error": "\xff\xfe"}'
    error = api_error_from_response(400, raw)
    keep_raw(error, raw)
    assert raw_of(error) == raw
    result = BatchResult(0, "a", None, error, 400, None, 0.1, None, None, 1, None, None, None)
    record = loads_line(output_bytes(result))
    assert record["response"]["status_code"] == 400
    assert record["error"]["raw_encoding"] == "base64"
    assert base64.b64decode(record["error"]["raw"]) == raw


def test_failures_worth_another_attempt() -> None:
    assert retryable(StreamError("connection lost mid-stream"))
    assert retryable(StreamError("x", code=503))
    assert retryable(StreamError("x", code="429"))
    assert not retryable(StreamError("x", code=400))
    assert retryable(api_error_from_response(409, b""))
    assert not retryable(api_error_from_response(404, b""))
    assert not retryable(ValueError("x"))


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0xFFFF)),  # lone surrogates included
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=5), kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_json)
def test_any_json_value_becomes_one_readable_line_that_loses_nothing(value: Any) -> None:
    data = encode_line(line({"v": value}))
    assert data.count(b"\n") == 1
    assert data.endswith(b"\n")
    response = loads_line(data)["response"]
    if response["body"] is not None:
        assert response["body"] == {"v": value}
    else:
        assert json.loads(response["raw"]) == {"v": value}
