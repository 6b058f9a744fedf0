"""Credentials in the base URL (issue 16 item 14): taken out of the URL on every transport; an explicit
``api_key`` wins (Bearer), otherwise the userinfo becomes Basic auth; the password shows nowhere."""

from __future__ import annotations

import base64
import logging
import socket
from typing import Any

import httpx
import pytest

from vllm_sdk import AsyncVllmClient, VllmClient
from vllm_sdk._config import split_credentials
from vllm_sdk._exceptions import HttpError
from vllm_sdk._transports import TRANSPORT_ENV

from .hostile_server import JSON_HEAD, Conn, HostileServer

SECRET = "s3cr%40t-pw"  # percent-encoded "s3cr@t-pw"
DECODED = "s3cr@t-pw"
TRANSPORTS = ["sync", "aiohttp", "wire", "httpx", "user-httpx"]
#: Debug logging keeps async calls on httpx's path (the log shows the httpx request); without it they take
#: the direct path (on ``wire``, the SDK's own connections): both must keep the password out of sight.
LEVELS = [logging.DEBUG, logging.WARNING]


def _models_ok(conn: Conn) -> None:
    body = b'{"object": "list", "data": []}'
    conn.send(JSON_HEAD + b"content-length: %d\r\n\r\n" % len(body) + body)


def _with_credentials(base_url: str) -> str:
    return base_url.replace("http://", f"http://alice:{SECRET}@")


async def _list_models(transport: str, base_url: str, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> Any:
    if transport == "sync":
        with VllmClient(base_url, max_retries=0, **kw) as client:
            assert DECODED not in repr(client)
            assert SECRET not in repr(client)
            assert "alice" not in client.base_url
            return client.models.list()
    own = httpx.AsyncClient() if transport == "user-httpx" else None
    if own is None:
        monkeypatch.setenv(TRANSPORT_ENV, transport)
    client = AsyncVllmClient(base_url, max_retries=0, http_client=own, **kw)
    try:
        assert DECODED not in repr(client)
        assert SECRET not in repr(client)
        return await client.models.list()
    finally:
        await client.aclose()
        if own is not None:
            await own.aclose()


def _header(conn: Conn, name: bytes) -> bytes | None:
    for line in conn.head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


@pytest.mark.parametrize("level", LEVELS, ids=["debug-log", "quiet"])
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_userinfo_becomes_basic_auth_without_an_api_key(
    transport: str, level: int, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("VLLM_API_KEY", raising=False)
    caplog.set_level(level)
    with HostileServer(_models_ok) as server:
        await _list_models(transport, _with_credentials(server.base_url), monkeypatch)
        (conn,) = server.connections
    expected = b"Basic " + base64.b64encode(f"alice:{DECODED}".encode())
    assert _header(conn, b"authorization") == expected
    assert conn.head.split(b"\r\n")[0] == b"GET /v1/models HTTP/1.1"
    assert b"alice" not in (_header(conn, b"host") or b"")
    text = caplog.text
    assert DECODED not in text
    assert SECRET not in text


@pytest.mark.parametrize("level", LEVELS, ids=["debug-log", "quiet"])
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_explicit_api_key_wins_over_the_userinfo(
    transport: str, level: int, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(level)
    with HostileServer(_models_ok) as server:
        await _list_models(transport, _with_credentials(server.base_url), monkeypatch, api_key="sk-1")
        (conn,) = server.connections
    assert _header(conn, b"authorization") == b"Bearer sk-1"
    assert DECODED not in caplog.text
    assert SECRET not in caplog.text


def test_derived_clients_and_the_sync_batch_twin_keep_the_credentials() -> None:
    client = VllmClient("http://bob:pw@127.0.0.1:1/v1")
    try:
        basic = "Basic " + base64.b64encode(b"bob:pw").decode()
        assert client._basic_auth == basic
        assert client.with_timeout(3)._basic_auth == basic
        assert client.with_base_url("http://127.0.0.1:2/v1")._basic_auth is None
        twin = client._async_twin()
        assert twin._basic_auth == basic
        assert twin.base_url == "http://127.0.0.1:1/v1"
    finally:
        client.close()


@pytest.mark.parametrize(
    "url",
    ["ftp://alice:s3cr@t-pw@host/v1", "http://alice:s3cr@t-pw@/v1", "alice:s3cr@t-pw@host"],
)
def test_an_invalid_base_url_error_hides_the_password(url: str) -> None:
    with pytest.raises(ValueError, match="base_url") as info:
        VllmClient(url)
    assert DECODED not in str(info.value)
    assert "s3cr" not in repr(info.value)


def test_split_credentials() -> None:
    assert split_credentials("http://host:8000/v1/") == ("http://host:8000/v1", None)
    cleaned, auth = split_credentials("https://u%3Ax:p%40ss@host/v1")
    assert cleaned == "https://host/v1"
    assert auth == "Basic " + base64.b64encode(b"u:x:p@ss").decode()
    assert split_credentials("http://tok@host/v1")[1] == "Basic " + base64.b64encode(b"tok:").decode()


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("level", LEVELS, ids=["debug-log", "quiet"])
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_connection_error_never_shows_the_password(
    transport: str, level: int, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(level)
    url = _with_credentials(f"http://127.0.0.1:{_refused_port()}/v1")
    with pytest.raises(HttpError) as info:
        await _list_models(transport, url, monkeypatch)
    shown = [str(info.value), repr(info.value), str(info.value.__cause__), caplog.text]
    assert not any(DECODED in item or SECRET in item for item in shown)
