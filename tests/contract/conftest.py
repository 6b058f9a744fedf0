"""Acceptance tests of API.md (§1-§7) and issues 3-5: one test per promise, sync and async.

``mode`` runs one test body with both clients: the test is an ``async def`` and every call goes through
``await mode(x)``, which awaits ``x`` only when the async client returned an awaitable. The mock server is
one per session (a background thread), so a blocking sync call inside the test's loop is fine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from vllm_sdk.testing import MockVllmServer

from .support import Mode

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

ENV_VARS = ("VLLM_BASE_URL", "VLLM_API_KEY", "VLLM_TIMEOUT", "VLLM_MAX_RETRIES", "VLLM_CUSTOM_HEADERS")


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No VLLM_* variable of the developer's shell leaks into a test."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def server() -> Iterator[MockVllmServer]:
    """One mock vLLM server for the whole contract suite (faults are sent per request)."""
    with MockVllmServer() as srv:
        yield srv


@pytest.fixture(params=["sync", "async"])
async def mode(request: pytest.FixtureRequest) -> AsyncIterator[Mode]:
    """The client mode under test; every client it made is closed afterwards."""
    m = Mode(request.param)
    yield m
    await m.aclose_all()
