"""The part the typed-event stream parsers share (Responses, Messages): streams whose SSE events each carry
one JSON object with a ``type`` and that end on a terminal event of their own instead of ``[DONE]``.

:class:`TypedEventStreamParser` owns the framing (the SSE decoder of a build, passed in), the
``feed``/``close`` loop with its deferred error (events decoded before a malformed one are returned first,
the error is raised on the next call), the JSON and ``type`` checks of each event, ``keep_raw`` and the
terminal bookkeeping. A subclass names its API, maps one decoded event (:meth:`_handle`) and keeps the
accumulated message (:meth:`snapshot`, :meth:`_text`).

Pure Python over either build's ``SSEDecoder``: both builds frame identically and share this mapping.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from .._events import Done
from .._exceptions import StreamError
from ._common import (
    DEFAULT_MAX_ACCUMULATED,
    DEFAULT_MAX_EVENT_SIZE,
    accumulated_too_large,
    accumulation_limit,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["TypedEventStreamParser", "int_field", "quote"]

_MAX_QUOTED = 200


def quote(text: str) -> str:
    """``text`` cut to a length fit for an error message."""
    return text if len(text) <= _MAX_QUOTED else text[:_MAX_QUOTED] + "…"


def int_field(event: dict[str, Any], key: str, api: str) -> int:
    """The integer ``event[key]`` (0 when absent); a value of another type is a malformed event."""
    index = event.get(key, 0)
    if type(index) is not int:
        raise StreamError(f"{api} event with a non-integer {key}: {index!r}")
    return index


class TypedEventStreamParser(ABC):
    """Incremental, I/O-free parser of a typed-event stream: ``feed(bytes) -> events``,
    ``close() -> events``, ``snapshot()`` (what was received so far, in the non-streaming shape).

    ``decoder_cls`` is the SSE decoder class of a build (tests pass each build's). With ``keep_raw=True``
    the decoded event dicts are kept for ``take_raw()``. ``max_accumulated`` bounds the characters of
    text deltas kept for the snapshot (``None``: no bound); a delta that would pass it raises
    :class:`~vllm_sdk.StreamError` like a malformed event. Subclasses set :attr:`API` and :attr:`TERMINAL`
    and implement :meth:`_start`, :meth:`_handle`, :meth:`_text` and :meth:`snapshot`.
    """

    #: The API's name in error messages ("Responses", "Messages").
    API: ClassVar[str]
    #: The event a complete stream ends with, named when a body ends before it.
    TERMINAL: ClassVar[str]

    def __init__(
        self,
        *,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        keep_raw: bool = False,
        decoder_cls: Callable[[int], Any],
        max_accumulated: int | None = DEFAULT_MAX_ACCUMULATED,
    ) -> None:
        self._decoder = decoder_cls(max_event_size)
        self._max_accumulated = accumulation_limit(max_accumulated)
        self._taken = 0  # characters of text deltas received
        self._keep_raw = keep_raw
        self._raw: list[dict[str, Any]] = []
        self._done = False
        self._stopped = False
        self._pending: StreamError | None = None
        self._events = 0
        self._start()

    @property
    def done(self) -> bool:
        """Whether the stream's successful terminal event was seen."""
        return self._done

    def take_raw(self) -> list[dict[str, Any]]:
        """The decoded event dicts since the last call (only with ``keep_raw=True``)."""
        raw, self._raw = self._raw, []
        return raw

    def feed(self, data: bytes | bytearray | memoryview) -> list[Any]:
        """Feed body bytes; return the events they complete. A malformed event raises
        :class:`~vllm_sdk.StreamError` (after the events before it, on the next call)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            raise pending
        if self._stopped:
            return []
        out: list[Any] = []
        error: StreamError | None = None
        try:
            for event in self._decoder.decode(bytes(data)):
                if self._event(event.data, out):
                    break
        except StreamError as exc:
            error = exc
        self._events += len(out)
        if error is not None:
            self._stopped = True
            error.partial_content = self._text()
            error.partial = self.snapshot()
            if out:
                # The events before the malformed one are delivered first; the error waits for the next call.
                self._pending = error
                return out
            raise error
        return out

    def close(self) -> list[Any]:
        """End of body: ``[]`` after a terminal event; otherwise the stream was truncated: StreamError."""
        if self._pending is not None:
            error, self._pending = self._pending, None
            raise error
        if self._stopped:
            return []
        self._stopped = True
        out: list[Any] = []
        for event in self._decoder.flush():
            if self._event(event.data, out):
                return out
        raise StreamError(
            f"stream ended before {self.TERMINAL} after {self._events} events (connection dropped or server"
            " failed)",
            partial_content=self._text(),
            partial=self.snapshot(),
        )

    def _event(self, data: str, out: list[Any]) -> bool:
        """Decode one event's data and hand it to :meth:`_handle`; True when the stream is over."""
        if not data:
            return False
        if data.strip() == "[DONE]":  # not sent by these APIs; harmless if a proxy adds it
            return self._finish(out, Done())
        try:
            event = json.loads(data)
        except ValueError:
            raise StreamError(f"malformed JSON in stream event: {quote(data)!r}", body=quote(data)) from None
        if type(event) is not dict or not isinstance(event.get("type"), str):
            raise StreamError(f"unexpected {self.API} event (no type): {quote(data)!r}", body=quote(data))
        if self._keep_raw:
            self._raw.append(event)
        return self._handle(event["type"], event, out)

    def _take(self, text: str) -> str:
        """Count a text delta against ``max_accumulated`` (StreamError past it); return it."""
        if len(text) > self._max_accumulated - self._taken:
            raise accumulated_too_large(self._max_accumulated)
        self._taken += len(text)
        return text

    def _finish(self, out: list[Any], last: Any) -> bool:
        """Append the last event (``Done`` or ``Error``) and stop; always True."""
        out.append(last)
        self._done = isinstance(last, Done)
        self._stopped = True
        return True

    @abstractmethod
    def _start(self) -> None:
        """Set up the API's own accumulated state (called by ``__init__``)."""

    @abstractmethod
    def _handle(self, kind: str, event: dict[str, Any], out: list[Any]) -> bool:
        """Map one decoded event of type ``kind`` into ``out``; True when the stream is over."""

    @abstractmethod
    def _text(self) -> str:
        """The text received so far (for ``partial_content``)."""

    @abstractmethod
    def snapshot(self) -> dict[str, Any]:
        """What was received so far, in the API's non-streaming wire shape."""
