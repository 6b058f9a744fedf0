"""Helpers for the engine tests: recorded vLLM bodies and a feed-everything driver."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reference_data import TRANSCRIPTS, require
from vllm_sdk import StreamError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import ModuleType


def dechunk(body: bytes) -> bytes:
    """Undo HTTP/1.1 chunked transfer coding (``size CRLF data CRLF ... 0 CRLF CRLF``)."""
    out = bytearray()
    pos = 0
    while True:
        end = body.index(b"\r\n", pos)
        size = int(body[pos:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += body[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2


def transcript_body(name: str) -> bytes:
    """The response body of ``transcripts/NAME.http`` (head stripped; de-chunked if stored chunked)."""
    path = require(TRANSCRIPTS / f"{name}.http")
    raw = path.read_bytes()
    head, _, body = raw.partition(b"\r\n\r\n")
    # These recordings keep the "transfer-encoding: chunked" header but store the body de-chunked;
    # a body that starts with a hex size line is de-chunked here.
    first = body.split(b"\r\n", 1)[0]
    chunked = b"transfer-encoding: chunked" in head.lower()
    if chunked and first and all(c in b"0123456789abcdefABCDEF" for c in first):
        body = dechunk(body)
    return body


def split_every(data: bytes, size: int) -> list[bytes]:
    """``data`` cut into pieces of ``size`` bytes."""
    return [data[i : i + size] for i in range(0, len(data), size)]


def run_parser(
    parser: Any, chunks: Iterable[bytes], *, close: bool = True
) -> tuple[list[Any], StreamError | None]:
    """Feed every chunk, then close; return (events, the StreamError raised or None)."""
    events: list[Any] = []
    try:
        for chunk in chunks:
            events.extend(parser.feed(chunk))
        if close:
            events.extend(parser.close())
    except StreamError as exc:
        return events, exc
    return events, None


def chat_events(
    engine: ModuleType, chunks: Iterable[bytes], **kwargs: Any
) -> tuple[list[Any], StreamError | None]:
    """Run a fresh ChatStreamParser of ``engine`` over ``chunks``."""
    return run_parser(engine.ChatStreamParser(**kwargs), chunks)


def decode_all(decoder: Any, chunks: Iterable[bytes]) -> list[Any]:
    """Decode every chunk, then flush."""
    events: list[Any] = []
    for chunk in chunks:
        events.extend(decoder.decode(chunk))
    events.extend(decoder.flush())
    return events
