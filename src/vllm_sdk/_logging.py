"""The ``vllm_sdk`` logger and the redaction of secrets in everything it (or ``repr``) prints.

``VLLM_SDK_LOG=debug`` (or ``info``, ``warning``) sets the logger's level and, when the application has
not configured logging for it, adds a stderr handler, so one environment variable is enough to see every
request (any other value is a :class:`~vllm_sdk.SettingError`). Retries are logged at INFO; requests and
responses at DEBUG. Header values that carry secrets (``Authorization``, API keys, cookies, tokens) and
passwords in URLs never reach a log line.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping

import httpx

from ._exceptions import SettingError

__all__ = ["logger", "redact_api_key", "redact_headers", "redact_url", "setup_logging"]

logger = logging.getLogger("vllm_sdk")

_SECRET_EXACT = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_SECRET_PARTS = ("key", "token", "secret", "password", "auth", "session")
REDACTED = "<redacted>"

_configured = False

#: The level names the error lists (``logging`` also takes ``warn``, ``fatal`` and ``notset``).
_LEVELS = ("debug", "info", "warning", "error", "critical")


def setup_logging(environ: Mapping[str, str] | None = None) -> None:
    """Apply ``VLLM_SDK_LOG`` once per process (called when the first client is created)."""
    global _configured
    if _configured:
        return
    raw = (os.environ if environ is None else environ).get("VLLM_SDK_LOG", "")
    level_name = raw.strip().upper()
    level = logging.getLevelName(level_name) if level_name else None
    if level_name and not isinstance(level, int):
        # Not marked configured: every client created with the bad value fails the same way.
        raise SettingError("VLLM_SDK_LOG", raw.strip(), _LEVELS)
    _configured = True
    if not isinstance(level, int):
        return
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)


def is_secret_header(name: str) -> bool:
    """Whether a header's value must not be shown (``Authorization``, ``X-Api-Key``, cookies, tokens...)."""
    lowered = name.lower()
    return lowered in _SECRET_EXACT or any(part in lowered for part in _SECRET_PARTS)


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """A copy of ``headers`` with secret values replaced by ``<redacted>``."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {name: (REDACTED if is_secret_header(name) else value) for name, value in items}


def redact_url(url: str | httpx.URL) -> str:
    """The URL with any password (and secret-looking query values) replaced."""
    parsed = httpx.URL(str(url))
    if parsed.password:
        # copy_with(password=...) alone would drop the user name (httpx rebuilds the userinfo from both).
        parsed = parsed.copy_with(username=parsed.username, password=REDACTED)
    if parsed.query:
        params = [(k, REDACTED if is_secret_header(k) else v) for k, v in parsed.params.multi_items()]
        parsed = parsed.copy_with(params=params)
    return str(parsed).replace("%3Credacted%3E", REDACTED)


def redact_api_key(key: object) -> str:
    """How an API key appears in ``repr``: never its value."""
    if key is None:
        return "None"
    if callable(key):
        return "<callable>"
    return "'<redacted>'"
