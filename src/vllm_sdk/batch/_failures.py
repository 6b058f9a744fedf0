"""Which failures of a batch request are worth another attempt: in the run, and on a rerun.

The client's rule (:attr:`vllm_sdk.VllmError.is_retryable`: transport errors, timeouts, 408, 409, 429 and
5xx) plus one of the batch's own: a stream that broke before its result was complete. A batch hands a
result over only once it is whole, so nothing of a broken stream was given to anyone and sending the
request again is safe. A stream the server ended with an error event is retried only when the event's
code says so (a 400 in an error event means the request is wrong, and stays wrong).
"""

from __future__ import annotations

from .._exceptions import RETRYABLE_STATUSES, StreamError, VllmError

__all__ = ["retryable", "retryable_status"]


def retryable_status(status: int) -> bool:
    """Whether an HTTP status means that the same request may succeed later (408, 409, 429, 5xx)."""
    return status in RETRYABLE_STATUSES or status >= 500


def retryable(error: BaseException) -> bool:
    """Whether the request that failed with ``error`` may succeed if sent again."""
    if isinstance(error, StreamError):
        code = error.code
        if isinstance(code, int) and not isinstance(code, bool):
            return retryable_status(code)
        if isinstance(code, str) and code.isdigit():
            return retryable_status(int(code))
        return True  # truncated, malformed, or an error event without a status: the server's trouble
    return isinstance(error, VllmError) and error.is_retryable
