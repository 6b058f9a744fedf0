"""A bad value of either environment setting of the transports fails the same way: a typed ``VllmError``
(and ``ValueError``) naming the variable, the value and the allowed values (``VLLM_SDK_UVLOOP``'s with
them as attributes too)."""

from __future__ import annotations

import pytest

from vllm_sdk import VllmError
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


@pytest.mark.parametrize(
    ("variable", "value", "check", "error_type", "allowed"),
    [
        (
            UVLOOP_ENV,
            "Maybe",
            selected_loop,
            LoopSettingError,
            ("0", "false", "no", "off", "1", "true", "yes", "on"),
        ),
        (
            UVLOOP_ENV,
            "2",
            new_event_loop,
            LoopSettingError,
            ("0", "false", "no", "off", "1", "true", "yes", "on"),
        ),
    ],
)
def test_a_bad_value_is_one_typed_error(
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    check: object,
    error_type: type[EnvSettingError],
    allowed: tuple[str, ...],
) -> None:
    monkeypatch.setenv(variable, value)
    assert callable(check)
    with pytest.raises(error_type) as caught:
        check()
    error = caught.value
    assert isinstance(error, EnvSettingError)
    assert isinstance(error, VllmError)
    assert isinstance(error, ValueError)
    assert error.variable == variable
    assert error.value == value.strip().lower()
    assert error.allowed == allowed
    message = str(error)
    assert message.startswith(f"{variable} must be one of ")
    assert repr(value.strip().lower()) in message
    for name in allowed:
        assert repr(name) in message


def test_a_bad_transport_is_a_typed_error_naming_the_allowed_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TRANSPORT_ENV, " Curl ")
    with pytest.raises(TransportSettingError) as caught:
        selected_transport()
    assert isinstance(caught.value, VllmError)
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert TRANSPORT_ENV in message
    assert "'curl'" in message
    for name in ("wire", "aiohttp", "httpx"):
        assert name in message


def test_the_two_errors_are_distinct() -> None:
    assert not issubclass(TransportSettingError, LoopSettingError)
    assert not issubclass(LoopSettingError, TransportSettingError)
