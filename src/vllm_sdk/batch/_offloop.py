"""A synchronous iterable read off the event loop: a thread pulls its items into a bounded queue and the loop
awaits them, so a slow iterator (a file, a database cursor, a Spark partition being computed) never stalls
the requests in flight, and the read-ahead stays at ``maxsize`` items.

The loop never blocks: it takes what the queue holds and otherwise awaits an :class:`asyncio.Event` the
thread sets (through ``call_soon_threadsafe``) after each item. The thread blocks on the full queue, which
is what bounds memory. Closing the async iterator early stops the thread at its next step and closes the
source there (a generator can only be closed by the thread running it); a thread still inside the source's
``next()`` is not waited for: it finishes that call, sees the stop and ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable, Iterable, Iterator

__all__ = ["iterate_off_loop"]

T = TypeVar("T")

_END = object()


class _Item(Generic[T]):
    """One item on its way through the queue (so an item that is an exception or the end marker is data)."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value


class _Failure:
    """The source raised: the exception travels to the loop and is raised there."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _pump(
    iterator: Iterator[T],
    handoff: queue.Queue[object],
    stop: threading.Event,
    notify: Callable[[], None],
) -> None:
    """The thread: every item of ``iterator`` into ``handoff`` (blocking while it is full), then the end."""
    try:
        while not stop.is_set():
            try:
                value = next(iterator)
            except StopIteration:
                handoff.put(_END)
                notify()
                return
            except BaseException as exc:  # the source's own failure: raised on the loop, where it is read
                handoff.put(_Failure(exc))
                notify()
                return
            if stop.is_set():
                break
            # Blocks while the queue is full. Once stop is set the consumer has drained the queue, so this
            # put finds room and the loop ends at the check above.
            handoff.put(_Item(value))
            notify()
    finally:
        close = getattr(iterator, "close", None)
        if stop.is_set() and callable(close):
            # Nobody reads any more: an error of the source's clean-up has no caller to go to.
            with contextlib.suppress(Exception):
                close()


async def iterate_off_loop(source: Iterable[T], *, maxsize: int) -> AsyncGenerator[T, None]:
    """The items of ``source``, read in a new thread at most ``maxsize`` items ahead of the consumer.

    An exception of the source is raised here, after the items before it. Closing this generator (or
    leaving it unfinished) stops the thread and closes the source.
    """
    if maxsize < 1:
        raise ValueError(f"maxsize must be at least 1, not {maxsize!r}")
    iterator = iter(source)  # here, so a non-iterable fails in the caller
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()
    handoff: queue.Queue[object] = queue.Queue(maxsize=maxsize)
    stop = threading.Event()

    def notify() -> None:
        try:
            loop.call_soon_threadsafe(ready.set)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            stop.set()

    thread = threading.Thread(
        target=_pump, args=(iterator, handoff, stop, notify), name="vllm-sdk-rows", daemon=True
    )
    thread.start()
    try:
        while True:
            # Clear before looking, so an item put after the look still wakes the wait below.
            ready.clear()
            try:
                entry = handoff.get_nowait()
            except queue.Empty:
                await ready.wait()
                continue
            if entry is _END:
                return
            if isinstance(entry, _Failure):
                raise entry.error
            assert isinstance(entry, _Item)
            yield entry.value
    finally:
        stop.set()
        # Make room for a thread blocked on the full queue, so it reaches its stop check.
        while True:
            try:
                handoff.get_nowait()
            except queue.Empty:
                break
