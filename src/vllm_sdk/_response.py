"""Responses: JSON bodies validated straight from bytes into the response models, and the
:class:`~vllm_sdk.ApiError` of a non-2xx response (or of an error body sent with a 2xx status)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError

from ._body_read import MAX_ERROR_BODY
from ._exceptions import ApiError, InvalidResponseError, JsonError, VllmError, api_error_from_response
from ._transports import header_value
from .types._wire import WireResponse

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

__all__ = [
    "MAX_ERROR_BODY",
    "TRUNCATED_MARK",
    "ModelT",
    "error_from_response",
    "is_wrong_stream_type",
    "parse_response",
    "wrong_stream_type_error",
]

ModelT = TypeVar("ModelT", bound=BaseModel)

#: Appended to the message of an error whose body was longer than :data:`MAX_ERROR_BODY` (only its start
#: was read).
TRUNCATED_MARK = f"[error body truncated: only its first {MAX_ERROR_BODY // (1024 * 1024)} MiB read]"


def parse_response(model: type[ModelT], content: bytes, headers: Mapping[str, str] | None = None) -> ModelT:
    """Validate a JSON body straight from bytes into ``model``.

    Invalid JSON (or an empty body) raises :class:`JsonError`; JSON of the wrong shape raises
    :class:`InvalidResponseError`; both keep pydantic's error as ``__cause__``. Models with a
    ``request_id`` get the ``x-request-id`` of ``headers``.
    """
    if not content.strip():
        raise JsonError("the response body is empty where JSON was expected")
    try:
        parsed = model.model_validate_json(content)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            text = content[:200].decode("utf-8", "replace")
            media = _media_type(headers)
            if media and not _is_json_type(media):  # a proxy's login page, say: name what came instead
                raise JsonError(
                    f"expected a JSON response but the server sent {media!r}; "
                    f"body starts {_start(content)!r}",
                    text=text,
                ) from exc
            raise JsonError(
                f"the response body is not valid JSON: {exc.errors()[0]['msg']}", text=text
            ) from exc
        error = _error_in_success_body(content)
        if error is not None:  # a proxy or an old server that reports an error with a 2xx status
            raise error from exc
        start = content[:200].decode("utf-8", "replace")
        raise InvalidResponseError(
            f"the response does not have the shape of {model.__name__}: {exc.error_count()} error(s), "
            f"first: {_first_error(exc)}; body starts {start!r}"
        ) from exc
    if isinstance(parsed, WireResponse):
        parsed._raw_json = content  # read back by ``.raw``
        if headers is not None:
            parsed._request_id = headers.get("x-request-id")
    return parsed


def _error_in_success_body(content: bytes) -> ApiError | None:
    """The :class:`ApiError` an error-shaped body describes (``{"error": ...}`` or ``{"object": "error"}``),
    with the status from its ``code`` (500 when it has none)."""
    try:
        data = json.loads(content)
    except (ValueError, RecursionError):  # not JSON, or nested too deep to decode: not an error body
        return None
    if not isinstance(data, dict) or not ("error" in data or data.get("object") == "error"):
        return None
    inner = data.get("error")
    code = (inner if isinstance(inner, dict) else data).get("code")
    status = code if isinstance(code, int) and 400 <= code <= 599 else 500
    return api_error_from_response(status, content)


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "(body)"
    return f"{location}: {first['msg']}"


def error_from_response(response: httpx.Response, content: bytes, truncated: bool = False) -> ApiError:
    """The :class:`ApiError` for a non-2xx response whose (bounded) body is ``content``; ``truncated``:
    the body was longer and only its start was read (said in the message)."""
    error = api_error_from_response(response.status_code, content, response.headers)
    if truncated:
        error.message = f"{error.message} {TRUNCATED_MARK}"
    return error


def _media_type(headers: Mapping[str, str] | None) -> str:
    if headers is None:
        return ""
    value = headers.get("content-type") or ""
    return value.partition(";")[0].strip().lower()


def _is_json_type(media: str) -> bool:
    return media == "application/json" or media.endswith(("+json", "/json"))


def _start(content: bytes, size: int = 200) -> str:
    return content[:size].decode("utf-8", "replace")


def is_wrong_stream_type(response: httpx.Response) -> bool:
    """True when a 2xx answer to a stream request says it is not an event stream (a missing
    ``Content-Type`` is given the benefit of the doubt)."""
    value = header_value(response, "content-type")  # one look-up, not the whole headers built
    media = value.partition(";")[0].strip().lower() if value else ""
    return bool(media) and media != "text/event-stream"


def wrong_stream_type_error(response: httpx.Response, head: bytes) -> VllmError:
    """The error for a 2xx stream answer of another content type, whose body starts with ``head``: the
    :class:`ApiError` a JSON error body describes, else :class:`InvalidResponseError` naming the type."""
    media = _media_type(response.headers)
    if _is_json_type(media):
        error = _error_in_success_body(head)
        if error is not None:
            return error
    return InvalidResponseError(
        f"expected an event stream (text/event-stream) but the server sent {media!r} with status "
        f"{response.status_code}; body starts {_start(head)!r}"
    )
