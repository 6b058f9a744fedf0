"""One run per output file: an exclusive, non-blocking lock on a lock file beside the output.

The lock is on ``OUTPUT.lock``, not on the output itself, because compaction replaces the output by a
rename: a lock held on the old file would not keep a second run off the new one. ``fcntl.flock`` on POSIX,
``msvcrt.locking`` on Windows; the operating system drops the lock when the process dies, however it dies,
so a killed run never leaves the output locked. The lock file stays after the run (removing it would
race with a run that just opened it); it holds the process id of the last run that took it.
"""

from __future__ import annotations

import contextlib
import os
import sys

from .._exceptions import VllmError

__all__ = ["OutputLock", "OutputLockedError", "lock_path"]


class OutputLockedError(VllmError):
    """Another run holds the output file's lock."""


def lock_path(output: str) -> str:
    """The lock file of ``output``."""
    return output + ".lock"


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class OutputLock:
    """The exclusive lock of one output file: ``with OutputLock(path):`` or :meth:`acquire` / :meth:`release`.

    :meth:`acquire` never waits: it raises :class:`OutputLockedError` at once when another run holds it.
    """

    def __init__(self, output: str) -> None:
        self.path = lock_path(output)
        self._output = output
        self._fd = -1

    def acquire(self) -> None:
        """Take the lock, or raise :class:`OutputLockedError` naming the run that holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            holder = _read_pid(fd)
            os.close(fd)
            who = f" (process {holder})" if holder else ""
            raise OutputLockedError(
                f"{self._output} is in use by another vllm-sdk batch run{who}: wait for it to finish "
                f"(lock file {self.path})"
            )
        self._fd = fd
        # Tell a refused run who holds the lock (only a courtesy: a failure here changes nothing).
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        """Drop the lock (the lock file stays)."""
        if self._fd >= 0:
            try:
                _unlock(self._fd)
            finally:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> OutputLock:
        if self._fd < 0:  # not taken yet (a lock taken with acquire() can be handed to ``with``)
            self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, 32)
    except OSError:  # Windows refuses to read a region another process locked
        return ""
    text = data.decode("ascii", "replace").strip()
    return text if text.isdigit() else ""
