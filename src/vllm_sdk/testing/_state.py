"""Shared, thread-safe state of one mock server: configuration, recorded requests, metrics, faults."""

from __future__ import annotations

import collections
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ._faults import Fault, FaultCounter

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Metrics", "RecordedRequest", "ServerState"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the mock server received, for assertions in tests.

    ``headers`` has lower-case names; ``body`` the raw bytes; ``json`` the parsed JSON body (None when the
    body is empty or not JSON), parsed on first access so that only the bytes are held per request.
    """

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def json(self) -> Any:
        """The body parsed as JSON, or None (empty, not JSON, nested too deep, an integer too long)."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return None


class Metrics:
    """The few vLLM counters the mock really keeps, rendered as Prometheus text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.prompt_tokens = 0
        self.generation_tokens = 0
        self.running = 0
        #: The waiting queue reported as ``vllm:num_requests_waiting`` (the mock queues nothing itself:
        #: tests set it), and how much it grows after each scrape of ``/metrics`` (a backlog building up).
        self.waiting = 0.0
        self.waiting_growth = 0.0
        #: How many requests were running as each generation request started (the latest 1,000).
        self.running_at_start: collections.deque[int] = collections.deque(maxlen=1000)
        self.finished: dict[str, int] = {"stop": 0, "length": 0, "abort": 0, "error": 0, "repetition": 0}
        self.created = time.time()

    def request_started(self) -> None:
        """A generation request began."""
        with self._lock:
            self.running += 1
            self.running_at_start.append(self.running)

    def request_finished(self, reason: str, prompt_tokens: int, generation_tokens: int) -> None:
        """A generation request ended (``reason``: stop, length, abort, error)."""
        with self._lock:
            self.running -= 1
            self.prompt_tokens += prompt_tokens
            self.generation_tokens += generation_tokens
            self.finished[reason] = self.finished.get(reason, 0) + 1

    def render(self, model: str) -> str:
        """Prometheus text exposition of the counters."""
        lbl = f'engine="0",model_name="{model}"'
        lines: list[str] = []
        with self._lock:

            def metric(name: str, kind: str, help_: str, samples: list[tuple[str, float]]) -> None:
                lines.append(f"# HELP {name} {help_}")
                lines.append(f"# TYPE {name} {kind}")
                for labels, value in samples:
                    lines.append(f"{name}{{{labels}}} {float(value)!r}")

            metric(
                "vllm:num_requests_running",
                "gauge",
                "Number of requests in model execution batches.",
                [(lbl, self.running)],
            )
            metric(
                "vllm:num_requests_waiting",
                "gauge",
                "Number of requests waiting to be processed.",
                [(lbl, self.waiting)],
            )
            self.waiting += self.waiting_growth
            metric(
                "vllm:prompt_tokens_total",
                "counter",
                "Number of prefill tokens processed.",
                [(lbl, self.prompt_tokens)],
            )
            metric(
                "vllm:generation_tokens_total",
                "counter",
                "Number of generation tokens processed.",
                [(lbl, self.generation_tokens)],
            )
            metric(
                "vllm:request_success_total",
                "counter",
                "Count of successfully processed requests.",
                [
                    (f'engine="0",finished_reason="{r}",model_name="{model}"', c)
                    for r, c in self.finished.items()
                ],
            )
        return "\n".join(lines) + "\n"


class ServerState:
    """Everything the handlers of one mock server share."""

    def __init__(
        self,
        *,
        models: tuple[str, ...],
        api_key: str | None,
        token_delay: float,
        faults: tuple[Fault, ...],
        max_model_len: int,
        embedding_dim: int,
        max_recorded: int | None = 100_000,
        max_recorded_bytes: int | None = None,
        enable_scale_out: bool = True,
    ) -> None:
        self.models = models
        self.api_key = api_key
        self.token_delay = token_delay
        self.faults = faults
        self.max_model_len = max_model_len
        self.embedding_dim = embedding_dim
        self.enable_scale_out = enable_scale_out
        self.requests: list[RecordedRequest] = []
        self.max_recorded = max_recorded
        self.max_recorded_bytes = max_recorded_bytes
        self._recorded_bytes = 0
        self._record_lock = threading.Lock()
        self.metrics = Metrics()
        self.fault_counter = FaultCounter()
        self.created = int(time.time())
        self.closing = False
        self._cache: OrderedDict[tuple[Any, ...], tuple[int, Any]] = OrderedDict()
        self._cache_bytes = 0
        self._cache_lock = threading.Lock()

    #: Bounded cache of rendered responses for identical requests: entries, bytes per entry, bytes in all.
    CACHE_ENTRIES = 1024
    CACHE_MAX_ITEM_BYTES = 512 * 1024
    CACHE_MAX_BYTES = 32 * 1024 * 1024

    def record(self, request: RecordedRequest) -> None:
        """Keep a received request, within both bounds (bounded memory).

        Past ``max_recorded`` requests the oldest tenth is dropped; past ``max_recorded_bytes`` body bytes
        the oldest requests are dropped until the rest fit (the newest is always kept).
        """
        if self.max_recorded == 0:
            return
        with self._record_lock:
            self.requests.append(request)
            self._recorded_bytes += len(request.body)
            drop = 0
            if self.max_recorded is not None and len(self.requests) > self.max_recorded:
                drop = max(1, self.max_recorded // 10)
            if self.max_recorded_bytes is not None:
                # count over what the count bound drops already; never the newest request
                kept = self._recorded_bytes - sum(len(r.body) for r in self.requests[:drop])
                while kept > self.max_recorded_bytes and drop < len(self.requests) - 1:
                    kept -= len(self.requests[drop].body)
                    drop += 1
            if drop:
                self._recorded_bytes -= sum(len(r.body) for r in self.requests[:drop])
                del self.requests[:drop]

    @property
    def recorded_bytes(self) -> int:
        """Body bytes of the requests recorded now."""
        return self._recorded_bytes

    def clear_requests(self) -> None:
        """Forget every recorded request."""
        with self._record_lock:
            self.requests.clear()
            self._recorded_bytes = 0

    def cache_get(self, key: tuple[Any, ...]) -> Any:
        """A cached value, or None."""
        with self._cache_lock:
            entry = self._cache.get(key)
            if entry is None:
                return None
            self._cache.move_to_end(key)
            return entry[1]

    def cache_put(self, key: tuple[Any, ...], value: Any, size: int) -> None:
        """Keep ``value`` unless it is too large; evicts the least recently used entries."""
        if size > self.CACHE_MAX_ITEM_BYTES:
            return
        with self._cache_lock:
            old = self._cache.pop(key, None)
            if old is not None:
                self._cache_bytes -= old[0]
            self._cache[key] = (size, value)
            self._cache_bytes += size
            while len(self._cache) > self.CACHE_ENTRIES or self._cache_bytes > self.CACHE_MAX_BYTES:
                evicted_size, _ = self._cache.popitem(last=False)[1]
                self._cache_bytes -= evicted_size
