"""API.md §7 and issue 5: MockVllmServer, its pytest fixture, and ``vllm-sdk mock-server``."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import httpx
import pytest

from vllm_sdk import AsyncVllmClient, AuthenticationError, ModelNotFoundError, VllmClient, VllmTimeoutError
from vllm_sdk.testing import MockVllmServer

from .support import USER, fault_headers


def test_defaults(server: MockVllmServer) -> None:
    assert server.model == "mock"
    assert server.host == "127.0.0.1"
    assert server.port > 0
    assert server.base_url == f"http://127.0.0.1:{server.port}/v1"


def test_context_manager_starts_and_stops() -> None:
    with MockVllmServer(model="m2") as srv:
        assert srv.model == "m2"
        assert httpx.get(srv.url + "/health").status_code == 200
        port = srv.port
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health")


async def test_async_context_manager() -> None:
    async with MockVllmServer() as srv:
        async with AsyncVllmClient(srv.base_url) as client:
            assert await client.health()


def test_unknown_model_404_like_vllm(server: MockVllmServer) -> None:
    body = {"model": "gpt-x", "messages": USER}
    response = httpx.post(server.base_url + "/chat/completions", json=body)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["message"].startswith("The model `gpt-x` does not exist.")  # vLLM adds the valid aliases
    assert (error["type"], error["param"], error["code"]) == ("NotFoundError", "model", 404)


def test_records_requests(server: MockVllmServer) -> None:
    with VllmClient(server.base_url) as client:
        client.chat.completions.create(model="mock", messages=USER, max_tokens=3)
    recorded = server.requests[-1]
    assert (recorded.method, recorded.path) == ("POST", "/v1/chat/completions")
    assert recorded.json == {"model": "mock", "messages": USER, "max_tokens": 3}


def test_deterministic(server: MockVllmServer) -> None:
    with VllmClient(server.base_url) as client:
        first = client.chat.completions.create(model="mock", messages=USER)
        second = client.chat.completions.create(model="mock", messages=USER)
    assert first.content == second.content


def test_api_key_required() -> None:
    with MockVllmServer(api_key="sk-mock") as srv:
        with VllmClient(srv.base_url) as anonymous, pytest.raises(AuthenticationError):
            anonymous.models.list()
        with VllmClient(srv.base_url, api_key="sk-mock") as client:
            assert client.models.list().data[0].id == "mock"


def test_fixture_serves_mock(vllm_mock_server: MockVllmServer) -> None:
    assert vllm_mock_server.base_url.endswith("/v1")
    with VllmClient(vllm_mock_server.base_url) as client:
        assert client.chat.completions.create(model="mock", messages=USER).content
        with pytest.raises(ModelNotFoundError):
            client.chat.completions.create(model="other", messages=USER)


@pytest.mark.vllm_mock(model="custom-name")
def test_fixture_marker_configures(vllm_mock_server: MockVllmServer) -> None:
    assert vllm_mock_server.model == "custom-name"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_cli_mock_server() -> None:
    port = _free_port()
    cmd = [sys.executable, "-m", "vllm_sdk.cli", "mock-server", "--port", str(port), "--model", "cli-model"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                models = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert [m["id"] for m in json.loads(models.content)["data"]] == ["cli-model"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_async_fixture(async_vllm_mock_server: MockVllmServer) -> None:
    async with AsyncVllmClient(async_vllm_mock_server.base_url) as client:
        resp = await client.chat.completions.create(model="mock", messages=USER)
    assert resp.content


def test_ping_and_health_routes(server: MockVllmServer) -> None:
    assert httpx.get(server.url + "/ping").status_code == 200
    assert httpx.get(server.url + "/health").status_code == 200


def test_response_format_json_schema_validates(server: MockVllmServer) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "person", "schema": schema}}
    with VllmClient(server.base_url) as client:
        resp = client.chat.completions.create(model="mock", messages=USER, response_format=fmt)
    assert resp.content is not None
    data = json.loads(resp.content)
    assert isinstance(data["name"], str)
    assert isinstance(data["age"], int)


def test_stall_fault_hits_read_timeout(server: MockVllmServer) -> None:
    with VllmClient(server.base_url, timeout=0.3, max_retries=0) as client, pytest.raises(VllmTimeoutError):
        client.chat.completions.create(model="mock", messages=USER, extra_headers=fault_headers("stall"))


def test_token_delay_slows_a_stream(server: MockVllmServer) -> None:
    with VllmClient(server.base_url) as client:
        started = time.perf_counter()
        stream = client.chat.completions.create(
            model="mock",
            messages=USER,
            max_tokens=5,
            stream=True,
            extra_headers={"x-mock-token-delay": "0.02"},
        )
        stream.collect_content()
    assert time.perf_counter() - started >= 5 * 0.02
