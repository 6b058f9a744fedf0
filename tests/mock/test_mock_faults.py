"""Every injected fault, per request (header) and per server, and the fault grammar."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk.testing import Fault, FaultSpecError, MockVllmServer, parse_faults

if TYPE_CHECKING:
    from collections.abc import Iterator

CHAT = {
    "model": "mock",
    "messages": [{"role": "user", "content": "Hello"}],
    "max_tokens": 6,
    "ignore_eos": True,
}
STREAM = {**CHAT, "stream": True}


@pytest.fixture
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


@pytest.fixture
def http(server: MockVllmServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=5) as client:
        yield client


def post(http: httpx.Client, fault: str, body: dict[str, Any] = STREAM, **headers: str) -> httpx.Response:
    return http.post("/chat/completions", json=body, headers={"x-mock-fault": fault, **headers})


def drain(chunks: Iterator[bytes], into: list[bytes]) -> None:
    """Read a body to its end, keeping what arrived before any error."""
    for piece in chunks:
        into.append(piece)


def events_of(resp: httpx.Response) -> list[bytes]:
    return [b for b in resp.content.split(b"\n\n") if b]


# ---------------------------------------------------------------------------------------- grammar


def test_parse_grammar() -> None:
    faults = parse_faults("status=503:2, delay_events=0.25,stall ,huge_event=1000:3")
    assert faults == (
        Fault("status", 503, 2),
        Fault("delay_events", 0.25),
        Fault("stall"),
        Fault("huge_event", 1000, 3),
    )
    assert [f.text for f in faults] == ["status=503:2", "delay_events=0.25", "stall", "huge_event=1000:3"]
    assert parse_faults(["rate_limit=1", Fault("html_502")]) == (Fault("rate_limit", 1), Fault("html_502"))
    assert parse_faults(None) == ()
    assert faults[0].limited
    assert faults[0].limit == 2
    assert not Fault("status", 500).limited


@pytest.mark.parametrize(
    "bad", ["nope", "status", "status=abc", "status=700", "delay_events=-1", "stall_after"]
)
def test_parse_errors(bad: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_faults(bad)


def test_bad_header_is_a_400(http: httpx.Client) -> None:
    resp = post(http, "explode")
    assert resp.status_code == 400
    assert "unknown fault 'explode'" in resp.json()["error"]["message"]


# ---------------------------------------------------------------------------------- status faults


def test_rate_limit_with_retry_after(http: httpx.Client) -> None:
    resp = post(http, "rate_limit,retry_after=1.5")
    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "2"
    assert resp.headers["retry-after-ms"] == "1500"
    assert resp.json()["error"]["type"] == "RateLimitError"
    assert resp.json()["error"]["code"] == 429


def test_first_n_requests_fail_then_succeed(http: httpx.Client) -> None:
    statuses = [post(http, "status=503:2", CHAT).status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    # Another key starts its own count.
    assert post(http, "status=503:2", CHAT, **{"x-mock-fault-key": "other"}).status_code == 503
    assert [post(http, "status=500:1", CHAT).status_code for _ in range(2)] == [500, 200]
    resp = post(http, "status=500", CHAT)
    assert resp.json() == {
        "error": {
            "message": "Injected fault: HTTP 500",
            "type": "InternalServerError",
            "param": None,
            "code": 500,
        }
    }


def test_html_502(http: httpx.Client) -> None:
    resp = post(http, "html_502")
    assert resp.status_code == 502
    assert resp.headers["content-type"].startswith("text/html")
    assert b"502 Bad Gateway" in resp.content


def test_server_wide_faults_count_per_server() -> None:
    with MockVllmServer(faults="status=503:1") as srv, httpx.Client(base_url=srv.base_url) as http:
        assert http.get("/models").status_code == 503
        assert http.post("/chat/completions", json=CHAT).status_code == 200
        # Health checks are never faulted (and do not consume the count).
        assert httpx.get(srv.url + "/health").status_code == 200
        srv.faults = ["rate_limit=1", "retry_after=3"]
        resp = http.get("/models")
        assert resp.status_code == 429
        assert resp.headers["retry-after"] == "3"
        assert http.get("/models").status_code == 200
        srv.reset()
        assert srv.faults == ()
        assert srv.requests == []


# ----------------------------------------------------------------------------------- timing faults


def test_delay_headers(http: httpx.Client) -> None:
    start = time.perf_counter()
    assert post(http, "delay_headers=0.3", CHAT).status_code == 200
    assert time.perf_counter() - start >= 0.3


def test_delay_events_and_token_delay_header(http: httpx.Client) -> None:
    start = time.perf_counter()
    resp = post(http, "delay_events=0.03")  # 8 events (role, 6 tokens, ...) x 30 ms
    elapsed = time.perf_counter() - start
    assert resp.status_code == 200
    assert elapsed >= 0.2
    start = time.perf_counter()
    http.post("/chat/completions", json=STREAM, headers={"x-mock-token-delay": "0.03"})
    assert time.perf_counter() - start >= 0.2
    assert (
        http.post("/chat/completions", json=STREAM, headers={"x-mock-token-delay": "fast"}).status_code == 400
    )


def test_stall_times_out_the_client(server: MockVllmServer) -> None:
    with httpx.Client(base_url=server.base_url, timeout=0.3) as http:
        with pytest.raises(httpx.ReadTimeout):
            post(http, "stall")
        with http.stream(
            "POST", "/chat/completions", json=STREAM, headers={"x-mock-fault": "stall_after=2"}
        ) as r:
            got: list[bytes] = []
            with pytest.raises(httpx.ReadTimeout):
                drain(r.iter_raw(), got)
        assert b"".join(got).count(b"data: ") == 2
        # Headers arrive before any event, even when the very first event never comes.
        with http.stream(
            "POST", "/chat/completions", json=STREAM, headers={"x-mock-fault": "stall_after=0"}
        ) as r:
            assert r.status_code == 200
            assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
            with pytest.raises(httpx.ReadTimeout):
                r.read()
        # The server is still fine afterwards.
        assert http.post("/chat/completions", json=CHAT).status_code == 200


def test_stall_does_not_block_shutdown() -> None:
    srv = MockVllmServer().start()
    client = httpx.Client(base_url=srv.base_url, timeout=10)
    results: list[BaseException] = []

    async def waiter() -> None:
        try:
            await asyncio.to_thread(post, client, "stall")
        except httpx.HTTPError as exc:
            results.append(exc)

    async def main() -> float:
        task = asyncio.create_task(waiter())
        # the stalled request has reached the server (it is recorded before the fault runs)
        deadline = time.monotonic() + 30
        while not any(r.headers.get("x-mock-fault") == "stall" for r in srv.requests):
            assert time.monotonic() < deadline, "the stalled request never reached the server"
            await asyncio.sleep(0.005)
        start = time.perf_counter()
        await asyncio.to_thread(srv.stop)
        await task
        return time.perf_counter() - start

    took = asyncio.run(main())
    client.close()
    assert took < 2.0
    assert not srv.running


# ----------------------------------------------------------------------------------- stream faults


def test_disconnect_after_k_events(http: httpx.Client) -> None:
    with http.stream(
        "POST", "/chat/completions", json=STREAM, headers={"x-mock-fault": "disconnect_after=3"}
    ) as r:
        pieces: list[bytes] = []
        with pytest.raises(httpx.RemoteProtocolError):
            drain(r.iter_raw(), pieces)
    got = b"".join(pieces)
    assert got.count(b"data: ") == 3
    assert b"[DONE]" not in got
    with pytest.raises(httpx.RemoteProtocolError):
        post(http, "disconnect_after=0", CHAT)


def test_malformed_json_line(http: httpx.Client) -> None:
    events = events_of(post(http, "malformed_after=2"))
    bad = events[2][len(b"data: ") :]
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad)
    assert events[-1] == b"data: [DONE]"
    for ev in events[:2] + events[3:-1]:
        json.loads(ev[len(b"data: ") :])


def test_error_event_mid_stream(http: httpx.Client) -> None:
    events = events_of(post(http, "error_event_after=3:400"))
    assert len(events) == 5
    assert json.loads(events[3][len(b"data: ") :]) == {
        "error": {
            "message": "Injected fault: error event mid-stream",
            "type": "BadRequestError",
            "param": None,
            "code": 400,
        }
    }
    assert events[4] == b"data: [DONE]"


def test_huge_event(http: httpx.Client) -> None:
    events = events_of(post(http, "huge_event=2000000:1"))
    huge = json.loads(events[1][len(b"data: ") :])
    assert len(huge["choices"][0]["delta"]["content"]) == 2_000_000
    assert events[-1] == b"data: [DONE]"


def test_invalid_utf8(http: httpx.Client) -> None:
    events = events_of(post(http, "invalid_utf8_after=1"))
    with pytest.raises(UnicodeDecodeError):
        events[1].decode("utf-8")
    events[0].decode("utf-8")
    body = post(http, "invalid_utf8_after=1", CHAT)
    with pytest.raises(UnicodeDecodeError):
        body.content.decode("utf-8")


def test_non_stream_variants(http: httpx.Client) -> None:
    malformed = post(http, "malformed_after=0", CHAT)
    assert malformed.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(malformed.content)
    assert post(http, "error_event_after=0:500", CHAT).status_code == 500
    huge = post(http, "huge_event=5000", CHAT).json()
    assert len(huge["choices"][0]["message"]["content"]) > 5000


async def test_faults_from_async_client() -> None:
    async with MockVllmServer() as srv, httpx.AsyncClient(base_url=srv.base_url, timeout=0.5) as http:
        r1 = await http.post("/chat/completions", json=CHAT, headers={"x-mock-fault": "status=503:1"})
        r2 = await http.post("/chat/completions", json=CHAT, headers={"x-mock-fault": "status=503:1"})
        assert (r1.status_code, r2.status_code) == (503, 200)
        with pytest.raises(httpx.ReadTimeout):
            await http.post("/chat/completions", json=STREAM, headers={"x-mock-fault": "stall_after=1"})
