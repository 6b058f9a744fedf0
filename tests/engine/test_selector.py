"""The build selector: the compiled engine loads when it should, and the switches turn it off."""

from __future__ import annotations

import importlib.util
import os
import platform
import subprocess
import sys

import pytest

import vllm_sdk._speedups as speedups
from vllm_sdk import sse, streaming
from vllm_sdk._speedups import _sse_py


def _extension_built() -> bool:
    return importlib.util.find_spec("vllm_sdk._speedups._sse_c") is not None


def test_compiled_build_loaded_when_it_should(request: pytest.FixtureRequest) -> None:
    """Guard: on CPython, with the extension built and no opt-out, the selector must pick it."""
    if request.config.getoption("--no-c-extensions") or speedups.NO_EXTENSIONS:
        pytest.skip("compiled build disabled on purpose")
    if platform.python_implementation() != "CPython":
        pytest.skip("the compiled build is CPython-only")
    if not _extension_built():
        pytest.skip("extension not built (python setup.py build_ext --inplace)")
    assert speedups.IMPLEMENTATION == "c"
    assert speedups.ChatStreamParser.__module__ == "vllm_sdk._speedups._sse_c"
    assert sse.CSSEDecoder is not None
    assert sse.SSEDecoder is sse.CSSEDecoder
    assert streaming.IMPLEMENTATION == "c"


def test_pure_python_names_always_present() -> None:
    assert sse.PySSEDecoder is _sse_py.SSEDecoder
    assert _sse_py.PySSEDecoder is _sse_py.SSEDecoder
    assert speedups.IMPLEMENTATION in ("c", "python")


def test_builds_expose_the_same_names() -> None:
    if not _extension_built():
        pytest.skip("extension not built")
    from vllm_sdk._speedups import _sse_c  # type: ignore[attr-defined,unused-ignore]

    for name in ("SSEDecoder", "ChatStreamParser", "CompletionStreamParser"):
        py, c = getattr(_sse_py, name), getattr(_sse_c, name)
        public = {n for n in dir(py) if not n.startswith("_")}
        assert public <= set(dir(c)), (name, public - set(dir(c)))


def test_env_var_forces_pure_python() -> None:
    code = (
        "import vllm_sdk._speedups as s, vllm_sdk.sse as e;"
        "print(s.IMPLEMENTATION, e.CSSEDecoder, s.ChatStreamParser.__module__)"
    )
    env = {**os.environ, "VLLM_SDK_NO_EXTENSIONS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["python", "None", "vllm_sdk._speedups._sse_py"]
