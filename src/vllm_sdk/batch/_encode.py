"""Result lines as bytes, whatever the server sent: orjson when it can, the raw body text when it cannot.

orjson refuses to serialise JSON nested deeper than 255, integers beyond 64 bits and strings holding lone
surrogates (``"\\ud800"`` is valid JSON); it reads integers beyond 64 bits as floats, silently. A batch
must neither die on such a response nor change it, so:

* :func:`decode_body` reads a response body exactly: orjson for the common case, the standard library
  when the body holds a long run of digits (an integer orjson would turn into a float) or a string orjson
  refuses; a body nested too deep for either comes back as :data:`TOO_DEEP` (it is kept raw).
* :func:`encode_line` writes a result line. When a part of it cannot be encoded, that part is replaced by
  its raw text: the response's ``body`` becomes ``null`` next to ``"raw"`` (the body as received) and
  ``"raw_encoding"`` (``"utf-8"``, or ``"base64"`` when the bytes are not valid UTF-8); an error object
  becomes ``{"message", "type", "code", "raw", "raw_encoding"}`` with the same meaning. Every line this
  module writes is plain orjson output, so :func:`loads_line` can always read it back.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

try:  # a core dependency in the default install; the standard library does the same, slower
    import orjson

    _dumps = orjson.dumps
    _loads = orjson.loads
    _DecodeError: type[ValueError] = orjson.JSONDecodeError
except ImportError:  # pragma: no cover - only in an install without orjson

    def _dumps(obj: Any, /) -> bytes:  # type: ignore[misc]
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    _loads = json.loads  # type: ignore[assignment]
    _DecodeError = ValueError

__all__ = [
    "RAW_BASE64",
    "RAW_UTF8",
    "TOO_DEEP",
    "decode_body",
    "encode_line",
    "keep_raw",
    "loads_line",
    "printable",
    "raw_fields",
    "raw_of",
]

#: ``raw_encoding`` of raw text that is the body's bytes decoded as UTF-8.
RAW_UTF8 = "utf-8"
#: ``raw_encoding`` of raw text that is the body's bytes in base64 (they were not valid UTF-8).
RAW_BASE64 = "base64"

#: 20 digits in a row: an integer that may not fit in 64 bits (orjson would read it as a float). A string
#: holding such digits only costs the slower, exact path.
_LONG_DIGITS = re.compile(rb"\d{20}")

#: The attribute :func:`keep_raw` sets on an exception (exceptions take attributes; no wrapper needed).
_RAW_ATTRIBUTE = "_vllm_sdk_batch_raw_body"


class _TooDeep:
    """The type of :data:`TOO_DEEP`."""

    def __repr__(self) -> str:
        return "TOO_DEEP"


#: What :func:`decode_body` returns for a body nested too deep to hold as Python objects.
TOO_DEEP = _TooDeep()


def loads_line(data: bytes) -> Any:
    """Decode one line of a batch file (``ValueError`` when it is not JSON)."""
    return _loads(data)


def decode_body(content: bytes) -> Any:
    """The JSON value of a response body, exactly; :data:`TOO_DEEP` when it is nested too deep to hold.

    Raises ``ValueError`` (``UnicodeDecodeError`` included) when the body is not JSON.
    """
    if _LONG_DIGITS.search(content) is None:
        try:
            return _loads(content)
        except _DecodeError:
            pass  # lone surrogates, or deeper than orjson's limit: the standard library decides
    try:
        return json.loads(content)
    except RecursionError:
        return TOO_DEEP


def keep_raw(error: BaseException, content: bytes) -> BaseException:
    """Attach the raw body ``content`` to ``error`` (an error response), for its result line."""
    setattr(error, _RAW_ATTRIBUTE, content)
    return error


def raw_of(error: BaseException | None) -> bytes | None:
    """The raw body :func:`keep_raw` attached to ``error``, if any."""
    raw = getattr(error, _RAW_ATTRIBUTE, None)
    return raw if isinstance(raw, bytes) else None


def _encodable(value: object) -> bool:
    try:
        _dumps(value)
    except (TypeError, ValueError, RecursionError):  # orjson.JSONEncodeError is a TypeError
        return False
    return True


def raw_fields(raw: bytes | None, value: object) -> dict[str, Any]:
    """``{"raw": text, "raw_encoding": ...}`` for ``raw`` bytes, else for ``value`` as JSON text.

    ``value`` is written with the standard library, ASCII-only: exact for huge integers and lone
    surrogates. A value too deep even for that has ``"raw": null`` (its bytes were not kept).
    """
    if raw is not None:
        try:
            return {"raw": raw.decode("utf-8"), "raw_encoding": RAW_UTF8}
        except UnicodeDecodeError:
            return {"raw": base64.b64encode(raw).decode("ascii"), "raw_encoding": RAW_BASE64}
    try:
        text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    except (RecursionError, TypeError, ValueError):
        return {"raw": None, "raw_encoding": None}
    return {"raw": text, "raw_encoding": RAW_UTF8}


def printable(text: object) -> str:
    """``text`` as a string orjson can write: lone surrogates become ``\\udXXX`` escapes (messages only)."""
    return str(text).encode("utf-8", "backslashreplace").decode("utf-8")


def _safe_error(error: dict[str, Any], raw: bytes | None) -> dict[str, Any]:
    """An error object reduced to its message, type and code, with its raw text."""
    nested = error.get("error")
    inner: dict[str, Any] = nested if isinstance(nested, dict) else error
    safe: dict[str, Any] = {
        "message": printable(inner.get("message", "")),
        "type": None if inner.get("type") is None else printable(inner.get("type")),
        "code": inner.get("code") if _encodable(inner.get("code")) else printable(inner.get("code")),
    }
    if "retryable" in error and isinstance(error["retryable"], bool):
        safe["retryable"] = error["retryable"]
    safe.update(raw_fields(raw, error))
    return safe


def encode_line(
    line: dict[str, Any], *, raw_body: bytes | None = None, raw_error: bytes | None = None
) -> bytes:
    """One result line as bytes ending in ``\\n``; never raises for anything a server sent.

    ``raw_body`` (a success body) and ``raw_error`` (an error body) are the bytes as received, used in
    place of a part that cannot be encoded.
    """
    try:
        return _dumps(line) + b"\n"
    except (TypeError, ValueError, RecursionError):
        pass
    fixed = dict(line)
    response = fixed.get("response")
    if isinstance(response, dict) and not _encodable(response):
        body = response.get("body")
        fixed["response"] = {
            "status_code": response.get("status_code"),
            "request_id": printable(response.get("request_id")),
            "body": None,
            **raw_fields(raw_body, body),
        }
    error = fixed.get("error")
    if isinstance(error, dict) and not _encodable(error):
        fixed["error"] = _safe_error(error, raw_error)
    try:
        return _dumps(fixed) + b"\n"
    except (TypeError, ValueError, RecursionError) as exc:  # e.g. an unwritable custom_id: still one line
        last_resort = {
            "id": printable(line.get("id")),
            "custom_id": printable(line.get("custom_id")),
            "response": None,
            "error": {"message": f"the result could not be written: {exc}", "type": "UnencodableResult"},
        }
        return _dumps(last_resort) + b"\n"
