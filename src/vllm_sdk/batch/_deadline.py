"""A time bound on each attempt of a batch request, from sending to its last byte (``--request-timeout``).

The client's timeouts bound each phase of a request (connect, every read, the silence inside a stream),
not its whole: a server that drips a body one byte at a time, or streams tokens forever, keeps one request
alive as long as it likes, and the run never finishes. :class:`DeadlineSender` wraps a batch sender so that
an attempt still running after ``limit`` seconds is cancelled and fails with a retryable
:class:`~vllm_sdk.VllmTimeoutError`, which the runner retries and, in the end, writes as an error line.

On Python 3.11+ the deadlines share the transports' :class:`~vllm_sdk._transports.Deadlines`
(one timer per limit, not one per request: the load generator's per-request cost stays as it was); on
Python 3.10 each attempt runs under :func:`asyncio.wait_for`.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Generic, TypeVar

from .._exceptions import VllmTimeoutError
from .._transports import Deadlines

if TYPE_CHECKING:
    from ._prepare import PreparedRequest
    from ._senders import Outcome, Sender

__all__ = ["DeadlineSender", "deadline_error"]

ClientT = TypeVar("ClientT")

#: ``Task.uncancel`` (Python 3.11+) lets the deadlines share a few loop timers; 3.10 waits per attempt.
_SHARED_TIMERS = sys.version_info >= (3, 11)


def deadline_error(limit: float) -> VllmTimeoutError:
    """The error of an attempt cut off by the deadline."""
    return VllmTimeoutError(f"the request did not finish within {limit:g} s (--request-timeout)")


class DeadlineSender(Generic[ClientT]):
    """``inner``, with every call cut off after ``limit`` seconds (a positive number)."""

    __slots__ = ("_deadlines", "_inner", "_limit")

    def __init__(self, inner: Sender[ClientT], limit: float) -> None:
        if not limit > 0:
            raise ValueError(f"a request deadline must be above 0 seconds, not {limit!r}")
        self._inner = inner
        self._limit = limit
        self._deadlines: Deadlines | None = None

    async def __call__(self, client: ClientT, request: PreparedRequest, stream: bool, /) -> Outcome:
        """Send ``request`` through the wrapped sender, bounded by the deadline."""
        limit = self._limit
        if not _SHARED_TIMERS:  # pragma: no cover - CI runs 3.11+
            try:
                return await asyncio.wait_for(self._inner(client, request, stream), limit)
            except asyncio.TimeoutError:
                raise deadline_error(limit) from None
        deadlines = self._deadlines
        if deadlines is None:  # made on the loop that runs the batch
            deadlines = self._deadlines = Deadlines(asyncio.get_running_loop())
        wait = deadlines.start(limit)
        try:
            return await self._inner(client, request, stream)
        except asyncio.CancelledError:
            if wait.expired():
                raise deadline_error(limit) from None
            raise
        finally:
            wait.finish()
