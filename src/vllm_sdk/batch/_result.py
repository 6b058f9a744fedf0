"""What a batch takes in and hands back: :data:`BatchRequest` and :class:`BatchResult`.

The lowest module of the package (every other one may import it), so that the batch-file writer and the
command line can name a result without pulling in the runner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["BatchRequest", "BatchResult"]

#: What one element of a batch may be: a request builder, a dict of keyword parameters (``messages``
#: makes it a chat completion, ``prompt`` a completion) or a line of an OpenAI batch file
#: (``{"custom_id", "method", "url", "body"}``). ``Any`` because builders are duck-typed.
BatchRequest = Any


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome of one request of a batch.

    ``index`` is the position of the request in the input; ``custom_id`` the batch line's id (else
    ``None``). Exactly one of ``response`` and ``error`` is set. ``response`` is the typed response the
    client returns for the request (``ChatCompletionResponse`` ...; for a streamed request, the collected
    stream) and ``body`` its JSON as a dict. ``ttft`` (seconds to the first streamed token, streamed
    requests only) and ``latency`` (seconds of the last attempt) are measured on the client.
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
