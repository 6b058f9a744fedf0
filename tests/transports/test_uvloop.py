"""The event loops the SDK creates itself: uvloop when installed, asyncio's loop when blocked or opted out."""

from __future__ import annotations

import asyncio
import sys
import warnings

import pytest

from vllm_sdk._transports import UVLOOP_ENV, new_event_loop, run, selected_loop


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UVLOOP_ENV, raising=False)


def block_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import uvloop`` fail as it does where uvloop is not installed (a None entry in sys.modules)."""
    monkeypatch.setitem(sys.modules, "uvloop", None)


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_uvloop_is_used_when_installed() -> None:
    uvloop = pytest.importorskip("uvloop")
    assert selected_loop() == "uvloop"
    assert run(_loop_module()).startswith("uvloop")
    loop = new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_asyncio_loop_when_uvloop_cannot_be_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    block_uvloop(monkeypatch)
    assert selected_loop() == "asyncio"
    assert run(_loop_module()).startswith("asyncio")
    loop = new_event_loop()
    try:
        assert type(loop).__module__.startswith("asyncio")
    finally:
        loop.close()


@pytest.mark.parametrize("value", ["0", "false", "No", " off "])
def test_the_env_var_opts_out(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(UVLOOP_ENV, value)
    assert selected_loop() == "asyncio"
    assert run(_loop_module()).startswith("asyncio")


@pytest.mark.parametrize("value", ["1", "true", "YES", "on", ""])
def test_on_means_uvloop_if_installed_and_never_an_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(UVLOOP_ENV, value)
    block_uvloop(monkeypatch)
    assert selected_loop() == "asyncio"  # asked for, but missing: the fallback, not an error
    assert run(_loop_module()).startswith("asyncio")


def test_an_unknown_value_is_refused_and_the_coroutine_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(UVLOOP_ENV, "maybe")
    with pytest.raises(ValueError, match="VLLM_SDK_UVLOOP"):
        selected_loop()
    with pytest.raises(ValueError, match="VLLM_SDK_UVLOOP"):
        new_event_loop()
    coro = _loop_module()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="'maybe'"):
            run(coro)
        del coro
    assert not [w for w in caught if "never awaited" in str(w.message)]


def test_run_returns_the_result_and_propagates_errors() -> None:
    async def fails() -> None:
        raise KeyError("boom")

    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert run(answer()) == 42
    with pytest.raises(KeyError, match="boom"):
        run(fails())
