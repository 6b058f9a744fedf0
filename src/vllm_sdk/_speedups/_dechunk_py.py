"""The pure-Python build of HTTP/1.1 chunked de-framing (``Transfer-Encoding: chunked``), and what both builds
share: :class:`ChunkedError` and the limits.

The twin of ``_dechunk_c.pyx``: same algorithm, same names, same errors (a property test feeds both the same
bytes cut at random points). :meth:`ChunkedDecoder.feed` takes the bytes of one socket read and returns the
body bytes in it as one ``bytes`` (the read itself when it is exactly one chunk's data, so nothing is
copied), keeping whatever a read cut - a size line, the CRLF after data, a trailer - for the next one.

The grammar is RFC 9112's, strictly: ``chunk-size [; extensions] CRLF data CRLF`` ...
``0 CRLF trailers CRLF``, the size 1 to 16 hex digits (optional spaces or tabs around it), lines ended
by CRLF. A chunk-size or trailer line is capped at :data:`MAX_CHUNK_LINE` bytes and the trailers at
:data:`MAX_TRAILERS` lines, so a hostile server cannot make the decoder buffer without bound; chunk data
is never buffered (it is returned as it comes).
"""

from __future__ import annotations

import re

__all__ = ["MAX_CHUNK_LINE", "MAX_TRAILERS", "ChunkedDecoder", "ChunkedError"]

#: Longest chunk-size or trailer line accepted, CR included.
MAX_CHUNK_LINE = 4096
#: Most trailer lines accepted after the last chunk.
MAX_TRAILERS = 128


class ChunkedError(ValueError):
    """A chunked body that breaks HTTP/1.1's framing (the message says how)."""


_SIZE = 0  # a chunk-size line
_DATA = 1  # chunk data
_DATA_END = 2  # the CRLF after chunk data
_TRAILER = 3  # trailer lines, up to the empty one
_DONE = 4  # the last chunk and its trailers are read

_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")


def long_line(max_line: int) -> ChunkedError:
    """The error of a chunk-size or trailer line past ``max_line`` bytes."""
    return ChunkedError(f"chunk line longer than {max_line} bytes")


def bad_size(line: bytes) -> ChunkedError:
    """The error of a chunk-size line that holds no valid size."""
    return ChunkedError(f"invalid chunk size {line[:40]!r}")


NO_CRLF_AFTER_DATA = "chunk data not followed by CRLF"
NO_CRLF_LINE = "chunk line not ended by CRLF"


def too_many_trailers(max_trailers: int) -> ChunkedError:
    """The error of more than ``max_trailers`` trailer lines."""
    return ChunkedError(f"more than {max_trailers} trailer lines")


class ChunkedDecoder:
    """Incremental de-framing of one chunked body (see the module docstring).

    ``done`` becomes true after the last chunk's trailers; ``extra`` when bytes followed the end (the
    connection's framing cannot be trusted then). A :class:`ChunkedError` leaves the decoder unusable.
    """

    __slots__ = ("_left", "_line", "_max_line", "_max_trailers", "_state", "_trailers", "done", "extra")

    def __init__(self, max_line: int = MAX_CHUNK_LINE, max_trailers: int = MAX_TRAILERS) -> None:
        self._state = _SIZE
        self._left = 0
        self._line = b""  # a line cut by the end of a read (or the CR of the CRLF after data)
        self._trailers = 0
        self._max_line = max_line
        self._max_trailers = max_trailers
        self.done = False
        self.extra = False

    def feed(self, data: bytes) -> bytes:
        """The body bytes of one read (``b""`` when it held only framing)."""
        if self.done:
            if data:
                self.extra = True
            return b""
        out: list[bytes] = []
        pos = 0
        end = len(data)
        state = self._state
        while pos < end:
            if state == _DATA:
                left = self._left
                stop = pos + left
                if stop <= end:
                    out.append(data[pos:stop])
                    pos = stop
                    self._left = 0
                    state = _DATA_END
                else:
                    out.append(data[pos:])
                    self._left = left - (end - pos)
                    pos = end
            elif state == _DATA_END:
                held = self._line
                got = held + data[pos : pos + 2 - len(held)]
                pos += len(got) - len(held)
                if got == b"\r\n":
                    self._line = b""
                    state = _SIZE
                elif got == b"\r":
                    self._line = got
                else:
                    raise ChunkedError(NO_CRLF_AFTER_DATA)
            else:
                newline = data.find(b"\n", pos)
                if newline < 0:
                    self._line += data[pos:]
                    if len(self._line) > self._max_line:
                        raise long_line(self._max_line)
                    pos = end
                    continue
                line = self._line + data[pos:newline] if self._line else data[pos:newline]
                self._line = b""
                pos = newline + 1
                if len(line) > self._max_line:
                    raise long_line(self._max_line)
                if line[-1:] != b"\r":
                    raise ChunkedError(NO_CRLF_LINE)
                line = line[:-1]
                if state == _SIZE:
                    size_text = line.partition(b";")[0].strip(b" \t")
                    if _HEX.fullmatch(size_text) is None:
                        raise bad_size(line)
                    size = int(size_text, 16)
                    if size:
                        self._left = size
                        state = _DATA
                    else:
                        state = _TRAILER
                        self._trailers = 0
                elif line:  # a trailer field: counted, then dropped (as httpx does)
                    self._trailers += 1
                    if self._trailers > self._max_trailers:
                        raise too_many_trailers(self._max_trailers)
                else:
                    state = _DONE
                    self.done = True
                    if pos < end:
                        self.extra = True
                    break
        self._state = state
        if not out:
            return b""
        return out[0] if len(out) == 1 else b"".join(out)
