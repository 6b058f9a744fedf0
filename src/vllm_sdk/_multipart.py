"""Multipart form bodies for the upload routes (``/v1/audio/transcriptions``, ``/v1/audio/translations``).

The body is encoded to bytes here, with no I/O beyond reading the caller's file once, so that sync and
async clients, both transports (httpx's and aiohttp's) and retries send the very same bytes: a transport
only ever sees ``content=`` and a ``Content-Type`` with the boundary.

A file is given as a path (``str`` / ``os.PathLike``), ``bytes`` or a binary file object (anything with
``read()`` returning bytes; its ``name`` gives the filename), or as a ``(filename, content)`` /
``(filename, content, content_type)`` tuple as in openai-python. The MIME type comes from the filename's
extension, else from the first bytes (RIFF/WAVE, ID3/MPEG, fLaC, OggS, WebM, MP4), else
``application/octet-stream``. Files larger than ``max_bytes`` are refused before they are read whole.
"""

from __future__ import annotations

import mimetypes
import os
import secrets
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Union

from ._exceptions import VllmError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["MAX_UPLOAD_BYTES", "FileInput", "Upload", "encode_multipart", "read_file_input"]

#: The largest file the SDK uploads (vLLM itself refuses audio above 25 MB by default,
#: ``VLLM_MAX_AUDIO_CLIP_FILESIZE_MB``); a bigger one raises before it is read whole.
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
class Upload:
    """An encoded multipart body: ``content`` and its ``content_type`` (with the boundary)."""

    content: bytes
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


def read_file_input(file: FileInput, max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[str, bytes, str]:
    """``(filename, content, content_type)`` of a ``file=`` argument; raises :class:`~vllm_sdk.VllmError`
    for an unsupported value, a text-mode file or a file above ``max_bytes``."""
    content_type: str | None = None
    if isinstance(file, tuple):
        if len(file) not in (2, 3):
            raise VllmError("file= tuples are (filename, content) or (filename, content, content_type)")
        filename, inner = str(file[0]), file[1]
        content_type = str(file[2]) if len(file) == 3 and file[2] else None
        _, content, sniffed = read_file_input(inner, max_bytes)
        return filename, content, content_type or sniff_type(filename, content[:16]) or sniffed
    if isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        size = os.path.getsize(path)
        if size > max_bytes:
            raise VllmError(f"{path} is larger than the upload limit of {max_bytes} bytes ({size})")
        with open(path, "rb") as handle:
            content = _read_limited(handle, max_bytes)
        filename = os.path.basename(path)
    elif isinstance(file, (bytes, bytearray, memoryview)):
        content = bytes(file)
        if len(content) > max_bytes:
            raise VllmError(f"file is larger than the upload limit of {max_bytes} bytes")
        filename = "upload"
    elif hasattr(file, "read"):
        content = _read_limited(file, max_bytes)
        name = getattr(file, "name", None)
        filename = os.path.basename(name) if isinstance(name, str) and name else "upload"
    else:
        raise VllmError(
            f"file= must be a path, bytes, a binary file object or a (filename, content) tuple, not"
            f" {type(file).__name__}"
        )
    media = sniff_type(filename, content[:16])
    if filename == "upload":
        # Servers (and vLLM's audio decoder) may go by the extension: give the sniffed type's one.
        filename = f"upload{_SUFFIXES.get(media, '')}"
    return filename, content, media


def _quote(value: str) -> str:
    # RFC 7578: quote and escape; no newlines in a header value.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _field_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_multipart(
    fields: Iterable[tuple[str, Any]], file_field: str, filename: str, content: bytes, content_type: str
) -> Upload:
    """A ``multipart/form-data`` body with the text ``fields`` (lists sent as repeated fields, ``None``
    left out) and one file part."""
    boundary = f"vllm-sdk-{secrets.token_hex(16)}"
    while boundary.encode() in content:  # practically never: 128 random bits
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
    parts.append(content)
    parts.append(f"\r\n--{boundary}--\r\n".encode())
    return Upload(b"".join(parts), f"multipart/form-data; boundary={boundary}")
