"""OpenAI batch files: reading input lines, and the result line of each request.

Input (what vLLM's ``run-batch`` reads), one JSON object a line::

    {"custom_id": "req-1", "method": "POST", "url": "/v1/chat/completions", "body": {...}}

Output (what it writes)::

    {"id": "vllm-...", "custom_id": "req-1",
     "response": {"status_code": 200, "request_id": "vllm-batch-...", "body": {...}}, "error": null}

A result line the server's answer cannot be written in as it is keeps its raw text (see
:mod:`._encode`). An error line with no HTTP answer behind it (``"response": null``: a transport error, a
timeout, a broken stream) says in ``error.retryable`` whether a rerun sends the request again. The output
file itself (appending, resuming, compaction) is :mod:`._output`.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._exceptions import ApiError
from ._encode import encode_line, loads_line, raw_fields, raw_of
from ._failures import retryable

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ._result import BatchResult

__all__ = ["InputLine", "count_lines", "iter_input", "output_bytes", "output_line"]


@dataclass(frozen=True)
class InputLine:
    """One valid-looking input line: its number, ``custom_id`` and the decoded object."""

    number: int
    custom_id: str
    request: dict[str, Any]


def iter_input(
    path: str | os.PathLike[str],
    *,
    skip: set[str],
    on_invalid: Callable[[int, str], None],
) -> Iterator[InputLine]:
    """Yield the input lines still to run, lazily; report bad lines through ``on_invalid(number, why)``.

    Lines that are not JSON objects, lack a string ``custom_id`` or repeat an earlier one are reported
    and skipped (they cannot be given an output line of their own). Lines whose ``custom_id`` is in
    ``skip`` (already in the output) are skipped silently. Whether ``method``/``url``/``body`` make a
    valid request is decided by the batch runner, which gives such a line an error result.
    """
    seen: dict[str, int] = {}
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                record = loads_line(raw)
            except ValueError as exc:
                on_invalid(number, f"not valid JSON ({exc})")
                continue
            if not isinstance(record, dict):
                on_invalid(number, "not a JSON object")
                continue
            custom_id = record.get("custom_id")
            if not isinstance(custom_id, str) or not custom_id:
                on_invalid(number, "missing or non-string 'custom_id'")
                continue
            first = seen.get(custom_id)
            if first is not None:
                on_invalid(number, f"duplicate custom_id {custom_id!r} (first on line {first})")
                continue
            seen[custom_id] = number
            if custom_id in skip:
                continue
            yield InputLine(number, custom_id, record)


def count_lines(path: str | os.PathLike[str]) -> int:
    """Number of non-blank lines (for the progress bar's total); reads in large blocks."""
    count = 0
    with open(path, "rb") as f:
        for raw in f:
            if raw.strip():
                count += 1
    return count


#: Result ids: 64 random bits drawn once per process, then a counter, as 32 hex digits (the length of
#: the ``uuid4().hex`` vLLM's ``run-batch`` writes). Unique within a run and, by the random half,
#: between runs; two ``uuid4()`` calls per line (two ``getrandom`` calls and two UUID objects) were a
#: measurable part of the command's cost per request. ``next()`` of a count is atomic under the GIL.
_ID_PREFIX = os.urandom(8).hex()
_id_counter = itertools.count()


def _new_prefix() -> None:
    # A forked child draws its own random half: parent and child would otherwise count alike.
    global _ID_PREFIX, _id_counter
    _ID_PREFIX = os.urandom(8).hex()
    _id_counter = itertools.count()


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_new_prefix)


def _new_id() -> str:
    """A fresh 32-hex-digit id (see :data:`_ID_PREFIX`)."""
    return f"{_ID_PREFIX}{next(_id_counter) & 0xFFFFFFFFFFFFFFFF:016x}"


def output_line(result: BatchResult) -> dict[str, Any]:
    """The output-file object for one result, in vLLM ``run-batch``'s format (see the module docstring)."""
    request_id = result.request_id or f"vllm-batch-{_new_id()}"
    line: dict[str, Any] = {"id": f"vllm-{_new_id()}", "custom_id": result.custom_id}
    error = result.error
    if error is None:
        response: dict[str, Any] = {
            "status_code": result.status_code or 200,
            "request_id": request_id,
            "body": result.body,
        }
        if result.body is None and result.raw_body is not None:  # too deep to hold, or not an object
            response.update(raw_fields(result.raw_body, None))
        line["response"] = response
        line["error"] = None
    elif isinstance(error, ApiError):
        line["response"] = {"status_code": error.status_code, "request_id": request_id, "body": None}
        raw = raw_of(error)
        if isinstance(error.body, dict) and (raw is None or _is_utf8(raw)):
            line["error"] = error.body  # vLLM's own error body, as run-batch writes it
        else:  # not a JSON object, or bytes that decoded only with replacement characters: keep them raw
            line["error"] = {"message": error.message, "type": error.error_type, "code": error.status_code}
            if raw is not None:
                line["error"].update(raw_fields(raw, None))
    elif result.status_code is not None:  # a request the runner refused, or a body that is not JSON
        line["response"] = {"status_code": result.status_code, "request_id": request_id, "body": None}
        line["error"] = _error_object(error)
    else:  # no HTTP answer at all: connection failures, timeouts, broken streams
        line["response"] = None
        line["error"] = _error_object(error)
    return line


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _error_object(error: BaseException) -> dict[str, Any]:
    obj: dict[str, Any] = {"message": str(error), "type": type(error).__name__, "retryable": retryable(error)}
    raw = raw_of(error)
    if raw is not None:
        obj.update(raw_fields(raw, None))
    return obj


def output_bytes(result: BatchResult) -> bytes:
    """The result line of ``result`` as bytes ending in a newline; never raises for a server's answer."""
    return encode_line(output_line(result), raw_body=result.raw_body, raw_error=raw_of(result.error))
