"""The default install is the fast install: aiohttp transport and orjson by default, fallbacks when missing,
and a user's own ``httpx.AsyncClient`` still honoured."""

from __future__ import annotations

import sys
from importlib import metadata
from typing import TYPE_CHECKING

import httpx
import pytest

from vllm_sdk import AsyncVllmClient
from vllm_sdk._transports import (
    TRANSPORT_ENV,
    AiohttpTransport,
    LoopBoundHTTPTransport,
    aiohttp_available,
    selected_transport,
)
from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import Iterator

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture(scope="module")
def mock_server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TRANSPORT_ENV, raising=False)


def _requirement_names(extra: str | None) -> set[str]:
    names = set()
    for req in metadata.requires("vllm-python-sdk") or []:
        name, _, marker = req.partition(";")
        in_extra = f'extra == "{extra}"' in marker if extra else "extra ==" not in marker
        if in_extra:
            names.add(name.split(">")[0].split("=")[0].split("<")[0].strip().lower())
    return names


def test_aiohttp_and_orjson_are_core_dependencies_and_old_extras_still_exist() -> None:
    core = _requirement_names(None)
    assert {"aiohttp", "orjson", "httpx", "pydantic"} <= core
    assert not ({"uvloop", "rich"} & core)  # optional
    provided = set(metadata.metadata("vllm-python-sdk").get_all("Provides-Extra") or [])
    assert {"speed", "mock", "uvloop", "bench", "cli", "otel", "dev"} <= provided
    assert _requirement_names("speed") == set()  # an alias kept for old install lines
    assert _requirement_names("mock") == set()
    assert _requirement_names("uvloop") == {"uvloop"}
    assert "matplotlib" in _requirement_names("dev")  # the plot script is tested by the unit suite


async def test_the_default_async_client_runs_on_aiohttp_with_the_sdk_s_own_streams(
    mock_server: MockVllmServer,
) -> None:
    assert aiohttp_available()
    assert selected_transport() == "wire"
    async with AsyncVllmClient(mock_server.base_url, max_retries=0) as client:
        transport = client._pool.http._transport
        assert isinstance(transport, AiohttpTransport)
        assert transport.wire_streams
        reply = await client.chat.completions.create(model="mock", messages=MESSAGES, max_tokens=3)
        assert reply.content
        stream = await client.chat.completions.create(
            model="mock", messages=MESSAGES, max_tokens=3, stream=True
        )
        async with stream:
            assert await stream.collect_content()
        assert transport._wire is not None
        assert transport._wire._idle_count == 1  # the stream's connection went back to the pool


def test_orjson_decodes_stream_chunks_by_default() -> None:
    import orjson

    from vllm_sdk._speedups._common import fast_loads

    assert fast_loads is orjson.loads


async def test_a_user_supplied_httpx_async_client_is_used_as_it_is(mock_server: MockVllmServer) -> None:
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request.url.path)

    own = httpx.AsyncClient(event_hooks={"request": [hook]})
    async with AsyncVllmClient(mock_server.base_url, http_client=own, max_retries=0) as client:
        assert client._pool.http is own
        assert not isinstance(own._transport, AiohttpTransport)  # httpx's own transport, not replaced
        reply = await client.chat.completions.create(model="mock", messages=MESSAGES, max_tokens=3)
        stream = await client.chat.completions.create(
            model="mock", messages=MESSAGES, max_tokens=3, stream=True
        )
        streamed = await stream.collect_content()
    assert reply.content
    assert streamed
    assert seen == ["/v1/chat/completions", "/v1/chat/completions"]
    assert not own.is_closed  # the caller's client: the SDK does not close it
    await own.aclose()


async def test_without_aiohttp_the_async_client_falls_back_to_native_httpx(
    monkeypatch: pytest.MonkeyPatch, mock_server: MockVllmServer
) -> None:
    # An install made with --no-deps: aiohttp cannot be imported; the client still works, on httpx.
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    assert not aiohttp_available()
    assert selected_transport() == "httpx"
    async with AsyncVllmClient(mock_server.base_url, max_retries=0) as client:
        assert isinstance(client._pool.http._transport, LoopBoundHTTPTransport)
        reply = await client.chat.completions.create(model="mock", messages=MESSAGES, max_tokens=3)
        assert reply.content


def test_forcing_aiohttp_without_it_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    monkeypatch.setenv(TRANSPORT_ENV, "aiohttp")
    with pytest.raises(ImportError, match="--no-deps"):
        selected_transport()
