"""The SDK's on/off environment settings share one parser: ``1/true/yes/on`` on, ``0/false/no/off`` off,
unset or empty the default, anything else a ``SettingError`` naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from vllm_sdk import SettingError
from vllm_sdk._env import FLAG_OFF, FLAG_ON, env_flag

VARIABLE = "VLLM_SDK_TEST_FLAG"


@pytest.mark.parametrize("value", [*FLAG_ON, "TRUE", " On ", "Yes"])
@pytest.mark.parametrize("default", [False, True])
def test_on_values(monkeypatch: pytest.MonkeyPatch, value: str, default: bool) -> None:
    monkeypatch.setenv(VARIABLE, value)
    assert env_flag(VARIABLE, default=default) is True


@pytest.mark.parametrize("value", [*FLAG_OFF, "FALSE", " Off ", "No"])
@pytest.mark.parametrize("default", [False, True])
def test_off_values(monkeypatch: pytest.MonkeyPatch, value: str, default: bool) -> None:
    monkeypatch.setenv(VARIABLE, value)
    assert env_flag(VARIABLE, default=default) is False


@pytest.mark.parametrize("value", [None, "", "  "])
@pytest.mark.parametrize("default", [False, True])
def test_unset_or_empty_is_the_default(
    monkeypatch: pytest.MonkeyPatch, value: str | None, default: bool
) -> None:
    if value is None:
        monkeypatch.delenv(VARIABLE, raising=False)
    else:
        monkeypatch.setenv(VARIABLE, value)
    assert env_flag(VARIABLE, default=default) is default


@pytest.mark.parametrize("value", ["2", "maybe", "enable", "o"])
def test_anything_else_is_a_setting_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(VARIABLE, value)
    with pytest.raises(SettingError) as caught:
        env_flag(VARIABLE, default=False)
    assert caught.value.variable == VARIABLE
    assert caught.value.value == value
    assert caught.value.allowed == FLAG_OFF + FLAG_ON


def _import_speedups(value: str) -> subprocess.CompletedProcess[str]:
    code = "import vllm_sdk._speedups as s; print(s.NO_EXTENSIONS)"
    env = {**os.environ, "VLLM_SDK_NO_EXTENSIONS": value}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="the compiled build is CPython-only")
@pytest.mark.parametrize("value", ["0", "false", "no", "off", "OFF", ""])
def test_no_extensions_off_values_keep_the_compiled_build_allowed(value: str) -> None:
    out = _import_speedups(value)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False"]


@pytest.mark.parametrize("value", ["1", "true", "yes", "on"])
def test_no_extensions_on_values_rule_the_compiled_build_out(value: str) -> None:
    out = _import_speedups(value)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True"]


def test_a_bad_no_extensions_value_is_a_setting_error_naming_it() -> None:
    out = _import_speedups("sometimes")
    assert out.returncode != 0
    assert "SettingError: VLLM_SDK_NO_EXTENSIONS must be one of" in out.stderr
    assert "'sometimes'" in out.stderr
