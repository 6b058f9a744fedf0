"""Every setting the client reads fails the same way on a bad value: one exported ``SettingError`` (a
``VllmError`` and a ``ValueError``, never retryable) naming the variable and the value, with ``variable``,
``value``, ``allowed`` and ``expected`` as attributes."""

from __future__ import annotations

import logging
import pickle

import pytest

import vllm_sdk
from vllm_sdk import AsyncVllmClient, SettingError, VllmClient, VllmError
from vllm_sdk._transports import (
    TRANSPORT_ENV,
    UVLOOP_ENV,
    EnvSettingError,
    LoopSettingError,
    TransportSettingError,
    new_event_loop,
    selected_loop,
    selected_transport,
)

CLIENTS = [VllmClient, AsyncVllmClient]


@pytest.fixture(autouse=True)
def _fresh_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """``VLLM_SDK_LOG`` is read by the first client of the process: make every test's client the first."""
    from vllm_sdk import _logging

    monkeypatch.setattr(_logging, "_configured", False)
    monkeypatch.setattr(logging.getLogger("vllm_sdk"), "level", logging.NOTSET)
    monkeypatch.setattr(logging.getLogger("vllm_sdk"), "handlers", [])
    monkeypatch.delenv("VLLM_SDK_LOG", raising=False)


def _check(error: SettingError, variable: str, value: str) -> str:
    assert type(error) is SettingError
    assert isinstance(error, VllmError)
    assert isinstance(error, ValueError)
    assert error.is_retryable is False
    assert error.variable == variable
    assert error.value == value
    assert error.expected
    message = str(error)
    assert message.startswith(variable)
    return message


@pytest.mark.parametrize("client_type", CLIENTS)
@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("VLLM_TIMEOUT", "soon", "a positive number of seconds"),
        ("VLLM_TIMEOUT", "-1", "a positive number of seconds"),
        ("VLLM_TIMEOUT", "0", "a positive number of seconds"),
        ("VLLM_TIMEOUT", "nan", "a positive number of seconds"),
        ("VLLM_TIMEOUT", "inf", "a positive number of seconds"),
        ("VLLM_MAX_RETRIES", "two", "a whole number >= 0"),
        ("VLLM_MAX_RETRIES", "-1", "a whole number >= 0"),
        ("VLLM_MAX_RETRIES", "1.5", "a whole number >= 0"),
        ("VLLM_BASE_URL", "ftp://host/v1", "an http(s) URL such as 'http://localhost:8000/v1'"),
        ("VLLM_BASE_URL", "localhost:8000", "an http(s) URL such as 'http://localhost:8000/v1'"),
    ],
)
def test_a_bad_client_variable_is_a_setting_error_naming_it_and_its_value(
    monkeypatch: pytest.MonkeyPatch, client_type: type[VllmClient], variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingError) as caught:
        client_type()
    message = _check(caught.value, variable, value)
    assert caught.value.allowed == ()
    assert caught.value.expected == expected
    assert repr(value) in message
    assert expected in message


@pytest.mark.parametrize("client_type", CLIENTS)
def test_a_bad_base_url_variable_does_not_show_its_password(
    monkeypatch: pytest.MonkeyPatch, client_type: type[VllmClient]
) -> None:
    monkeypatch.setenv("VLLM_BASE_URL", "ftp://user:hunter2@host/v1")
    with pytest.raises(SettingError) as caught:
        client_type()
    _check(caught.value, "VLLM_BASE_URL", "ftp://***@host/v1")
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(caught.value.__dict__)


@pytest.mark.parametrize("client_type", CLIENTS)
@pytest.mark.parametrize(
    "text", ["X-Ok: 1\nsecret-token-without-colon", "X-Ok: 1\n\n: no-name", "Bad Name: 1"]
)
def test_a_bad_custom_headers_line_is_a_setting_error_that_keeps_the_line_secret(
    monkeypatch: pytest.MonkeyPatch, client_type: type[VllmClient], text: str
) -> None:
    monkeypatch.setenv("VLLM_CUSTOM_HEADERS", text)
    with pytest.raises(SettingError) as caught:
        client_type()
    message = _check(caught.value, "VLLM_CUSTOM_HEADERS", "<redacted>")
    bad_line = len(text.splitlines())
    assert f"line {bad_line}" in message
    assert "secret" not in message
    assert "no-name" not in message
    assert "'Name: value'" in caught.value.expected


@pytest.mark.parametrize("client_type", CLIENTS)
def test_a_bad_log_level_is_a_setting_error_listing_the_levels(
    monkeypatch: pytest.MonkeyPatch, client_type: type[VllmClient]
) -> None:
    monkeypatch.setenv("VLLM_SDK_LOG", " Loud ")
    for _ in range(2):  # not marked configured: the next client fails the same way
        with pytest.raises(SettingError) as caught:
            client_type()
        message = _check(caught.value, "VLLM_SDK_LOG", "Loud")
        assert caught.value.allowed == ("debug", "info", "warning", "error", "critical")
        assert "'Loud'" in message
        assert "'debug'" in message
    monkeypatch.setenv("VLLM_SDK_LOG", "INFO")
    client_type()
    assert logging.getLogger("vllm_sdk").level == logging.INFO


@pytest.mark.parametrize(
    ("variable", "value", "check"),
    [(UVLOOP_ENV, " Maybe ", selected_loop), (UVLOOP_ENV, "2", new_event_loop)],
)
def test_a_bad_uvloop_setting_is_a_setting_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, check: object
) -> None:
    monkeypatch.setenv(variable, value)
    assert callable(check)
    with pytest.raises(SettingError) as caught:
        check()
    message = _check(caught.value, variable, value.strip().lower())
    assert caught.value.allowed == ("0", "false", "no", "off", "1", "true", "yes", "on")
    assert message.startswith(f"{variable} must be one of ")
    for name in caught.value.allowed:
        assert repr(name) in message


def test_a_bad_transport_variable_is_a_setting_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TRANSPORT_ENV, " Curl ")
    with pytest.raises(SettingError) as caught:
        selected_transport()
    message = _check(caught.value, TRANSPORT_ENV, "curl")
    assert caught.value.allowed == ("wire", "aiohttp", "httpx")
    assert "'curl'" in message
    for name in caught.value.allowed:
        assert repr(name) in message


@pytest.mark.parametrize("client_type", CLIENTS)
def test_a_bad_transport_argument_is_a_setting_error(client_type: type[VllmClient]) -> None:
    with pytest.raises(SettingError) as caught:
        client_type(transport="curl")  # type: ignore[arg-type]
    message = _check(caught.value, "transport", "curl")
    assert caught.value.allowed == ("wire", "aiohttp", "httpx")
    assert message == "transport must be 'wire', 'aiohttp', 'httpx' or None, not 'curl'"


def test_the_old_names_are_the_one_class() -> None:
    assert EnvSettingError is SettingError
    assert LoopSettingError is SettingError
    assert TransportSettingError is SettingError
    assert "SettingError" in vllm_sdk.__all__
    assert vllm_sdk.SettingError is SettingError


def test_existing_value_error_handlers_keep_catching_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_MAX_RETRIES", "many")
    with pytest.raises(ValueError) as caught:  # what code written before SettingError existed catches
        VllmClient()
    assert isinstance(caught.value, SettingError)


def test_a_setting_error_survives_pickling_with_its_fields() -> None:
    error = SettingError("VLLM_SDK_UVLOOP", "2", ("0", "1"))
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is SettingError
    assert (copy.variable, copy.value, copy.allowed, copy.expected) == (
        error.variable,
        error.value,
        error.allowed,
        error.expected,
    )
    assert str(copy) == str(error) == "VLLM_SDK_UVLOOP must be one of '0', '1' (case-insensitive), not '2'"


@pytest.mark.parametrize("command", [["models"], ["batch", "in.jsonl", "-o", "out.jsonl"]])
def test_the_command_names_a_bad_base_url_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    from vllm_sdk.cli import main

    monkeypatch.setenv("VLLM_BASE_URL", "ftp://user:hunter2@host/v1")
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "VLLM_BASE_URL must be an http(s) URL" in err
    assert "'ftp://***@host/v1'" in err
    assert "hunter2" not in err
