"""Content parts for chat messages: text, and images whose URLs pass through while files and bytes
become ``data:`` URLs.

::

    from vllm_sdk import image_part, text_part

    content = [text_part("What changed?"), image_part("before.png"), image_part("after.png")]
    client.chat.completions.create().model(m).user(content).send()

The MIME type of bytes is read from their magic number (PNG, JPEG, GIF, WebP, BMP, TIFF, ICO, AVIF/HEIC);
a file's from its bytes first and its extension second. Unknown bytes are refused with a ``ValueError``
rather than sent with a guessed type a server would misdecode.
"""

from __future__ import annotations

import base64
import mimetypes
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .types._generated_params import (
        ChatCompletionContentPartImageParam,
        ChatCompletionContentPartParam,
        ChatCompletionContentPartTextParam,
        ImageURLParam,
    )

__all__ = [
    "ContentPart",
    "ImageSource",
    "content_parts",
    "image_part",
    "image_url",
    "image_url_part",
    "sniff_image_mime",
    "text_part",
]

#: What ``image()`` accepts: an http(s) or data URL, a file path, or the image's bytes.
ImageSource = str | os.PathLike[str] | bytes | bytearray | memoryview

_URL_PREFIXES = ("http://", "https://", "data:")

#: One part of a message's content: ``{"type": "text", "text": ...}``, ``{"type": "image_url", ...}``...
ContentPart = Mapping[str, Any]


def sniff_image_mime(data: bytes) -> str | None:
    """The image MIME type of ``data`` from its first bytes, or ``None`` when not recognised."""
    head = bytes(data[:16])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"BM"):
        return "image/bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"\x00\x00\x01\x00"):
        return "image/x-icon"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "image/avif"
        if brand in (b"heic", b"heix", b"mif1"):
            return "image/heic"
    return None


def _data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_url(source: ImageSource) -> str:
    """The URL to send for ``source``: a URL as given, a file or bytes as a base64 ``data:`` URL."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        mime = sniff_image_mime(data)
        if mime is None:
            raise ValueError("image bytes are not a recognised image format (PNG, JPEG, GIF, WebP, ...)")
        return _data_url(data, mime)
    if isinstance(source, str) and source.startswith(_URL_PREFIXES):
        return source
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"image must be a URL, a path or bytes, not {type(source).__name__}")
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(
            f"image file not found: {str(path)!r} (URLs must start with http(s):// or data:)"
        )
    data = path.read_bytes()
    mime = sniff_image_mime(data) or mimetypes.guess_type(path.name)[0]
    if mime is None or not mime.startswith("image/"):
        raise ValueError(f"{path.name!r} is not a recognised image file")
    return _data_url(data, mime)


def _image_url_param(url: str, detail: str | None) -> ImageURLParam:
    inner: dict[str, Any] = {"url": url}
    if detail is not None:
        inner["detail"] = detail  # passed through unchecked: a newer server may know more levels
    return inner  # type: ignore[return-value]


def image_part(source: ImageSource, *, detail: str | None = None) -> ChatCompletionContentPartImageParam:
    """An ``{"type": "image_url", "image_url": {"url": ...}}`` content part."""
    return {"type": "image_url", "image_url": _image_url_param(image_url(source), detail)}


def image_url_part(url: str, *, detail: str | None = None) -> ChatCompletionContentPartImageParam:
    """An image content part for an image the server fetches: an ``http(s)://`` or ``data:`` URL, as given.

    Unlike :func:`image_part` it never reads a file, so a mistyped URL is a ``ValueError`` rather than a
    missing file.
    """
    if not isinstance(url, str) or not url.startswith(_URL_PREFIXES):
        raise ValueError(f"an image URL must start with http://, https:// or data:, not {url!r:.80}")
    return {"type": "image_url", "image_url": _image_url_param(url, detail)}


def text_part(text: str) -> ChatCompletionContentPartTextParam:
    """A ``{"type": "text", "text": ...}`` content part."""
    if not isinstance(text, str):
        raise TypeError(f"a text part needs a string, not {type(text).__name__}")
    return {"type": "text", "text": text}


def content_parts(items: tuple[str | ContentPart, ...]) -> list[ChatCompletionContentPartParam]:
    """The content parts of ``items`` in order: strings become text parts, mappings are copied parts."""
    parts: list[ChatCompletionContentPartParam] = []
    for item in items:
        if isinstance(item, str):
            parts.append(text_part(item))
        elif isinstance(item, Mapping) and "type" in item:
            # A part the caller built (maybe a type newer than this SDK): copied, not checked.
            parts.append(dict(item))  # type: ignore[arg-type]
        else:
            raise TypeError(
                "a content part is a string or a part such as text_part(...) / image_part(...), "
                f"not {type(item).__name__}"
            )
    return parts
