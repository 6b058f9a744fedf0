"""The HTTP transports under the clients, in the manner of httpx's ``_transports/``.

The sync client always uses native httpx; the async client uses :class:`AiohttpTransport` (the throughput
path) when aiohttp is installed, else httpx's own transport bound to one event loop at a time
(:class:`LoopBoundHTTPTransport`). ``VLLM_SDK_TRANSPORT=httpx|aiohttp`` forces one.
"""

from ._clients import (
    TRANSPORT_ENV,
    AiohttpTransport,
    LoopBoundHTTPTransport,
    aiohttp_available,
    create_async_http_client,
    create_sync_http_client,
    selected_transport,
)

__all__ = [
    "TRANSPORT_ENV",
    "AiohttpTransport",
    "LoopBoundHTTPTransport",
    "aiohttp_available",
    "create_async_http_client",
    "create_sync_http_client",
    "selected_transport",
]
