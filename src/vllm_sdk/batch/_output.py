"""The output file of ``vllm-sdk batch``: reading what it holds, appending result lines, compacting it.

Loss-free, whatever kills the run:

* every result line is written with one ``write(2)`` on a file opened with ``O_APPEND`` as soon as its
  request completes, so a kill loses at most the requests still in flight;
* a rerun retries an id by appending a new line for it: the **last** line of an id is its result;
* at the end of a run the file is compacted to one line per id (the last of each), by writing a temporary
  file in the same directory, ``fsync``, ``rename`` over the output, ``fsync`` of the directory: a kill
  during compaction leaves either the old file or the new one, never a mix. A leftover temporary file is
  removed by the next run.

The command only ever modifies a file it wrote. A file is recognised as one when every complete line is
a result line (a JSON object with a string ``id`` and ``custom_id``, and ``response`` and ``error``) and
the last line, if it has no newline (a write cut by a kill), is the start of one (``{"id":"vllm-``).
Anything else is a :class:`ForeignOutputError`: the file is left exactly as it is.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from .._exceptions import VllmError
from ._encode import loads_line
from ._failures import retryable_status

__all__ = [
    "ForeignOutputError",
    "OutputScan",
    "OutputWriter",
    "Recorded",
    "compact",
    "remove_stale_temporaries",
    "scan_output",
]

#: How every result line this command writes begins (orjson keeps the key order of ``output_line``).
LINE_START = b'{"id":"vllm-'

_TMP_SUFFIX = ".compacting"


class ForeignOutputError(VllmError):
    """The output file holds something this command did not write: it is not modified."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the last line of one ``custom_id`` says: success, and if not, whether a rerun retries it."""

    ok: bool
    retryable: bool


@dataclass
class OutputScan:
    """What an existing output file holds: the last record of each ``custom_id``."""

    records: dict[str, Recorded] = field(default_factory=dict)
    last_line: dict[str, int] = field(default_factory=dict)  # custom_id -> line number of its last line
    lines: int = 0  # result lines (an id retried by a rerun has several)
    blank: int = 0
    torn_bytes: int = 0  # bytes of a torn last line that were cut off

    def skip(self, *, retry_failed: bool) -> set[str]:
        """The ids a rerun does not send again: succeeded ones, and failed ones that are not retried."""
        return {cid for cid, rec in self.records.items() if rec.ok or not (retry_failed or rec.retryable)}

    @property
    def failed(self) -> int:
        """How many ids' results are failures."""
        return sum(1 for rec in self.records.values() if not rec.ok)

    @property
    def compact(self) -> bool:
        """Whether the file already holds exactly one line per id."""
        return self.lines == len(self.records) and not self.blank


def _recorded(record: dict[str, Any]) -> Recorded:
    error = record["error"]
    if error is None:
        return Recorded(True, False)
    response = record["response"]
    status = response.get("status_code") if isinstance(response, dict) else None
    if isinstance(status, int) and not isinstance(status, bool):
        return Recorded(False, retryable_status(status))
    # No HTTP answer: the line says itself (transport errors, timeouts and broken streams do).
    flag = error.get("retryable") if isinstance(error, dict) else None
    return Recorded(False, flag if isinstance(flag, bool) else True)


def _is_result_line(record: object) -> bool:
    return (
        isinstance(record, dict)
        and isinstance(record.get("id"), str)
        and isinstance(record.get("custom_id"), str)
        and "response" in record
        and "error" in record
    )


def scan_output(path: str | os.PathLike[str], *, repair: bool = True) -> OutputScan:
    """Read what ``path`` holds; with ``repair``, cut a torn last line off (only from a file of ours).

    A missing or empty file is an empty scan. Raises :class:`ForeignOutputError`, before changing
    anything, when the file is not one this command wrote.
    """
    scan = OutputScan()
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below; the torn tail needs the file's size
    except FileNotFoundError:
        return scan
    with f:
        end = 0  # offset just past the last complete line
        tail = b""
        for number, raw in enumerate(f, 1):
            if not raw.endswith(b"\n"):
                tail = raw
                break
            end += len(raw)
            if not raw.strip():
                scan.blank += 1
                continue
            try:
                record = loads_line(raw)
            except ValueError:
                record = None
            if not _is_result_line(record):
                raise ForeignOutputError(
                    f"{os.fspath(path)}:{number}: not a result line of vllm-sdk batch; refusing to modify "
                    "a file this command did not write (choose another -o, or move the file away)"
                )
            custom_id = record["custom_id"]
            scan.records[custom_id] = _recorded(record)
            scan.last_line[custom_id] = number
            scan.lines += 1
    if tail:
        if not (tail.startswith(LINE_START) or LINE_START.startswith(tail)):
            raise ForeignOutputError(
                f"{os.fspath(path)}: its last line is not a result line of vllm-sdk batch; refusing to "
                "modify a file this command did not write"
            )
        if repair:
            with open(path, "r+b") as g:
                g.truncate(end)
                g.flush()
                os.fsync(g.fileno())
            scan.torn_bytes = len(tail)
    return scan


def _fsync_directory(directory: str) -> None:
    """Make a rename in ``directory`` durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temporary_prefix(path: str) -> str:
    return "." + os.path.basename(path) + "."


def remove_stale_temporaries(path: str) -> int:
    """Remove compaction files a killed run left beside ``path``; returns how many (call under the lock)."""
    directory = os.path.dirname(path) or "."
    prefix = _temporary_prefix(path)
    removed = 0
    for name in os.listdir(directory):
        if name.startswith(prefix) and name.endswith(_TMP_SUFFIX):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(directory, name))
                removed += 1
    return removed


def compact(path: str, scan: OutputScan) -> bool:
    """Rewrite ``path`` with only the last line of each id (``scan`` is a scan of it as it is now).

    Atomic: a temporary file in the same directory, ``fsync``, ``os.replace``, ``fsync`` of the directory.
    Returns whether the file was rewritten (it is left alone when already compact).
    """
    if scan.compact:
        return False
    keep = set(scan.last_line.values())
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=_TMP_SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
            for number, raw in enumerate(src, 1):
                if number in keep:
                    out.write(raw)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(OSError):  # keep the output's permissions (mkstemp makes it 0600)
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)
    return True


class OutputWriter:
    """Appends result lines to the output file, each with a single ``write(2)`` (no user-space buffer)."""

    def __init__(self, path: str | os.PathLike[str], *, fsync_every: int = 0) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._fsync_every = fsync_every
        self._since_sync = 0
        self.written = 0

    def write(self, line: bytes) -> None:
        """Write one line (ending in a newline); returns once the kernel has it (survives a kill)."""
        data = memoryview(line)
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
