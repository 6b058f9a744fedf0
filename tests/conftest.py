"""Root fixtures: the streaming engine builds every engine test runs against.

``engine`` is a session fixture parametrised over the pure-Python build and, when it can be imported, the
compiled one; ``--no-c-extensions`` (or ``VLLM_SDK_NO_EXTENSIONS=1``) leaves the compiled build out.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from reference_data import TRANSCRIPTS, require
from vllm_sdk._speedups import NO_EXTENSIONS

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType


# Hypothesis: under CI (``CI`` set) every property test draws the same examples on every run
# (``derandomize``), so a red build is reproducible and a green one is not luck; the edge cases that
# matter are pinned with ``@example`` in the tests themselves. Locally the search stays random (hypothesis'
# defaults, its example database in the git-ignored .hypothesis/) to find new cases.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-c-extensions",
        action="store_true",
        default=False,
        help="Run the streaming-engine tests against the pure-Python build only.",
    )


def _c_module() -> ModuleType | None:
    try:
        return importlib.import_module("vllm_sdk._speedups._sse_c")
    except ImportError:
        return None


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("python", id="py"),
        pytest.param("c", id="c"),
    ],
)
def engine(request: pytest.FixtureRequest) -> ModuleType:
    """The engine module under test: ``_sse_py`` or ``_sse_c`` (same names: SSEDecoder, parsers)."""
    if request.param == "python":
        return importlib.import_module("vllm_sdk._speedups._sse_py")
    if request.config.getoption("--no-c-extensions") or NO_EXTENSIONS:
        pytest.skip("compiled build disabled (--no-c-extensions / VLLM_SDK_NO_EXTENSIONS)")
    module = _c_module()
    if module is None:
        pytest.skip("compiled build not available (run: python setup.py build_ext --inplace)")
    return module


@pytest.fixture(scope="session")
def both_engines(request: pytest.FixtureRequest) -> tuple[ModuleType, ModuleType]:
    """The pure-Python and the compiled build together, for differential tests (skips without C)."""
    if request.config.getoption("--no-c-extensions") or NO_EXTENSIONS:
        pytest.skip("compiled build disabled (--no-c-extensions / VLLM_SDK_NO_EXTENSIONS)")
    module = _c_module()
    if module is None:
        pytest.skip("compiled build not available (run: python setup.py build_ext --inplace)")
    return importlib.import_module("vllm_sdk._speedups._sse_py"), module


@pytest.fixture
def reference_transcripts() -> Path:
    """The recorded vLLM 0.32.0 exchanges (``tests/data/reference/transcripts``).

    Missing, they skip the test, or fail it when ``CI`` is set.
    """
    return require(TRANSCRIPTS)
