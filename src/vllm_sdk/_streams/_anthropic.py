"""The Messages API streams: :class:`AnthropicMessageStream` and :class:`AsyncAnthropicMessageStream`.

Chat streams in all but their parser (``_speedups.AnthropicStreamParser``) and what ``collect()`` returns
(an :class:`~vllm_sdk.types.messages.AnthropicMessage`): the same ``StreamEvent`` family, read loops,
drain, idle timeout and telemetry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from .._events import StreamEvent
from ._async import _AsyncStream
from ._state import ANTHROPIC
from ._sync import _SyncStream

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from ..types.messages import AnthropicMessage, AnthropicStreamEvent

__all__ = ["AnthropicMessageStream", "AsyncAnthropicMessageStream"]


class AnthropicMessageStream(_SyncStream[StreamEvent]):
    """A Messages API stream: iterate it for the same :data:`~vllm_sdk.StreamEvent` values as a chat
    stream (``Content`` for text, ``Reasoning`` for thinking, ``ToolCallDelta`` / ``ToolCallComplete`` for
    ``tool_use`` blocks, ``Usage`` at ``message_delta``, then ``Done``; ``Error`` for an ``error`` event)::

        with client.messages.create(model=m, max_tokens=64, messages=msgs, stream=True) as stream:
            for event in stream:
                match event:
                    case Content(text=text):
                        print(text, end="")
            final = stream.collect()          # the AnthropicMessage

    ``raw_events()`` yields the Anthropic events instead (``message_start``, ``content_block_delta``, ...).
    """

    _kind = ANTHROPIC

    def collect(self) -> AnthropicMessage:
        """Read the rest of the stream and return the final :class:`AnthropicMessage`. Raises
        :class:`~vllm_sdk.StreamError` when the stream failed or ended before ``message_stop``."""
        return cast("AnthropicMessage", self._collect_model())

    def collect_content(self) -> str:
        """Read the rest of the stream and return the text (without reasoning)."""
        return self.collect().text

    def snapshot(self) -> AnthropicMessage:
        """The message accumulated so far, without reading further."""
        return cast("AnthropicMessage", self._state.model())

    def raw_events(self) -> Iterator[AnthropicStreamEvent]:
        """Iterate the raw Anthropic events (:class:`AnthropicStreamEvent`) instead of ``StreamEvent``
        values; call it before iterating events."""
        return self._chunks()


class AsyncAnthropicMessageStream(_AsyncStream[StreamEvent]):
    """The async twin of :class:`AnthropicMessageStream`: ``async for event in stream``,
    ``await collect()``."""

    _kind = ANTHROPIC

    async def collect(self) -> AnthropicMessage:
        """Read the rest of the stream and return the final :class:`AnthropicMessage`."""
        return cast("AnthropicMessage", await self._collect_model())

    async def collect_content(self) -> str:
        """Read the rest of the stream and return the text (without reasoning)."""
        return (await self.collect()).text

    def snapshot(self) -> AnthropicMessage:
        """The message accumulated so far, without reading further."""
        return cast("AnthropicMessage", self._state.model())

    def raw_events(self) -> AsyncIterator[AnthropicStreamEvent]:
        """The raw Anthropic events (see :meth:`AnthropicMessageStream.raw_events`)."""
        return self._chunks()
