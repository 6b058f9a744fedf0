"""What a batch needs from a client, as protocols: batch never imports the client classes.

The clients sit above batch in the package's layers (``VllmClient.batch`` calls into batch), so batch
describes the few methods it uses instead of importing ``AsyncVllmClient``; the real clients satisfy
these protocols structurally, and the tests can pass small fakes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Awaitable, Iterable, Iterator

    from ._result import BatchRequest, BatchResult

__all__ = ["AsyncBatchClient", "CreatesResponses", "HasCompletions", "SyncBatchClient"]


class CreatesResponses(Protocol):
    """A resource with ``create(**body)`` (``client.chat.completions``, ``client.completions``)."""

    def create(self, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        """Send a request made of the keyword parameters; awaiting gives the typed response or stream."""
        ...


class HasCompletions(Protocol):
    """``client.chat``: the resource whose ``completions`` are the chat completions."""

    @property
    def completions(self) -> CreatesResponses:
        """The chat completions resource."""
        ...


class AsyncBatchClient(Protocol):
    """What the batch runner uses of an ``AsyncVllmClient``."""

    @property
    def base_url(self) -> str:
        """The base URL, ending in ``/v1`` (the replica it talks to)."""
        ...

    @property
    def chat(self) -> HasCompletions:
        """The chat resource (``chat.completions.create``)."""
        ...

    @property
    def completions(self) -> CreatesResponses:
        """The legacy completions resource (``completions.create``)."""
        ...

    def request(self, method: str, path: str, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        """Send a raw request to ``path`` (relative to the base URL) with ``json=body``."""
        ...

    def with_options(self, *args: Any, **kwargs: Any) -> AsyncBatchClient:
        """A client like this one with ``base_url`` and/or ``max_retries`` changed, sharing its pool."""
        ...

    def with_base_url(self, base_url: str) -> AsyncBatchClient:
        """A client like this one for another replica, sharing its pool."""
        ...


class SyncBatchClient(Protocol):
    """A ``VllmClient``: the sync :func:`vllm_sdk.batch.batch` hands the work to its ``batch`` method."""

    def batch(self, requests: Iterable[BatchRequest], **options: Any) -> Iterator[BatchResult]:
        """Run ``requests`` on an async twin of the client in a background thread."""
        ...
