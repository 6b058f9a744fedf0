"""Reading the SDK's own environment settings: one parser for every on/off flag.

The lowest module of the package after :mod:`vllm_sdk._exceptions` (``_speedups`` reads a flag while the
package is being imported, so this module imports nothing else of the SDK).
"""

from __future__ import annotations

import os

from ._exceptions import SettingError

__all__ = ["FLAG_OFF", "FLAG_ON", "env_flag", "env_setting"]

# Ordered: the error message lists them in this order.
#: The values that turn a flag off (case-insensitive, surrounding spaces ignored).
FLAG_OFF = ("0", "false", "no", "off")
#: The values that turn a flag on.
FLAG_ON = ("1", "true", "yes", "on")


def env_setting(variable: str) -> str:
    """The variable's value, stripped and lower-cased (``""`` when unset): settings are case-insensitive."""
    return os.environ.get(variable, "").strip().lower()


def env_flag(variable: str, *, default: bool) -> bool:
    """An on/off setting: ``1``/``true``/``yes``/``on`` is ``True``, ``0``/``false``/``no``/``off`` is
    ``False``, unset or empty is ``default``.

    Anything else raises :class:`~vllm_sdk.SettingError` naming the variable and the allowed values,
    rather than guess which one was meant.
    """
    value = env_setting(variable)
    if not value:
        return default
    if value in FLAG_ON:
        return True
    if value in FLAG_OFF:
        return False
    raise SettingError(variable, value, FLAG_OFF + FLAG_ON)
