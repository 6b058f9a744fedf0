"""The environment settings of the transport package (``VLLM_SDK_TRANSPORT``, ``VLLM_SDK_UVLOOP``): a value
that is none of the allowed ones is the SDK's one typed :class:`~vllm_sdk.SettingError`, as for every other
setting the client reads.
"""

from __future__ import annotations

from .._env import env_flag, env_setting
from .._exceptions import SettingError

__all__ = ["EnvSettingError", "env_flag", "env_setting"]

#: The name this error had before every setting shared one class (kept importable).
EnvSettingError = SettingError
