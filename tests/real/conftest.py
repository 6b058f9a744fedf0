"""Fixtures of the real-server suite (``pytest -m real_vllm tests/real``; ``make test-real`` runs it for you).

Which servers the tests talk to comes from the environment, so the same suite runs against the servers that
``scripts/real_vllm/harness.py`` starts or against any other vLLM (a GPU box):

* ``VLLM_SDK_TEST_BASE_URL``: the main server (SDK base URL, ending in ``/v1``), started with
  ``--enable-auto-tool-choice --tool-call-parser hermes --reasoning-parser qwen3`` and, for compact JSON,
  ``--structured-outputs-config '{"backend": "xgrammar", "disable_any_whitespace": true}'``;
  ``VLLM_SDK_TEST_API_KEY`` its ``--api-key`` (the auth tests skip without one);
  ``VLLM_SDK_TEST_MODEL_NAME`` the served model name (default: the first of ``/v1/models``).
* ``VLLM_SDK_TEST_PLAIN_BASE_URL``: a server without a reasoning parser (``<think>`` stays in the content).
* ``VLLM_SDK_TEST_EMBED_BASE_URL`` (+ ``VLLM_SDK_TEST_EMBED_MODEL_NAME``): an embedding model server.

A test whose server is not configured is skipped with the variable to set. The harness also sets
``VLLM_SDK_TEST_SERVERS`` (the servers of the current phase: tests needing others are deselected) and
``VLLM_SDK_TEST_REQUIRE_SERVERS=1`` (a missing server fails instead of skipping).

Every client fixture records the raw responses; after the test they must validate strictly against the
generated models (see ``real_support.validate_exchange``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from .real_support import (
    AsyncRecordingTransport,
    Exchange,
    RecordingTransport,
    ServerInfo,
    validate_all,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

HERE = Path(__file__).resolve().parent
SERVER_FIXTURES = {"main_server": "main", "plain_server": "plain", "embed_server": "embed"}
TIMEOUT = httpx.Timeout(60.0, connect=5.0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a harness phase, deselect the tests that need a server of another phase."""
    only = os.environ.get("VLLM_SDK_TEST_SERVERS")
    if not only:
        return
    allowed = set(only.split(","))
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if HERE not in item.path.parents:
            keep.append(item)
            continue
        needed = {SERVER_FIXTURES[f] for f in getattr(item, "fixturenames", ()) if f in SERVER_FIXTURES}
        (keep if needed <= allowed else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _missing(message: str) -> None:
    if os.environ.get("VLLM_SDK_TEST_REQUIRE_SERVERS") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _first_model(base_url: str, api_key: str | None) -> str:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    response = httpx.get(f"{base_url}/models", headers=headers, timeout=TIMEOUT)
    response.raise_for_status()
    return str(response.json()["data"][0]["id"])


def _server(name: str, url_var: str, model_var: str, key_var: str | None = None) -> ServerInfo:
    url = os.environ.get(url_var, "").rstrip("/")
    if not url:
        _missing(f"no {name} vLLM server: set {url_var} (see tests/real/conftest.py) or run `make test-real`")
    api_key = os.environ.get(key_var) or None if key_var else None
    try:
        model = os.environ.get(model_var) or _first_model(url, api_key)
    except httpx.HTTPError as exc:
        _missing(f"{name} vLLM server at {url_var}={url} is not reachable: {exc!r}")
        raise  # unreachable: _missing raises
    return ServerInfo(name=name, base_url=url, model=model, api_key=api_key)


@pytest.fixture(scope="session")
def main_server() -> ServerInfo:
    """The main server: tools + qwen3 reasoning parser (+ API key when configured)."""
    return _server("main", "VLLM_SDK_TEST_BASE_URL", "VLLM_SDK_TEST_MODEL_NAME", "VLLM_SDK_TEST_API_KEY")


@pytest.fixture(scope="session")
def plain_server() -> ServerInfo:
    """A server without a reasoning parser."""
    return _server(
        "plain",
        "VLLM_SDK_TEST_PLAIN_BASE_URL",
        "VLLM_SDK_TEST_PLAIN_MODEL_NAME",
        "VLLM_SDK_TEST_PLAIN_API_KEY",
    )


@pytest.fixture(scope="session")
def embed_server() -> ServerInfo:
    """An embedding-model server (``--runner pooling --convert embed``)."""
    return _server(
        "embed",
        "VLLM_SDK_TEST_EMBED_BASE_URL",
        "VLLM_SDK_TEST_EMBED_MODEL_NAME",
        "VLLM_SDK_TEST_EMBED_API_KEY",
    )


@pytest.fixture
def recorded() -> Iterator[list[Exchange]]:
    """Every exchange of the test's clients; after the test each must validate against the schema."""
    exchanges: list[Exchange] = []
    yield exchanges
    problems = validate_all(exchanges)
    if problems:
        pytest.fail("responses do not match the generated models:\n" + "\n".join(problems), pytrace=False)


def recording_client(exchanges: list[Exchange], **kwargs: Any) -> httpx.Client:
    return httpx.Client(
        transport=RecordingTransport(httpx.HTTPTransport(), exchanges), timeout=TIMEOUT, **kwargs
    )


def recording_async_client(exchanges: list[Exchange], transport: str, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx.AsyncClient on the SDK's aiohttp transport or httpx's own, recording."""
    from vllm_sdk._transports import AiohttpTransport

    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    inner: httpx.AsyncBaseTransport
    if transport == "aiohttp":
        inner = AiohttpTransport(limits=limits)
    else:
        inner = httpx.AsyncHTTPTransport(limits=limits)
    return httpx.AsyncClient(transport=AsyncRecordingTransport(inner, exchanges), timeout=TIMEOUT, **kwargs)


@pytest.fixture(params=["aiohttp", "httpx"])
def async_transport(request: pytest.FixtureRequest) -> str:
    """Both async transports the SDK ships: its aiohttp-backed one (the default with the speed extra)
    and httpx's own."""
    from vllm_sdk._transports import aiohttp_available

    if request.param == "aiohttp" and not aiohttp_available():
        pytest.skip("aiohttp is not installed (the speed extra)")
    return str(request.param)


@pytest.fixture
def http(main_server: ServerInfo, recorded: list[Exchange]) -> Iterator[httpx.Client]:
    """Plain httpx against the main server root (auth header set), recorded."""
    with recording_client(recorded, base_url=main_server.root, headers=main_server.auth_headers) as client:
        yield client


@pytest.fixture
def make_client(recorded: list[Exchange]) -> Iterator[Callable[..., Any]]:
    """``make_client(server, **kwargs)`` -> a recorded ``VllmClient`` (closed after the test)."""
    from vllm_sdk import VllmClient

    made: list[Any] = []
    transports: list[httpx.Client] = []

    def make(server: ServerInfo, **kwargs: Any) -> Any:
        kwargs.setdefault("api_key", server.api_key)
        transports.append(recording_client(recorded))
        client = VllmClient(base_url=server.base_url, http_client=transports[-1], **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
    # otherwise the strict validation of `recorded` would be vacuous
    assert recorded or not made, "the SDK client did not use the http_client it was given"
    for http_client in transports:  # a caller-supplied httpx client stays the caller's to close
        http_client.close()


@pytest.fixture
async def make_async_client(
    recorded: list[Exchange], async_transport: str
) -> AsyncIterator[Callable[..., Any]]:
    """``make_async_client(server, **kwargs)`` -> a recorded ``AsyncVllmClient`` (closed after the test)."""
    from vllm_sdk import AsyncVllmClient

    made: list[Any] = []
    transports: list[httpx.AsyncClient] = []

    def make(server: ServerInfo, **kwargs: Any) -> Any:
        kwargs.setdefault("api_key", server.api_key)
        transports.append(recording_async_client(recorded, async_transport))
        client = AsyncVllmClient(base_url=server.base_url, http_client=transports[-1], **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
    assert recorded or not made, "the SDK client did not use the http_client it was given"
    for http_client in transports:
        await http_client.aclose()


@pytest.fixture
def client(make_client: Callable[..., Any], main_server: ServerInfo) -> Any:
    """A sync SDK client for the main server."""
    return make_client(main_server)


@pytest.fixture
def aclient(make_async_client: Callable[..., Any], main_server: ServerInfo) -> Any:
    """An async SDK client for the main server."""
    return make_async_client(main_server)
