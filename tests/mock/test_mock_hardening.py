"""The mock as a product (issue 16 item 15): faults typed as vLLM types them, auth first, bounded memory,
vLLM's 400 for bodies its parser refuses, and a header-read deadline against slowloris clients."""

from __future__ import annotations

import json
import socket
import threading
from http import HTTPStatus
from typing import TYPE_CHECKING

import httpx
import pytest

from vllm_sdk import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    UnprocessableEntityError,
    VllmClient,
)
from vllm_sdk.testing import FaultSpecError, MockVllmServer, RecordedRequest, parse_faults
from vllm_sdk.testing._faults import error_type_for
from vllm_sdk.testing._state import ServerState

if TYPE_CHECKING:
    from collections.abc import Iterator

JSON_TYPE = {"content-type": "application/json"}
CHAT = {"model": "mock", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 4}


@pytest.fixture(scope="module")
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer(api_key="sekret") as srv:
        yield srv


@pytest.fixture
def http(server: MockVllmServer) -> Iterator[httpx.Client]:
    server.reset()
    headers = {"Authorization": "Bearer sekret"}
    with httpx.Client(base_url=server.base_url, timeout=10, headers=headers) as client:
        yield client


# ------------------------------------------------------------------------- injected error types


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        # vLLM's own errors (vllm/entrypoints/serve/exception_handling/error_response.py)
        (400, "BadRequestError"),
        (404, "NotFoundError"),
        (422, "UnprocessableEntityError"),
        (500, "InternalServerError"),
        (501, "NotImplementedError"),
        (503, "ServiceUnavailableError"),
        # FastAPI/Starlette HTTPExceptions: vLLM's handler uses the status phrase
        (401, "Unauthorized"),
        (403, "Forbidden"),
        (405, "Method Not Allowed"),
        (409, "Conflict"),
        (413, HTTPStatus(413).phrase),
        # never vLLM's own: what a limiter or proxy in front of it means
        (429, "RateLimitError"),
        (502, "BadGatewayError"),
        (504, "GatewayTimeoutError"),
        # codes the standard library does not name
        (499, "BadRequestError"),
        (520, "InternalServerError"),
    ],
)
def test_injected_status_carries_vllms_error_type(http: httpx.Client, status: int, error_type: str) -> None:
    assert error_type_for(status) == error_type
    response = http.post("/chat/completions", json=CHAT, headers={"x-mock-fault": f"status={status}"})
    assert response.status_code == status
    assert response.json() == {
        "error": {
            "message": f"Injected fault: HTTP {status}",
            "type": error_type,
            "param": None,
            "code": status,
        }
    }


@pytest.mark.parametrize(
    ("status", "exc_type"),
    [(400, BadRequestError), (404, NotFoundError), (422, UnprocessableEntityError)],
)
def test_the_sdk_raises_the_class_of_an_injected_4xx(
    server: MockVllmServer, status: int, exc_type: type[Exception]
) -> None:
    server.reset()
    server.faults = f"status={status}"
    try:
        with (
            VllmClient(server.base_url, api_key="sekret", max_retries=0) as client,
            pytest.raises(exc_type) as caught,
        ):
            client.chat.completions.create(**CHAT)
    finally:
        server.faults = None
    assert caught.value.error_type == error_type_for(status)  # type: ignore[attr-defined]
    assert "InternalServerError" not in str(caught.value)


@pytest.mark.parametrize(
    "spec", ["status=100", "status=204", "status=302", "status=399", "status=600", "status=503.5"]
)
def test_status_accepts_only_error_statuses(spec: str) -> None:
    with pytest.raises(FaultSpecError, match="400 to 599"):
        parse_faults(spec)
    with pytest.raises(FaultSpecError):
        MockVllmServer(faults=spec)


def test_status_faults_at_the_bounds_parse() -> None:
    assert [f.a for f in parse_faults("status=400,status=599")] == [400, 599]


def test_a_header_fault_with_a_non_error_status_is_a_400(http: httpx.Client) -> None:
    response = http.post("/chat/completions", json=CHAT, headers={"x-mock-fault": "status=100"})
    assert response.status_code == 400
    assert "400 to 599" in response.json()["error"]["message"]


# ---------------------------------------------------------------------------------- auth first


def test_a_wrong_key_gets_401_before_any_fault(server: MockVllmServer) -> None:
    server.reset()
    server.faults = "status=503:1"
    try:
        with httpx.Client(base_url=server.base_url, timeout=10) as anonymous:
            for fault in ("stall", "status=500", "rate_limit", "html_502", "delay_headers=30"):
                denied = anonymous.post("/chat/completions", json=CHAT, headers={"x-mock-fault": fault})
                assert (denied.status_code, denied.json()) == (401, {"error": "Unauthorized"}), fault
        # the rejected requests used up none of the server-wide "first request" fault
        with httpx.Client(
            base_url=server.base_url, timeout=10, headers={"Authorization": "Bearer sekret"}
        ) as ok:
            assert ok.post("/chat/completions", json=CHAT).status_code == 503
            assert ok.post("/chat/completions", json=CHAT).status_code == 200
    finally:
        server.faults = None


def test_the_sdk_sees_an_authentication_error_not_the_fault(server: MockVllmServer) -> None:
    with (
        VllmClient(server.base_url, api_key="wrong", max_retries=0) as client,
        pytest.raises(AuthenticationError),
    ):
        client.chat.completions.create(**CHAT, extra_headers={"x-mock-fault": "status=503"})


# ------------------------------------------------------------------ bodies vLLM's parser refuses

PARSE_ERROR = {
    "error": {
        "message": "There was an error parsing the body",
        "type": "Bad Request",
        "param": None,
        "code": 400,
    }
}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            b'{"model": "mock", "messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", id="deep-array"
        ),
        pytest.param(b'{"a": ' * 5_000 + b"1" + b"}" * 5_000, id="deep-object"),
        pytest.param(b'{"model": "mock", "max_tokens": ' + b"9" * 5_000 + b"}", id="huge-integer"),
    ],
)
@pytest.mark.parametrize("path", ["/chat/completions", "/completions", "/embeddings"])
def test_bodies_the_json_parser_refuses_get_vllms_400(
    server: MockVllmServer, http: httpx.Client, body: bytes, path: str
) -> None:
    response = http.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == PARSE_ERROR
    assert httpx.get(server.url + "/health").status_code == 200  # and the server is still healthy


def test_recorded_json_of_a_refused_body_is_none(server: MockVllmServer, http: httpx.Client) -> None:
    http.post("/completions", content=b"[" * 50_000, headers={"content-type": "application/json"})
    [request] = [r for r in server.requests if r.path == "/v1/completions"]
    assert request.json is None
    assert len(request.body) == 50_000


# ---------------------------------------------------------------------- recorded requests' bytes


def _state(**bounds: int | None) -> ServerState:
    return ServerState(
        models=("m",), api_key=None, token_delay=0.0, faults=(), max_model_len=2048, embedding_dim=8, **bounds
    )


def _request(size: int, tag: int) -> RecordedRequest:
    return RecordedRequest(method="POST", path=f"/v1/{tag}", headers={}, body=b"x" * size)


def test_recorded_requests_are_bounded_by_bytes() -> None:
    state = _state(max_recorded=1000, max_recorded_bytes=10_000)
    for tag in range(40):
        state.record(_request(3_000, tag))
        assert state.recorded_bytes <= 10_000
        assert state.recorded_bytes == sum(len(r.body) for r in state.requests)
    assert [r.path for r in state.requests] == ["/v1/37", "/v1/38", "/v1/39"]


def test_the_newest_request_is_kept_even_past_the_byte_bound() -> None:
    state = _state(max_recorded=1000, max_recorded_bytes=100)
    state.record(_request(10, 0))
    state.record(_request(500, 1))
    assert [r.path for r in state.requests] == ["/v1/1"]
    assert state.recorded_bytes == 500
    state.record(_request(20, 2))
    assert [r.path for r in state.requests] == ["/v1/2"]


def test_count_and_byte_bounds_together() -> None:
    state = _state(max_recorded=10, max_recorded_bytes=None)
    for tag in range(25):
        state.record(_request(1, tag))
    assert len(state.requests) <= 10
    assert state.requests[-1].path == "/v1/24"
    assert state.recorded_bytes == len(state.requests)
    state.clear_requests()
    assert (state.requests, state.recorded_bytes) == ([], 0)


def test_large_uploads_keep_the_server_within_its_byte_bound() -> None:
    body = json.dumps({**CHAT, "user": "x" * 1_000_000}).encode()  # a large field that costs no tokens
    with MockVllmServer(max_recorded_bytes=3_500_000) as srv, httpx.Client(base_url=srv.base_url) as http:
        for _ in range(10):
            assert http.post("/chat/completions", content=body, headers=JSON_TYPE).status_code == 200
        assert len(srv.requests) == 3
        assert sum(len(r.body) for r in srv.requests) <= 3_500_000
        assert srv.requests[-1].json["user"] == "x" * 1_000_000  # parsed on access


@pytest.mark.parametrize("bad", [{"header_timeout": 0}, {"header_timeout": -1.0}, {"max_recorded_bytes": -1}])
def test_bad_bounds_are_rejected(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        MockVllmServer(**bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- slowloris clients


def _dribble(port: int, head: bytes, stop: threading.Event, sent: list[int]) -> bytes:
    """Send ``head`` a byte at a time (every 50 ms) until the server closes or ``stop``; what came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for byte in head:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            sent.append(byte)
            if stop.wait(0.05):
                break
        try:
            return sock.recv(1024)
        except OSError:
            return b""


def test_a_client_sending_its_head_byte_by_byte_is_disconnected() -> None:
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"a" * 2_000 + b"\r\n\r\n"
    with MockVllmServer(header_timeout=0.5) as srv:
        stop = threading.Event()
        sent: list[int] = []
        answer = _dribble(srv.port, head, stop, sent)
        # disconnected long before the 2,000+ bytes (100 s at this pace) were sent, with no answer
        assert len(sent) < len(head)
        assert answer == b""
        assert httpx.get(srv.url + "/health").status_code == 200  # and the server still serves


def test_the_deadline_does_not_touch_slow_bodies_or_long_streams() -> None:
    with MockVllmServer(header_timeout=0.3, token_delay=0.05) as srv:
        # a stream lasting well past the header timeout (12 events, 50 ms apart) is served in full
        with httpx.Client(base_url=srv.base_url, timeout=10) as http:
            with http.stream(
                "POST",
                "/chat/completions",
                json={**CHAT, "max_tokens": 12, "stream": True, "ignore_eos": True},
            ) as r:
                body = b"".join(r.iter_bytes())
            assert body.endswith(b"data: [DONE]\n\n")
            # and the same keep-alive connection takes another request afterwards
            assert http.post("/chat/completions", json=CHAT).status_code == 200
        # a body uploaded slowly after a complete head is the handler's business, not the deadline's
        payload = json.dumps(CHAT).encode()
        head = (
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + b"Content-Length: "
            + str(len(payload)).encode()
            + b"\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            sock.sendall(head)
            stop = threading.Event()
            for i in range(0, len(payload), 8):
                sock.sendall(payload[i : i + 8])
                stop.wait(0.05)  # ~0.6 s in all: longer than the header timeout
            answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200")
