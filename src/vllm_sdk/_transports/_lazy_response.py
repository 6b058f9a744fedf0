"""An ``httpx.Response`` whose ``request`` is built only when somebody asks for it.

The direct paths of the SDK (the aiohttp transport's ``fetch`` and the SDK's own HTTP/1.1 stream path)
hand a stream's answer on as an ``httpx.Response`` without building the ``httpx.Request`` it answers: the
stream engine never needs it, and building it was a measurable part of the client's CPU per request. An
exception's ``request`` or a caller's ``response.request`` builds it on first access.
"""

from __future__ import annotations

import datetime
import time
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["LazyRequestResponse"]


class LazyRequestResponse(httpx.Response):
    """An ``httpx.Response`` whose ``request`` is built on first access; ``elapsed`` is set when it is
    closed (from sending the request to the close, as httpx's client does)."""

    def __init__(self, make_request: Callable[[], httpx.Request], sent_at: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._make_request = make_request
        self._sent_at = sent_at

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
        await super().aclose()
