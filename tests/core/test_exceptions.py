"""The error tree and the one place error bodies and transport failures are mapped."""

from __future__ import annotations

import httpx
import pytest

import vllm_sdk
from reference_data import transcript
from vllm_sdk._exceptions import api_error_from_response, map_transport_error, parse_error_body


def _body_of(name: str) -> tuple[int, bytes]:
    raw = transcript(name).read_bytes()
    head, _, body = raw.partition(b"\r\n\r\n")
    if not _:
        head, _, body = raw.partition(b"\n\n")
    return int(head.split()[1]), body


def test_every_exception_derives_from_vllm_error() -> None:
    # `Error` is the stream event carrying an exception, not an exception itself.
    names = [n for n in vllm_sdk.__all__ if n.endswith("Error") and n != "Error"]
    assert len(names) >= 19
    for name in names:
        assert issubclass(getattr(vllm_sdk, name), vllm_sdk.VllmError), name


def test_missing_parameter_is_also_a_value_error() -> None:
    exc = vllm_sdk.MissingParameterError("model")
    assert isinstance(exc, ValueError)
    assert exc.parameter == "model"
    assert "model" in str(exc)
    assert not exc.is_retryable


@pytest.mark.parametrize(
    ("status", "cls", "retryable"),
    [
        (400, vllm_sdk.BadRequestError, False),
        (401, vllm_sdk.AuthenticationError, False),
        (403, vllm_sdk.PermissionDeniedError, False),
        (404, vllm_sdk.NotFoundError, False),
        (408, vllm_sdk.ApiError, True),
        (409, vllm_sdk.ConflictError, True),
        (413, vllm_sdk.RequestTooLargeError, False),
        (418, vllm_sdk.ApiError, False),
        (422, vllm_sdk.UnprocessableEntityError, False),
        (429, vllm_sdk.RateLimitError, True),
        (500, vllm_sdk.InternalServerError, True),
        (502, vllm_sdk.InternalServerError, True),
        (503, vllm_sdk.InternalServerError, True),
        (504, vllm_sdk.InternalServerError, True),
        (507, vllm_sdk.InternalServerError, True),
    ],
)
def test_status_maps_to_class_and_retryability(status: int, cls: type, retryable: bool) -> None:
    err = api_error_from_response(status, b'{"error": {"message": "m", "type": "T", "code": %d}}' % status)
    assert type(err) is cls
    assert err.status_code == status
    assert err.is_retryable is retryable
    assert err.message == "m"
    assert err.error_type == "T"
    assert err.code == status


def test_nested_vllm_error_body_from_real_transcript() -> None:
    status, body = _body_of("E01_unknown_model.http")
    err = api_error_from_response(status, body, {"x-request-id": "req-1"})
    assert isinstance(err, vllm_sdk.ModelNotFoundError)
    assert err.model == "does-not-exist"
    assert err.param == "model"
    assert err.error_type == "NotFoundError"
    assert err.code == 404
    assert err.request_id == "req-1"
    assert "req-1" in str(err)
    assert isinstance(err.body, dict)


def test_validation_error_is_400_with_param_from_real_transcript() -> None:
    status, body = _body_of("E02_bad_type_max_tokens.http")
    err = api_error_from_response(status, body)
    assert isinstance(err, vllm_sdk.BadRequestError)
    assert err.param is not None
    assert "max_tokens" in err.param


def test_older_flat_error_shape() -> None:
    body = b'{"object":"error","message":"bad n","type":"BadRequestError","param":"n","code":400}'
    err = api_error_from_response(400, body)
    assert isinstance(err, vllm_sdk.BadRequestError)
    assert (err.message, err.error_type, err.param, err.code) == ("bad n", "BadRequestError", "n", 400)


def test_unauthorized_string_error() -> None:
    err = api_error_from_response(401, b'{"error":"Unauthorized"}')
    assert isinstance(err, vllm_sdk.AuthenticationError)
    assert err.message == "Unauthorized"


@pytest.mark.parametrize(
    "body",
    [
        # Older servers name no `param`: the message alone must identify the missing model.
        b'{"object":"error","message":"The model `tiny-x` does not exist.","type":"NotFound","code":404}',
        b'{"error":{"message":"The model `tiny-x` does not exist.","type":"NotFoundError","code":404}}',
    ],
    ids=["flat", "nested"],
)
def test_404_without_param_is_still_a_model_error(body: bytes) -> None:
    err = api_error_from_response(404, body)
    assert type(err) is vllm_sdk.ModelNotFoundError
    assert (err.model, err.param, err.status_code) == ("tiny-x", None, 404)


def test_fastapi_detail_404_is_not_a_model_error() -> None:
    err = api_error_from_response(404, b'{"detail":"Not Found"}')
    assert type(err) is vllm_sdk.NotFoundError
    assert err.message == "Not Found"


def test_html_page_from_a_proxy_is_trimmed_text() -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1>" + b"x" * 5000 + b"</body></html>"
    err = api_error_from_response(502, page)
    assert isinstance(err, vllm_sdk.InternalServerError)
    assert err.message.startswith("<html><body><h1>502 Bad Gateway</h1>")
    assert len(err.message) <= 501
    assert err.is_retryable


def test_empty_body_falls_back_to_reason_phrase() -> None:
    err = api_error_from_response(503, b"")
    assert err.message == "Service Unavailable"


def test_invalid_utf8_body_does_not_raise() -> None:
    message, *_ = parse_error_body(b"\xff\xfe oops")
    assert message is not None
    assert "oops" in message


def test_non_object_json_body() -> None:
    message, error_type, _param, _code, body = parse_error_body(b'["a", 1]')
    assert message == '["a", 1]'
    assert error_type is None
    assert body == ["a", 1]


def test_transport_timeouts_map_to_timeout_error() -> None:
    for exc in (httpx.ConnectTimeout("c"), httpx.ReadTimeout("r"), httpx.PoolTimeout("p"), TimeoutError()):
        mapped = map_transport_error(exc)
        assert isinstance(mapped, vllm_sdk.VllmTimeoutError)
        assert mapped.is_retryable


def test_transport_failures_map_to_http_error() -> None:
    mapped = map_transport_error(httpx.ConnectError("refused"))
    assert type(mapped) is vllm_sdk.HttpError
    assert "refused" in str(mapped)
    assert mapped.is_retryable


def test_stream_error_keeps_partial_content() -> None:
    err = vllm_sdk.StreamError("boom", error_type="InternalServerError", code=500, partial_content="Hel")
    assert err.partial_content == "Hel"
    assert not err.is_retryable
    assert str(err) == "boom"
