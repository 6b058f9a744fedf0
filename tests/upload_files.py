"""A file object for upload tests: seekable, binary, and it records the size of every read (so a test can
tell a file streamed in chunks from one read whole)."""

from __future__ import annotations

import io


class CountingFile(io.BytesIO):
    """A seekable binary file that records the size of every read in ``reads``."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int] = []

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        self.reads.append(len(data))
        return data
