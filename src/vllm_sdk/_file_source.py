"""An upload's file read from disk in chunks, once per attempt, instead of whole into memory.

A path or a seekable binary file object has a size known before anything is read, so the request can say
its ``Content-Length`` and send the file as it is read, ``CHUNK_SIZE`` bytes at a time: memory stays at one
chunk whatever the file's size. Every attempt (a retry resends the body) reads the file again from its
start: a path is opened anew, a file object is sought back to where it stood when it was given.

:class:`FileSource` gives the chunks to the sync client (:meth:`~FileSource.chunks`) and to the async one
(:meth:`~FileSource.achunks`, each read in a worker thread so a slow disk never stalls the event loop).
"""

from __future__ import annotations

import asyncio
import os
from typing import IO, TYPE_CHECKING

from ._exceptions import VllmError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

__all__ = ["CHUNK_SIZE", "HEAD_SIZE", "FileSource", "file_source", "handle_source"]

#: Bytes read from the file per step of an upload.
CHUNK_SIZE = 256 * 1024
#: Bytes read ahead of the upload, for the MIME type sniffing.
HEAD_SIZE = 16


class FileSource:
    """``size`` bytes of a file (from a path, or from a seekable file object's position ``start``), read in
    chunks each time the body is sent; ``head`` holds its first bytes (for the MIME type)."""

    __slots__ = ("_file", "_start", "head", "size")

    def __init__(self, file: str | IO[bytes], *, start: int, size: int, head: bytes) -> None:
        self._file = file
        self._start = start
        self.size = size
        self.head = head

    def _open(self) -> tuple[IO[bytes], bool]:
        """The file at the start of the content, and whether this source owns (closes) it."""
        if isinstance(self._file, str):
            return open(self._file, "rb"), True  # the caller closes it (owned)
        self._file.seek(self._start)
        return self._file, False

    def _chunk(self, handle: IO[bytes], remaining: int) -> bytes:
        chunk = handle.read(min(CHUNK_SIZE, remaining))
        if not isinstance(chunk, (bytes, bytearray)) or not chunk:
            # The Content-Length was promised from the size: a file that shrank cannot keep it.
            raise VllmError(
                f"the file to upload ended {remaining} bytes short of the {self.size} bytes it had when the"
                " request was made (it changed during the upload)"
            )
        return bytes(chunk)

    def chunks(self) -> Iterator[bytes]:
        """The content, chunk by chunk (read from the start again on every call)."""
        handle, owned = self._open()
        try:
            remaining = self.size
            while remaining > 0:
                chunk = self._chunk(handle, remaining)
                remaining -= len(chunk)
                yield chunk
        finally:
            if owned:
                handle.close()

    async def achunks(self) -> AsyncIterator[bytes]:
        """:meth:`chunks` for the event loop: every read in a worker thread."""
        handle, owned = await asyncio.to_thread(self._open)
        try:
            remaining = self.size
            while remaining > 0:
                chunk = await asyncio.to_thread(self._chunk, handle, remaining)
                remaining -= len(chunk)
                yield chunk
        finally:
            if owned:
                handle.close()


def _too_large(what: str, size: int, max_bytes: int) -> VllmError:
    return VllmError(f"{what} is larger than the upload limit of {max_bytes} bytes ({size})")


def file_source(path: str, max_bytes: int) -> FileSource | None:
    """The source of a regular file at ``path`` (``None`` for a pipe, a device and the like, whose size
    says nothing: read those whole, under the cap); raises above ``max_bytes``, before reading it."""
    if not os.path.isfile(path):
        return None
    size = os.path.getsize(path)
    if size > max_bytes:
        raise _too_large(path, size, max_bytes)
    with open(path, "rb") as handle:
        head = handle.read(HEAD_SIZE)
    return FileSource(path, start=0, size=size, head=head)


def handle_source(handle: IO[bytes], max_bytes: int) -> FileSource | None:
    """The source of a seekable binary file object from its current position to its end (``None`` when
    it cannot seek: read it whole, under the cap); raises above ``max_bytes``, before reading it, and for
    a file opened in text mode."""
    seekable = getattr(handle, "seekable", None)
    try:
        if not callable(seekable) or not seekable():
            return None
        start = handle.tell()
        size = max(handle.seek(0, os.SEEK_END) - start, 0)
        handle.seek(start)
    except (OSError, ValueError):  # "seekable" but refusing in practice (some wrappers, closed files)
        return None
    if size > max_bytes:
        raise _too_large("file", size, max_bytes)
    head = handle.read(HEAD_SIZE)
    if not isinstance(head, (bytes, bytearray)):
        raise VllmError(f"file= must be opened in binary mode (read() returned {type(head).__name__})")
    handle.seek(start)
    return FileSource(handle, start=start, size=size, head=bytes(head))
