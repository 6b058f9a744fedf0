"""Building the ``httpx.Request`` of a call without ``httpx.Client.build_request`` where that is exact.

``build_request`` merges the client's base URL, default headers, query parameters and cookie jar into
every request. It re-parses the URL and rebuilds two header collections each time (httpx re-detects the
headers' text encoding on every access), which is a fifth of the SDK's client CPU per request. For the
httpx client the SDK creates itself, most of that merge is known in advance: no base URL (the SDK
passes absolute URLs), no default query parameters, a fixed set of default headers. When, in addition,
the call has no query parameters and the cookie jar is empty, :func:`direct_request` builds the request
directly - the URL parsed once per distinct URL, the headers merged with httpx's own rule (a call's
header replaces a default of the same name, whatever the case; the defaults left come first) - and the
result equals ``build_request``'s (tests/transports/test_request_build.py compares them).

Everything else (a user's own ``http_client``, cookies set by the server, query parameters) goes
through ``build_request`` unchanged.

The factory also says whether the client's requests can skip httpx altogether (:attr:`RequestFactory.
direct`: the aiohttp transport, no proxy mounts) and gives the headers such a request sends
(:meth:`RequestFactory.wire_headers`, the same merge).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from ._aiohttp import AiohttpTransport

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, Iterable, Mapping

__all__ = ["RequestFactory"]

# Distinct URLs a client calls: one per route (and per base URL of a derived client); past this many
# the cache starts over rather than grow without bound.
_MAX_URLS = 512
# Distinct header sets (a key function that returns a new key now and then adds one each time).
_MAX_HEADER_SETS = 64


class RequestFactory:
    """Builds requests for one SDK-owned httpx client (see the module docstring for when it applies)."""

    __slots__ = ("_absolute", "_ascii_defaults", "_http", "_urls", "_wire", "direct")

    def __init__(self, http: httpx.Client | httpx.AsyncClient) -> None:
        self._http = http
        self._urls: dict[str, httpx.URL] = {}
        self._absolute: dict[str, bool] = {}
        self._ascii_defaults: tuple[tuple[bytes, bytes], ...] | None = None
        self._wire: dict[
            tuple[tuple[tuple[str, str], ...], tuple[tuple[bytes, bytes], ...]], list[tuple[str, str]]
        ] = {}
        # httpx sends through its ``_transport`` unless a mount (proxies from the environment) matches:
        # only a client with no mounts at all sends every request through the aiohttp transport.
        transport = getattr(http, "_transport", None)
        #: The aiohttp transport every request of this client goes through, else ``None``.
        self.direct: AiohttpTransport | None = (
            transport
            if isinstance(transport, AiohttpTransport) and not getattr(http, "_mounts", None)
            else None
        )

    def applies(self, url: str, params: Mapping[str, object] | None) -> bool:
        """True when :meth:`build` gives exactly what ``build_request`` would for this call."""
        http = self._http
        # The jar is empty unless a server set a cookie; default params are empty on the SDK's own
        # clients but could have been set on the httpx client: checked, not assumed. A relative URL
        # would be joined to the client's base URL, so only absolute ones (all the SDK builds) qualify.
        if params or http.cookies or http.params:
            return False
        absolute = self._absolute.get(url)
        if absolute is None:
            absolute = self._url(url).is_absolute_url
            if len(self._absolute) >= _MAX_URLS:
                self._absolute.clear()
            self._absolute[url] = absolute
        return absolute

    def _url(self, url: str) -> httpx.URL:
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) >= _MAX_URLS:
                self._urls.clear()
            parsed = self._urls[url] = httpx.URL(url)
        return parsed

    def build(
        self,
        method: str,
        url: str,
        *,
        content: bytes | Iterable[bytes] | AsyncIterable[bytes] | None,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
    ) -> httpx.Request:
        """The request ``build_request(method, url, content=..., headers=..., timeout=...)`` would give."""
        return httpx.Request(
            method,
            self._url(url),
            content=content,
            headers=self._merged(headers),
            extensions={"timeout": timeout.as_dict()},
        )

    def direct_applies(self, url: str, params: Mapping[str, object] | None) -> bool:
        """True when a call can go through :attr:`direct` with :meth:`wire_headers`: :meth:`applies`, and
        the client's default headers are ASCII (sent as the same bytes by either path)."""
        if self.direct is None or not self.applies(url, params):
            return False
        return self._ascii(tuple(self._http.headers.raw))

    def _ascii(self, raw: tuple[tuple[bytes, bytes], ...]) -> bool:
        # The defaults rarely change: the last set found ASCII is remembered (compared, not assumed).
        if raw == self._ascii_defaults:
            return True
        if all(name.isascii() and value.isascii() for name, value in raw):
            self._ascii_defaults = raw
            return True
        return False

    def direct_headers(self, url: str, headers: Mapping[str, str]) -> list[tuple[str, str]] | None:
        """:meth:`wire_headers` when :meth:`direct_applies` (a call without query parameters), else ``None``:
        both in one, the client's default headers read once. Do not modify the list."""
        if self.direct is None or not self.applies(url, None):
            return None
        raw = tuple(self._http.headers.raw)
        return self._wire_headers(headers, raw) if self._ascii(raw) else None

    def wire_headers(self, headers: Mapping[str, str]) -> list[tuple[str, str]]:
        """The headers :meth:`build` would give a request (the client's defaults merged with ``headers``),
        as text, without ``Host`` and ``Content-Length`` (the sender adds those). Do not modify the list."""
        return self._wire_headers(headers, tuple(self._http.headers.raw))

    def _wire_headers(
        self, headers: Mapping[str, str], defaults: tuple[tuple[bytes, bytes], ...]
    ) -> list[tuple[str, str]]:
        # Calls of one client send the same few header sets: each merge is kept (the client's defaults
        # are part of the key, so changing them on the httpx client is seen at once).
        key = (tuple(headers.items()), defaults)
        wire = self._wire.get(key)
        if wire is None:
            wire = [
                (name.decode("latin-1"), value.decode("latin-1")) for name, value in self._merged(headers)
            ]
            if len(self._wire) >= _MAX_HEADER_SETS:
                self._wire.clear()
            self._wire[key] = wire
        return wire

    def _merged(self, headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
        # httpx encodes str header names and values as ASCII (and raises UnicodeEncodeError otherwise);
        # doing it here keeps that rule and lets the client's defaults stay the raw bytes they are.
        own = [(name.encode("ascii"), value.encode("ascii")) for name, value in headers.items()]
        names = {name.lower() for name, _ in own}
        # The client's defaults keep their own spelling and come first, as in httpx's merge.
        merged = [(name, value) for name, value in self._http.headers.raw if name.lower() not in names]
        merged.extend(own)
        return merged
