"""Reading response bodies with a size limit: whole bodies, error bodies, and the start of a wrong body.

A hostile or broken server can send a body of any size, and a compressing proxy can turn a megabyte on the
wire into gigabytes. Every body the SDK reads whole goes through here, so memory stays bounded:

* a 2xx body expected whole (JSON) is read up to the client's ``max_response_size``; past it,
  :class:`~vllm_sdk.InvalidResponseError` (the rest is never read: the connection is closed);
* an error body is read up to :data:`MAX_ERROR_BODY`; the start is kept and marked truncated;
* :data:`PEEK_BYTES` of a body of the wrong content type are read to show in the error.

Decoded bytes are counted, and gzip/deflate bodies are inflated in bounded pieces (``_decompress``), so the
limits bound memory, not wire bytes. The counting (:class:`_Limit`) is shared by the sync and async
readers, which differ only in how they iterate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from ._decompress import adecoded, decoded, decoder_for
from ._exceptions import InvalidResponseError
from ._logging import logger

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

__all__ = [
    "DEFAULT_MAX_RESPONSE_SIZE",
    "MAX_ERROR_BODY",
    "PEEK_BYTES",
    "apeek_body",
    "aread_body",
    "aread_error_body",
    "check_max_response_size",
    "peek_body",
    "read_body",
    "read_error_body",
    "too_large_error",
]

#: Default ``max_response_size``: far above any real JSON answer (embeddings of a large batch included).
DEFAULT_MAX_RESPONSE_SIZE = 64 * 1024 * 1024

#: How much of a non-2xx body is read to build the error (a proxy's error page can be huge).
MAX_ERROR_BODY = 1024 * 1024

#: How much of a body of the wrong content type is read to show its start in the error.
PEEK_BYTES = 2048


def check_max_response_size(value: int | None) -> int | None:
    """A positive number of bytes or ``None`` (no limit), else a clear error."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"max_response_size must be an int (bytes) or None, not {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"max_response_size must be > 0 bytes or None, not {value}")
    return value


class _Limit:
    """Collects chunks up to ``limit`` bytes; ``add`` says when to stop reading."""

    __slots__ = ("chunks", "limit", "over", "size")

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0
        self.over = False

    def add(self, chunk: bytes) -> bool:
        """Keep ``chunk``; True once the limit is passed (stop reading)."""
        self.chunks.append(chunk)
        self.size += len(chunk)
        if self.limit is not None and self.size > self.limit:
            self.over = True
        return self.over

    def body(self) -> bytes:
        data = b"".join(self.chunks)
        return data if self.limit is None else data[: self.limit]

    def too_large(self) -> InvalidResponseError:
        return too_large_error(self.limit or 0)


def too_large_error(limit: int) -> InvalidResponseError:
    """The error of a whole body larger than ``limit`` (the client's ``max_response_size``)."""
    return InvalidResponseError(
        f"the response body is larger than max_response_size ({limit:,} bytes); "
        "it was not read further (raise the client's max_response_size if this is expected)"
    )


def _keep(response: httpx.Response, data: bytes) -> None:
    # What ``read()`` would have stored: ``response.content`` and ``.text`` work as after a full read.
    response._content = data


# ------------------------------------------------------------------ sync


def _pieces(response: httpx.Response) -> Iterator[bytes]:
    # gzip/deflate inflated in bounded pieces (a bomb is stopped at the cap, not after a 64 MiB chunk).
    decoder = decoder_for(response)
    return response.iter_bytes() if decoder is None else decoded(response.iter_raw(), decoder)


def read_body(response: httpx.Response, limit: int | None) -> bytes:
    """Read the whole body (at most ``limit`` decoded bytes, else :class:`InvalidResponseError`); the
    response is closed afterwards. Transport errors propagate (the caller maps and retries them)."""
    acc = _Limit(limit)
    try:
        for chunk in _pieces(response):
            if acc.add(chunk):
                raise acc.too_large()
    finally:
        response.close()
    data = acc.body()
    _keep(response, data)
    return data


def read_error_body(response: httpx.Response) -> tuple[bytes, bool]:
    """At most :data:`MAX_ERROR_BODY` bytes of an error body and whether it was cut; the response is
    closed afterwards (a read failure keeps what was read: the status alone still makes the error)."""
    acc = _Limit(MAX_ERROR_BODY)
    try:
        for chunk in _pieces(response):
            if acc.add(chunk):
                break
    except httpx.RequestError as exc:
        logger.debug("reading the error body of %s failed: %r", response.status_code, exc)
    finally:
        response.close()
    return acc.body(), acc.over


def peek_body(response: httpx.Response) -> bytes:
    """The first :data:`PEEK_BYTES` of the body (for an error message); the response is closed."""
    acc = _Limit(PEEK_BYTES)
    try:
        for chunk in _pieces(response):
            if acc.add(chunk) or acc.size == PEEK_BYTES:
                break
    except httpx.RequestError:
        pass  # the start we have (possibly nothing) is all the message needs
    finally:
        response.close()
    return acc.body()


# ------------------------------------------------------------------ async


async def _aclose(pieces: AsyncIterator[bytes]) -> None:
    aclose = getattr(pieces, "aclose", None)
    if aclose is not None:
        await aclose()


def _apieces(response: httpx.Response) -> AsyncIterator[bytes]:
    decoder = decoder_for(response)
    return response.aiter_bytes() if decoder is None else adecoded(response.aiter_raw(), decoder)


async def aread_body(response: httpx.Response, limit: int | None) -> bytes:
    """The async twin of :func:`read_body`."""
    acc = _Limit(limit)
    pieces = _apieces(response)
    try:
        async for chunk in pieces:
            if acc.add(chunk):
                raise acc.too_large()
    finally:
        await _aclose(pieces)  # closed now, not by the loop's finalizer after a ``break``
        await response.aclose()
    data = acc.body()
    _keep(response, data)
    return data


async def aread_error_body(response: httpx.Response) -> tuple[bytes, bool]:
    """The async twin of :func:`read_error_body`."""
    acc = _Limit(MAX_ERROR_BODY)
    pieces = _apieces(response)
    try:
        async for chunk in pieces:
            if acc.add(chunk):
                break
    except httpx.RequestError as exc:
        logger.debug("reading the error body of %s failed: %r", response.status_code, exc)
    finally:
        await _aclose(pieces)  # closed now, not by the loop's finalizer after a ``break``
        await response.aclose()
    return acc.body(), acc.over


async def apeek_body(response: httpx.Response) -> bytes:
    """The async twin of :func:`peek_body`."""
    acc = _Limit(PEEK_BYTES)
    pieces = _apieces(response)
    try:
        async for chunk in pieces:
            if acc.add(chunk) or acc.size == PEEK_BYTES:
                break
    except httpx.RequestError:
        pass  # the start we have (possibly nothing) is all the message needs
    finally:
        await _aclose(pieces)  # closed now, not by the loop's finalizer after a ``break``
        await response.aclose()
    return acc.body()
