"""An event loop in a background thread, for the sync realtime connection.

The same approach as the batch's sync bridge (``batch/_bridge.py``): the async object is made and used
only inside that loop, since an aiohttp session belongs to the loop it was made on. The batch bridge
streams results through a queue; a realtime connection is driven call by call from the caller's thread,
so here each call is one coroutine submitted to the loop and waited for.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, TypeVar

from .._exceptions import ClientClosedError
from .._transports import new_event_loop

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Any

__all__ = ["LoopThread"]

T = TypeVar("T")


class LoopThread:
    """A running event loop on a daemon thread; :meth:`run` executes one coroutine there and waits."""

    def __init__(self, name: str) -> None:
        # The kind of loop the SDK picks for the loops it owns (uvloop when installed), as the batch bridge.
        self._loop = new_event_loop()
        self._stopped = False
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and return its result (or raise its exception) in the calling thread."""
        if self._stopped:
            coro.close()
            raise ClientClosedError("the realtime connection is closed")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result()
        except BaseException:
            # Ctrl-C (or any exception raised while waiting) must not leave the coroutine running alone.
            future.cancel()
            raise

    def stop(self) -> None:
        """Stop the loop and join its thread (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
