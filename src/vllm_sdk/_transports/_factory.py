"""Which transport the async client runs on, and the factories of the SDK's own httpx clients.

* ``wire`` (the default; aiohttp is a dependency of the package): :class:`~._aiohttp.AiohttpTransport` whose
  direct calls, streamed or not, go over the SDK's own HTTP/1.1 connections (``_wire``, ``_wire_pool``: the
  least client CPU per streamed chunk and per request); everything else as ``aiohttp``.
* ``aiohttp``: :class:`~._aiohttp.AiohttpTransport` for every call (the previous default).
* ``httpx``: httpx's own transport, one per event loop (:class:`~._httpx.LoopBoundHTTPTransport`), forced by
  ``VLLM_SDK_TRANSPORT=httpx``; it is also the fallback when aiohttp cannot be imported (an install made with
  ``pip install --no-deps``, or an interpreter aiohttp does not support), so that such an install still works.

Both transports follow the same event-loop rule: a client can move from one loop to the next (successive
``asyncio.run`` calls), connections of the finished loop being closed without touching it, but it serves
one running loop at a time.

``VLLM_SDK_TRANSPORT=wire|aiohttp|httpx`` forces one; forcing ``wire`` or ``aiohttp`` without aiohttp
installed is an error, and so is any other value (:class:`TransportSettingError`).
The sync client is always native httpx. Both factories install the cookie shortcut
(:class:`_SetCookieOnlyCookies`): responses without ``Set-Cookie`` skip httpx's cookie machinery.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal, TypeVar

import httpx

from .._exceptions import VllmError
from ._aiohttp import AiohttpTransport
from ._httpx import LoopBoundHTTPTransport

if TYPE_CHECKING:
    import ssl

__all__ = [
    "TRANSPORT_ENV",
    "TransportName",
    "TransportSettingError",
    "aiohttp_available",
    "create_async_http_client",
    "create_sync_http_client",
    "selected_transport",
]

#: Environment variable that forces the async transport: ``wire``, ``aiohttp`` or ``httpx``.
TRANSPORT_ENV = "VLLM_SDK_TRANSPORT"

TransportName = Literal["wire", "aiohttp", "httpx"]
_NAMES = ("wire", "aiohttp", "httpx")


class TransportSettingError(VllmError, ValueError):
    """``VLLM_SDK_TRANSPORT`` (or a client's ``transport``) names no transport (a ``VllmError`` and a
    ``ValueError``)."""


def aiohttp_available() -> bool:
    """Whether aiohttp (a dependency of the package; missing only after ``pip install --no-deps``) imports."""
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return False
    return True


def selected_transport() -> TransportName:
    """The async transport :func:`create_async_http_client` will use, after ``VLLM_SDK_TRANSPORT``.

    Raises :class:`TransportSettingError` (a ``ValueError``) for an unknown value and ``ImportError`` when
    ``wire`` or ``aiohttp`` is forced but aiohttp is missing.
    """
    forced = os.environ.get(TRANSPORT_ENV, "").strip().lower()
    if not forced:
        return _DEFAULT if aiohttp_available() else "httpx"
    return checked_transport(forced, f"{TRANSPORT_ENV}={forced}")


#: The transport when nothing forces one and aiohttp imports.
_DEFAULT: TransportName = "wire"


def checked_transport(name: str, origin: str) -> TransportName:
    """``name`` as a transport name, checked (``origin`` says where it was given, for the error)."""
    if name == "httpx":
        return "httpx"
    if name in ("wire", "aiohttp"):
        if not aiohttp_available():
            raise ImportError(
                f"{origin} but aiohttp is not installed (vllm-python-sdk depends on it: "
                "was it installed with --no-deps?); pip install aiohttp"
            )
        return "wire" if name == "wire" else "aiohttp"
    raise TransportSettingError(f"{origin}: the transport must be one of {', '.join(_NAMES)}, not {name!r}")


def create_async_http_client(
    *,
    timeout: httpx.Timeout,
    limits: httpx.Limits,
    verify: ssl.SSLContext | bool = True,
    transport: TransportName | None = None,
) -> httpx.AsyncClient:
    """An :class:`httpx.AsyncClient` on the fastest available transport (see :func:`selected_transport`).

    ``transport`` overrides both the automatic choice and ``VLLM_SDK_TRANSPORT``.
    """
    name = checked_transport(transport, f"transport={transport!r}") if transport else selected_transport()
    if name != "httpx":
        client = httpx.AsyncClient(
            timeout=timeout,
            limits=limits,
            transport=AiohttpTransport(limits=limits, verify=verify, wire_streams=name == "wire"),
        )
    else:
        client = httpx.AsyncClient(
            timeout=timeout,
            limits=limits,
            verify=verify,
            transport=LoopBoundHTTPTransport(limits=limits, verify=verify),
        )
    return _skip_cookie_parsing_without_set_cookie(client)


def create_sync_http_client(
    *,
    timeout: httpx.Timeout,
    limits: httpx.Limits,
    verify: ssl.SSLContext | bool = True,
) -> httpx.Client:
    """A plain :class:`httpx.Client` (the sync path has no faster transport worth a dependency)."""
    return _skip_cookie_parsing_without_set_cookie(
        httpx.Client(timeout=timeout, limits=limits, verify=verify)
    )


class _SetCookieOnlyCookies(httpx.Cookies):
    """httpx's cookie jar, but responses without ``Set-Cookie`` skip the cookie machinery.

    httpx runs every response through ``http.cookiejar`` (a urllib request wrapper, an ``email``
    message of all the headers), which costs more client CPU per request than everything else httpx
    does. A response that sets no cookie cannot change the jar, so skipping it changes nothing.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


_ClientT = TypeVar("_ClientT", httpx.Client, httpx.AsyncClient)


def _skip_cookie_parsing_without_set_cookie(client: _ClientT) -> _ClientT:
    # ``cookies``' setter would copy into a plain httpx.Cookies; httpx keeps the jar in ``_cookies``.
    if isinstance(getattr(client, "_cookies", None), httpx.Cookies):
        client._cookies = _SetCookieOnlyCookies(client.cookies)
    return client
