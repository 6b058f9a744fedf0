"""Helpers of the contract tests: ``Mode`` runs one test body with the sync and the async client."""

from __future__ import annotations

import inspect
import uuid
from typing import TYPE_CHECKING, Any

import httpx

from vllm_sdk import AsyncVllmClient, VllmClient

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

USER = [{"role": "user", "content": "Hello there"}]


def fault_headers(spec: str) -> dict[str, str]:
    """Headers injecting ``spec`` into one logical request (a fresh key: counts start at zero)."""
    return {"x-mock-fault": spec, "x-mock-fault-key": uuid.uuid4().hex}


class Mode:
    """One test body for both clients (see the module docstring)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.is_async = kind == "async"
        self.sleeps: list[float] = []
        self._clients: list[VllmClient | AsyncVllmClient] = []

    @property
    def cls(self) -> type[VllmClient] | type[AsyncVllmClient]:
        return AsyncVllmClient if self.is_async else VllmClient

    async def __call__(self, value: Any) -> Any:
        return await value if inspect.isawaitable(value) else value

    def client(self, *args: Any, record_sleeps: bool = True, **kwargs: Any) -> Any:
        """A client of this mode, closed after the test; retry sleeps are recorded, not slept."""
        client = self.cls(*args, **kwargs)
        if record_sleeps:
            self._patch_sleep(client)
        self._clients.append(client)
        return client

    def _patch_sleep(self, client: VllmClient | AsyncVllmClient) -> None:
        if self.is_async:

            async def fake(seconds: float) -> None:
                self.sleeps.append(seconds)

            client._sleep = fake
        else:
            client._sleep = self.sleeps.append

    def mock_client(self, handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> Any:
        """A client of this mode over ``httpx.MockTransport(handler)``."""
        transport = httpx.MockTransport(handler)
        http: httpx.Client | httpx.AsyncClient
        http = httpx.AsyncClient(transport=transport) if self.is_async else httpx.Client(transport=transport)
        kwargs.setdefault("base_url", "http://vllm.test/v1")
        return self.client(http_client=http, **kwargs)

    async def events(self, stream: Any) -> list[Any]:
        """Every event of a stream (sync or async)."""
        if self.is_async:
            return [event async for event in stream]
        return list(stream)

    async def iterate(self, iterable: Any) -> AsyncIterator[Any]:
        """``for``/``async for`` over a sync or async iterable."""
        if hasattr(iterable, "__aiter__"):
            async for item in iterable:
                yield item
        else:
            for item in iterable:
                yield item

    async def close(self, obj: Any) -> None:
        """``close()`` / ``aclose()``."""
        if hasattr(obj, "aclose"):
            await obj.aclose()
        else:
            obj.close()

    async def aclose_all(self) -> None:
        for client in self._clients:
            await self.close(client)
            http = client.http_client
            await self.close(http)
