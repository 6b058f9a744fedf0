"""Every exception vllm_sdk raises, and the one place where foreign errors are mapped into them.

The hierarchy::

    VllmError                          base of everything; has ``is_retryable``
    ├── HttpError                      transport failure: connect, reset, TLS, protocol
    │   └── VllmTimeoutError           connect/read/write/pool timeout, or the stream idle timeout
    ├── ApiError                       the server answered with a non-2xx status
    │   ├── BadRequestError            400
    │   ├── AuthenticationError        401
    │   ├── PermissionDeniedError      403
    │   ├── NotFoundError              404
    │   │   └── ModelNotFoundError     404 naming a model the server does not serve
    │   ├── ConflictError              409
    │   ├── RequestTooLargeError       413
    │   ├── UnprocessableEntityError   422
    │   ├── RateLimitError             429
    │   └── InternalServerError        >= 500
    ├── StreamError                    error event in a stream, malformed/truncated stream, oversized event
    ├── JsonError                      a body that is not valid JSON
    ├── MissingParameterError          a required request field is not set (also a ValueError)
    ├── SettingError                   a bad environment setting or transport choice (also a ValueError)
    ├── NoContentError                 a response without the content that was asked for
    ├── InvalidResponseError           a response that does not have the shape of the API (or of your model)
    ├── LengthFinishReasonError        structured output cut off by the token limit (finish_reason "length")
    └── ClientClosedError              a request on a closed client (also a RuntimeError)

Transport errors (httpx, and aiohttp under the aiohttp-backed transport) are mapped once, by
:func:`map_transport_error`, and raised ``from`` the original; error bodies are parsed once, by
:func:`api_error_from_response`.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "HttpError",
    "InternalServerError",
    "InvalidResponseError",
    "JsonError",
    "LengthFinishReasonError",
    "MissingParameterError",
    "ModelNotFoundError",
    "NoContentError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTooLargeError",
    "SettingError",
    "StreamConsumedError",
    "StreamError",
    "ToolArgumentsError",
    "UnprocessableEntityError",
    "VllmError",
    "VllmTimeoutError",
    "api_error_from_response",
    "map_transport_error",
]

#: Statuses worth another attempt: timeouts, conflicts, rate limits and every server-side failure.
RETRYABLE_STATUSES = frozenset({408, 409, 429})

#: How much of a non-JSON error body (an HTML page from a proxy, say) is kept in the message.
MAX_ERROR_TEXT = 500


class VllmError(Exception):
    """Base class of every exception raised by vllm_sdk.

    ``is_retryable`` tells whether sending the same request again may succeed; the client's own retry
    loop uses it, and so can callers with their own policy.
    """

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def is_retryable(self) -> bool:
        """Whether the same request may succeed if sent again."""
        return False

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # BaseException pickles as ``cls(*self.args)``, which cannot rebuild an exception whose constructor
        # takes keyword-only fields (``ApiError(message, status_code=...)``): unpickling raised TypeError,
        # so a 429 inside a ProcessPoolExecutor worker broke the whole pool. Rebuild without calling
        # ``__init__`` instead, then restore every field from ``__dict__``; copy and deepcopy use the same
        # path. Subclasses (ours and users') need nothing more as long as their fields are attributes.
        return (_rebuild_error, (type(self), self.args), self.__dict__.copy())


def _rebuild_error(cls: type[VllmError], args: tuple[Any, ...]) -> VllmError:
    """Unpickling half of :meth:`VllmError.__reduce__`: the instance with ``args`` and no ``__init__`` run."""
    return cls.__new__(cls, *args)


class HttpError(VllmError):
    """The request did not get a response: connection refused or reset, TLS or protocol failure."""

    @property
    def is_retryable(self) -> bool:
        """Transport failures are transient by nature: always retryable."""
        return True


class VllmTimeoutError(HttpError):
    """A connect, read, write or pool timeout, or the stream idle timeout between two events."""


class ApiError(VllmError):
    """The server answered with a non-2xx status.

    ``message``, ``error_type``, ``param`` and ``code`` come from vLLM's error body (both its nested
    ``{"error": {...}}`` shape and the older flat ``{"object": "error", ...}``); ``body`` is the decoded
    JSON (or the trimmed text of a non-JSON body); ``request_id`` is the ``x-request-id`` header.
    """

    status_code: int
    error_type: str | None
    param: str | None
    code: int | str | None
    body: object
    request_id: str | None
    headers: httpx.Headers

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error_type: str | None = None,
        param: str | None = None,
        code: int | str | None = None,
        body: object = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_type = error_type
        self.param = param
        self.code = code
        self.body = body
        self.request_id = request_id
        self.headers = httpx.Headers(headers or {})

    @property
    def is_retryable(self) -> bool:
        """408, 409, 429 and every 5xx are retryable; other statuses mean the request itself is wrong."""
        return self.status_code in RETRYABLE_STATUSES or self.status_code >= 500

    def __str__(self) -> str:
        kind = f" {self.error_type}" if self.error_type else ""
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"HTTP {self.status_code}{kind}: {self.message}{rid}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, message={self.message!r})"


class BadRequestError(ApiError):
    """400: the request is invalid (vLLM also uses 400 for request validation failures)."""


class AuthenticationError(ApiError):
    """401: missing or wrong API key."""


class PermissionDeniedError(ApiError):
    """403: the key may not do this."""


class NotFoundError(ApiError):
    """404: unknown route or resource."""


class ModelNotFoundError(NotFoundError):
    """404 naming a model the server does not serve; ``model`` is that name when the message gives it."""

    model: str | None

    def __init__(self, message: str, *, model: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.model = model


class ConflictError(ApiError):
    """409: the request conflicts with the server's state."""


class RequestTooLargeError(ApiError):
    """413: the request body is too large."""


class UnprocessableEntityError(ApiError):
    """422: the body was well-formed but not acceptable."""


class RateLimitError(ApiError):
    """429: too many requests; the client honours ``Retry-After`` when it retries."""


class InternalServerError(ApiError):
    """Any 5xx status: the server failed (or a proxy in front of it did)."""


class StreamError(VllmError):
    """A stream went wrong: an ``{"error": ...}`` event, malformed or truncated data, an oversized event.

    ``partial_content`` holds the content text received before the failure, so nothing already streamed
    is lost; ``partial`` may hold the partially accumulated response object. For error events,
    ``error_type``, ``code`` and ``param`` carry the server's fields.
    """

    error_type: str | None
    code: int | str | None
    param: str | None
    body: object
    partial_content: str
    partial: object

    def __init__(
        self,
        message: str,
        *,
        error_type: str | None = None,
        code: int | str | None = None,
        param: str | None = None,
        body: object = None,
        partial_content: str = "",
        partial: object = None,
    ) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.code = code
        self.param = param
        self.body = body
        self.partial_content = partial_content
        self.partial = partial

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class JsonError(VllmError):
    """A body that should be JSON is not; ``text`` is (the start of) what was received."""

    text: str

    def __init__(self, message: str, *, text: str = "") -> None:
        super().__init__(message)
        self.text = text


class MissingParameterError(VllmError, ValueError):
    """A required request field (``model``, ``messages``, ``prompt``, ...) was not set.

    ``parameter`` names the field.
    """

    parameter: str

    def __init__(self, parameter: str, message: str | None = None) -> None:
        super().__init__(message or f"missing required parameter: {parameter!r}")
        self.parameter = parameter


class SettingError(VllmError, ValueError):
    """A setting the SDK reads has a value it cannot use: an environment variable (``VLLM_TIMEOUT``,
    ``VLLM_MAX_RETRIES``, ``VLLM_CUSTOM_HEADERS``, ``VLLM_BASE_URL``, ``VLLM_SDK_LOG``,
    ``VLLM_SDK_TRANSPORT``, ``VLLM_SDK_UVLOOP``) or a client's ``transport=``.

    Also a ``ValueError``, so ``except ValueError`` keeps catching it. ``variable`` names the setting,
    ``value`` is what it held (``"<redacted>"`` for ``VLLM_CUSTOM_HEADERS``, whose lines may carry
    secrets), ``allowed`` the values that would do when they form a closed set (empty otherwise) and
    ``expected`` says in words what would do. Never retryable: the same setting fails again.
    """

    variable: str
    value: str
    allowed: tuple[str, ...]
    expected: str

    def __init__(
        self,
        variable: str,
        value: str,
        allowed: Sequence[str] = (),
        *,
        expected: str | None = None,
        message: str | None = None,
    ) -> None:
        self.variable = variable
        self.value = value
        self.allowed = tuple(allowed)
        if expected is None:
            # A closed set is spelled out whole: the message alone tells what to write instead.
            expected = "one of " + ", ".join(repr(a) for a in self.allowed) + " (case-insensitive)"
        self.expected = expected
        super().__init__(message or f"{variable} must be {expected}, not {value!r}")


class NoContentError(VllmError):
    """The response has no content where content was required (no choices, or an empty message)."""


class InvalidResponseError(VllmError):
    """The response does not have the shape of the API (fails validation against the schema), or
    structured output does not validate into the type it was parsed into.

    ``error`` is the underlying error (a pydantic ``ValidationError``, say) when there is one; it is the
    exception's ``__cause__`` too.
    """

    error: BaseException | None

    def __init__(self, message: str, *, error: BaseException | None = None) -> None:
        super().__init__(message)
        self.error = error


class LengthFinishReasonError(VllmError):
    """Structured output (``parse()``) was cut off by the token limit: ``finish_reason == "length"``.

    The text is incomplete, so it cannot be parsed; raise ``max_tokens`` (or ``max_output_tokens``). The
    response (``ChatCompletionResponse`` or ``Response``) is on ``response``, its usage on ``usage``.
    """

    response: Any
    usage: Any

    def __init__(self, message: str, *, response: Any = None) -> None:
        super().__init__(message)
        self.response = response
        self.usage = getattr(response, "usage", None)


class ToolArgumentsError(InvalidResponseError):
    """A tool call's arguments are valid JSON but do not fit the type asked of ``parse_args_as()``.

    ``validation_error`` is pydantic's ``ValidationError`` (also the ``__cause__``), with every mismatch;
    ``text`` is (the start of) the arguments the model produced.
    """

    validation_error: object
    text: str

    def __init__(self, message: str, *, validation_error: object = None, text: str = "") -> None:
        super().__init__(message)
        self.validation_error = validation_error
        self.text = text


class ClientClosedError(VllmError, RuntimeError):
    """A request was made on a client that was closed (or whose shared connection pool was closed)."""


class StreamConsumedError(VllmError, RuntimeError):
    """A stream was asked for something its events already read can no longer give: ``chunks()`` after
    events were iterated (or a second time), since the chunks of events already read were not kept."""


_STATUS_CLASSES: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

# vLLM: "The model `does-not-exist` does not exist." (param "model"); older servers omit the param.
_MODEL_NOT_FOUND = re.compile(r"[Tt]he model [`'\"]?(?P<model>[^`'\"\s]+)[`'\"]? does not exist")


def _as_optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _as_code(value: object) -> int | str | None:
    if value is None or (isinstance(value, (int, str)) and not isinstance(value, bool)):
        return value
    return str(value)


def _trim(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_ERROR_TEXT else text[:MAX_ERROR_TEXT] + "…"


#: ``(message, type, param, code, decoded_body)`` read from an error body.
ErrorFields = tuple[str | None, str | None, str | None, int | str | None, object]


def parse_error_body(content: bytes | str) -> ErrorFields:
    """Read ``(message, type, param, code, decoded_body)`` from an error body of any known shape.

    Shapes: vLLM's ``{"error": {"message", "type", "param", "code"}}``; the older flat
    ``{"object": "error", "message", "type", "param", "code"}``; ``{"error": "Unauthorized"}`` (vLLM's
    ``--api-key`` middleware); FastAPI's ``{"detail": ...}``. A body that is not JSON gives its trimmed
    text as the message and as ``decoded_body``.
    """
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    try:
        data: object = json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):  # not JSON, or nested too deep to decode: keep it as text
        trimmed = _trim(text)
        return (trimmed or None), None, None, None, trimmed
    if not isinstance(data, dict):
        return (None if data is None else _trim(json.dumps(data))), None, None, None, data
    err = data.get("error")
    if isinstance(err, dict):
        source: Mapping[str, Any] = err
    elif isinstance(err, str):
        return err, None, None, None, data
    elif "message" in data:
        source = data
    elif "detail" in data:
        detail = data["detail"]
        message = detail if isinstance(detail, str) else _trim(json.dumps(detail))
        return message, None, None, None, data
    else:
        return _trim(json.dumps(data)), None, None, None, data
    raw_message = source.get("message")
    return (
        None if raw_message is None else str(raw_message),
        _as_optional_str(source.get("type")),
        _as_optional_str(source.get("param")),
        _as_code(source.get("code")),
        data,
    )


def api_error_from_response(
    status_code: int,
    content: bytes | str,
    headers: Mapping[str, str] | None = None,
) -> ApiError:
    """Build the right :class:`ApiError` subclass for a non-2xx response (status, body bytes, headers)."""
    message, error_type, param, code, body = parse_error_body(content)
    hdrs = httpx.Headers(headers or {})
    request_id = hdrs.get("x-request-id")
    if not message:
        message = httpx.codes.get_reason_phrase(status_code) or f"HTTP status {status_code}"
    kwargs: dict[str, Any] = {
        "status_code": status_code,
        "error_type": error_type,
        "param": param,
        "code": code,
        "body": body,
        "request_id": request_id,
        "headers": hdrs,
    }
    if status_code == 404:
        match = _MODEL_NOT_FOUND.search(message)
        if match or param == "model":
            return ModelNotFoundError(message, model=match.group("model") if match else None, **kwargs)
    cls = _STATUS_CLASSES.get(status_code)
    if cls is None:
        cls = InternalServerError if status_code >= 500 else ApiError
    return cls(message, **kwargs)


def map_transport_error(exc: BaseException) -> HttpError:
    """Map a transport exception (httpx's, or aiohttp's under the aiohttp transport) to :class:`HttpError`.

    Callers raise the result ``from exc`` so the original stays attached as ``__cause__``.
    """
    if isinstance(exc, httpx.TimeoutException):
        kind = type(exc).__name__.replace("Timeout", " timeout").strip().lower()
        return VllmTimeoutError(f"{kind}: {exc}" if str(exc) else kind)
    if isinstance(exc, TimeoutError):
        return VllmTimeoutError(f"timed out: {exc}" if str(exc) else "timed out")
    name = type(exc).__name__
    detail = str(exc)
    return HttpError(f"{name}: {detail}" if detail else name)
