"""Turning one batch element into a :class:`PreparedRequest`: the route and JSON body to send.

Done once per element, before the first attempt, so that a malformed element fails fast as that
element's result (:class:`InvalidBatchRequest`, status 400) and the retries resend the same body.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from .._exceptions import VllmError

__all__ = ["InvalidBatchRequest", "PreparedRequest", "prepare"]


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """A batch element reduced to what the senders need.

    ``path`` is relative to the base URL (which already ends in ``/v1``), e.g. ``"/chat/completions"``.
    ``builder`` holds a request builder that could not be reduced to a body; it is then sent as it is.
    """

    custom_id: str | None
    method: str
    path: str
    body: dict[str, Any] | None
    builder: Any = None


class InvalidBatchRequest(VllmError, ValueError):
    """A batch element that is not a request (reported as that element's error, never raised)."""


def _path_from_url(url: str) -> str:
    """``/v1/chat/completions`` -> ``/chat/completions``: the client's base URL already ends in /v1."""
    path = url if url.startswith("/") else "/" + url
    return path[3:] if path.startswith("/v1/") else path


def prepare(item: object) -> PreparedRequest:
    """Normalise one batch element; raises :class:`InvalidBatchRequest` with the reason."""
    if isinstance(item, PreparedRequest):
        return item
    if isinstance(item, InvalidBatchRequest):
        # Found invalid upstream (``run_partition`` checks rows while reading them): that element's
        # failure, with the reason given there.
        raise item
    if isinstance(item, dict):
        if "body" in item and "url" in item:
            return _batch_line(item)
        if "messages" in item:
            return PreparedRequest(None, "POST", "/chat/completions", dict(item))
        if "prompt" in item:
            return PreparedRequest(None, "POST", "/completions", dict(item))
        raise InvalidBatchRequest(
            "a request dict needs 'messages' (chat), 'prompt' (completion) or 'url' and 'body' (batch line)"
        )
    body = _builder_body(item)
    if body is not None:
        path = "/chat/completions" if "messages" in body else "/completions"
        return PreparedRequest(None, "POST", path, body)
    if callable(getattr(item, "send", None)):
        return PreparedRequest(None, "POST", "", None, builder=item)
    raise InvalidBatchRequest(f"not a request: {type(item).__name__}")


def _batch_line(item: dict[Any, Any]) -> PreparedRequest:
    """A line of an OpenAI batch file, checked the way vLLM's ``run-batch`` checks it."""
    custom_id = item.get("custom_id")
    if custom_id is not None and not isinstance(custom_id, str):
        raise InvalidBatchRequest("custom_id must be a string")
    method = item.get("method", "POST")
    if not isinstance(method, str) or method.upper() != "POST":
        raise InvalidBatchRequest(f"method must be POST, not {method!r}")
    url, body = item["url"], item["body"]
    if not isinstance(url, str) or not url:
        raise InvalidBatchRequest("url must be a non-empty string")
    if not isinstance(body, dict):
        raise InvalidBatchRequest("body must be a JSON object")
    return PreparedRequest(custom_id, "POST", _path_from_url(url), body)


def _builder_body(builder: object) -> dict[str, Any] | None:
    """The JSON body a request builder would send, when the builder can tell it without sending.

    Reducing a builder to its body lets the HTTP sender (and the ``stream=True`` rewrite) treat it like
    any other request; a builder that cannot tell is sent through its own ``send()``.
    """
    for name in ("to_dict", "build_body", "body"):
        method = getattr(builder, name, None)
        if callable(method):
            with contextlib.suppress(TypeError):
                value = method()
                if isinstance(value, dict):
                    return dict(value)
    return None
