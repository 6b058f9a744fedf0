"""Testing helpers: an embedded mock vLLM server and its pytest fixtures.

``MockVllmServer`` speaks vLLM 0.32.0's OpenAI-compatible API on loopback with deterministic output and
fault injection (grammar in :mod:`vllm_sdk.testing._faults`, header ``x-mock-fault``); the pytest plugin
(installed with the package) provides the ``vllm_mock_server``, ``async_vllm_mock_server`` and
``vllm_mock_server_session`` fixtures. The server needs aiohttp (a dependency of the package);
it is imported only when ``MockVllmServer`` is first used, so the plugin never breaks a test run even in an
install made without dependencies.

Example::

    from vllm_sdk.testing import MockVllmServer

    with MockVllmServer(model="mock") as srv:
        print(srv.base_url)   # http://127.0.0.1:<port>/v1

What the mock does with a request:

* the same request always produces the same tokens (a hash of model, messages/prompt and seed); with
  ``temperature > 0`` the ``n`` choices differ, at ``temperature=0`` they are equal;
* ``max_tokens`` / ``ignore_eos`` / ``min_tokens`` / ``stop`` / ``stop_token_ids`` end generation like vLLM
  (``ignore_eos=true`` with ``max_tokens=N`` gives exactly N tokens, handy for benchmarks);
* ``chat_template_kwargs={"enable_thinking": True}`` streams ``reasoning`` deltas before the content;
* tools are called when ``tool_choice`` is ``"required"`` or names a function, or when the last user
  message mentions a tool's name; arguments are generated from the tool's JSON schema;
* ``response_format`` (``json_schema``/``json_object``) and ``structured_outputs`` (``json``/``choice``)
  produce content that validates;
* ``/v1/embeddings``, ``/pooling``, ``/score``, ``/rerank``, ``/classify``, ``/tokenize``,
  ``/detokenize``, ``/v1/models``, ``/health``, ``/ping``, ``/version`` and ``/metrics`` answer too.

Faults, for one request or for the whole server (the grammar is in :mod:`vllm_sdk.testing._faults`)::

    httpx.post(url, json=body, headers={"x-mock-fault": "status=503:2"})     # 503 twice, then 200
    MockVllmServer(faults="delay_events=0.05,disconnect_after=10")           # every request
    srv.faults = "rate_limit,retry_after=2"                                  # change while running

The per-request header ``x-mock-token-delay: 0.02`` slows one stream down like a real decoder.
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
        return _load_server_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _load_server_class() -> type[MockVllmServer]:
    """Import :class:`MockVllmServer`, with an actionable message when aiohttp is missing."""
    try:
        from ._server import MockVllmServer
    except ImportError as exc:
        raise ImportError(
            "vllm_sdk.testing.MockVllmServer needs aiohttp, a dependency of vllm-python-sdk that is not "
            "installed here (an install made with --no-deps?): pip install aiohttp"
        ) from exc
    return MockVllmServer
