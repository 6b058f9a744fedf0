"""The sync bridge: a batch for a ``VllmClient``, run by the async runner on a loop in a thread.

The runner is async; rather than write it twice, :func:`run_sync` runs it on an event loop in a
background thread, through an async client made by a factory the caller passes in (``VllmClient.batch``
passes its ``_async_twin``, so batch never has to import or build client classes itself). The SDK owns that
loop, so it is uvloop when uvloop is installed (the ``uvloop`` extra; ``VLLM_SDK_UVLOOP=0`` opts out).
:func:`iterate_in_thread` is the same hand-over for any async generator (``run_partition`` uses it).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .._transports import new_event_loop
from ._runner import abatch

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable, Iterable, Iterator

    from ._protocols import AsyncBatchClient, SyncBatchClient
    from ._result import BatchRequest, BatchResult

__all__ = ["batch", "iterate_in_thread", "run_sync"]

_FINISHED = object()
T = TypeVar("T")


def batch(client: SyncBatchClient, requests: Iterable[BatchRequest], **options: Any) -> Iterator[BatchResult]:
    """The synchronous twin of :func:`abatch`, for a ``VllmClient``: ``client.batch(requests, **options)``.

    The batch runs on an event loop in a background thread, through an ``AsyncVllmClient`` configured
    like ``client``; results are handed over through a bounded queue, so a slow consumer slows the batch
    instead of filling memory. Stopping the iteration early (``break``, an exception, ``close()``)
    cancels the requests in flight and joins the thread. The options are those of :func:`abatch`.
    """
    if not callable(getattr(client, "batch", None)):
        raise TypeError(f"batch() needs a VllmClient, not {type(client).__name__}")
    return client.batch(requests, **options)


def run_sync(
    async_client_factory: Callable[[], AsyncBatchClient],
    requests: Iterable[BatchRequest],
    **options: Any,
) -> Iterator[BatchResult]:
    """Run :func:`abatch` on a client made by ``async_client_factory``, on a loop in a new thread.

    The client is made (and closed) inside that loop, since an async client belongs to the loop it runs
    on. Nothing starts until the first result is asked for.
    """

    async def results() -> AsyncGenerator[BatchResult, None]:
        async_client = async_client_factory()
        try:
            async with contextlib.aclosing(abatch(async_client, requests, **options)) as each:
                async for result in each:
                    yield result
        finally:
            close = getattr(async_client, "aclose", None)
            if close is not None:
                await close()

    return iterate_in_thread(results, maxsize=max(1, int(options.get("concurrency", 64))))


def iterate_in_thread(make: Callable[[], AsyncGenerator[T, None]], *, maxsize: int) -> Iterator[T]:
    """The values of the async generator ``make()`` (called inside the loop), run on an event loop in a
    new thread, handed over through a queue of ``maxsize`` (a slow consumer slows the generator instead
    of filling memory). Stopping the iteration early closes the generator and joins the thread; an
    exception of the generator is raised here."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=maxsize)
    stop = threading.Event()

    async def produce() -> None:
        async with contextlib.aclosing(make()) as values:
            async for value in values:
                # Never block the loop on a full queue: the other requests keep streaming meanwhile.
                while True:
                    if stop.is_set():
                        return
                    try:
                        handoff.put_nowait(_Value(value))
                        break
                    except queue.Full:
                        await asyncio.sleep(0.002)

    def thread_main() -> None:
        try:
            loop = new_event_loop()
        except BaseException as exc:  # a bad VLLM_SDK_UVLOOP value: raised in the caller's thread
            handoff.put(exc)
            return
        try:
            loop.run_until_complete(produce())
            handoff.put(_FINISHED)
        except BaseException as exc:
            handoff.put(exc)
        finally:
            # asyncio.run's wind-down: async generators are closed on their loop (uvloop warns otherwise).
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    thread = threading.Thread(target=thread_main, name="vllm-sdk-batch", daemon=True)
    thread.start()
    try:
        while True:
            item = handoff.get()
            if item is _FINISHED:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, _Value)
            yield item.value
    finally:
        stop.set()
        # Unblock a producer waiting on a full queue, then wait for its clean shutdown.
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.05)
        thread.join()


class _Value(Generic[T]):
    """One value on its way through the queue (so a value that is an exception is not raised)."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value
