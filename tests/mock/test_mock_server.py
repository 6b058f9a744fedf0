"""Server lifecycle, recorded requests, auth, simple routes, metrics, concurrency and the CLI entry."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from vllm_sdk.testing import MockVllmServer
from vllm_sdk.testing.__main__ import main

CHAT = {"model": "mock", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 8}


def _server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "vllm-mock-server"]


def test_thread_mode_lifecycle() -> None:
    before = len(_server_threads())
    srv = MockVllmServer()
    assert not srv.running
    with pytest.raises(RuntimeError):
        _ = srv.port
    with srv:
        assert srv.running
        assert srv.base_url == f"http://127.0.0.1:{srv.port}/v1"
        assert srv.url + "/v1" == srv.base_url
        assert srv.model == "mock"
        assert "127.0.0.1" in repr(srv)
        with pytest.raises(RuntimeError):
            srv.start()
        assert httpx.get(srv.url + "/health").status_code == 200
    assert not srv.running
    srv.stop()  # twice is fine
    assert len(_server_threads()) == before
    # A stopped server can be started again.
    with srv:
        assert httpx.get(srv.url + "/ping").status_code == 200


async def test_event_loop_mode() -> None:
    async with MockVllmServer(model="m1", served_models=["m1", "alias"]) as srv:
        async with httpx.AsyncClient(base_url=srv.base_url) as http:
            models = (await http.get("/models")).json()
            assert [m["id"] for m in models["data"]] == ["m1", "alias"]
            ok = await http.post("/chat/completions", json={**CHAT, "model": "alias"})
            assert ok.json()["model"] == "alias"
            bad = await http.post("/chat/completions", json=CHAT)
            assert bad.status_code == 404
            assert (
                bad.json()["error"]["message"] == "The model `mock` does not exist. Valid aliases: m1, alias."
            )
        assert not _server_threads() or all(t.daemon for t in _server_threads())
    srv2 = await MockVllmServer().astart()
    with pytest.raises(RuntimeError):
        srv2.stop()
    await srv2.astop()
    await srv2.astop()


def test_port_in_use_raises() -> None:
    with MockVllmServer() as srv, pytest.raises(OSError):
        MockVllmServer(port=srv.port).start()


def test_recorded_requests() -> None:
    with MockVllmServer() as srv, httpx.Client(base_url=srv.base_url) as http:
        http.post("/chat/completions", json=CHAT, headers={"X-Trace": "t1"}, params={"q": "1"})
        http.get("/models")
        http.post("/chat/completions", content=b"not json", headers={"content-type": "application/json"})
        first, second, third = srv.requests
        assert (first.method, first.path) == ("POST", "/v1/chat/completions")
        assert first.json == CHAT
        assert first.headers["x-trace"] == "t1"
        assert first.query == {"q": "1"}
        assert json.loads(first.body) == CHAT
        assert (second.method, second.path, second.json) == ("GET", "/v1/models", None)
        assert third.json is None
        assert third.body == b"not json"


def test_api_key() -> None:
    with MockVllmServer(api_key="sekret") as srv, httpx.Client(base_url=srv.base_url) as http:
        denied = http.post("/chat/completions", json=CHAT)
        assert denied.status_code == 401
        assert denied.content == b'{"error":"Unauthorized"}'
        assert http.get("/models", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert http.get("/models", headers={"Authorization": "Bearer sekret"}).status_code == 200
        # Like vLLM, only /v1 routes are protected.
        assert httpx.get(srv.url + "/health").status_code == 200
        assert httpx.get(srv.url + "/version").json() == {"version": "0.32.0"}


def test_request_id_header() -> None:
    with MockVllmServer() as srv, httpx.Client(base_url=srv.base_url) as http:
        body = http.post("/chat/completions", json=CHAT, headers={"X-Request-Id": "abc-1"}).json()
        assert body["id"] == "chatcmpl-abc-1"
        stream = http.post(
            "/chat/completions", json={**CHAT, "stream": True}, headers={"X-Request-Id": "s-2"}
        )
        assert b'"id":"chatcmpl-s-2"' in stream.content


def test_simple_routes_and_metrics() -> None:
    with MockVllmServer() as srv, httpx.Client(base_url=srv.url) as http:
        for method, path in [("GET", "/health"), ("GET", "/ping"), ("POST", "/ping")]:
            resp = http.request(method, path)
            assert resp.status_code == 200
            assert resp.content == b""
        http.post("/v1/chat/completions", json={**CHAT, "max_tokens": 2000})
        http.post("/v1/chat/completions", json={**CHAT, "max_tokens": 2, "ignore_eos": True, "stream": True})
        text = http.get("/metrics").text
        assert http.get("/metrics").headers["content-type"].startswith("text/plain")
        lines = dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
        lbl = 'engine="0",model_name="mock"'
        assert float(lines[f"vllm:generation_tokens_total{{{lbl}}}"]) == srv.metrics.generation_tokens > 2
        assert (
            float(lines['vllm:request_success_total{engine="0",finished_reason="length",model_name="mock"}'])
            == 1
        )
        assert float(lines[f"vllm:num_requests_running{{{lbl}}}"]) == 0
        assert float(lines[f"vllm:prompt_tokens_total{{{lbl}}}"]) > 0


async def test_two_hundred_concurrent_streams() -> None:
    async with MockVllmServer() as srv:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(base_url=srv.base_url, limits=limits, timeout=30) as http:

            async def one(i: int) -> str:
                body = {**CHAT, "messages": [{"role": "user", "content": f"q{i % 20}"}], "stream": True}
                body["max_tokens"] = 20
                async with http.stream("POST", "/chat/completions", json=body) as r:
                    data = b"".join([chunk async for chunk in r.aiter_raw()])
                assert data.endswith(b"data: [DONE]\n\n")
                return "".join(
                    json.loads(ev[6:])["choices"][0]["delta"].get("content") or ""
                    for ev in data.split(b"\n\n")
                    if ev.startswith(b"data: {")
                )

            start = time.perf_counter()
            texts = await asyncio.gather(*(one(i) for i in range(200)))
            elapsed = time.perf_counter() - start
        # Same prompt, same answer, across concurrent requests.
        for i in range(20, 200):
            assert texts[i] == texts[i % 20]
        assert elapsed < 15
        assert srv.metrics.running == 0


async def test_stop_with_streams_in_flight() -> None:
    srv = await MockVllmServer(token_delay=0.05).astart()
    async with httpx.AsyncClient(base_url=srv.base_url, timeout=10) as http:
        started = [asyncio.Event() for _ in range(5)]

        async def consume(first_bytes: asyncio.Event) -> None:
            body = {**CHAT, "stream": True, "max_tokens": 200, "ignore_eos": True}
            async with http.stream("POST", "/chat/completions", json=body) as r:
                async for _ in r.aiter_raw():
                    first_bytes.set()

        tasks = [asyncio.create_task(consume(event)) for event in started]
        # every stream is under way (its first bytes arrived) before the server stops
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in started)), 30)
        assert srv.metrics.running == 5
        start = time.perf_counter()
        await srv.astop()
        # The streams would run for 10 s more; stopping must cut them off, not wait (margin for load).
        assert time.perf_counter() - start < 5.0
        results = await asyncio.gather(*tasks, return_exceptions=True)
    # Every stream ended (cut off) rather than hanging.
    assert all(r is None or isinstance(r, httpx.HTTPError) for r in results)


def test_token_delay_option() -> None:
    with MockVllmServer(token_delay=0.25) as srv, httpx.Client(base_url=srv.base_url) as http:
        start = time.perf_counter()
        http.post("/chat/completions", json={**CHAT, "stream": True, "max_tokens": 10, "ignore_eos": True})
        assert time.perf_counter() - start >= 2.5  # 11 events, 250 ms before each
        srv.token_delay = 0.0
        start = time.perf_counter()
        http.post("/chat/completions", json={**CHAT, "stream": True, "max_tokens": 10, "ignore_eos": True})
        # no delay: tens of milliseconds, far below the 2.75 s the delay alone costs (the margin absorbs
        # the multi-second stalls this shared VM has shown)
        assert time.perf_counter() - start < 1.5
    with pytest.raises(ValueError):
        MockVllmServer(token_delay=-1)


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--token-delay", "-1"]) == 2
    assert main(["--faults", "nonsense"]) == 2
    assert "nonsense" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_serves_until_interrupted(sig: signal.Signals) -> None:
    args = [sys.executable, "-m", "vllm_sdk.testing", "--port", "0", "--model", "cli-model", "--api-key", "k"]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert "cli-model" in line
            base_url = line.strip().rsplit(" ", 1)[1]
            resp = httpx.get(base_url + "/models", headers={"Authorization": "Bearer k"})
            assert resp.json()["data"][0]["id"] == "cli-model"
        finally:
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert err == ""


def test_recorded_requests_are_bounded() -> None:
    with MockVllmServer(max_recorded_requests=20) as srv, httpx.Client(base_url=srv.url) as http:
        for i in range(45):
            http.get("/health", params={"i": str(i)})
        assert len(srv.requests) <= 20
        assert srv.requests[-1].query == {"i": "44"}
    with MockVllmServer(max_recorded_requests=0) as srv:
        httpx.get(srv.url + "/health")
        assert srv.requests == []


async def test_no_tasks_left_after_astop() -> None:
    async with MockVllmServer() as srv, httpx.AsyncClient(base_url=srv.base_url) as http:
        await http.post("/chat/completions", json={**CHAT, "stream": True})
    leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftover == []


def test_response_cache_is_bounded() -> None:
    from vllm_sdk.testing._state import ServerState

    state = ServerState(
        models=("m",), api_key=None, token_delay=0.0, faults=(), max_model_len=2048, embedding_dim=8
    )
    big = state.CACHE_MAX_ITEM_BYTES
    for i in range(state.CACHE_MAX_BYTES // big + 5):
        state.cache_put(("k", i), f"value{i}", big)
    assert state.cache_get(("k", 0)) is None  # evicted: over the byte budget
    last = state.CACHE_MAX_BYTES // big + 4
    assert state.cache_get(("k", last)) == f"value{last}"
    state.cache_put(("too", "big"), "x", big + 1)
    assert state.cache_get(("too", "big")) is None


def test_output_size_limits() -> None:
    with MockVllmServer() as srv, httpx.Client(base_url=srv.base_url) as http:
        too_many = http.post("/chat/completions", json={**CHAT, "n": 10_000})
        assert too_many.status_code == 400
        assert too_many.json()["error"]["param"] == "n"
        prompts = http.post("/completions", json={"model": "mock", "prompt": ["a"] * 600, "n": 2})
        assert prompts.status_code == 400
