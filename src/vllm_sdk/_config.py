"""Client configuration: defaults, environment variables, base URL and timeout normalisation (no I/O).

Environment variables (read when a client is created without the matching argument):

* ``VLLM_BASE_URL``: the server's base URL (default ``http://localhost:8000/v1``);
* ``VLLM_API_KEY``: sent as ``Authorization: Bearer ...``;
* ``VLLM_TIMEOUT``: seconds, applied to every phase (connect, read, write, pool);
* ``VLLM_MAX_RETRIES``: retries after the first attempt (default 2);
* ``VLLM_CUSTOM_HEADERS``: extra headers, one ``Name: value`` per line.

A value the client cannot use raises :class:`~vllm_sdk.SettingError` (a ``ValueError``) naming the variable.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Final, final

import httpx

from ._exceptions import SettingError

__all__ = [
    "BATCH_REQUEST_TIMEOUT",
    "DEFAULT_BASE_URL",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "NO_TIMEOUT",
    "ApiKey",
    "NotGiven",
    "TimeoutLike",
    "check_headers",
    "check_max_retries",
    "check_query",
    "env_api_key",
    "env_base_url",
    "env_custom_headers",
    "env_max_retries",
    "env_timeout",
    "join_credentials",
    "normalize_base_url",
    "parse_custom_headers",
    "resolve_timeout",
    "split_credentials",
    "to_timeout",
]

DEFAULT_BASE_URL = "http://localhost:8000/v1"

#: Generation can take minutes, so the read timeout is long; a server that does not accept a connection
#: within seconds is down, so the connect timeout is short (and a connect failure is retried).
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)

#: ``timeout=None``: no limit on any phase (as in httpx and openai-python).
NO_TIMEOUT = httpx.Timeout(None)

DEFAULT_MAX_RETRIES = 2

#: ``vllm-sdk batch --request-timeout``: the longest one attempt may take, sent to fully read. Six hours,
#: the total timeout of `vllm bench serve`'s own client: no real request takes that long.
BATCH_REQUEST_TIMEOUT = 6 * 60 * 60.0

#: Generous pool: batch workloads keep hundreds of streams open against one server. Every connection may
#: stay alive between requests: streams of a batch tend to end together, and with a smaller keep-alive cap
#: (openai-python's is 100) most of them would be closed at once and reopened by the next requests.
DEFAULT_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=1000, keepalive_expiry=30.0)

#: An API key, or a function returning one (called again for every request, so rotated keys are picked up).
ApiKey = str | Callable[[], str | None]

#: What ``timeout=`` accepts: seconds for every phase, or an :class:`httpx.Timeout`.
TimeoutLike = float | int | httpx.Timeout


@final
class NotGiven:
    """The type of :data:`NOT_GIVEN`, the default of arguments where ``None`` has a meaning of its own.

    ``timeout=None`` means "no timeout" (as in httpx and openai-python), so "use the default" needs another
    marker: leaving the argument out, or passing ``NOT_GIVEN`` (handy when forwarding an optional value).
    There is one instance; it is falsy and its ``repr`` is ``NOT_GIVEN``. Annotate your own forwarding
    functions with ``float | httpx.Timeout | NotGiven | None``.
    """

    __slots__ = ()
    _instance: ClassVar[NotGiven | None] = None

    def __new__(cls) -> NotGiven:
        # One instance, so that ``value is NOT_GIVEN`` holds however the object was made (copy, pickle).
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        # Pickled and copied by name: the module's NOT_GIVEN, never a second instance.
        return "NOT_GIVEN"


#: "Not given: use the default" (the client's default per call; ``VLLM_TIMEOUT`` or the built-in default
#: for a new client; the current value in ``with_options``). ``None`` instead means "no timeout".
NOT_GIVEN: Final = NotGiven()


def normalize_base_url(url: str, *, keep_credentials: bool = False) -> str:
    """Strip whitespace and trailing slashes; reject what cannot be a base URL with a clear ``ValueError``.

    Credentials in the URL (``http://user:pass@host/v1``) are dropped unless ``keep_credentials``
    (:func:`split_credentials` turns them into Basic auth). The error message never shows a password.
    """
    if keep_credentials or not _has_userinfo(url):
        return _checked_base_url(url)
    return split_credentials(url)[0]


def join_credentials(url: str, basic_auth: str | None) -> str:
    """``url`` with the userinfo that the ``Authorization: Basic ...`` value ``basic_auth`` carries put
    back (the inverse of :func:`split_credentials`; ``url`` unchanged when ``basic_auth`` is ``None``)."""
    import base64

    if basic_auth is None or not basic_auth.startswith("Basic "):
        return url
    user, _, password = base64.b64decode(basic_auth[len("Basic ") :]).decode().partition(":")
    return str(httpx.URL(url).copy_with(username=user, password=password)).rstrip("/")


def _checked_base_url(url: str) -> str:
    if not isinstance(url, str):
        raise TypeError(f"base_url must be a string, not {type(url).__name__}")
    cleaned = url.strip().rstrip("/")
    try:
        parsed = httpx.URL(cleaned) if cleaned else None
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(
            f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL!r}, not {_without_password(url)!r}"
        )
    return cleaned


def _has_userinfo(url: object) -> bool:
    if not isinstance(url, str):
        return False
    try:
        return bool(httpx.URL(url.strip()).userinfo)
    except httpx.InvalidURL:
        return False


def _without_password(url: str) -> str:
    """``url`` for a message: the userinfo replaced by ``***`` whatever it holds."""
    scheme, sep, rest = url.partition("://")
    if not sep:  # no scheme: the host part (and any userinfo) comes first
        scheme, rest = "", url
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}{sep}{authority}{slash}{path}"


def split_credentials(url: str) -> tuple[str, str | None]:
    """The base URL without its userinfo, and the ``Authorization: Basic ...`` value the userinfo gives
    (``None`` when the URL has none).

    ``http://user:pass@host/v1`` -> (``http://host/v1``, ``Basic dXNlcjpwYXNz``): httpx would otherwise send
    the userinfo as Basic auth in place of the API key, aiohttp refuses such URLs, and loggers print them.
    The user name and password are percent-decoded first, as in the URL standard.
    """
    import base64

    checked = _checked_base_url(url)
    parsed = httpx.URL(checked)
    if not parsed.userinfo:
        return checked, None
    credentials = f"{parsed.username}:{parsed.password}".encode()
    cleaned = str(parsed.copy_with(userinfo=b"")).rstrip("/")
    return cleaned, "Basic " + base64.b64encode(credentials).decode("ascii")


def to_timeout(value: TimeoutLike | None, *, what: str = "timeout") -> httpx.Timeout:
    """``None`` -> no timeout on any phase; seconds -> that limit on every phase; an ``httpx.Timeout`` as
    it is."""
    if value is None:
        return NO_TIMEOUT
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be seconds (a number) or an httpx.Timeout, not {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a positive number of seconds, not {value!r}")
    return httpx.Timeout(float(value))


def resolve_timeout(value: TimeoutLike | NotGiven | None, default: httpx.Timeout) -> httpx.Timeout:
    """``default`` when ``value`` is :data:`NOT_GIVEN`, else ``to_timeout(value)`` (``None``: no timeout)."""
    if isinstance(value, NotGiven):
        return default
    return to_timeout(value)


def check_max_retries(value: int, *, what: str = "max_retries") -> int:
    """A non-negative int, or a clear error."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must be >= 0, not {value}")
    return value


def check_headers(value: Mapping[str, str] | None, *, what: str = "headers") -> dict[str, str]:
    """A copy of ``value`` (``None``: empty) whose names and values are strings, or a clear ``TypeError``."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be a mapping of header names to values, not {type(value).__name__}")
    for name, item in value.items():
        if not isinstance(name, str) or not isinstance(item, str):
            raise TypeError(f"{what} names and values must be strings; {name!r} is not")
    return dict(value)


def check_query(value: Mapping[str, Any] | None, *, what: str = "default_query") -> dict[str, Any]:
    """A copy of ``value`` (``None``: empty) with string keys, or a clear ``TypeError``."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be a mapping of parameter names to values, not {type(value).__name__}")
    for name in value:
        if not isinstance(name, str):
            raise TypeError(f"{what} names must be strings, not {type(name).__name__}")
    return dict(value)


def parse_custom_headers(text: str) -> dict[str, str]:
    """Parse ``VLLM_CUSTOM_HEADERS``: one ``Name: value`` per line; blank lines are skipped.

    A line without a colon or with an empty name raises :class:`~vllm_sdk.SettingError` naming the line
    number, not its content (which may be a secret: ``.value`` is ``"<redacted>"`` too).
    """
    headers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        name = name.strip()
        if not sep or not name or any(ch.isspace() for ch in name):
            raise SettingError(
                "VLLM_CUSTOM_HEADERS",
                "<redacted>",
                expected="one 'Name: value' header per line",
                message=f"VLLM_CUSTOM_HEADERS line {number} is not 'Name: value' (the line is not shown: "
                "it may hold a credential)",
            )
        headers[name] = value.strip()
    return headers


def _env(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    return value if value and value.strip() else None


def env_base_url(environ: Mapping[str, str] | None = None) -> str:
    """``VLLM_BASE_URL`` or the default; a value that is no http(s) URL is a :class:`SettingError`."""
    value = _env("VLLM_BASE_URL", environ)
    if value is None:
        return DEFAULT_BASE_URL
    try:
        _checked_base_url(value)
    except ValueError:
        raise SettingError(
            "VLLM_BASE_URL", _without_password(value), expected=f"an http(s) URL such as {DEFAULT_BASE_URL!r}"
        ) from None
    return value


def env_api_key(environ: Mapping[str, str] | None = None) -> str | None:
    """``VLLM_API_KEY`` (stripped), or ``None``."""
    value = _env("VLLM_API_KEY", environ)
    return value.strip() if value else None


def env_timeout(environ: Mapping[str, str] | None = None) -> httpx.Timeout:
    """``VLLM_TIMEOUT`` seconds on every phase, or the default (connect 5 s, read 600 s)."""
    value = _env("VLLM_TIMEOUT", environ)
    if value is None:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    # nan, inf, 0 and negatives are no timeout a request could keep.
    if not math.isfinite(seconds) or seconds <= 0:
        raise SettingError("VLLM_TIMEOUT", value, expected="a positive number of seconds")
    return to_timeout(seconds, what="VLLM_TIMEOUT")


def env_max_retries(environ: Mapping[str, str] | None = None) -> int:
    """``VLLM_MAX_RETRIES`` or the default (2)."""
    value = _env("VLLM_MAX_RETRIES", environ)
    if value is None:
        return DEFAULT_MAX_RETRIES
    try:
        number = int(value.strip())
    except ValueError:
        number = -1
    if number < 0:
        raise SettingError("VLLM_MAX_RETRIES", value, expected="a whole number >= 0")
    return number


def env_custom_headers(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``VLLM_CUSTOM_HEADERS`` parsed (see :func:`parse_custom_headers`)."""
    value = _env("VLLM_CUSTOM_HEADERS", environ)
    return parse_custom_headers(value) if value else {}
