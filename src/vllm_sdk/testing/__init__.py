"""Testing helpers: an embedded mock vLLM server and its pytest fixtures.

``MockVllmServer`` speaks vLLM 0.32.0's OpenAI-compatible API on loopback with deterministic output and
fault injection (grammar in :mod:`vllm_sdk.testing._faults`, header ``x-mock-fault``); the pytest plugin
(installed with the package) provides the ``vllm_mock_server``, ``async_vllm_mock_server`` and
``vllm_mock_server_session`` fixtures. The server needs aiohttp (``pip install 'vllm-python-sdk[mock]'``);
it is imported only when ``MockVllmServer`` is first used, so the plugin never breaks a test run.

Example::

    from vllm_sdk.testing import MockVllmServer

    with MockVllmServer(model="mock") as srv:
        print(srv.base_url)   # http://127.0.0.1:<port>/v1
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._faults import FAULT_HEADER, FAULT_KEY_HEADER, Fault, FaultSpecError, parse_faults
from ._state import RecordedRequest

if TYPE_CHECKING:
    from ._server import MockVllmServer

__all__ = [
    "FAULT_HEADER",
    "FAULT_KEY_HEADER",
    "Fault",
    "FaultSpecError",
    "MockVllmServer",
    "RecordedRequest",
    "parse_faults",
]


def __getattr__(name: str) -> Any:
    if name == "MockVllmServer":
        return load_server_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_server_class() -> type[MockVllmServer]:
    """Import :class:`MockVllmServer`, with an actionable message when aiohttp is missing."""
    try:
        from ._server import MockVllmServer
    except ImportError as exc:
        raise ImportError(
            "vllm_sdk.testing.MockVllmServer needs aiohttp: pip install 'vllm-python-sdk[mock]'"
        ) from exc
    return MockVllmServer
