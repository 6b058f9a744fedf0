"""Streaming without a client: turn recorded or proxied response bodies into typed events.

::

    from vllm_sdk.streaming import Content, parse_chat_stream

    with open("stream.sse", "rb") as f:
        for event in parse_chat_stream(iter(lambda: f.read(65536), b"")):
            if isinstance(event, Content):
                print(event.text, end="")

``ChatStreamParser`` / ``CompletionStreamParser`` are the incremental engines behind ``MessageStream`` and
``CompletionStream`` (the compiled build when available): ``feed(bytes) -> events``, ``close()`` at the end
of the body, ``snapshot()`` for the accumulated response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._events import (
    CompletionStreamEvent,
    Content,
    Done,
    Error,
    FinishReason,
    Reasoning,
    StreamEvent,
    Text,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
)
from ._speedups import IMPLEMENTATION, ChatStreamParser, CompletionStreamParser
from ._speedups._common import DEFAULT_MAX_EVENT_SIZE
from ._tool_call import ToolCall

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

__all__ = [
    "DEFAULT_MAX_EVENT_SIZE",
    "IMPLEMENTATION",
    "ChatStreamParser",
    "CompletionStreamEvent",
    "CompletionStreamParser",
    "Content",
    "Done",
    "Error",
    "FinishReason",
    "Reasoning",
    "StreamEvent",
    "Text",
    "ToolCall",
    "ToolCallComplete",
    "ToolCallDelta",
    "Usage",
    "parse_chat_stream",
    "parse_completion_stream",
]


def parse_chat_stream(
    chunks: Iterable[bytes], *, max_event_size: int = DEFAULT_MAX_EVENT_SIZE
) -> Iterator[StreamEvent]:
    """Yield the events of a chat-completions SSE body given as byte chunks (split anywhere).

    Raises :class:`~vllm_sdk.StreamError` for malformed data, and after the events already yielded when
    the body ends without ``data: [DONE]``. An error event from the server is yielded as
    :class:`Error` and ends the stream.
    """
    parser = ChatStreamParser(max_event_size=max_event_size)
    for chunk in chunks:
        yield from parser.feed(chunk)
    yield from parser.close()


def parse_completion_stream(
    chunks: Iterable[bytes], *, max_event_size: int = DEFAULT_MAX_EVENT_SIZE
) -> Iterator[CompletionStreamEvent]:
    """Yield the events of a legacy completions SSE body given as byte chunks (like ``parse_chat_stream``)."""
    parser = CompletionStreamParser(max_event_size=max_event_size)
    for chunk in chunks:
        yield from parser.feed(chunk)
    yield from parser.close()
