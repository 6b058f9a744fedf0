"""Error mapping at the transport boundary, retries, back-off and Retry-After."""

from __future__ import annotations

import email.utils
import logging
import time
from typing import Any

import httpx
import pytest

from vllm_sdk import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    HttpError,
    InternalServerError,
    ModelNotFoundError,
    NotFoundError,
    RateLimitError,
    UnprocessableEntityError,
    VllmTimeoutError,
)
from vllm_sdk._response import TRUNCATED_MARK
from vllm_sdk._retry import DEFAULT_POLICY, RetryPolicy, backoff_delay, retry_after, should_retry

from .helpers import Api, chat_body

MSGS = [{"role": "user", "content": "hi"}]
OK = httpx.Response(200, json=chat_body())


def chat(api: Api, client: Any, **options: Any) -> Any:
    return api.run(client.chat.completions.create(model="m", messages=MSGS, **options))


def err(status: int, body: Any = None, **headers: str) -> httpx.Response:
    if isinstance(body, (bytes, str)):
        return httpx.Response(status, content=body, headers=headers)
    return httpx.Response(
        status, json=body if body is not None else {"error": {"message": "x"}}, headers=headers
    )


@pytest.mark.parametrize(
    ("response", "cls", "message", "error_type"),
    [
        (
            err(400, {"error": {"message": "bad", "type": "BadRequestError", "param": "n", "code": 400}}),
            BadRequestError,
            "bad",
            "BadRequestError",
        ),
        (
            err(400, {"object": "error", "message": "flat", "type": "invalid", "code": 400}),
            BadRequestError,
            "flat",
            "invalid",
        ),
        (err(401, {"error": "Unauthorized"}), AuthenticationError, "Unauthorized", None),
        (
            err(
                404,
                {
                    "error": {
                        "message": "The model `x` does not exist.",
                        "type": "NotFoundError",
                        "param": "model",
                    }
                },
            ),
            ModelNotFoundError,
            "The model `x` does not exist.",
            "NotFoundError",
        ),
        (err(404, {"detail": "Not Found"}), NotFoundError, "Not Found", None),
        (
            err(422, {"detail": [{"loc": ["body"], "msg": "field required"}]}),
            UnprocessableEntityError,
            "field required",
            None,
        ),
        (
            err(502, "<html><body>" + "Bad gateway " * 100 + "</body></html>"),
            InternalServerError,
            "<html>",
            None,
        ),
        (err(599, b""), InternalServerError, "HTTP status 599", None),
    ],
)
def test_error_bodies_map_to_typed_errors(
    api: Api, response: httpx.Response, cls: type[ApiError], message: str, error_type: str | None
) -> None:
    client = api.make(response, max_retries=0)
    with pytest.raises(cls) as info:
        chat(api, client)
    error = info.value
    assert message in error.message
    assert error.status_code == response.status_code
    assert error.error_type == error_type
    assert len(error.message) <= 501  # trimmed, whatever the body size


def test_request_id_and_model_name() -> None:
    response = err(
        404,
        {"error": {"message": "The model `nope` does not exist.", "param": "model"}},
        **{"x-request-id": "req-7"},
    )
    api = Api("sync")
    client = api.make(response)
    with pytest.raises(ModelNotFoundError) as info:
        chat(api, client)
    assert info.value.request_id == "req-7"
    assert info.value.model == "nope"
    assert "req-7" in str(info.value)


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ConnectError("refused"), HttpError),
        (httpx.RemoteProtocolError("reset"), HttpError),
        (httpx.ReadTimeout("slow"), VllmTimeoutError),
        (httpx.ConnectTimeout("slow"), VllmTimeoutError),
        (httpx.PoolTimeout("full"), VllmTimeoutError),
    ],
)
def test_transport_errors_are_mapped_once_with_cause(api: Api, exc: Exception, cls: type[HttpError]) -> None:
    client = api.make(exc, max_retries=0)
    with pytest.raises(cls) as info:
        chat(api, client)
    assert info.value.__cause__ is exc
    assert info.value.is_retryable


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_until_success(api: Api, status: int) -> None:
    client = api.make(err(status), err(status), OK)
    assert chat(api, client).content == "Hello!"
    assert len(api.sent) == 3
    assert len(api.sleeps) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_other_4xx_are_never_retried(api: Api, status: int) -> None:
    client = api.make(err(status), OK)
    with pytest.raises(ApiError) as info:
        chat(api, client)
    assert info.value.status_code == status
    assert len(api.sent) == 1
    assert api.sleeps == []


def test_default_is_two_retries_then_the_last_error(api: Api) -> None:
    client = api.make(err(503, {"error": {"message": "still busy"}}))
    with pytest.raises(InternalServerError, match="still busy"):
        chat(api, client)
    assert len(api.sent) == 3


def test_connection_errors_and_timeouts_are_retried(api: Api) -> None:
    client = api.make(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), OK)
    assert chat(api, client).content == "Hello!"
    assert len(api.sent) == 3


def test_per_request_max_retries_overrides_the_client(api: Api) -> None:
    client = api.make(err(500), max_retries=5)
    with pytest.raises(InternalServerError):
        chat(api, client, max_retries=1)
    assert len(api.sent) == 2
    api.sent.clear()
    with pytest.raises(InternalServerError):
        api.run(client.chat.completions.create().model("m").messages(MSGS).send(max_retries=0))
    assert len(api.sent) == 1


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    assert backoff_delay(0, rand=lambda: 0.0) == 0.5
    assert backoff_delay(1, rand=lambda: 0.0) == 1.0
    assert backoff_delay(3, rand=lambda: 0.0) == 4.0
    assert backoff_delay(10, rand=lambda: 0.0) == 8.0
    assert backoff_delay(2, rand=lambda: 1.0) == pytest.approx(1.5)  # at most 25 % taken off
    delays = {backoff_delay(1) for _ in range(20)}
    assert len(delays) > 1
    assert all(0.75 <= d <= 1.0 for d in delays)


def test_sleeps_follow_the_backoff(api: Api) -> None:
    client = api.make(err(503), err(503), err(503), OK, max_retries=3)
    chat(api, client)
    assert len(api.sleeps) == 3
    for n, delay in enumerate(api.sleeps):
        assert 0.75 * 0.5 * 2**n <= delay <= 0.5 * 2**n


def test_the_clients_sleeps_reach_the_back_off_cap_and_stay_there(api: Api) -> None:
    # 0.5, 1, 2, 4, then the 8 s cap three times: the cap is reached by the client, not only by the helper.
    client = api.make(*[err(503)] * 7, OK, max_retries=7)
    chat(api, client)
    assert len(api.sleeps) == 7
    for n, delay in enumerate(api.sleeps[:4]):
        assert 0.75 * 0.5 * 2**n <= delay <= 0.5 * 2**n
    assert all(0.75 * 8.0 <= delay <= 8.0 for delay in api.sleeps[4:]), api.sleeps


def test_retry_after_headers() -> None:
    assert retry_after({"retry-after-ms": "250"}) == 0.25
    assert retry_after({"Retry-After": "3"}) == 3.0
    assert retry_after({"retry-after-ms": "100", "retry-after": "9"}) == 0.1
    assert retry_after({"retry-after": "61"}) is None  # longer than we honour
    assert retry_after({"retry-after": "-1"}) is None
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None
    now = time.time()
    date = email.utils.formatdate(now + 10, usegmt=True)
    assert retry_after({"retry-after": date}, now=lambda: now) == pytest.approx(10, abs=1)


def _limited(**headers: str) -> RateLimitError:
    return RateLimitError("slow down", status_code=429, headers=headers)


def test_policy_retry_after_ms_wins_over_retry_after_and_over_the_backoff() -> None:
    policy = RetryPolicy(base=1.0, cap=8.0)
    assert policy.delay(3, _limited(**{"retry-after-ms": "250", "retry-after": "9"})) == 0.25
    # Longer than the computed back-off is obeyed as well: the server knows its own load.
    assert policy.delay(0, _limited(**{"retry-after-ms": "20000"})) == 20.0


def test_policy_retry_after_seconds() -> None:
    policy = RetryPolicy(base=1.0, cap=8.0)
    assert policy.delay(0, _limited(**{"Retry-After": "3"})) == 3.0
    assert policy.delay(5, _limited(**{"retry-after": "0"})) == 0.0


def test_policy_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 12, usegmt=True)
    delay = RetryPolicy().delay(0, _limited(**{"retry-after": date}), now=lambda: now)
    assert delay == pytest.approx(12, abs=1)
    past = email.utils.formatdate(now - 30, usegmt=True)  # a date in the past falls back
    assert RetryPolicy(jitter=0.0).delay(0, _limited(**{"retry-after": past}), now=lambda: now) == 0.5


def test_policy_retry_after_over_the_max_falls_back_to_the_backoff() -> None:
    policy = RetryPolicy(base=0.5, cap=8.0, jitter=0.0, retry_after_max=10.0)
    assert policy.delay(1, _limited(**{"retry-after": "11"})) == 1.0
    assert policy.delay(1, _limited(**{"retry-after-ms": "10001"})) == 1.0
    assert policy.delay(1, _limited(**{"retry-after": "10"})) == 10.0
    assert policy.delay(1, _limited(**{"retry-after": "nan"})) == 1.0
    assert policy.delay(1, _limited(**{"retry-after": "soon"})) == 1.0
    assert DEFAULT_POLICY.retry_after({"retry-after": "61"}) is None


def test_policy_cap_is_reached_and_held() -> None:
    policy = RetryPolicy(base=0.25, cap=2.0, jitter=0.0)
    assert [policy.delay(n) for n in range(6)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
    assert policy.delay(10_000) == 2.0  # no overflow however many retries


def test_policy_jitter_bounds() -> None:
    half = RetryPolicy(base=1.0, cap=8.0, jitter=0.5)
    assert half.delay(2, rand=lambda: 0.0) == 4.0
    assert half.delay(2, rand=lambda: 0.999999) == pytest.approx(2.0, abs=1e-5)
    full = RetryPolicy(base=1.0, cap=8.0, jitter=1.0)  # "full jitter": anywhere in [0, delay]
    delays = [full.delay(3) for _ in range(200)]
    assert all(0.0 < d <= 8.0 for d in delays)
    assert len(set(delays)) > 1
    assert RetryPolicy(jitter=0.0).delay(1, rand=lambda: 0.9) == 1.0
    # A server's Retry-After is not jittered: it is the time the server asked for.
    assert half.delay(0, _limited(**{"retry-after": "2"}), rand=lambda: 0.9) == 2.0


def test_policy_should_retry() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry(InternalServerError("boom", status_code=503), 0)
    assert policy.should_retry(HttpError("refused"), 1)
    assert not policy.should_retry(HttpError("refused"), 2)  # retries used up
    assert not policy.should_retry(BadRequestError("bad", status_code=400), 0)
    assert not policy.should_retry(ValueError("a bug, not a server error"), 0)
    assert should_retry(HttpError("refused"), 0, 1)
    assert not should_retry(HttpError("refused"), 1, 1)


def test_policy_is_validated_and_frozen() -> None:
    assert RetryPolicy(max_retries=2, base=0.5, cap=8.0, jitter=0.25, retry_after_max=60.0) == DEFAULT_POLICY
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=1.5)
    with pytest.raises(ValueError, match="cap"):
        RetryPolicy(cap=float("inf"))
    with pytest.raises(AttributeError):
        DEFAULT_POLICY.base = 1.0  # type: ignore[misc]


def test_backoff_delay_takes_a_policy() -> None:
    assert backoff_delay(2, policy=RetryPolicy(base=0.1, cap=1.0), rand=lambda: 0.0) == pytest.approx(0.4)


def test_retry_after_is_honoured_by_the_client(api: Api) -> None:
    client = api.make(err(429, **{"retry-after": "7"}), err(503, **{"retry-after-ms": "1500"}), OK)
    chat(api, client)
    assert api.sleeps == [7.0, 1.5]


def test_too_long_retry_after_falls_back_to_backoff(api: Api) -> None:
    client = api.make(err(429, **{"retry-after": "3600"}), OK)
    chat(api, client)
    assert api.sleeps[0] <= 0.5


def test_rate_limit_error_keeps_headers(api: Api) -> None:
    client = api.make(err(429, **{"retry-after": "2"}), max_retries=0)
    with pytest.raises(RateLimitError) as info:
        chat(api, client)
    assert info.value.headers["retry-after"] == "2"
    assert info.value.is_retryable


def test_conflict_is_retryable() -> None:
    assert ConflictError("x", status_code=409).is_retryable


def test_each_retry_is_logged_at_info_without_secrets(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    client = api.make(err(503), OK, api_key="sk-secret-key")
    with caplog.at_level(logging.DEBUG, logger="vllm_sdk"):
        chat(api, client)
    retries = [r for r in caplog.records if r.levelno == logging.INFO and "retrying" in r.getMessage()]
    assert len(retries) == 1
    assert "POST" in retries[0].getMessage()
    assert "(retry 1 of 2)" in retries[0].getMessage()
    assert all("sk-secret-key" not in r.getMessage() for r in caplog.records)
    assert any("<redacted>" in r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG)


def test_error_body_reading_is_bounded(api: Api) -> None:
    huge = b"x" * (3 * 1024 * 1024)
    client = api.make(httpx.Response(500, content=huge), max_retries=0)
    with pytest.raises(InternalServerError) as info:
        chat(api, client)
    # The body's trimmed start, then the mark that says only the start was read.
    assert info.value.message.endswith(" " + TRUNCATED_MARK)
    assert len(info.value.message) <= 501 + 1 + len(TRUNCATED_MARK)


def test_a_failing_hook_is_not_retried_and_propagates(api: Api) -> None:
    def hook(request: httpx.Request) -> None:
        raise KeyError("hook bug")

    client = api.make(OK, event_hooks={"request": [hook]})
    with pytest.raises(KeyError, match="hook bug"):
        chat(api, client)
    assert api.sent == []
