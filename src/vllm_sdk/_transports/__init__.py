"""The HTTP transports under the clients, in the manner of httpx's ``_transports/``.

The sync client always uses native httpx; the async client uses :class:`AiohttpTransport` (the throughput
path; aiohttp is a dependency of the package) whose streamed calls go over the SDK's own HTTP/1.1
connections (``wire``, the default), and falls back to httpx's own transport bound to one event loop at a
time (:class:`LoopBoundHTTPTransport`) only when aiohttp cannot be imported (an install made with
``--no-deps``). ``VLLM_SDK_TRANSPORT=wire|aiohttp|httpx`` forces one (``aiohttp``: aiohttp for streams too).

One job per module:

* ``_factory``: the transport selection and the factories of the SDK's own httpx clients;
* ``_aiohttp``: :class:`AiohttpTransport`, its response stream and aiohttp's errors mapped to httpx's;
* ``_wire``: the SDK's own HTTP/1.1 client connection (an ``asyncio.Protocol``) and its body stream;
* ``_wire_pool``: the keep-alive pool of those connections and the request they write;
* ``_lazy_response``: the ``httpx.Response`` of a direct call, its request built only when asked for;
* ``_httpx``: :class:`LoopBoundHTTPTransport`;
* ``_event_loops``: moving a transport's pool from one event loop to the next;
* ``_uvloop``: the event loops the SDK creates itself (uvloop when installed, ``VLLM_SDK_UVLOOP=0`` opts out);
* ``_settings``: the typed error of a bad ``VLLM_SDK_TRANSPORT`` / ``VLLM_SDK_UVLOOP`` value;
* ``_request_build``: building a call's ``httpx.Request`` without httpx's merge where that is exact.

Code outside this package imports from here only (``tests/architecture`` checks it): these names are the
package's internal entry points. :class:`RequestFactory` is the one for code that sends on an SDK-owned
httpx client itself (the client's pool, the batch sender): whether a request may skip httpx's merge or go
straight through the aiohttp transport, and the request or headers to send then.
"""

from ._aiohttp import AiohttpTransport
from ._deadlines import Deadlines
from ._factory import (
    TRANSPORT_ENV,
    TransportSettingError,
    aiohttp_available,
    create_async_http_client,
    create_sync_http_client,
    selected_transport,
)
from ._httpx import LoopBoundHTTPTransport
from ._lazy_response import header_value
from ._request_build import RequestFactory
from ._settings import EnvSettingError
from ._uvloop import UVLOOP_ENV, LoopSettingError, new_event_loop, run, selected_loop
from ._wire import WireBody

__all__ = [
    "TRANSPORT_ENV",
    "UVLOOP_ENV",
    "AiohttpTransport",
    "Deadlines",
    "EnvSettingError",
    "LoopBoundHTTPTransport",
    "LoopSettingError",
    "RequestFactory",
    "TransportSettingError",
    "WireBody",
    "aiohttp_available",
    "create_async_http_client",
    "create_sync_http_client",
    "header_value",
    "new_event_loop",
    "run",
    "selected_loop",
    "selected_transport",
]
