"""What a batch takes in and hands back: :data:`BatchRequest` and :class:`BatchResult`.

The lowest module of the package (every other one may import it), so that the batch-file writer and the
command line can name a result without pulling in the runner.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import sub
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["BatchRequest", "BatchResult", "RequestTiming"]

#: What one element of a batch may be: a request builder, a dict of keyword parameters (``messages``
#: makes it a chat completion, ``prompt`` a completion) or a line of an OpenAI batch file
#: (``{"custom_id", "method", "url", "body"}``). ``Any`` because builders are duck-typed.
BatchRequest = Any


@dataclass(frozen=True, slots=True)
class RequestTiming:
    """What the client measured of one successful attempt (:func:`time.perf_counter` seconds).

    ``sent`` is when the request was handed to the transport; ``token_times`` the arrival of each token
    event of a stream (empty when not streamed); ``end`` when the response was complete.
    """

    sent: float
    end: float
    token_times: Sequence[float] = ()

    @property
    def ttft(self) -> float | None:
        """Seconds from sending to the first token event, for a stream that produced one."""
        return self.token_times[0] - self.sent if self.token_times else None

    @property
    def e2e(self) -> float:
        """Seconds from sending to the last token event (streams) or the complete body."""
        return (self.token_times[-1] if self.token_times else self.end) - self.sent

    def itls(self) -> list[float]:
        """The intervals between successive token events."""
        times = self.token_times
        # Each time minus the one before; map() stops at the shorter sequence (C speed, once per token).
        return list(map(sub, times[1:], times))


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome of one request of a batch.

    ``index`` is the position of the request in the input; ``custom_id`` the batch line's id (else
    ``None``). Exactly one of ``response`` and ``error`` is set. ``response`` is the typed response the
    client returns for the request (``ChatCompletionResponse`` ...; for a streamed request, the collected
    stream) and ``body`` its JSON as a dict. ``ttft`` (seconds to the first streamed token, streamed
    requests only) and ``latency`` (seconds of the last attempt) are measured on the client; ``timing``
    holds the last successful attempt's send, token and end times (the load-generator metrics).
    ``attempts`` counts every attempt, including those whose stream broke part-way. ``raw_body`` holds
    the response body's bytes as received when the sender kept them (``vllm-sdk batch`` does, for
    non-streamed requests and error bodies): a body that cannot be held or re-encoded as JSON is
    written from them (``body`` is then ``None``).
    """

    index: int
    custom_id: str | None
    response: Any
    error: BaseException | None
    status_code: int | None
    ttft: float | None
    latency: float
    prompt_tokens: int | None
    completion_tokens: int | None
    attempts: int
    base_url: str | None
    request_id: str | None
    body: dict[str, Any] | None
    raw_body: bytes | None = None
    timing: RequestTiming | None = None

    @property
    def ok(self) -> bool:
        """Whether the request succeeded."""
        return self.error is None

    @property
    def tokens_per_second(self) -> float | None:
        """Completion tokens per second of the last attempt, when the server reported usage."""
        if not self.completion_tokens or self.latency <= 0:
            return None
        return self.completion_tokens / self.latency
