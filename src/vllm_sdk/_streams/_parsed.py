"""The streams of ``client.chat.completions.parse(..., stream=True)``: a :class:`MessageStream` whose
``collect()`` validates the accumulated content (and tool arguments) into your types."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..types.parsed import parse_chat_completion
from ._async import AsyncMessageStream
from ._sync import MessageStream

if TYPE_CHECKING:
    from collections.abc import Sequence

    import httpx

    from ..types.parsed import ParsedChatCompletion

__all__ = ["AsyncParsedMessageStream", "ParsedMessageStream"]

ContentT = TypeVar("ContentT")


class ParsedMessageStream(MessageStream, Generic[ContentT]):
    """A :class:`~vllm_sdk.MessageStream` (the same events) whose ``collect()`` returns a
    :class:`~vllm_sdk.types.ParsedChatCompletion` with ``parsed`` set::

        with client.chat.completions.parse(model=m, messages=msgs, response_format=Weather, stream=True) as s:
            for text in s.text_stream:
                print(text, end="")
            weather = s.collect().parsed

    ``collect()`` raises :class:`~vllm_sdk.LengthFinishReasonError` when the output was cut off and
    :class:`~vllm_sdk.InvalidResponseError` when it does not validate.
    """

    def __init__(
        self,
        response: httpx.Response,
        *,
        response_format: Any = None,
        tools: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(response, **kwargs)
        self._response_format = response_format
        self._tools = list(tools or ())

    def collect(self) -> ParsedChatCompletion[ContentT]:
        """Read the rest of the stream and return the accumulated response, parsed."""
        return parse_chat_completion(super().collect(), self._response_format, self._tools)


class AsyncParsedMessageStream(AsyncMessageStream, Generic[ContentT]):
    """The async twin of :class:`ParsedMessageStream`: ``(await stream.collect()).parsed``."""

    def __init__(
        self,
        response: httpx.Response,
        *,
        response_format: Any = None,
        tools: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(response, **kwargs)
        self._response_format = response_format
        self._tools = list(tools or ())

    async def collect(self) -> ParsedChatCompletion[ContentT]:
        """Read the rest of the stream and return the accumulated response, parsed."""
        return parse_chat_completion(await super().collect(), self._response_format, self._tools)
