"""The Responses API streams: :class:`ResponseStream` and :class:`AsyncResponseStream`.

They are chat streams in all but their parser (``_speedups.ResponsesStreamParser``) and what ``collect()``
returns (a :class:`~vllm_sdk.types.responses.Response`): the same ``StreamEvent`` family, the same
read loops, drain, idle timeout and telemetry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from .._events import StreamEvent
from ._async import _AsyncStream
from ._state import RESPONSES
from ._sync import _SyncStream

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    import httpx

    from ..types.responses import ParsedResponse, Response, ResponseStreamEvent

__all__ = ["AsyncResponseStream", "ResponseStream"]

ContentT = TypeVar("ContentT")


class ResponseStream(_SyncStream[StreamEvent], Generic[ContentT]):
    """A Responses API stream: iterate it for the same :data:`~vllm_sdk.StreamEvent` values as a chat stream
    (``Content`` for output text, ``Reasoning``, ``ToolCallDelta`` / ``ToolCallComplete`` for function calls,
    ``Usage`` at ``response.completed``, then ``Done``; ``Error`` for ``error`` / ``response.failed``)::

        with client.responses.create(model=m, input="Hi", stream=True) as stream:
            for event in stream:
                match event:
                    case Content(text=text):
                        print(text, end="")
            final = stream.collect()          # the Response

    ``raw_events()`` yields the typed Responses events instead (``response.created``,
    ``response.output_text.delta``, ...). Made by ``client.responses.create(..., stream=True)``,
    ``...send_stream()`` or ``client.responses.retrieve(id, stream=True)``.
    """

    _kind = RESPONSES

    def __init__(self, response: httpx.Response, *, text_format: Any = None, **kwargs: Any) -> None:
        super().__init__(response, **kwargs)
        self._text_format = text_format

    def collect(self) -> Response:
        """Read the rest of the stream and return the final :class:`Response` (a ``ParsedResponse`` with
        ``output_parsed`` for ``responses.parse(..., stream=True)``). Raises :class:`~vllm_sdk.StreamError`
        when the stream failed or ended before ``response.completed``."""
        response = cast("Response", self._collect_model())
        if self._text_format is None:
            return response
        return _parsed(response, self._text_format)

    def collect_content(self) -> str:
        """Read the rest of the stream and return the output text."""
        return self.collect().output_text

    def snapshot(self) -> Response:
        """The response accumulated so far, without reading further."""
        return cast("Response", self._state.model())

    def raw_events(self) -> Iterator[ResponseStreamEvent]:
        """Iterate the typed Responses events (``ResponseStreamEvent``: ``type``, ``sequence_number`` and the
        event's fields) instead of ``StreamEvent`` values; call it before iterating events."""
        return self._chunks()


class AsyncResponseStream(_AsyncStream[StreamEvent], Generic[ContentT]):
    """The async twin of :class:`ResponseStream`: ``async for event in stream``, ``await collect()``."""

    _kind = RESPONSES

    def __init__(self, response: httpx.Response, *, text_format: Any = None, **kwargs: Any) -> None:
        super().__init__(response, **kwargs)
        self._text_format = text_format

    async def collect(self) -> Response:
        """Read the rest of the stream and return the final :class:`Response`."""
        response = cast("Response", await self._collect_model())
        if self._text_format is None:
            return response
        return _parsed(response, self._text_format)

    async def collect_content(self) -> str:
        """Read the rest of the stream and return the output text."""
        return (await self.collect()).output_text

    def snapshot(self) -> Response:
        """The response accumulated so far, without reading further."""
        return cast("Response", self._state.model())

    def raw_events(self) -> AsyncIterator[ResponseStreamEvent]:
        """The typed Responses events (see :meth:`ResponseStream.raw_events`)."""
        return self._chunks()


def _parsed(response: Response, text_format: Any) -> ParsedResponse[Any]:
    from ..types.responses import parse_response

    return parse_response(response, text_format)
