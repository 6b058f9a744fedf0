"""The environment settings of the transport package (``VLLM_SDK_TRANSPORT``, ``VLLM_SDK_UVLOOP``): one typed
error for a value that is none of the allowed ones, so both variables fail the same way.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .._exceptions import VllmError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["EnvSettingError", "env_setting"]


class EnvSettingError(VllmError, ValueError):
    """An SDK environment variable has a value that is none of the allowed ones (a ``VllmError`` and a
    ``ValueError``). ``variable``, ``value`` and ``allowed`` say which, what and what would do."""

    def __init__(self, variable: str, value: str, allowed: Sequence[str]) -> None:
        self.variable = variable
        self.value = value
        self.allowed = tuple(allowed)
        choices = ", ".join(repr(a) for a in self.allowed)
        super().__init__(f"{variable} must be one of {choices} (case-insensitive), not {value!r}")


def env_setting(variable: str) -> str:
    """The variable's value, stripped and lower-cased (``""`` when unset): settings are case-insensitive."""
    return os.environ.get(variable, "").strip().lower()
