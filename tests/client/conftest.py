"""Fixtures of the client tests (see helpers.py for the scripted transport)."""

from __future__ import annotations

import pytest

from .helpers import Api


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest) -> Api:
    return Api(request.param)


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No VLLM_* variable of the developer's shell leaks into a test."""
    for name in ("VLLM_BASE_URL", "VLLM_API_KEY", "VLLM_TIMEOUT", "VLLM_MAX_RETRIES", "VLLM_CUSTOM_HEADERS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _clean_env(no_env: None) -> None:
    return None
