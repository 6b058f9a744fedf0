"""pytest plugin (entry point ``pytest11``): fixtures that serve a :class:`MockVllmServer`.

* ``vllm_mock_server`` — a fresh server per test, running in a background thread; works from sync and
  async tests alike.
* ``async_vllm_mock_server`` — a fresh server per test started on the test's running event loop (needs
  pytest-asyncio; request it from ``async def`` tests).
* ``vllm_mock_server_session`` — one server for the whole session (faster); its recorded requests and
  server-wide faults are reset before each test that uses it.

The per-test servers take their constructor arguments from a ``vllm_mock`` marker::

    @pytest.mark.vllm_mock(model="my-model", faults="status=503:1", token_delay=0.01)
    def test_retry(vllm_mock_server):
        client = VllmClient(vllm_mock_server.base_url)
        assert client.chat.completions.create(model="my-model", messages=[...]).content
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from . import _load_server_class

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from ._server import MockVllmServer

__all__ = ["async_vllm_mock_server", "vllm_mock_server", "vllm_mock_server_session"]

_MARKER = "vllm_mock"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``vllm_mock`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(**kwargs): MockVllmServer arguments for the (async_)vllm_mock_server fixtures",
    )


def _server_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker(_MARKER)
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError(f"@pytest.mark.{_MARKER} takes keyword arguments only")
    return dict(marker.kwargs)


@pytest.fixture
def vllm_mock_server(request: pytest.FixtureRequest) -> Iterator[MockVllmServer]:
    """A started mock vLLM server (background thread), stopped after the test."""
    with _load_server_class()(**_server_kwargs(request)) as server:
        yield server


@pytest.fixture(scope="session")
def _vllm_mock_server_session_instance() -> Iterator[MockVllmServer]:
    with _load_server_class()() as server:
        yield server


@pytest.fixture
def vllm_mock_server_session(_vllm_mock_server_session_instance: MockVllmServer) -> MockVllmServer:
    """The session-wide mock vLLM server, with requests and faults reset for this test."""
    _vllm_mock_server_session_instance.reset()
    _vllm_mock_server_session_instance.token_delay = 0.0
    return _vllm_mock_server_session_instance


try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - pytest-asyncio is optional for users of the plugin
    pass
else:

    @pytest_asyncio.fixture
    async def async_vllm_mock_server(request: pytest.FixtureRequest) -> AsyncIterator[MockVllmServer]:
        """A mock vLLM server started on the running event loop, stopped after the test."""
        async with _load_server_class()(**_server_kwargs(request)) as server:
            yield server
