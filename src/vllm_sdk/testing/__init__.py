"""Testing helpers: an embedded mock vLLM server and its pytest fixtures.

``MockVllmServer`` speaks vLLM 0.32.0's OpenAI-compatible API on loopback with deterministic output and
fault injection; the pytest plugin (installed with the package) provides the ``vllm_mock_server``,
``async_vllm_mock_server`` and ``vllm_mock_server_session`` fixtures.

Example::

    from vllm_sdk.testing import MockVllmServer

    with MockVllmServer(model="mock") as srv:
        print(srv.base_url)   # http://127.0.0.1:<port>/v1
"""

from ._faults import FAULT_HEADER, FAULT_KEY_HEADER, Fault, FaultSpecError, parse_faults
from ._server import MockVllmServer
from ._state import RecordedRequest

__all__ = [
    "FAULT_HEADER",
    "FAULT_KEY_HEADER",
    "Fault",
    "FaultSpecError",
    "MockVllmServer",
    "RecordedRequest",
    "parse_faults",
]
