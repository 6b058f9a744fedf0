"""Retry decisions and back-off (no I/O, no sleeping: the clients sleep with the delay computed here).

Policy: at most ``max_retries`` retries after the first attempt; only errors whose ``is_retryable`` is true
(connection errors, timeouts, 408, 409, 429, 5xx) are retried. The delay before retry ``n`` (0-based) is
``0.5 s x 2**n`` capped at 8 s, with up to 25 % jitter taken off so that many clients do not retry in
lock-step. A server's ``retry-after-ms`` or ``retry-after`` header (seconds or an HTTP date) wins when it
asks for at most 60 s; a longer or nonsensical request falls back to the computed back-off.
"""

from __future__ import annotations

import datetime
import email.utils
import math
import random
import time
from typing import TYPE_CHECKING

from ._exceptions import ApiError, VllmError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["BACKOFF_BASE", "BACKOFF_CAP", "RETRY_AFTER_MAX", "backoff_delay", "retry_after", "should_retry"]

BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
#: The longest ``Retry-After`` honoured; beyond it the client's own back-off applies.
RETRY_AFTER_MAX = 60.0
JITTER = 0.25


def should_retry(error: VllmError, retries_done: int, max_retries: int) -> bool:
    """Whether to send the request again after ``error``, having already retried ``retries_done`` times."""
    return retries_done < max_retries and error.is_retryable


def retry_after(headers: Mapping[str, str], *, now: Callable[[], float] = time.time) -> float | None:
    """The wait a server asked for, in seconds: ``retry-after-ms``, else ``retry-after`` as seconds or an
    HTTP date. ``None`` when absent, unparsable, negative or longer than :data:`RETRY_AFTER_MAX`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    seconds: float | None = None
    ms = lowered.get("retry-after-ms")
    if ms is not None:
        try:
            seconds = float(ms) / 1000.0
        except ValueError:
            seconds = None
    if seconds is None and (value := lowered.get("retry-after")) is not None:
        try:
            seconds = float(value)
        except ValueError:
            seconds = _http_date_delay(value, now)
    if seconds is None or not math.isfinite(seconds) or seconds < 0 or seconds > RETRY_AFTER_MAX:
        return None
    return seconds


def _http_date_delay(value: str, now: Callable[[], float]) -> float | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # HTTP dates are GMT; a zone-less one is read that way
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp() - now()


def backoff_delay(
    retries_done: int,
    error: BaseException | None = None,
    *,
    base: float = BACKOFF_BASE,
    cap: float = BACKOFF_CAP,
    rand: Callable[[], float] = random.random,
    now: Callable[[], float] = time.time,
) -> float:
    """Seconds to wait before retry number ``retries_done`` (0 for the first retry): the server's
    ``retry-after-ms`` / ``Retry-After`` when it sent one, else ``base x 2**n`` capped at ``cap``, jittered.

    The one back-off policy of the SDK: the clients call it with the defaults, the batch runner with its own
    ``base`` and ``cap``."""
    if isinstance(error, ApiError):
        asked = retry_after(error.headers, now=now)
        if asked is not None:
            return asked
    delay = min(base * (2.0 ** min(retries_done, 30)), cap)
    return delay * (1.0 - JITTER * rand())
