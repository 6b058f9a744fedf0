"""The event loops the SDK creates itself: uvloop when it is installed, asyncio's default loop otherwise.

Only where the SDK owns the loop - the ``vllm-sdk`` command and the background thread of
``VllmClient.batch`` - does it pick the loop; an application's own ``asyncio.run`` is never touched. uvloop
comes with the ``uvloop`` extra (there is no Windows build). ``VLLM_SDK_UVLOOP=0`` (or ``false``, ``no``,
``off``) keeps asyncio's loop even when uvloop is installed; ``1`` / ``true`` / ``yes`` / ``on`` or unset
means "uvloop if installed", so the variable never makes a missing uvloop an error.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .._exceptions import SettingError
from ._settings import env_flag

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from types import ModuleType

__all__ = ["UVLOOP_ENV", "LoopName", "LoopSettingError", "new_event_loop", "run", "selected_loop"]

#: Environment variable that lets the SDK's own event loops use uvloop (default) or not (``0``).
UVLOOP_ENV = "VLLM_SDK_UVLOOP"

LoopName = Literal["uvloop", "asyncio"]

_T = TypeVar("_T")


#: The name this error had before every setting shared one class (kept importable).
LoopSettingError = SettingError


def _uvloop() -> ModuleType | None:
    """The uvloop module when it is wanted and importable, else ``None``.

    Raises :class:`~vllm_sdk.SettingError` for a ``VLLM_SDK_UVLOOP`` value that is neither on nor off,
    rather than guess.
    """
    if not env_flag(UVLOOP_ENV, default=True):
        return None
    try:
        import uvloop
    except ImportError:  # not installed (the uvloop extra), or Windows: asyncio's loop is the fallback
        return None
    return uvloop


def selected_loop() -> LoopName:
    """Which loop :func:`new_event_loop` and :func:`run` use now: ``"uvloop"`` or ``"asyncio"``."""
    return "asyncio" if _uvloop() is None else "uvloop"


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new event loop of the selected kind (the caller runs and closes it)."""
    module = _uvloop()
    if module is None:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = module.new_event_loop()
    return loop


def run(main: Coroutine[Any, Any, _T]) -> _T:
    """``asyncio.run(main)`` on a loop of the selected kind (``uvloop.run`` does the same wind-down)."""
    try:
        module = _uvloop()
    except BaseException:
        main.close()  # never started: close it, or Python warns that it was never awaited
        raise
    if module is None:
        return asyncio.run(main)
    result: _T = module.run(main)
    return result
