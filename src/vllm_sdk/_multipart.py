"""Multipart form bodies for the upload routes (``/v1/audio/transcriptions``, ``/v1/audio/translations``).

The body is encoded here, so that sync and async clients, both transports (httpx's and aiohttp's) and
retries send the very same bytes: a transport only ever sees ``content=`` and a ``Content-Type`` with the
boundary. A file with a size known in advance (a path to a regular file, a seekable binary file object) is
not read into memory: the body is a :class:`StreamedBody`, the form's bytes around a
:class:`~vllm_sdk._file_source.FileSource` read from disk in chunks on every attempt, with its
``Content-Length`` known. Bytes, and file objects that cannot seek (a pipe, a socket), are read whole, under
the ``max_bytes`` cap.

A file is given as a path (``str`` / ``os.PathLike``), ``bytes`` or a binary file object (anything with
``read()`` returning bytes; its ``name`` gives the filename), or as a ``(filename, content)`` /
``(filename, content, content_type)`` tuple as in openai-python. The MIME type comes from the filename's
extension, else from the first bytes (RIFF/WAVE, ID3/MPEG, fLaC, OggS, WebM, MP4), else
``application/octet-stream``. Files larger than ``max_bytes`` are refused, before they are read when their
size is known.
"""

from __future__ import annotations

import mimetypes
import os
import secrets
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Union

from ._exceptions import VllmError
from ._file_source import FileSource, file_source, handle_source

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

__all__ = [
    "MAX_UPLOAD_BYTES",
    "FileInput",
    "StreamedBody",
    "Upload",
    "encode_multipart",
    "open_file_input",
    "read_file_input",
]

#: The largest file the SDK uploads (vLLM itself refuses audio above 25 MB by default,
#: ``VLLM_MAX_AUDIO_CLIP_FILESIZE_MB``); a bigger one raises before it is read (whole, for a file that
#: cannot say its size).
MAX_UPLOAD_BYTES = 512 * 1024 * 1024

#: What ``file=`` accepts.
FileInput = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes], tuple[Any, ...]]

# Magic numbers of the audio containers vLLM decodes, for files whose name says nothing.
_SNIFF: tuple[tuple[int, bytes, str], ...] = (
    (0, b"fLaC", "audio/flac"),
    (0, b"OggS", "audio/ogg"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\x1a\x45\xdf\xa3", "audio/webm"),
    (4, b"ftyp", "audio/mp4"),
)

# Extensions mimetypes may not know on every platform.
_EXTENSIONS = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".webm": "audio/webm",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".mpga": "audio/mpeg",
    ".mpeg": "audio/mpeg",
}


#: The extension given to a nameless upload of a sniffed type.
_SUFFIXES = {
    "audio/wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/flac": ".flac",
    "audio/ogg": ".ogg",
    "audio/webm": ".webm",
    "audio/mp4": ".m4a",
}


@dataclass(frozen=True, slots=True)
class StreamedBody:
    """A multipart body whose file part is read from disk as it is sent: ``head`` (the form fields and the
    file part's headers), the file, ``tail`` (the closing boundary). It is no iterable itself: the sync
    client sends :meth:`sync_stream`, the async client :meth:`async_stream` (httpx tells the two apart by
    type), each re-iterable, so every attempt sends the whole body again."""

    head: bytes
    source: FileSource
    tail: bytes

    @property
    def length(self) -> int:
        """The body's size in bytes (its ``Content-Length``)."""
        return len(self.head) + self.source.size + len(self.tail)

    def sync_stream(self) -> _SyncBody:
        """The body for a sync httpx client: an iterable of bytes, read anew on every iteration."""
        return _SyncBody(self)

    def async_stream(self) -> _AsyncBody:
        """The body for an async httpx client: an async iterable of bytes, read anew on every iteration."""
        return _AsyncBody(self)


class _SyncBody:
    __slots__ = ("_body",)

    def __init__(self, body: StreamedBody) -> None:
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        yield self._body.head
        yield from self._body.source.chunks()
        yield self._body.tail


class _AsyncBody:
    __slots__ = ("_body",)

    def __init__(self, body: StreamedBody) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._body.head
        async for chunk in self._body.source.achunks():
            yield chunk
        yield self._body.tail


@dataclass(frozen=True, slots=True)
class Upload:
    """An encoded multipart body: ``content`` (the bytes, or a :class:`StreamedBody` for a file read as
    it is sent) and its ``content_type`` (with the boundary)."""

    content: bytes | StreamedBody
    content_type: str


def sniff_type(filename: str, head: bytes) -> str:
    """The MIME type of a file from its name's extension, else its first bytes."""
    ext = os.path.splitext(filename)[1].lower()
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    guessed, _ = mimetypes.guess_type(filename)
    if guessed:
        return guessed
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    for offset, magic, media in _SNIFF:
        if head[offset : offset + len(magic)] == magic:
            return media
    return "application/octet-stream"


def _read_limited(handle: IO[bytes], max_bytes: int) -> bytes:
    data = handle.read(max_bytes + 1)
    if not isinstance(data, (bytes, bytearray)):
        raise VllmError(f"file= must be opened in binary mode (read() returned {type(data).__name__})")
    if len(data) > max_bytes:
        raise VllmError(f"file is larger than the upload limit of {max_bytes} bytes")
    return bytes(data)


def _head(content: bytes | FileSource) -> bytes:
    return content.head if isinstance(content, FileSource) else content[:16]


def open_file_input(
    file: FileInput, max_bytes: int = MAX_UPLOAD_BYTES
) -> tuple[str, bytes | FileSource, str]:
    """``(filename, content, content_type)`` of a ``file=`` argument, ``content`` a :class:`FileSource`
    (nothing read but its first bytes) for a regular file's path or a seekable file object, else the
    bytes; raises :class:`~vllm_sdk.VllmError` for an unsupported value, a text-mode file or a file above
    ``max_bytes``."""
    content: bytes | FileSource
    if isinstance(file, tuple):
        if len(file) not in (2, 3):
            raise VllmError("file= tuples are (filename, content) or (filename, content, content_type)")
        filename, inner = str(file[0]), file[1]
        content_type = str(file[2]) if len(file) == 3 and file[2] else None
        _, content, sniffed = open_file_input(inner, max_bytes)
        return filename, content, content_type or sniff_type(filename, _head(content)) or sniffed
    if isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        source = file_source(path, max_bytes)
        if source is None:  # not a regular file (a named pipe...): its size says nothing, read it whole
            with open(path, "rb") as handle:
                content = _read_limited(handle, max_bytes)
        else:
            content = source
        filename = os.path.basename(path)
    elif isinstance(file, (bytes, bytearray, memoryview)):
        content = bytes(file)
        if len(content) > max_bytes:
            raise VllmError(f"file is larger than the upload limit of {max_bytes} bytes")
        filename = "upload"
    elif hasattr(file, "read"):
        source = handle_source(file, max_bytes)
        content = _read_limited(file, max_bytes) if source is None else source
        name = getattr(file, "name", None)
        filename = os.path.basename(name) if isinstance(name, str) and name else "upload"
    else:
        raise VllmError(
            f"file= must be a path, bytes, a binary file object or a (filename, content) tuple, not"
            f" {type(file).__name__}"
        )
    media = sniff_type(filename, _head(content))
    if filename == "upload":
        # Servers (and vLLM's audio decoder) may go by the extension: give the sniffed type's one.
        filename = f"upload{_SUFFIXES.get(media, '')}"
    return filename, content, media


def read_file_input(file: FileInput, max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[str, bytes, str]:
    """:func:`open_file_input` with the content read into memory."""
    filename, content, media = open_file_input(file, max_bytes)
    if isinstance(content, FileSource):
        content = b"".join(content.chunks())
    return filename, content, media


def _quote(value: str) -> str:
    # RFC 7578: quote and escape; no newlines in a header value.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _field_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_multipart(
    fields: Iterable[tuple[str, Any]],
    file_field: str,
    filename: str,
    content: bytes | FileSource,
    content_type: str,
) -> Upload:
    """A ``multipart/form-data`` body with the text ``fields`` (lists sent as repeated fields, ``None``
    left out) and one file part (a :class:`StreamedBody` when ``content`` is a :class:`FileSource`)."""
    boundary = f"vllm-sdk-{secrets.token_hex(16)}"
    # 128 random bits: a file holding the boundary is practically impossible. In-memory content is checked
    # anyway; a streamed file is not (that would read it twice).
    while isinstance(content, bytes) and boundary.encode() in content:
        boundary = f"vllm-sdk-{secrets.token_hex(16)}"
    parts: list[bytes] = []
    for name, value in fields:
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'
                f"{_field_value(item)}\r\n".encode()
            )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(file_field)}";'
        f' filename="{_quote(filename)}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
    )
    tail = f"\r\n--{boundary}--\r\n".encode()
    content_type_header = f"multipart/form-data; boundary={boundary}"
    if isinstance(content, FileSource):
        return Upload(StreamedBody(b"".join(parts), content, tail), content_type_header)
    parts.append(content)
    parts.append(tail)
    return Upload(b"".join(parts), content_type_header)
