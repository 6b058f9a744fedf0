"""Bounded incremental decompression of ``gzip`` and ``deflate`` bodies.

httpx decodes ``Content-Encoding`` one network chunk at a time, but without a bound on the output: a 64 KiB
chunk of a gzip bomb (a stream of newlines compresses about 1000:1) becomes 64 MiB at once, handed whole to
the parser. Here each compressed chunk is inflated in pieces of at most :data:`PIECE` bytes
(``decompressobj.decompress(data, max_length)``, feeding back ``unconsumed_tail``), so what is held at a
time - and what a stream's parser or a capped body read receives per call - is bounded whatever the ratio.

Other encodings (``br``, ``zstd``, several stacked) return no decoder: callers fall back to httpx's own.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

__all__ = ["PIECE", "BoundedDecoder", "adecoded", "decoded", "decoder_for"]

#: Largest piece of decompressed output produced per call.
PIECE = 64 * 1024


class BoundedDecoder:
    """Inflates one body; :meth:`feed` and :meth:`flush` yield pieces of at most :data:`PIECE` bytes.

    ``deflate`` follows httpx: zlib-wrapped, or raw deflate when the first bytes are not a zlib header.
    Corrupt data raises :class:`httpx.DecodingError` (what httpx raises for it).
    """

    __slots__ = ("_first", "_raw_fallback", "_zlib")

    def __init__(self, encoding: str) -> None:
        self._raw_fallback = encoding == "deflate"
        self._first = True
        wbits = zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decompressed pieces of the next compressed chunk ``data``."""
        first, self._first = self._first, False
        try:
            piece = self._zlib.decompress(data, PIECE)
        except zlib.error as exc:
            if not (first and self._raw_fallback):
                raise httpx.DecodingError(str(exc)) from exc
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send
            try:
                piece = self._zlib.decompress(data, PIECE)
            except zlib.error as exc2:
                raise httpx.DecodingError(str(exc2)) from exc2
        while True:
            if piece:
                yield piece
            tail = self._zlib.unconsumed_tail
            if not tail:
                return
            try:
                piece = self._zlib.decompress(tail, PIECE)
            except zlib.error as exc:
                raise httpx.DecodingError(str(exc)) from exc

    def flush(self) -> Iterator[bytes]:
        """What the decompressor still holds at the end of the body."""
        try:
            rest = self._zlib.flush()
        except zlib.error as exc:
            raise httpx.DecodingError(str(exc)) from exc
        for start in range(0, len(rest), PIECE):
            yield rest[start : start + PIECE]


def decoder_for(response: httpx.Response) -> BoundedDecoder | None:
    """A bounded decoder for the response's ``Content-Encoding``, or ``None`` when there is none
    (identity) or it is one this module does not handle."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return BoundedDecoder("gzip")
    if encoding == "deflate":
        return BoundedDecoder("deflate")
    return None


def decoded(raw: Iterable[bytes], decoder: BoundedDecoder) -> Iterator[bytes]:
    """The decompressed body of the compressed chunks ``raw``, in bounded pieces."""
    for data in raw:
        yield from decoder.feed(data)
    yield from decoder.flush()


async def adecoded(raw: AsyncIterator[bytes], decoder: BoundedDecoder) -> AsyncIterator[bytes]:
    """The async twin of :func:`decoded`."""
    async for data in raw:
        for piece in decoder.feed(data):
            yield piece
    for piece in decoder.flush():
        yield piece
