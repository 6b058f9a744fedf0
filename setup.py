"""Build script: compiles the optional Cython speedups when it can, else builds a pure-Python package.

The extension is built when all of these hold: the interpreter is CPython, ``VLLM_SDK_NO_EXTENSIONS`` is
off (unset, empty, ``0``/``false``/``no``/``off``; the package reads it the same way), Cython is
importable and a C compiler works. Any failure along the way falls back to the pure-Python twin
(``vllm_sdk._speedups._sse_py``), which behaves identically; the build says which it made.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
SPEEDUPS = HERE / "src" / "vllm_sdk" / "_speedups"


def _no_extensions() -> bool:
    """``VLLM_SDK_NO_EXTENSIONS`` as ``vllm_sdk._env.env_flag`` reads it (the build cannot import it)."""
    value = os.environ.get("VLLM_SDK_NO_EXTENSIONS", "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise SystemExit(f"VLLM_SDK_NO_EXTENSIONS must be one of 0/false/no/off or 1/true/yes/on, not {value!r}")


def _want_extensions() -> tuple[bool, str]:
    if _no_extensions():
        return False, "VLLM_SDK_NO_EXTENSIONS is on"
    if platform.python_implementation() != "CPython":
        return False, f"{platform.python_implementation()} is not CPython"
    try:
        import Cython  # noqa: F401
    except ImportError:
        return False, "Cython is not installed"
    return True, ""


class OptionalBuildExt(build_ext):
    """A build_ext that reports, and survives, a missing or broken C compiler."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # a missing compiler surfaces as several distutils error types
            self._fallback(exc)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            self._fallback(exc)
            return
        print(f"vllm_sdk: built accelerated extension {ext.name}", file=sys.stderr)

    @staticmethod
    def _fallback(exc: BaseException) -> None:
        print(
            f"vllm_sdk: WARNING: could not compile the C extension ({exc!r}); "
            "building the pure-Python package instead",
            file=sys.stderr,
        )


def _extensions() -> list[Extension]:
    wanted, why = _want_extensions()
    if not wanted:
        print(f"vllm_sdk: building the pure-Python package ({why})", file=sys.stderr)
        return []
    from Cython.Build import cythonize

    sources = sorted(SPEEDUPS.glob("*.pyx"))
    exts = [
        Extension(
            f"vllm_sdk._speedups.{src.stem}",
            [str(src.relative_to(HERE))],
            extra_compile_args=["-O3"] if sys.platform != "win32" else ["/O2"],
        )
        for src in sources
    ]
    return list(
        cythonize(
            exts,
            compiler_directives={
                "language_level": "3",
                "boundscheck": False,
                "wraparound": False,
                "cdivision": True,
                "embedsignature": True,
                "freethreading_compatible": True,
            },
            quiet=True,
        )
    )


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
