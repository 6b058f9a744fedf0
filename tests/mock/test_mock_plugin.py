"""The pytest plugin: fixtures used directly here, and from a fresh user project in a subprocess."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from pathlib import Path

    from vllm_sdk.testing import MockVllmServer

CHAT = {"model": "mock", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4}


def test_vllm_mock_server_fixture(vllm_mock_server: MockVllmServer) -> None:
    assert vllm_mock_server.running
    resp = httpx.post(vllm_mock_server.base_url + "/chat/completions", json=CHAT)
    assert resp.status_code == 200
    assert vllm_mock_server.requests[-1].json == CHAT


async def test_vllm_mock_server_fixture_from_async_test(vllm_mock_server: MockVllmServer) -> None:
    # The thread-based server keeps answering while this test's loop awaits.
    async with httpx.AsyncClient(base_url=vllm_mock_server.base_url) as http:
        assert (await http.get("/models")).json()["data"][0]["id"] == "mock"


async def test_async_vllm_mock_server_fixture(async_vllm_mock_server: MockVllmServer) -> None:
    async with httpx.AsyncClient(base_url=async_vllm_mock_server.base_url) as http:
        resp = await http.post("/chat/completions", json={**CHAT, "stream": True})
    assert resp.content.endswith(b"data: [DONE]\n\n")


@pytest.mark.vllm_mock(model="marked", api_key="k", faults="status=503:1")
def test_marker_configures_the_server(vllm_mock_server: MockVllmServer) -> None:
    assert vllm_mock_server.model == "marked"
    headers = {"Authorization": "Bearer k"}
    assert httpx.get(vllm_mock_server.base_url + "/models", headers=headers).status_code == 503
    models = httpx.get(vllm_mock_server.base_url + "/models", headers=headers).json()
    assert models["data"][0]["id"] == "marked"


@pytest.mark.vllm_mock(token_delay=0.01, served_models=["alias"])
async def test_marker_configures_the_async_server(async_vllm_mock_server: MockVllmServer) -> None:
    assert async_vllm_mock_server.token_delay == 0.01
    async with httpx.AsyncClient(base_url=async_vllm_mock_server.base_url) as http:
        ids = [m["id"] for m in (await http.get("/models")).json()["data"]]
    assert ids == ["mock", "alias"]


def test_session_fixture_is_reset(vllm_mock_server_session: MockVllmServer) -> None:
    assert vllm_mock_server_session.requests == []
    vllm_mock_server_session.faults = "status=500"
    assert httpx.get(vllm_mock_server_session.base_url + "/models").status_code == 500


def test_session_fixture_is_reset_again(vllm_mock_server_session: MockVllmServer) -> None:
    assert vllm_mock_server_session.requests == []
    assert vllm_mock_server_session.faults == ()
    assert httpx.get(vllm_mock_server_session.base_url + "/models").status_code == 200


@pytest.mark.slow
def test_plugin_in_a_user_project(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nfilterwarnings = error\nasyncio_mode = auto\n"
        "asyncio_default_fixture_loop_scope = function\n"
    )
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import httpx

            def test_sync(vllm_mock_server):
                r = httpx.get(vllm_mock_server.base_url + "/models")
                assert r.json()["data"][0]["id"] == vllm_mock_server.model

            async def test_async(async_vllm_mock_server):
                async with httpx.AsyncClient() as c:
                    r = await c.get(async_vllm_mock_server.base_url + "/models")
                assert r.status_code == 200

            def test_session(vllm_mock_server_session):
                assert vllm_mock_server_session.requests == []
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout


@pytest.mark.slow
def test_plugin_loads_without_aiohttp() -> None:
    # Installed without aiohttp (pip install --no-deps), the pytest11 plugin must not break the test run.
    code = textwrap.dedent(
        """
        import sys
        sys.modules["aiohttp"] = None  # make `import aiohttp` fail
        import vllm_sdk.testing.pytest_plugin
        import vllm_sdk.testing as t
        assert t.Fault and t.parse_faults("stall")
        try:
            t.MockVllmServer
        except ImportError as exc:
            print("hint:", exc)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "needs aiohttp" in proc.stdout
    assert "pip install aiohttp" in proc.stdout


def test_public_names() -> None:
    import vllm_sdk.testing as testing

    helpers = {"annotations", "Any", "TYPE_CHECKING"}
    public = {
        name
        for name in dir(testing)
        if not name.startswith("_") and name not in helpers and not inspect.ismodule(getattr(testing, name))
    }
    assert set(testing.__all__) == public | {"MockVllmServer"}
    for name in testing.__all__:
        obj = getattr(testing, name)
        assert obj is not None
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, name
