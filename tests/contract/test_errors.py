"""API.md §5 (errors and retries; issue 3 wins: every 5xx is retryable), sync and async."""

from __future__ import annotations

import email.utils
import json
import logging
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

import vllm_sdk
from vllm_sdk import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    HttpError,
    InternalServerError,
    InvalidResponseError,
    JsonError,
    ModelNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    UnprocessableEntityError,
    VllmError,
    VllmTimeoutError,
)

from .support import USER, Mode, fault_headers

if TYPE_CHECKING:
    from vllm_sdk.testing import MockVllmServer

STATUS_CLASSES: list[tuple[int, type[ApiError], bool]] = [
    (400, BadRequestError, False),
    (401, AuthenticationError, False),
    (403, PermissionDeniedError, False),
    (404, NotFoundError, False),
    (408, ApiError, True),
    (409, ConflictError, True),
    (413, RequestTooLargeError, False),
    (418, ApiError, False),
    (422, UnprocessableEntityError, False),
    (429, RateLimitError, True),
    (500, InternalServerError, True),
    (501, InternalServerError, True),
    (502, InternalServerError, True),
    (503, InternalServerError, True),
    (504, InternalServerError, True),
    (507, InternalServerError, True),
]

NESTED = {"error": {"message": "bad temp", "type": "BadRequestError", "param": "temperature", "code": 400}}


class Counter:
    """A MockTransport handler replying from a list (the last reply repeats); counts attempts."""

    def __init__(self, *replies: httpx.Response | Exception) -> None:
        self.replies = list(replies)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)


def chat_ok() -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "c",
            "object": "chat.completion",
            "created": 1,
            "model": "m",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        },
    )


async def send(mode: Mode, client: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("model", "m")
    return await mode(client.chat.completions.create(messages=USER, **kwargs))


def test_every_exported_exception_derives_from_vllm_error() -> None:
    names = [n for n in vllm_sdk.__all__ if n.endswith("Error") and n != "Error"]
    assert names
    for name in names:
        cls = getattr(vllm_sdk, name)
        assert issubclass(cls, VllmError), name
        assert isinstance(cls.is_retryable, property), name
    assert issubclass(VllmTimeoutError, HttpError)
    assert issubclass(ModelNotFoundError, NotFoundError)
    assert issubclass(vllm_sdk.MissingParameterError, ValueError)


@pytest.mark.parametrize(
    ("status", "cls", "retryable"), STATUS_CLASSES, ids=[str(s[0]) for s in STATUS_CLASSES]
)
async def test_status_maps_to_class_and_retryability(
    mode: Mode, status: int, cls: type[ApiError], retryable: bool
) -> None:
    handler = Counter(
        httpx.Response(status, json={"error": {"message": "nope", "type": "X", "code": status}})
    )
    client = mode.mock_client(handler, max_retries=2)
    with pytest.raises(ApiError) as info:
        await send(mode, client)
    assert type(info.value) is cls
    assert info.value.status_code == status
    assert info.value.is_retryable is retryable
    assert handler.calls == (3 if retryable else 1)


async def test_nested_error_body_fields(mode: Mode) -> None:
    headers = {"x-request-id": "req-9"}
    client = mode.mock_client(Counter(httpx.Response(400, json=NESTED, headers=headers)))
    with pytest.raises(BadRequestError) as info:
        await send(mode, client)
    err = info.value
    assert (err.message, err.error_type, err.param, err.code) == (
        "bad temp",
        "BadRequestError",
        "temperature",
        400,
    )
    assert err.body == NESTED
    assert err.request_id == "req-9"


async def test_flat_error_body_fields(mode: Mode) -> None:
    body = {
        "object": "error",
        "message": "old style",
        "type": "invalid_request_error",
        "param": None,
        "code": 400,
    }
    client = mode.mock_client(Counter(httpx.Response(400, json=body)))
    with pytest.raises(BadRequestError) as info:
        await send(mode, client)
    assert (info.value.message, info.value.error_type, info.value.code) == (
        "old style",
        "invalid_request_error",
        400,
    )


async def test_unauthorized_string_body(mode: Mode) -> None:
    client = mode.mock_client(Counter(httpx.Response(401, json={"error": "Unauthorized"})))
    with pytest.raises(AuthenticationError) as info:
        await send(mode, client)
    assert info.value.message == "Unauthorized"
    assert not info.value.is_retryable


async def test_html_502_from_proxy(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url, max_retries=0)
    with pytest.raises(InternalServerError) as info:
        await send(mode, client, model="mock", extra_headers=fault_headers("html_502"))
    assert info.value.status_code == 502
    assert "502" in info.value.message or "Bad Gateway" in info.value.message
    assert len(info.value.message) <= 501
    assert info.value.is_retryable


async def test_model_not_found_from_mock(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    with pytest.raises(ModelNotFoundError) as info:
        await send(mode, client, model="no-such-model")
    assert info.value.status_code == 404
    assert info.value.model == "no-such-model"
    assert not info.value.is_retryable


async def test_route_404_is_not_model_not_found(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    with pytest.raises(NotFoundError) as info:
        await mode(client.request("GET", "/v1/nothing-here"))
    assert not isinstance(info.value, ModelNotFoundError)


async def test_bad_parameter_from_mock_is_400(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    with pytest.raises(BadRequestError) as info:
        await send(mode, client, model="mock", temperature=-3.0)
    assert info.value.error_type


async def test_connection_error_is_http_error_retried(mode: Mode) -> None:
    handler = Counter(httpx.ConnectError("refused"))
    client = mode.mock_client(handler, max_retries=2)
    with pytest.raises(HttpError) as info:
        await send(mode, client)
    assert type(info.value) is HttpError
    assert info.value.is_retryable
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert handler.calls == 3
    assert len(mode.sleeps) == 2


async def test_protocol_error_is_http_error(mode: Mode) -> None:
    client = mode.mock_client(Counter(httpx.RemoteProtocolError("peer closed")), max_retries=0)
    with pytest.raises(HttpError):
        await send(mode, client)


@pytest.mark.parametrize("exc", [httpx.ConnectTimeout("c"), httpx.ReadTimeout("r"), httpx.PoolTimeout("p")])
async def test_timeouts_are_vllm_timeout_error(mode: Mode, exc: Exception) -> None:
    handler = Counter(exc)
    client = mode.mock_client(handler, max_retries=1)
    with pytest.raises(VllmTimeoutError) as info:
        await send(mode, client)
    assert info.value.is_retryable
    assert handler.calls == 2


async def test_real_read_timeout_from_mock(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url, timeout=0.2, max_retries=0)
    with pytest.raises(VllmTimeoutError):
        await send(mode, client, model="mock", extra_headers=fault_headers("delay_headers=2"))


async def test_retry_then_success(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    resp = await send(mode, client, model="mock", extra_headers=fault_headers("status=503:2"))
    assert resp.content
    assert len(mode.sleeps) == 2


async def test_retry_after_honoured(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    resp = await send(mode, client, model="mock", extra_headers=fault_headers("rate_limit=1,retry_after=3"))
    assert resp.content
    assert mode.sleeps == [3.0]


async def test_backoff_exponential_with_jitter(mode: Mode) -> None:
    client = mode.mock_client(Counter(httpx.Response(500)), max_retries=4)
    with pytest.raises(InternalServerError):
        await send(mode, client)
    for n, delay in enumerate(mode.sleeps):
        ceiling = min(0.5 * 2**n, 8.0)
        assert 0.75 * ceiling <= delay <= ceiling


async def test_max_retries_per_request_override(mode: Mode) -> None:
    handler = Counter(httpx.Response(503))
    client = mode.mock_client(handler, max_retries=5)
    with pytest.raises(InternalServerError):
        await send(mode, client, max_retries=0)
    assert handler.calls == 1


async def test_stream_request_retried_before_first_event(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    stream = await mode(
        client.chat.completions.create(
            model="mock", messages=USER, stream=True, extra_headers=fault_headers("status=503:1")
        )
    )
    assert await mode(stream.collect_content())
    assert len(mode.sleeps) == 1


async def test_json_error_on_non_json_body(mode: Mode) -> None:
    client = mode.mock_client(Counter(httpx.Response(200, text="<html>hello</html>")))
    with pytest.raises(JsonError) as info:
        await send(mode, client)
    assert "<html>" in info.value.text


async def test_invalid_response_on_wrong_shape(mode: Mode) -> None:
    client = mode.mock_client(Counter(httpx.Response(200, json={"id": "x", "choices": "nope"})))
    with pytest.raises(InvalidResponseError):
        await send(mode, client)


async def test_error_body_with_2xx_status_raises_api_error(mode: Mode) -> None:
    client = mode.mock_client(Counter(httpx.Response(200, content=json.dumps(NESTED).encode())))
    with pytest.raises(BadRequestError):
        await send(mode, client)


async def test_each_retry_logged_at_info(mode: Mode, caplog: pytest.LogCaptureFixture) -> None:

    client = mode.mock_client(Counter(httpx.Response(503), chat_ok()))
    with caplog.at_level(logging.INFO, logger="vllm_sdk"):
        await send(mode, client)
    retries = [r for r in caplog.records if r.levelno == logging.INFO and "retry" in r.getMessage()]
    assert len(retries) == 1


async def test_retry_after_http_date_and_cap(mode: Mode) -> None:

    soon = email.utils.formatdate(time.time() + 10, usegmt=True)
    replies = [
        httpx.Response(429, headers={"retry-after": soon}),
        httpx.Response(429, headers={"retry-after": "120"}),  # over 60 s: the client's own back-off
        chat_ok(),
    ]
    client = mode.mock_client(Counter(*replies), max_retries=2)
    await send(mode, client)
    assert 8.0 <= mode.sleeps[0] <= 10.0
    assert mode.sleeps[1] <= 1.0


async def test_non_transport_exception_not_wrapped_or_retried(mode: Mode) -> None:
    handler = Counter(RuntimeError("a bug in a transport"))
    client = mode.mock_client(handler)
    with pytest.raises(RuntimeError):
        await send(mode, client)
    assert handler.calls == 1
