"""Fault injection for the mock server: what can go wrong, and the grammar that asks for it.

Faults are configured for every request of a server (``MockVllmServer(faults=...)``) or for one request,
with the header ``x-mock-fault``. Both use the same grammar::

    spec   := fault ("," fault)*
    fault  := NAME ["=" ARG]

Names and arguments (S = seconds, may be fractional; N, K, BYTES = integers):

==========================  ======================================================================
``status=CODE[:N]``         answer CODE (400-599, e.g. 404, 500, 503) with vLLM's error body and
                            the error type vLLM gives that status (:func:`error_type_for`), for the
                            first N requests (every request when N is omitted)
``rate_limit[=N]``          ``status=429[:N]``, with ``Retry-After`` and ``retry-after-ms`` headers
``retry_after=S``           the value of those headers (default 0) on 429 and 503 answers
``html_502[=N]``            a 502 text/html page like a proxy's, for the first N requests
``delay_headers=S``         wait S before sending the status line and headers
``delay_events=S``          wait S before every stream event (adds to the token delay)
``disconnect_after=K``      stream K events, then abort the connection (no ``[DONE]``); for a
                            non-streaming request K is ignored and the connection drops at once
``stall``                   never answer (until the client gives up or the server stops)
``stall_after=K``           stream K events, then send nothing more (the connection stays open)
``malformed_after=K``       after K events send a ``data:`` line that is not valid JSON, then go on
``error_event_after=K[:CODE]``  after K events send vLLM's ``data: {"error": {...}}`` event and
                            ``[DONE]`` (CODE defaults to 500)
``huge_event=BYTES[:K]``    after K events (default 1) send a content delta of BYTES bytes
``invalid_utf8_after=K``    after K events send a content delta with bytes that are not UTF-8
==========================  ======================================================================

On a non-streaming request the event faults act on the one JSON body instead: ``stall_after`` never
answers, ``disconnect_after`` drops the connection, ``malformed_after`` cuts the body in half,
``error_event_after`` answers with the error status and body, ``huge_event`` pads the content and
``invalid_utf8_after`` puts invalid bytes into it. Server-wide faults leave ``/health``, ``/ping``,
``/version`` and ``/metrics`` alone.

"The first N requests" counts per server for server-wide faults. For a header fault it counts the
requests that carry the same header value and the same ``x-mock-fault-key`` header (if any), so a client
retrying one request sees it fail N times and then succeed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "FAULT_HEADER",
    "FAULT_KEY_HEADER",
    "Fault",
    "FaultCounter",
    "FaultSpecError",
    "error_type_for",
    "parse_faults",
]

FAULT_HEADER = "x-mock-fault"
FAULT_KEY_HEADER = "x-mock-fault-key"
#: The largest ``huge_event`` the server builds (it lives in memory while it is sent).
MAX_HUGE_EVENT = 256 * 1024 * 1024

_NAMES = frozenset(
    {
        "status",
        "rate_limit",
        "retry_after",
        "html_502",
        "delay_headers",
        "delay_events",
        "disconnect_after",
        "stall",
        "stall_after",
        "malformed_after",
        "error_event_after",
        "huge_event",
        "invalid_utf8_after",
    }
)


# What vLLM 0.32.0 puts in ``error.type`` (vllm/entrypoints/serve/exception_handling): its own errors name
# a class for their status; an HTTPException raised by FastAPI or Starlette gets the status phrase (401
# "Unauthorized", 405 "Method Not Allowed", ...). 429, 502 and 504 never come from vLLM itself (a rate
# limiter or a proxy in front of it answers them); the mock names them after the class the SDK raises.
_ERROR_TYPES = {
    400: "BadRequestError",
    404: "NotFoundError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
    500: "InternalServerError",
    501: "NotImplementedError",
    502: "BadGatewayError",
    503: "ServiceUnavailableError",
    504: "GatewayTimeoutError",
}


def error_type_for(status: int) -> str:
    """The ``error.type`` vLLM gives an error answer of ``status`` (4xx or 5xx)."""
    known = _ERROR_TYPES.get(status)
    if known is not None:
        return known
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a code the standard library does not name (499, 520, ...)
        return "BadRequestError" if status < 500 else "InternalServerError"


class FaultSpecError(ValueError):
    """A fault specification that does not follow the grammar."""


@dataclass(frozen=True)
class Fault:
    """One parsed fault: ``name`` and its numeric arguments (``a``, ``b``; None when not given)."""

    name: str
    a: float | None = None
    b: float | None = None

    @property
    def text(self) -> str:
        """The fault written back in the grammar."""
        if self.a is None:
            return self.name
        arg = _num(self.a) + ("" if self.b is None else ":" + _num(self.b))
        return f"{self.name}={arg}"

    @property
    def limited(self) -> bool:
        """Whether the fault applies only to the first N requests."""
        if self.name == "status":
            return self.b is not None
        if self.name in ("rate_limit", "html_502"):
            return self.a is not None
        return False

    @property
    def limit(self) -> int:
        """N of "the first N requests" (only meaningful when :attr:`limited`)."""
        value = self.b if self.name == "status" else self.a
        return int(value or 0)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _parse_number(text: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FaultSpecError(f"bad number {text!r} in fault {spec!r}") from None
    if value < 0 or value != value or value == float("inf"):
        raise FaultSpecError(f"bad number {text!r} in fault {spec!r}")
    return value


def parse_faults(spec: str | Fault | Iterable[str | Fault] | None) -> tuple[Fault, ...]:
    """Parse a fault specification (a string in the grammar, a Fault, or an iterable of either)."""
    if spec is None:
        return ()
    if isinstance(spec, Fault):
        return (spec,)
    if not isinstance(spec, str):
        out: list[Fault] = []
        for item in spec:
            out.extend(parse_faults(item))
        return tuple(out)
    faults: list[Fault] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, arg = part.partition("=")
        name = name.strip().lower()
        if name not in _NAMES:
            raise FaultSpecError(f"unknown fault {name!r} (known: {', '.join(sorted(_NAMES))})")
        a = b = None
        if arg.strip():
            first, _, second = arg.strip().partition(":")
            a = _parse_number(first, part)
            b = _parse_number(second, part) if second else None
        if (
            name
            in (
                "status",
                "disconnect_after",
                "stall_after",
                "malformed_after",
                "error_event_after",
                "huge_event",
                "invalid_utf8_after",
                "delay_headers",
                "delay_events",
                "retry_after",
            )
            and a is None
        ):
            raise FaultSpecError(f"fault {name!r} needs an argument")
        if name == "huge_event" and a is not None and a > MAX_HUGE_EVENT:
            raise FaultSpecError(f"huge_event is limited to {MAX_HUGE_EVENT} bytes")
        # An injected 1xx, 2xx or 3xx is no fault: a 1xx answer without a final one hangs clients.
        if name == "status" and a is not None and not (400 <= a <= 599 and float(a).is_integer()):
            raise FaultSpecError(f"bad status in fault {part!r}: an error status, 400 to 599")
        faults.append(Fault(name, a, b))
    return tuple(faults)


class FaultCounter:
    """Counts requests per key for "the first N requests" (thread-safe; the server reads it from tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, ...], int] = {}

    def hit(self, key: tuple[str, ...]) -> int:
        """Count one more request for ``key``; returns how many came before it."""
        with self._lock:
            seen = self._counts.get(key, 0)
            self._counts[key] = seen + 1
            return seen

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._counts.clear()
