"""The one-line install hint a command prints when an optional dependency is missing (never a traceback).

Every command runs under :func:`missing_dependency_hint`'s check in ``_main.main``: an ``ImportError`` of a
module that an extra of ``vllm-python-sdk`` provides becomes ``error: ... pip install "vllm-python-sdk[x]"``
and exit status 1; any other ``ImportError`` is a bug and propagates.
"""

from __future__ import annotations

__all__ = ["EXTRAS", "missing_dependency_hint"]

#: Top-level module -> the extra that installs it (``None``: a dependency of the package itself, missing only
#: from an install made with ``pip install --no-deps``).
EXTRAS: dict[str, str | None] = {
    "aiohttp": None,
    "rich": "cli",
    "orjson": None,
    "opentelemetry": "otel",
}


def _missing_module(exc: BaseException) -> str | None:
    """The top-level name of the optional module whose absence caused ``exc`` (its chain included)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ImportError) and current.name:
            top = current.name.partition(".")[0]
            if top in EXTRAS:
                return top
        current = current.__cause__ or current.__context__
    return None


def missing_dependency_hint(exc: ImportError, command: str) -> str | None:
    """``"vllm-sdk <command> needs aiohttp, which is not installed: pip install ..."``, or ``None`` when
    ``exc`` is not about an optional dependency."""
    module = _missing_module(exc)
    if module is None:
        return None
    extra = EXTRAS[module]
    if extra is None:
        return (
            f"vllm-sdk {command} needs {module}, a dependency of vllm-python-sdk that is not installed "
            f"(installed with --no-deps?): pip install {module}"
        )
    return (
        f'vllm-sdk {command} needs {module}, which is not installed: pip install "vllm-python-sdk[{extra}]"'
    )
