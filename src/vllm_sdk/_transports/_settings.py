"""The environment settings of the transport package (``VLLM_SDK_TRANSPORT``, ``VLLM_SDK_UVLOOP``): a value
that is none of the allowed ones is the SDK's one typed :class:`~vllm_sdk.SettingError`, as for every other
setting the client reads.
"""

from __future__ import annotations

import os

from .._exceptions import SettingError

__all__ = ["EnvSettingError", "env_setting"]

#: The name this error had before every setting shared one class (kept importable).
EnvSettingError = SettingError


def env_setting(variable: str) -> str:
    """The variable's value, stripped and lower-cased (``""`` when unset): settings are case-insensitive."""
    return os.environ.get(variable, "").strip().lower()
