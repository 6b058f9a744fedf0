"""The pure-Python build of SSE framing: the WHATWG event-stream framer and the public ``SSEDecoder``.

The twin of ``_framing_c.pxi`` (included by ``_sse_c.pyx``): same algorithm, same names. Lines are split on
bytes (CR, LF and CRLF never occur inside a multi-byte UTF-8 sequence), so a character split across chunks
is decoded whole once its line is complete, and invalid bytes become U+FFFD when a line is decoded. A line
still waiting for its newline is kept in one growing ``bytearray`` (amortised appends), so feeding a large
event one byte at a time stays linear.
"""

from __future__ import annotations

from typing import Any

from .._exceptions import StreamError
from ._common import (
    BOM,
    DEFAULT_MAX_EVENT_SIZE,
    ServerSentEvent,
    event_too_large,
)

__all__ = ["SSEDecoder"]

_new = tuple.__new__


class _Framer:
    """WHATWG event-stream framing; ``full`` framers produce ``ServerSentEvent``, others the data bytes."""

    __slots__ = (
        "_cr",
        "_data",
        "_data_size",
        "_event",
        "_full",
        "_head",
        "_id",
        "_last_id",
        "_max",
        "_partial",
        "_retry",
        "_started",
    )

    def __init__(self, max_event_size: int, full: bool) -> None:
        if max_event_size < 1:
            raise ValueError("max_event_size must be a positive number of bytes")
        self._max = max_event_size
        self._full = full
        self._started = False  # the BOM check at the very start is done
        self._head = b""  # bytes that may be the start of a BOM
        self._cr = False  # the previous chunk ended in CR: a leading LF completes that line end
        self._partial = bytearray()  # the line still waiting for its end
        self._data: list[bytes] = []  # data lines of the current block
        self._data_size = 0
        self._event: bytes | None = None  # event type buffer
        self._id = ""  # last event ID buffer
        self._last_id = ""  # last event ID string (set at each blank line)
        self._retry: int | None = None  # valid retry field of the current block

    def feed(self, chunk: bytes, out: list[Any]) -> None:
        """Frame ``chunk`` and append what it completes to ``out``; raises StreamError past the bound."""
        if not self._started:
            chunk = self._head + chunk
            if len(chunk) < 3 and BOM.startswith(chunk):
                self._head = chunk
                return
            self._started = True
            self._head = b""
            if chunk[:3] == BOM:
                chunk = chunk[3:]
        if self._cr:
            self._cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if not chunk:
            return
        if b"\r" in chunk:
            # One normalisation per chunk that has a CR; a CR ending the chunk may pair with an LF to come.
            self._cr = chunk[-1] == 13
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = chunk.split(b"\n")
        tail = lines.pop()
        partial = self._partial
        if lines:
            if partial:
                partial += lines[0]
                lines[0] = bytes(partial)
                del partial[:]
            for line in lines:
                if not line:
                    self._dispatch(out)
                elif line[:5] == b"data:":
                    value = line[6:] if line[5:6] == b" " else line[5:]
                    self._data.append(value)
                    self._data_size += len(value) + 1
                    if self._data_size > self._max:
                        raise event_too_large(self._max)
                elif line[0] != 58:  # not a ":" comment
                    self._field(line)
        if tail:
            partial += tail
            if len(partial) + self._data_size > self._max:
                raise event_too_large(self._max)

    def _field(self, line: bytes) -> None:
        colon = line.find(b":")
        if colon < 0:
            name = line
            value = b""
        else:
            name = line[:colon]
            value = line[colon + 2 :] if line[colon + 1 : colon + 2] == b" " else line[colon + 1 :]
        if name == b"data":
            self._data.append(value)
            self._data_size += len(value) + 1
            if self._data_size > self._max:
                raise event_too_large(self._max)
        elif name == b"event":
            self._event = value
        elif name == b"id":
            if b"\x00" not in value:
                self._id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():  # bytes.isdigit: ASCII digits only, False for b""
            self._retry = int(value)

    def _dispatch(self, out: list[Any]) -> None:
        self._last_id = self._id
        data = self._data
        if data:
            payload = data[0] if len(data) == 1 else b"\n".join(data)
            if self._full:
                event = self._event
                out.append(
                    _new(
                        ServerSentEvent,
                        (
                            event.decode("utf-8", "replace") if event else "message",
                            payload.decode("utf-8", "replace"),
                            self._id,
                            self._retry,
                        ),
                    )
                )
            else:
                out.append(payload)
            self._data = []
            self._data_size = 0
        self._event = None
        self._retry = None

    def reset(self) -> None:
        """End of input: an unterminated block is discarded (the last event ID is kept)."""
        self._started = False
        self._head = b""
        self._cr = False
        del self._partial[:]
        self._data = []
        self._data_size = 0
        self._event = None
        self._retry = None


class SSEDecoder:
    """Incremental server-sent-events decoder (pure-Python build).

    ``decode(chunk)`` returns the events the chunk completes; ``flush()`` ends the input (an unterminated
    last block is discarded, as the spec says). An event or line growing past ``max_event_size`` bytes
    raises :class:`~vllm_sdk.StreamError` (after any events completed earlier in the same chunk have been
    returned: the error is then raised by the next call).
    """

    __slots__ = ("_error", "_failed", "_framer")

    def __init__(self, max_event_size: int = DEFAULT_MAX_EVENT_SIZE) -> None:
        self._framer = _Framer(max_event_size, True)
        self._error: StreamError | None = None
        self._failed = False

    @property
    def last_event_id(self) -> str:
        """The last event ID string: the ``id`` in force at the last blank line (``""`` when none)."""
        return self._framer._last_id

    def decode(self, chunk: bytes | bytearray | memoryview) -> list[ServerSentEvent]:
        """Feed bytes; return the events they complete."""
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._failed:
            return []
        out: list[ServerSentEvent] = []
        try:
            self._framer.feed(bytes(chunk) if type(chunk) is not bytes else chunk, out)
        except StreamError as exc:
            self._failed = True
            if out:
                self._error = exc
                return out
            raise
        return out

    def flush(self) -> list[ServerSentEvent]:
        """End of input: discard an unterminated block; returns ``[]`` (kept for decoder symmetry)."""
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        self._framer.reset()
        return []
