"""An ``httpx.Response`` whose ``request`` and ``headers`` are built only when somebody asks for them.

The direct paths of the SDK (the aiohttp transport's ``fetch`` and the SDK's own HTTP/1.1 stream path)
hand a stream's answer on as an ``httpx.Response`` without building the ``httpx.Request`` it answers: the
stream engine never needs it, and building it was a measurable part of the client's CPU per request. An
exception's ``request`` or a caller's ``response.request`` builds it on first access.

The same goes for the headers: an ``httpx.Headers`` normalises every name and value when it is built, and
each look-up scans the whole list (a miss raises and catches a ``KeyError``). The SDK itself only ever
looks up two or three names per stream (``content-type``, ``content-encoding``, ``x-request-id``), so
:func:`header_value` answers those from the raw header list while nobody has asked for ``headers``; the
first access to ``headers`` builds the real ``httpx.Headers`` from the same list, and from then on every
look-up (the SDK's too) goes through it, so a caller who changes them is seen.
"""

from __future__ import annotations

import datetime
import time
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["LazyRequestResponse", "header_value"]


class LazyRequestResponse(httpx.Response):
    """An ``httpx.Response`` whose ``request`` and ``headers`` are built on first access; ``elapsed`` is set
    when it is closed (from sending the request to the close, as httpx's client does).

    ``headers``: what ``httpx.Headers`` accepts (the wire path passes its raw ``(name, value)`` byte pairs).
    """

    def __init__(
        self,
        make_request: Callable[[], httpx.Request],
        sent_at: float,
        *,
        status_code: int,
        stream: httpx.AsyncByteStream | httpx.SyncByteStream,
        headers: Any = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        # What httpx.Response.__init__ sets for a response given a stream (tests/transports/
        # test_lazy_response.py compares the attributes with httpx's), minus building the Headers: calling
        # it built an empty Headers to be dropped and cost more than the whole response used to.
        self.status_code = status_code
        self._header_source = headers
        self._lazy_headers: httpx.Headers | None = None
        self._request: httpx.Request | None = None
        self.next_request: httpx.Request | None = None
        self.extensions = {} if extensions is None else dict(extensions)
        self.history: list[httpx.Response] = []
        self.is_closed = False
        self.is_stream_consumed = False
        self.default_encoding = "utf-8"
        self.stream = stream
        self._num_bytes_downloaded = 0
        self._make_request = make_request
        self._sent_at = sent_at

    @property
    def headers(self) -> httpx.Headers:
        """The response headers (an ``httpx.Headers``, built now if nobody asked before)."""
        headers = self._lazy_headers
        if headers is None:
            headers = self._lazy_headers = httpx.Headers(self._header_source)
        return headers

    @headers.setter
    def headers(self, value: httpx.Headers) -> None:
        # httpx.Response.__init__ assigns an empty Headers first: _header_source (set after it) then wins.
        self._lazy_headers = value
        self._header_source = None

    @property
    def request(self) -> httpx.Request:
        """The request this is the answer to (built now if nobody asked before)."""
        if self._request is None:
            self._request = self._make_request()
        return self._request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value

    def raise_for_status(self) -> httpx.Response:
        """As httpx's (which needs the request)."""
        _ = self.request
        return super().raise_for_status()

    async def aclose(self) -> None:
        """Close the body and set ``elapsed`` (from sending the request to the close, as in httpx)."""
        if not hasattr(self, "_elapsed"):
            self.elapsed = datetime.timedelta(seconds=time.perf_counter() - self._sent_at)
        # What httpx.Response.aclose does, without its context manager per call (a request error raised by
        # the body's close gets this response's request, when it has one, as there).
        if not isinstance(self.stream, httpx.AsyncByteStream):
            raise RuntimeError("Attempted to call an async close on a sync stream.")
        if not self.is_closed:
            self.is_closed = True
            try:
                await self.stream.aclose()
            except httpx.RequestError as exc:
                if self._request is not None:
                    exc.request = self._request
                raise


def header_value(response: httpx.Response, name: str) -> str | None:
    """``response.headers.get(name)`` for a lower-case ``name``, without building the headers of a
    :class:`LazyRequestResponse` nobody has asked for.

    Exact: the raw values found are used only when they are ASCII (then every text encoding httpx could
    pick for the headers gives the same text); several values are joined with ``", "`` as httpx does.
    Anything else asks ``response.headers``.
    """
    if type(response) is LazyRequestResponse and response._lazy_headers is None:
        raw = response._header_source
        if type(raw) is list:
            key = name.encode("ascii")
            found: str | None = None
            for raw_name, raw_value in raw:
                if type(raw_name) is not bytes or type(raw_value) is not bytes:
                    break  # not the wire path's byte pairs: ask httpx
                if raw_name.lower() == key:
                    if not raw_value.isascii():
                        break
                    text = raw_value.decode("ascii")
                    found = text if found is None else f"{found}, {text}"
            else:
                return found
    value: str | None = response.headers.get(name)
    return value
