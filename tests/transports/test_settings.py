"""A bad value of either environment setting of the transports fails the same way: a typed ``VllmError``
(and ``ValueError``) naming the variable, the value and the allowed values."""

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
        (TRANSPORT_ENV, " Curl ", selected_transport, TransportSettingError, ("httpx", "aiohttp")),
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


def test_the_two_errors_are_distinct() -> None:
    assert not issubclass(TransportSettingError, LoopSettingError)
    assert not issubclass(LoopSettingError, TransportSettingError)
