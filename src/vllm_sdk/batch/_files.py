"""OpenAI batch files on disk: reading input lines, resuming output files, appending result lines.

Input (what vLLM's ``run-batch`` reads), one JSON object a line::

    {"custom_id": "req-1", "method": "POST", "url": "/v1/chat/completions", "body": {...}}

Output (what it writes)::

    {"id": "vllm-...", "custom_id": "req-1",
     "response": {"status_code": 200, "request_id": "vllm-batch-...", "body": {...}}, "error": null}

Loss-free and resumable: every result line is written with one ``write(2)`` on a file opened with
``O_APPEND`` as soon as its request completes, so a crash loses at most the requests still in flight. A
``SIGKILL`` in the middle of a write can leave a torn last line (no trailing newline): :func:`scan_output`
cuts it off before a rerun, and the rerun skips every ``custom_id`` already present.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._exceptions import ApiError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ._result import BatchResult

__all__ = ["OutputScan", "OutputWriter", "iter_input", "output_line", "scan_output"]

try:  # orjson (speed extra) parses and serialises several times faster; the format is the same
    import orjson

    def _loads(data: bytes) -> Any:
        return orjson.loads(data)

    def _dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

except ImportError:  # pragma: no cover - exercised only without the speed extra

    def _loads(data: bytes) -> Any:
        return json.loads(data)

    def _dumps(obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class OutputScan:
    """What an existing output file already holds."""

    done: set[str] = field(default_factory=set)
    lines: int = 0
    errors: int = 0
    torn_bytes: int = 0  # bytes of a torn last line that were cut off
    unreadable: list[int] = field(default_factory=list)  # line numbers that are not result lines


def scan_output(path: str | os.PathLike[str]) -> OutputScan:
    """Read the ``custom_id`` of every complete line of ``path`` and cut off a torn last line.

    A missing file is an empty scan. The file is truncated in place when its last line has no newline
    (a write interrupted by a crash); nothing else is ever modified.
    """
    scan = OutputScan()
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return scan
    try:
        size = os.fstat(fd).st_size
        end = _last_newline_end(fd, size)
        if end < size:
            os.ftruncate(fd, end)
            os.fsync(fd)
            scan.torn_bytes = size - end
    finally:
        os.close(fd)
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                record = _loads(raw)
            except ValueError:
                scan.unreadable.append(number)
                continue
            custom_id = record.get("custom_id") if isinstance(record, dict) else None
            if not isinstance(custom_id, str):
                scan.unreadable.append(number)
                continue
            scan.done.add(custom_id)
            scan.lines += 1
            if record.get("error") is not None:
                scan.errors += 1
    return scan


def _last_newline_end(fd: int, size: int) -> int:
    """Offset just past the last ``\\n`` of the file (0 when there is none)."""
    block = 64 * 1024
    pos = size
    while pos > 0:
        start = max(0, pos - block)
        chunk = os.pread(fd, pos - start, start)
        idx = chunk.rfind(b"\n")
        if idx >= 0:
            return start + idx + 1
        pos = start
    return 0


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
                record = _loads(raw)
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


def output_line(result: BatchResult) -> dict[str, Any]:
    """The output-file object for one result, in vLLM ``run-batch``'s format."""
    request_id = result.request_id or f"vllm-batch-{uuid.uuid4().hex}"
    line: dict[str, Any] = {"id": f"vllm-{uuid.uuid4().hex}", "custom_id": result.custom_id}
    error = result.error
    if error is None:
        line["response"] = {
            "status_code": result.status_code or 200,
            "request_id": request_id,
            "body": result.body,
        }
        line["error"] = None
    elif isinstance(error, ApiError):
        line["response"] = {"status_code": error.status_code, "request_id": request_id, "body": None}
        line["error"] = (
            error.body
            if isinstance(error.body, dict)
            else {"message": error.message, "type": error.error_type, "code": error.status_code}
        )
    elif result.status_code is not None:  # a request the runner refused (invalid line)
        line["response"] = {"status_code": result.status_code, "request_id": request_id, "body": None}
        line["error"] = {"message": str(error), "type": type(error).__name__}
    else:  # no HTTP answer at all: connection failures, timeouts, broken streams
        line["response"] = None
        line["error"] = {"message": str(error), "type": type(error).__name__}
    return line


class OutputWriter:
    """Appends result lines to the output file, each with a single ``write(2)`` (no user-space buffer)."""

    def __init__(self, path: str | os.PathLike[str], *, fsync_every: int = 0) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._fsync_every = fsync_every
        self._since_sync = 0
        self.written = 0

    def write(self, obj: dict[str, Any]) -> None:
        """Write one object as one line; returns once the kernel has it (survives a crash of this process)."""
        data = memoryview(_dumps(obj) + b"\n")
        while data:
            n = os.write(self._fd, data)
            data = data[n:]
        self.written += 1
        if self._fsync_every:
            self._since_sync += 1
            if self._since_sync >= self._fsync_every:
                os.fsync(self._fd)
                self._since_sync = 0

    def close(self) -> None:
        """Flush to disk and close."""
        if self._fd >= 0:
            try:
                os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
