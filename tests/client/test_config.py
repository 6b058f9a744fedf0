"""Client configuration: base URL, API key, environment, timeouts, headers, builder, derived clients."""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref

import httpx
import pytest

from vllm_sdk import AsyncVllmClient, ClientClosedError, VllmClient, VllmError
from vllm_sdk._config import DEFAULT_TIMEOUT, parse_custom_headers

from .helpers import BASE, Api


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://localhost:8000/v1/", "http://localhost:8000/v1"),
        ("http://localhost:8000/v1///", "http://localhost:8000/v1"),
        ("  https://gpu-1:8000/v1  ", "https://gpu-1:8000/v1"),
        ("http://host/prefix/v1", "http://host/prefix/v1"),
    ],
)
def test_base_url_is_normalised(given: str, expected: str) -> None:
    with VllmClient(given) as client:
        assert client.base_url == expected


@pytest.mark.parametrize("bad", ["", "localhost:8000", "ftp://host/v1", "http://"])
def test_bad_base_url_is_a_clear_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        VllmClient(bad)


def test_defaults_without_environment() -> None:
    with VllmClient() as client:
        assert client.base_url == "http://localhost:8000/v1"
        assert client.api_key is None
        assert client.max_retries == 2
        assert client.timeout == httpx.Timeout(600.0, connect=5.0)
        assert client.http_client.timeout == DEFAULT_TIMEOUT


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_BASE_URL", "http://env-host:9000/v1/")
    monkeypatch.setenv("VLLM_API_KEY", "sk-env")
    monkeypatch.setenv("VLLM_TIMEOUT", "42.5")
    monkeypatch.setenv("VLLM_MAX_RETRIES", "5")
    monkeypatch.setenv("VLLM_CUSTOM_HEADERS", "X-Team: search\n\nX-Trace:  abc def \n")
    with VllmClient() as client:
        assert client.base_url == "http://env-host:9000/v1"
        assert client.api_key == "sk-env"
        assert client.timeout == httpx.Timeout(42.5)
        assert client.max_retries == 5
        assert client.headers == {"X-Team": "search", "X-Trace": "abc def"}


def test_arguments_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_BASE_URL", "http://env-host:9000/v1")
    monkeypatch.setenv("VLLM_API_KEY", "sk-env")
    monkeypatch.setenv("VLLM_MAX_RETRIES", "5")
    with VllmClient("http://arg:1/v1", api_key="sk-arg", max_retries=0, timeout=3) as client:
        assert (client.base_url, client.api_key, client.max_retries) == ("http://arg:1/v1", "sk-arg", 0)
        assert client.timeout == httpx.Timeout(3.0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VLLM_TIMEOUT", "soon"),
        ("VLLM_TIMEOUT", "-1"),
        ("VLLM_MAX_RETRIES", "two"),
        ("VLLM_MAX_RETRIES", "-1"),
    ],
)
def test_bad_environment_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        VllmClient()


def test_custom_headers_parser_rejects_malformed_lines_without_echoing_them() -> None:
    assert parse_custom_headers("A: 1\r\nB:2") == {"A": "1", "B": "2"}
    with pytest.raises(ValueError, match="line 2") as info:
        parse_custom_headers("A: 1\nsecret-token-without-colon")
    assert "secret" not in str(info.value)


def test_timeout_argument_forms() -> None:
    custom = httpx.Timeout(1.0, read=99.0)
    with VllmClient(timeout=custom) as client:
        assert client.timeout is custom
    with pytest.raises(ValueError, match="timeout"):
        VllmClient(timeout=0)
    with pytest.raises(TypeError, match="timeout"):
        VllmClient(timeout="10")  # type: ignore[arg-type]


def test_repr_never_shows_secrets() -> None:
    with VllmClient(
        "http://user:hunter2@host:8000/v1",
        api_key="sk-very-secret",
        headers={"X-Api-Key": "also-secret", "X-Trace": "visible"},
    ) as client:
        text = repr(client)
    assert "sk-very-secret" not in text
    assert "hunter2" not in text
    assert "also-secret" not in text
    assert "visible" in text
    assert "host:8000" in text


def test_builder_builds_a_configured_client() -> None:
    client = (
        VllmClient.builder()
        .base_url("http://b:1/v1/")
        .api_key("k")
        .timeout_secs(120)
        .header("X-A", "1")
        .max_retries(3)
        .build()
    )
    with client:
        assert isinstance(client, VllmClient)
        assert client.base_url == "http://b:1/v1"
        assert client.api_key == "k"
        assert client.timeout == httpx.Timeout(120.0)
        assert client.headers == {"X-A": "1"}
        assert client.max_retries == 3


async def test_async_builder_builds_an_async_client() -> None:
    client = AsyncVllmClient.builder().base_url("http://b:1/v1").stream_idle_timeout(5).build()
    async with client:
        assert isinstance(client, AsyncVllmClient)
        assert client.stream_idle_timeout == 5.0


def test_derived_clients_share_the_pool_and_change_only_what_they_say(api: Api) -> None:
    parent = api.make(api_key="k1", headers={"X-A": "1"})
    child = parent.with_api_key("k2").with_timeout(30).with_header("X-B", "2")
    assert child is not parent
    assert child.http_client is parent.http_client
    assert (child.api_key, child.timeout, child.headers) == (
        "k2",
        httpx.Timeout(30.0),
        {"X-A": "1", "X-B": "2"},
    )
    assert (parent.api_key, parent.headers) == ("k1", {"X-A": "1"})
    api.run(child.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}]))
    api.run(parent.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}]))
    assert api.sent[0].headers["authorization"] == "Bearer k2"
    assert api.sent[0].headers["x-b"] == "2"
    assert api.sent[1].headers["authorization"] == "Bearer k1"
    assert "x-b" not in api.sent[1].headers


def test_closing_a_derived_client_leaves_the_parent_working() -> None:
    parent = VllmClient(BASE, http_client=None)
    child = parent.with_header("X-B", "2")
    child.close()
    assert child.is_closed
    assert not parent.is_closed
    assert not parent.http_client.is_closed
    with pytest.raises(ClientClosedError):
        child.models.list()
    parent.close()
    assert parent.http_client.is_closed
    # The parent created the pool: closing it closes the pool for every client derived from it.
    sibling_error = pytest.raises(ClientClosedError, match="pool")
    with sibling_error:
        parent.with_header("X-C", "3").models.list()


async def test_async_close_semantics_match() -> None:
    parent = AsyncVllmClient(BASE)
    child = parent.with_max_retries(0)
    await child.aclose()
    assert not parent.http_client.is_closed
    await parent.aclose()
    assert parent.http_client.is_closed
    with pytest.raises(ClientClosedError):
        await parent.models.list()


def test_user_http_client_is_never_closed_by_the_sdk() -> None:
    http = httpx.Client()
    with VllmClient(BASE, http_client=http) as client:
        derived = client.with_header("X-A", "1")
    derived.close()
    assert client.is_closed
    assert not http.is_closed
    http.close()


def test_wrong_http_client_kind_is_rejected() -> None:
    with pytest.raises(TypeError, match=r"httpx\.Client"):
        VllmClient(http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"httpx\.AsyncClient"):
        AsyncVllmClient(http_client=httpx.Client())  # type: ignore[arg-type]


def test_closed_error_is_a_vllm_error() -> None:
    assert issubclass(ClientClosedError, VllmError)
    assert not ClientClosedError("x").is_retryable


def test_async_client_can_be_made_outside_a_loop_and_used_inside() -> None:
    client = AsyncVllmClient(BASE)

    async def main() -> bool:
        async with client:
            return client.is_closed

    assert asyncio.run(main()) is False
    assert client.is_closed


def test_vllm_sdk_log_env_enables_debug_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    from vllm_sdk import _logging

    logger = logging.getLogger("vllm_sdk")
    monkeypatch.setattr(_logging, "_configured", False)
    monkeypatch.setattr(logger, "level", logging.NOTSET)
    monkeypatch.setattr(logger, "handlers", [])
    _logging.setup_logging({"VLLM_SDK_LOG": "debug"})
    assert logger.level == logging.DEBUG
    assert len(logger.handlers) == 1


def test_a_client_is_freed_by_reference_counting() -> None:
    client = VllmClient(BASE)
    _ = client.chat.completions, client.models, client.embeddings, client.completions
    ref = weakref.ref(client)
    del client, _
    assert ref() is None  # no reference cycle keeps a dropped client alive until the cyclic GC


def test_chained_derivation_closes_the_pool_with_the_last_client() -> None:
    client = VllmClient(BASE).with_api_key("k")  # the pool's owner is dropped at once
    sibling = client.with_header("X-A", "1")
    pool = client.http_client
    client.close()
    assert not pool.is_closed  # the sibling still uses it
    sibling.close()
    assert pool.is_closed


async def test_async_chained_derivation_closes_the_pool_with_the_last_client() -> None:
    client = AsyncVllmClient(BASE).with_max_retries(1)
    pool = client.http_client
    await client.aclose()
    assert pool.is_closed


def test_dropping_a_client_never_closes_its_pool() -> None:
    client = VllmClient(BASE)
    pool = client.http_client
    del client
    gc.collect()
    assert not pool.is_closed  # a stream or response it returned may still be reading
    pool.close()
