"""The connection pool shared by a client and the clients derived from it with ``with_*``, and each
client's share of it (who closes the pool, and when)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import httpx

from ._transports import RequestFactory

__all__ = ["HttpClientT", "Lease", "Pool"]

HttpClientT = TypeVar("HttpClientT", httpx.Client, httpx.AsyncClient)


class Pool(Generic[HttpClientT]):
    """The httpx client shared by a client and every client derived from it with ``with_*``.

    Lifetime: the client that created the pool (its owner) closes it when it is closed, for every client
    sharing it. Closing a derived client never closes the pool under its owner. When the owner was dropped
    without being closed (``client = VllmClient().with_api_key(k)``), the pool is closed with the last
    derived client to be closed. A user-supplied ``http_client`` is never closed by the SDK: whoever
    created it closes it.
    """

    __slots__ = ("derived", "http", "owned", "owner_gone", "requests")
    http: HttpClientT
    owned: bool

    def __init__(self, http: HttpClientT, *, owned: bool) -> None:
        self.http = http
        self.owned = owned
        # The SDK's own httpx client has known defaults, so most requests can skip build_request's
        # merge (see _request_build); a user's client is always left to httpx.
        self.requests: RequestFactory | None = RequestFactory(http) if owned else None
        self.derived = 0  # derived clients neither closed nor collected
        self.owner_gone = False

    @property
    def closed(self) -> bool:
        closed: bool = self.http.is_closed
        return closed

    def release(self, *, owner: bool) -> bool:
        """One sharing client is done; whether the SDK should close the pool now."""
        if owner:
            self.owner_gone = True
        else:
            self.derived -= 1
        return self.owned and self.owner_gone and self.derived <= 0 and not self.closed


class Lease:
    """One client's share of a pool, released once: by ``close()``, or when the client is collected."""

    __slots__ = ("owner", "pool", "released")

    def __init__(self, pool: Pool[Any], *, owner: bool) -> None:
        self.pool = pool
        self.owner = owner
        self.released = False
        if not owner:
            pool.derived += 1

    def release(self) -> bool:
        """Release the share (idempotent); whether the pool should now be closed."""
        if self.released:
            return False
        self.released = True
        return self.pool.release(owner=self.owner)

    def collected(self) -> None:
        """The client was garbage-collected without ``close()``: its share is released, nothing is closed
        (a response or stream it returned may still be reading from the pool)."""
        self.release()
