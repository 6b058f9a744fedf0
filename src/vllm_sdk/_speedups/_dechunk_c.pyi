"""Type stub of the compiled chunked de-framing (``_dechunk_c.pyx``); same surface as ``_dechunk_py``."""

from ._dechunk_py import ChunkedError as ChunkedError

__all__ = ["ChunkedDecoder", "ChunkedError"]

class ChunkedDecoder:
    """Incremental de-framing of one chunked body (compiled build)."""

    done: bool
    extra: bool
    def __init__(self, max_line: int = ..., max_trailers: int = ...) -> None: ...
    def feed(self, data: bytes) -> bytes: ...
