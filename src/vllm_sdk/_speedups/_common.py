"""What both builds of the streaming engine share: constants, the ``ServerSentEvent`` value, JSON decoding
fallbacks, error construction and the final-response (snapshot) assembly.

``_sse_py.py`` and ``_sse_c.pyx`` import these from here so the two builds cannot drift apart: everything
that is not on the per-byte or per-delta hot path lives in this one module.
"""

from __future__ import annotations

import json
import sys
from operator import itemgetter
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from .._events import Error, Usage
from .._exceptions import StreamError, parse_error_body

if TYPE_CHECKING:
    from collections.abc import Sequence


def _json_loads(raw: bytes) -> Any:
    # Without orjson: strict UTF-8 (json.loads on bytes would also guess UTF-16/32) and ValueError only.
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


try:  # orjson is a dependency; json remains the fallback for an install made with --no-deps
    from orjson import loads as fast_loads
except ImportError:  # pragma: no cover - tests/engine/test_json_fallback.py covers this decoder
    fast_loads = _json_loads  # type: ignore[assignment]

__all__ = [
    "BOM",
    "COMPACT_PIECES",
    "DEFAULT_MAX_ACCUMULATED",
    "DEFAULT_MAX_EVENT_SIZE",
    "DONE_PAYLOAD",
    "THINK_CLOSE",
    "THINK_OPEN",
    "ServerSentEvent",
    "accumulated_too_large",
    "accumulation_limit",
    "chat_snapshot",
    "compact",
    "completion_snapshot",
    "error_event",
    "event_too_large",
    "fast_loads",
    "loads_fallback",
    "merge_logprobs",
    "shape_error",
    "truncated_error",
    "usage_event",
]

#: Default bound on one event (its data plus the line being read), in bytes.
DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024
#: Default bound on the text a stream parser accumulates for ``snapshot()``, in characters: the same
#: 64 MiB as the client's ``DEFAULT_MAX_RESPONSE_SIZE`` (``_body_read``, not imported here: the engine
#: stays free of the HTTP layer; a test keeps the two equal).
DEFAULT_MAX_ACCUMULATED = 64 * 1024 * 1024
#: How many pieces an accumulated text may have before the newest ones are joined into one string (one
#: small ``str`` per token costs ~60 bytes besides its text; joined, memory follows the text).
COMPACT_PIECES = 4096
#: The UTF-8 byte order mark a stream may start with (stripped once).
BOM = b"\xef\xbb\xbf"
#: The payload that ends an OpenAI-style stream.
DONE_PAYLOAD = b"[DONE]"
#: Think tags some chat templates put inside ``content`` when the server runs no reasoning parser.
THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"

#: How much of an offending payload an error message quotes.
_MAX_QUOTED = 200

_tuple_new = tuple.__new__


class ServerSentEvent(tuple):  # type: ignore[type-arg]
    """One dispatched server-sent event: ``event`` type, ``data``, ``id`` (last event ID) and ``retry``.

    ``id`` is the last event ID at dispatch (``""`` when none was ever set); ``retry`` is the reconnection
    time in milliseconds when this event's block carried a valid ``retry`` field, else ``None``.
    """

    __slots__ = ()
    __match_args__ = ("event", "data", "id", "retry")
    _fields: ClassVar[tuple[str, ...]] = ("event", "data", "id", "retry")

    if TYPE_CHECKING:
        event: str
        data: str
        id: str
        retry: int | None
    else:
        event = property(itemgetter(0), doc='The event type ("message" unless an event field named one).')
        data = property(itemgetter(1), doc="The data, multi-line data joined with LF.")
        id = property(itemgetter(2), doc='The last event ID at dispatch ("" when none).')
        retry = property(itemgetter(3), doc="The reconnection time this block set, in ms, or None.")

    def __new__(
        cls,
        event: str = "message",
        data: str = "",
        id: str = "",
        retry: int | None = None,
    ) -> ServerSentEvent:
        return _tuple_new(cls, (event, data, id, retry))

    def __eq__(self, other: object) -> bool:
        return type(other) is ServerSentEvent and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(("ServerSentEvent", tuple(self)))

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"ServerSentEvent(event={self[0]!r}, data={self[1]!r}, id={self[2]!r}, retry={self[3]!r})"

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)

    def json(self) -> Any:
        """The data decoded as JSON (raises ``ValueError`` when it is not JSON)."""
        return json.loads(self[1])


def _quote(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return text if len(text) <= _MAX_QUOTED else text[:_MAX_QUOTED] + "…"


def loads_fallback(raw: bytes) -> Any:
    """Decode a payload the fast decoder refused.

    orjson rejects some inputs json accepts (invalid UTF-8, lone surrogates, NaN, huge integers); decoding
    invalid UTF-8 as U+FFFD and retrying with json keeps one behaviour whether or not orjson is installed.
    Raises :class:`StreamError` when the payload is not JSON at all.
    """
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise StreamError(f"malformed JSON in stream event: {_quote(text)!r}", body=_quote(text)) from None


def shape_error(what: str, raw: bytes) -> StreamError:
    """A chunk that is JSON but not shaped like a completion chunk."""
    return StreamError(f"unexpected stream chunk ({what}): {_quote(raw)!r}", body=_quote(raw))


def event_too_large(limit: int) -> StreamError:
    """An event (or a line without a newline) grew past the configured bound."""
    return StreamError(f"stream event exceeds max_event_size ({limit} bytes)")


def accumulation_limit(max_accumulated: int | None) -> int:
    """The checked ``max_accumulated`` keyword as the bound the parsers compare with (``None``: none)."""
    if max_accumulated is None:
        return sys.maxsize
    if isinstance(max_accumulated, bool) or not isinstance(max_accumulated, int):
        raise TypeError(
            f"max_accumulated must be an int (characters) or None, not {type(max_accumulated).__name__}"
        )
    if max_accumulated < 1:
        raise ValueError(f"max_accumulated must be > 0 characters or None, not {max_accumulated}")
    return min(max_accumulated, sys.maxsize)  # the compiled build counts in a C integer


def accumulated_too_large(limit: int) -> StreamError:
    """The text a stream sent (kept for ``snapshot()``/``collect()``) grew past the configured bound."""
    return StreamError(f"the stream's accumulated text exceeds {limit} characters (max_accumulated)")


def compact(pieces: list[str], limit: int) -> int:
    """Join the pieces past the already-joined ones (``limit - COMPACT_PIECES`` of them) into one string;
    return the length at which to compact next.

    Only the new pieces are joined, so each character is copied once here whatever the stream's length;
    the list keeps one string per ``COMPACT_PIECES`` pieces, and ``"".join(pieces)`` is unchanged.
    """
    start = limit - COMPACT_PIECES
    pieces[start:] = ["".join(pieces[start:])]
    return start + 1 + COMPACT_PIECES


def truncated_error(events: int, partial_content: str, partial: object) -> StreamError:
    """The body ended before ``data: [DONE]``."""
    return StreamError(
        f"stream ended before [DONE] after {events} events (connection dropped or server failed)",
        partial_content=partial_content,
        partial=partial,
    )


def error_event(payload: bytes, partial_content: str, partial: object) -> Error:
    """The :class:`Error` event for an ``{"error": ...}`` (or flat ``{"object": "error"}``) payload."""
    message, error_type, param, code, body = parse_error_body(payload)
    exc = StreamError(
        message or "error event in stream",
        error_type=error_type,
        code=code,
        param=param,
        body=body,
        partial_content=partial_content,
        partial=partial,
    )
    return _tuple_new(Error, (exc,))


def usage_event(usage: dict[str, Any]) -> Usage:
    """The :class:`Usage` event for a ``usage`` object (details kept, read-only, when sent)."""
    ptd = usage.get("prompt_tokens_details")
    ctd = usage.get("completion_tokens_details")
    return _tuple_new(
        Usage,
        (
            usage.get("prompt_tokens", 0),
            usage.get("completion_tokens", 0),
            usage.get("total_tokens", 0),
            None if ptd is None else MappingProxyType(dict(ptd) if isinstance(ptd, dict) else {"value": ptd}),
            None if ctd is None else MappingProxyType(dict(ctd) if isinstance(ctd, dict) else {"value": ctd}),
        ),
    )


def merge_logprobs(current: dict[str, Any] | None, new: object) -> dict[str, Any] | None:
    """Fold one chunk's ``logprobs`` into the accumulated ones: lists are extended, other values replaced.

    Covers the chat shape (``{"content": [...]}``) and the completions shape (``text_offset``,
    ``token_logprobs``, ``tokens``, ``top_logprobs``).
    """
    if not isinstance(new, dict):
        return current
    if current is None:
        current = {}
    for key, value in new.items():
        if isinstance(value, list):
            have = current.get(key)
            if isinstance(have, list):
                have.extend(value)
            else:
                current[key] = list(value)
        elif value is not None or key not in current:
            current[key] = value
    return current


def _meta(meta: Sequence[Any]) -> tuple[Any, Any, Any, Any, Any]:
    chunk_id, created, model, fingerprint, usage = meta
    return chunk_id, created, model, fingerprint, usage


def chat_snapshot(meta: Sequence[Any], choices: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """The final chat response in vLLM's non-streaming wire shape.

    ``meta`` is ``(id, created, model, system_fingerprint, usage)``; each entry of ``choices`` is
    ``(index, role, content, reasoning, tool_calls, logprobs, finish_reason, stop_reason)`` with
    ``content``/``reasoning`` joined strings or ``None`` and ``tool_calls`` wire-shaped dicts.
    """
    chunk_id, created, model, fingerprint, usage = _meta(meta)
    out_choices = []
    for index, role, content, reasoning, tool_calls, logprobs, finish_reason, stop_reason in sorted(
        choices, key=itemgetter(0)
    ):
        out_choices.append(
            {
                "index": index,
                "message": {
                    "role": role,
                    "content": content,
                    "reasoning": reasoning,
                    "tool_calls": list(tool_calls),
                },
                "logprobs": logprobs,
                "finish_reason": finish_reason,
                "stop_reason": stop_reason,
            }
        )
    return {
        "id": chunk_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": out_choices,
        "usage": usage,
        "system_fingerprint": fingerprint,
    }


def completion_snapshot(meta: Sequence[Any], choices: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """The final legacy completion in vLLM's non-streaming wire shape.

    ``choices`` entries are ``(index, text, logprobs, finish_reason, stop_reason)``.
    """
    chunk_id, created, model, fingerprint, usage = _meta(meta)
    out_choices = [
        {
            "index": index,
            "text": text,
            "logprobs": logprobs,
            "finish_reason": finish_reason,
            "stop_reason": stop_reason,
        }
        for index, text, logprobs, finish_reason, stop_reason in sorted(choices, key=itemgetter(0))
    ]
    return {
        "id": chunk_id,
        "object": "text_completion",
        "created": created,
        "model": model,
        "choices": out_choices,
        "usage": usage,
        "system_fingerprint": fingerprint,
    }
