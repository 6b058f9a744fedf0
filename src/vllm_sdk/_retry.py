"""Retry decisions and back-off: the one policy of the SDK, used by the clients and by batches alike.

No I/O and no sleeping here: the callers sleep for the delay computed here.

A :class:`RetryPolicy` allows at most ``max_retries`` retries after the first attempt, and only of errors
whose ``is_retryable`` is true (connection errors, timeouts, 408, 409, 429, 5xx). The delay before retry
``n`` (0-based) is ``base x 2**n`` capped at ``cap``, with up to ``jitter`` of it (a fraction) taken off
at random, so that many clients do not retry in lock-step. A server's ``retry-after-ms`` or
``retry-after`` header (seconds or an HTTP date) wins, shorter or longer than the computed delay, when it
asks for at most ``retry_after_max`` seconds: the server knows its own load best. A longer or
nonsensical request falls back to the computed back-off, so one bad header cannot stall a caller.

The clients use :data:`DEFAULT_POLICY` (0.5 s doubling up to 8 s, 25 % jitter, ``Retry-After`` up to
60 s) through :func:`should_retry` and :func:`backoff_delay`; a batch uses the same policy with its own
``max_retries`` (see :mod:`vllm_sdk.batch`).
"""

from __future__ import annotations

import dataclasses
import datetime
import email.utils
import math
import random
import time
from typing import TYPE_CHECKING

from ._config import DEFAULT_MAX_RETRIES, check_max_retries
from ._exceptions import ApiError, VllmError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "DEFAULT_POLICY",
    "JITTER",
    "RETRY_AFTER_MAX",
    "RetryPolicy",
    "backoff_delay",
    "retry_after",
    "should_retry",
]

#: Delay before the first retry, in seconds (doubled on every further retry).
BACKOFF_BASE = 0.5
#: The longest computed delay, in seconds.
BACKOFF_CAP = 8.0
#: The longest ``Retry-After`` honoured; beyond it the computed back-off applies.
RETRY_AFTER_MAX = 60.0
#: The largest fraction of a computed delay taken off at random.
JITTER = 0.25

# 2**30 x any sane base is far beyond any cap: bounding the exponent keeps the float finite.
_MAX_EXPONENT = 30


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times to retry a failed request, and how long to wait before each retry.

    ``max_retries`` counts the retries after the first attempt; ``base`` and ``cap`` (seconds) shape the
    exponential back-off; ``jitter`` (0 to 1) is the largest fraction of a delay taken off at random
    (1.0 is "full jitter"); ``retry_after_max`` (seconds) is the longest server ``Retry-After`` obeyed.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    base: float = BACKOFF_BASE
    cap: float = BACKOFF_CAP
    jitter: float = JITTER
    retry_after_max: float = RETRY_AFTER_MAX

    def __post_init__(self) -> None:
        # Checked once here, so that a bad setting fails where it is made rather than mid-retry.
        check_max_retries(self.max_retries)
        for name in ("base", "cap", "retry_after_max"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
        if not (isinstance(self.jitter, (int, float)) and 0.0 <= self.jitter <= 1.0):
            raise ValueError(f"jitter must be between 0 and 1, not {self.jitter!r}")

    def should_retry(self, error: BaseException, retries_done: int) -> bool:
        """Whether to send the request again after ``error``, having already retried ``retries_done`` times.

        Only the SDK's own errors say whether they are worth repeating; anything else (a bug, a bad
        argument) is never retried.
        """
        return retries_done < self.max_retries and isinstance(error, VllmError) and error.is_retryable

    def retry_after(
        self, headers: Mapping[str, str], *, now: Callable[[], float] = time.time
    ) -> float | None:
        """The wait a server asked for, in seconds: ``retry-after-ms``, else ``retry-after`` as seconds or
        an HTTP date. ``None`` when absent, unparsable, negative or longer than ``retry_after_max``."""
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
        if seconds is None or not math.isfinite(seconds) or seconds < 0 or seconds > self.retry_after_max:
            return None
        return seconds

    def delay(
        self,
        retries_done: int,
        error: BaseException | None = None,
        *,
        rand: Callable[[], float] = random.random,
        now: Callable[[], float] = time.time,
    ) -> float:
        """Seconds to wait before retry number ``retries_done`` (0 for the first retry) after ``error``.

        The server's ``retry-after-ms`` / ``Retry-After`` when it sent an acceptable one, else
        ``base x 2**retries_done`` capped at ``cap``, less up to ``jitter`` of it. ``rand`` (uniform in
        [0, 1)) and ``now`` (epoch seconds, for HTTP dates) are there for tests.
        """
        if isinstance(error, ApiError):
            asked = self.retry_after(error.headers, now=now)
            if asked is not None:
                return asked
        computed = min(self.base * (2.0 ** min(max(retries_done, 0), _MAX_EXPONENT)), self.cap)
        return computed * (1.0 - self.jitter * rand())


def _http_date_delay(value: str, now: Callable[[], float]) -> float | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # HTTP dates are GMT; a zone-less one is read that way
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp() - now()


#: The clients' policy (their ``max_retries`` is their own setting, passed to :func:`should_retry`).
DEFAULT_POLICY = RetryPolicy()


def should_retry(error: VllmError, retries_done: int, max_retries: int) -> bool:
    """Whether to send the request again after ``error``, having already retried ``retries_done`` times
    (:meth:`RetryPolicy.should_retry` of the default policy with the caller's ``max_retries``)."""
    return dataclasses.replace(DEFAULT_POLICY, max_retries=max_retries).should_retry(error, retries_done)


def retry_after(headers: Mapping[str, str], *, now: Callable[[], float] = time.time) -> float | None:
    """The wait a server asked for, per the default policy (see :meth:`RetryPolicy.retry_after`)."""
    return DEFAULT_POLICY.retry_after(headers, now=now)


def backoff_delay(
    retries_done: int,
    error: BaseException | None = None,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    rand: Callable[[], float] = random.random,
    now: Callable[[], float] = time.time,
) -> float:
    """Seconds to wait before retry number ``retries_done`` (0 for the first retry) after ``error``:
    :meth:`RetryPolicy.delay` of ``policy`` (the clients leave it at :data:`DEFAULT_POLICY`)."""
    return policy.delay(retries_done, error, rand=rand, now=now)
