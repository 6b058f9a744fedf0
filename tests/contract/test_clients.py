"""API.md §1 (clients) and issue 3's client rows, sync and async."""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk import AsyncVllmClient, ClientBuilder, VllmClient

from .support import USER, Mode

if TYPE_CHECKING:
    from vllm_sdk.testing import MockVllmServer


def chat_json(content: str = "ok") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class Recorder:
    """A MockTransport handler answering a chat completion and keeping the requests."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json=chat_json(), headers={"x-request-id": "rid-42"})


async def test_positional_base_url_trailing_slash_stripped(mode: Mode) -> None:
    client = mode.client("http://localhost:8000/v1/")
    assert client.base_url == "http://localhost:8000/v1"


async def test_default_base_url(mode: Mode) -> None:
    assert mode.client().base_url == "http://localhost:8000/v1"


async def test_env_base_url(mode: Mode, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_BASE_URL", "http://gpu-1:8000/v1/")
    assert mode.client().base_url == "http://gpu-1:8000/v1"


async def test_default_timeout_connect_5_read_600(mode: Mode) -> None:
    timeout = mode.client().timeout
    assert (timeout.connect, timeout.read) == (5.0, 600.0)


async def test_env_timeout_and_max_retries(mode: Mode, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_TIMEOUT", "12.5")
    monkeypatch.setenv("VLLM_MAX_RETRIES", "5")
    client = mode.client()
    assert client.timeout == httpx.Timeout(12.5)
    assert client.max_retries == 5


async def test_default_max_retries_is_2(mode: Mode) -> None:
    assert mode.client().max_retries == 2


async def test_api_key_sent_as_bearer(mode: Mode) -> None:
    rec = Recorder()
    client = mode.mock_client(rec, api_key="sk-secret")
    await mode(client.chat.completions.create(model="m", messages=USER))
    assert rec.requests[0].headers["authorization"] == "Bearer sk-secret"


async def test_env_api_key_sent(mode: Mode, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_API_KEY", "sk-env")
    rec = Recorder()
    client = mode.mock_client(rec)
    await mode(client.chat.completions.create(model="m", messages=USER))
    assert rec.requests[0].headers["authorization"] == "Bearer sk-env"


async def test_callable_api_key_reread_per_request(mode: Mode) -> None:
    keys = iter(["k1", "k2"])
    rec = Recorder()
    client = mode.mock_client(rec, api_key=lambda: next(keys))
    await mode(client.chat.completions.create(model="m", messages=USER))
    await mode(client.chat.completions.create(model="m", messages=USER))
    assert [r.headers["authorization"] for r in rec.requests] == ["Bearer k1", "Bearer k2"]


async def test_no_api_key_no_authorization_header(mode: Mode) -> None:
    rec = Recorder()
    client = mode.mock_client(rec)
    await mode(client.chat.completions.create(model="m", messages=USER))
    assert "authorization" not in rec.requests[0].headers


async def test_custom_headers_constructor_and_env(mode: Mode, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_CUSTOM_HEADERS", "X-Env: one\nX-Other: two")
    rec = Recorder()
    client = mode.mock_client(rec, headers={"X-Trace-Id": "t-1"})
    await mode(client.chat.completions.create(model="m", messages=USER))
    headers = rec.requests[0].headers
    assert (headers["x-trace-id"], headers["x-env"], headers["x-other"]) == ("t-1", "one", "two")


async def test_timeout_float_and_httpx_timeout(mode: Mode) -> None:
    assert mode.client(timeout=60.0).timeout == httpx.Timeout(60.0)
    custom = httpx.Timeout(3.0, read=30.0)
    assert mode.client(timeout=custom).timeout is custom


async def test_timeout_reaches_the_request(mode: Mode) -> None:
    rec = Recorder()
    client = mode.mock_client(rec, timeout=7.0)
    await mode(client.chat.completions.create(model="m", messages=USER))
    await mode(client.chat.completions.create(model="m", messages=USER, timeout=3.0))
    assert rec.requests[0].extensions["timeout"]["read"] == 7.0
    assert rec.requests[1].extensions["timeout"]["read"] == 3.0


async def test_user_http_client_with_mock_transport(mode: Mode) -> None:
    rec = Recorder()
    client = mode.mock_client(rec)
    resp = await mode(client.chat.completions.create(model="m", messages=USER))
    assert resp.content == "ok"
    assert str(rec.requests[0].url) == "http://vllm.test/v1/chat/completions"


async def test_user_http_client_left_open(mode: Mode) -> None:
    client = mode.mock_client(Recorder())
    await mode.close(client)
    assert client.is_closed
    assert not client.http_client.is_closed


async def test_wrong_http_client_type_rejected(mode: Mode) -> None:
    other: Any = httpx.Client() if mode.is_async else httpx.AsyncClient()
    try:
        with pytest.raises(TypeError):
            mode.cls(http_client=other)
    finally:
        await mode.close(other)


async def test_builder_snippet(mode: Mode, server: MockVllmServer) -> None:
    builder = mode.cls.builder()
    assert isinstance(builder, ClientBuilder)
    client = (
        builder.base_url(server.base_url)
        .api_key("k")
        .timeout_secs(120)
        .header("X-A", "1")
        .max_retries(3)
        .build()
    )
    mode._clients.append(client)
    assert isinstance(client, mode.cls)
    assert client.base_url == server.base_url
    assert client.timeout == httpx.Timeout(120)
    assert client.max_retries == 3
    assert client.headers["X-A"] == "1"
    resp = await mode(client.chat.completions.create(model="mock", messages=USER))
    sent = server.requests[-1].headers
    assert resp.content
    assert (sent["x-a"], sent["authorization"]) == ("1", "Bearer k")


async def test_with_methods_new_client_same_pool(mode: Mode) -> None:
    rec = Recorder()
    client = mode.mock_client(rec, api_key="old")
    client2 = client.with_api_key("k").with_timeout(30).with_header("X-B", "2")
    assert client2 is not client
    assert type(client2) is type(client)
    assert client2.http_client is client.http_client
    await mode(client2.chat.completions.create(model="m", messages=USER))
    await mode(client.chat.completions.create(model="m", messages=USER))
    new, old = rec.requests
    assert new.headers["authorization"] == "Bearer k"
    assert new.headers["x-b"] == "2"
    assert new.extensions["timeout"]["read"] == 30
    assert old.headers["authorization"] == "Bearer old"
    assert "x-b" not in old.headers


async def test_with_options(mode: Mode) -> None:
    client = mode.client("http://a:1/v1")
    derived = client.with_options(base_url="http://b:2/v1/", max_retries=0)
    assert (derived.base_url, derived.max_retries) == ("http://b:2/v1", 0)
    assert client.base_url == "http://a:1/v1"


async def test_derived_client_close_keeps_pool_for_owner(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    derived = client.with_header("X-C", "3")
    await mode.close(derived)
    assert derived.is_closed
    assert not client.is_closed
    assert await mode(client.health()) is True


async def test_context_manager_closes(mode: Mode, server: MockVllmServer) -> None:
    if mode.is_async:
        async with AsyncVllmClient(server.base_url) as aclient:
            assert await aclient.health()
        client: Any = aclient
    else:
        with VllmClient(server.base_url) as client:
            assert client.health()
    assert client.is_closed
    assert client.http_client.is_closed


async def test_explicit_close(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    await mode(client.close() if not mode.is_async else client.aclose())
    assert client.is_closed


async def test_repr_redacts_api_key(mode: Mode) -> None:
    client = mode.client(api_key="sk-very-secret-key", headers={"Authorization": "Bearer sk-very-secret-key"})
    assert "sk-very-secret-key" not in repr(client)


async def test_logs_redact_api_key(mode: Mode, caplog: pytest.LogCaptureFixture) -> None:
    client = mode.mock_client(Recorder(), api_key="sk-very-secret-key")
    with caplog.at_level(logging.DEBUG, logger="vllm_sdk"):
        await mode(client.chat.completions.create(model="m", messages=USER))
    assert caplog.records
    assert "sk-very-secret-key" not in caplog.text


async def test_event_hooks_called(mode: Mode) -> None:
    seen: list[str] = []
    hooks = {"request": [lambda r: seen.append("req")], "response": [lambda r: seen.append("resp")]}
    client = mode.mock_client(Recorder(), event_hooks=hooks)
    await mode(client.chat.completions.create(model="m", messages=USER))
    assert seen == ["req", "resp"]


async def test_user_agent_identifies_sdk(mode: Mode) -> None:
    rec = Recorder()
    client = mode.mock_client(rec)
    await mode(client.chat.completions.create(model="m", messages=USER))
    assert rec.requests[0].headers["user-agent"].startswith("vllm-python-sdk/")


IO_METHODS = (
    "classify",
    "detokenize",
    "health",
    "metrics",
    "pooling",
    "request",
    "rerank",
    "score",
    "tokenize",
    "version",
)


async def test_async_client_has_the_identical_surface() -> None:
    def public(cls: type) -> set[str]:
        return {name for name in dir(cls) if not name.startswith("_")}

    assert public(AsyncVllmClient) - public(VllmClient) == {"aclose"}
    assert public(VllmClient) <= public(AsyncVllmClient)
    for name in IO_METHODS:
        assert not inspect.iscoroutinefunction(getattr(VllmClient, name)), name
        assert inspect.iscoroutinefunction(getattr(AsyncVllmClient, name)), name
    for resource, method in (("models", "list"), ("embeddings", "create")):
        sync_client, async_client = VllmClient(), AsyncVllmClient()
        try:
            assert not inspect.iscoroutinefunction(getattr(getattr(sync_client, resource), method))
            assert inspect.iscoroutinefunction(getattr(getattr(async_client, resource), method))
        finally:
            sync_client.close()
            await async_client.aclose()


def test_vllm_sdk_log_env_shows_requests_without_secrets() -> None:
    import subprocess
    import sys

    code = """
import httpx
from vllm_sdk import VllmClient
def reply(request):
    return httpx.Response(200, json={"version": "0.32.0"})
http = httpx.Client(transport=httpx.MockTransport(reply))
client = VllmClient("http://u:pw-secret@h/v1", api_key="sk-secret", http_client=http)
print(client.version())
"""
    env = {"VLLM_SDK_LOG": "debug", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0.32.0"
    assert "request GET http://h/version" in out.stderr  # credentials are taken out of the base URL
    assert "sk-secret" not in out.stderr
    assert "pw-secret" not in out.stderr


async def test_repr_redacts_url_password(mode: Mode) -> None:
    client = mode.client("http://user:hunter2@h:8000/v1")
    assert "hunter2" not in repr(client)
    # The userinfo is taken out of the URL (sent as Basic auth instead): nothing of it is shown.
    assert "base_url='http://h:8000/v1'" in repr(client)


async def test_closed_client_raises_client_closed_error(mode: Mode, server: MockVllmServer) -> None:
    from vllm_sdk import ClientClosedError, VllmError

    client = mode.client(server.base_url)
    derived = client.with_header("X-D", "4")
    await mode.close(client)  # the owner closes the shared pool for every derived client
    for closed in (client, derived):
        with pytest.raises(ClientClosedError) as info:
            await mode(closed.chat.completions.create(model="mock", messages=USER))
        assert isinstance(info.value, VllmError)
        assert closed.is_closed
