"""``client.chat.completions.parse(...)``: structured outputs validated into your types.

A hand-written base of the generated ``ChatCompletions`` / ``AsyncChatCompletions`` (named in
``[tool.vllm_sdk.codegen.resource_bases]``): what the schema cannot say. The request is planned by
:func:`parse_body` and ``_parse_request`` (no I/O, shared by sync, async and the builders), sent through the
requester protocol, and the answer parsed by :func:`~vllm_sdk.types.parsed.parse_chat_completion`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from .._config import NOT_GIVEN
from .._streams import AsyncParsedMessageStream, ParsedMessageStream
from .._structured import response_format_from_type
from ..types.chat import ChatCompletionResponse
from ..types.parsed import ParsedChatCompletion, parse_chat_completion
from ._plan import PlannedRequest, bind_stream, call_options
from ._raw import AsyncRawResponseView, RawResponseView

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Mapping, Sequence

    from .._config import NotGiven, TimeoutLike
    from .._requester import AsyncRequester, CallOptions, Requester
    from ._inputs import ChatMessageInput, ChatToolChoiceInput, ChatToolInput
    from ._raw import (
        AsyncRawResponse,
        AsyncStreamedRawResponseManager,
        RawResponse,
        StreamedRawResponseManager,
    )

__all__ = [
    "AsyncChatCompletionsParsing",
    "AsyncChatCompletionsParsingWithRawResponse",
    "AsyncChatCompletionsParsingWithStreamingResponse",
    "ChatCompletionsParsing",
    "ChatCompletionsParsingWithRawResponse",
    "ChatCompletionsParsingWithStreamingResponse",
    "parse_body",
]

ContentT = TypeVar("ContentT")

ROUTE = "chat.completions.create"


def parse_body(params: Mapping[str, Any], response_format: Any) -> dict[str, Any]:
    """The request body of a ``parse()`` call: ``params`` with ``response_format`` as a strict
    ``json_schema`` built from the type (a dict is sent as given; ``None`` sends none)."""
    body = dict(params)
    if response_format is not None:
        body["response_format"] = response_format_from_type(response_format)
    return body


def _parse_request(params: Mapping[str, Any], response_format: Any, options: CallOptions) -> PlannedRequest:
    """The request of a ``parse()`` call (no I/O; sync and async)."""
    return PlannedRequest.for_route(ROUTE, parse_body(params, response_format), options)


def _with_chat_inputs(params: dict[str, Any], messages: Any, tools: Any, tool_choice: Any) -> dict[str, Any]:
    """``params`` with the typed keywords put back where they were given (in ``create()``'s order)."""
    given = {"messages": messages, "tools": tools, "tool_choice": tool_choice}
    return {**{k: v for k, v in given.items() if v is not NOT_GIVEN}, **params}


class ChatCompletionsParsing:
    """``parse()`` on ``client.chat.completions``."""

    _requester: Requester

    @overload
    def parse(
        self,
        *,
        response_format: None = None,
        stream: Literal[False] = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        messages: Sequence[ChatMessageInput] | NotGiven = NOT_GIVEN,
        tools: Sequence[ChatToolInput] | NotGiven | None = NOT_GIVEN,
        tool_choice: ChatToolChoiceInput | NotGiven | None = NOT_GIVEN,
        **params: Any,
    ) -> ParsedChatCompletion[Any]: ...

    @overload
    def parse(
        self,
        *,
        response_format: None = None,
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        messages: Sequence[ChatMessageInput] | NotGiven = NOT_GIVEN,
        tools: Sequence[ChatToolInput] | NotGiven | None = NOT_GIVEN,
        tool_choice: ChatToolChoiceInput | NotGiven | None = NOT_GIVEN,
        **params: Any,
    ) -> ParsedMessageStream[Any]: ...

    @overload
    def parse(
        self,
        *,
        response_format: type[ContentT],
        stream: Literal[False] = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        messages: Sequence[ChatMessageInput] | NotGiven = NOT_GIVEN,
        tools: Sequence[ChatToolInput] | NotGiven | None = NOT_GIVEN,
        tool_choice: ChatToolChoiceInput | NotGiven | None = NOT_GIVEN,
        **params: Any,
    ) -> ParsedChatCompletion[ContentT]: ...

    @overload
    def parse(
        self,
        *,
        response_format: type[ContentT],
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        messages: Sequence[ChatMessageInput] | NotGiven = NOT_GIVEN,
        tools: Sequence[ChatToolInput] | NotGiven | None = NOT_GIVEN,
        tool_choice: ChatToolChoiceInput | NotGiven | None = NOT_GIVEN,
        **params: Any,
    ) -> ParsedMessageStream[ContentT]: ...

    def parse(
        self,
        *,
        response_format: Any = None,
        stream: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        messages: Sequence[ChatMessageInput] | NotGiven = NOT_GIVEN,
        tools: Sequence[ChatToolInput] | NotGiven | None = NOT_GIVEN,
        tool_choice: ChatToolChoiceInput | NotGiven | None = NOT_GIVEN,
        **params: Any,
    ) -> ParsedChatCompletion[Any] | ParsedMessageStream[Any]:
        """Create a chat completion whose content is validated into ``response_format``.

        ``response_format`` is a pydantic model class, a dataclass or a TypedDict: it is sent as a strict
        ``json_schema`` and choice 0's content comes back validated as ``.parsed`` (every choice's message
        has ``parsed``). Tools made by :func:`~vllm_sdk.pydantic_function_tool` get their calls'
        ``parsed_arguments``. Other keywords are those of ``create()``; ``stream=True`` returns a
        :class:`~vllm_sdk.ParsedMessageStream` whose ``collect()`` carries ``.parsed``.

        Raises :class:`~vllm_sdk.LengthFinishReasonError` when the output was cut off by the token limit
        and :class:`~vllm_sdk.InvalidResponseError` (``error`` is the validation error) when it does not
        validate.
        """
        params = _with_chat_inputs(params, messages, tools, tool_choice)
        options = call_options(
            extra_body, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout
        )
        request = _parse_request(params, response_format, options)
        if stream:
            stream_cls: Callable[..., ParsedMessageStream[Any]]
            stream_cls = bind_stream(
                ParsedMessageStream, response_format=response_format, tools=request.tools
            )
            return request.open_stream(self._requester, stream_cls)
        response = request.send(self._requester, ChatCompletionResponse)
        return parse_chat_completion(response, response_format, request.tools)


class AsyncChatCompletionsParsing:
    """``parse()`` on ``client.chat.completions`` of the async client (``await`` it)."""

    _requester: AsyncRequester

    @overload
    async def parse(
        self,
        *,
        response_format: None = None,
        stream: Literal[False] = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        messages: Sequence[ChatMessageInput] | NotGiven = NOT_GIVEN,
        tools: Sequence[ChatToolInput] | NotGiven | None = NOT_GIVEN,
        tool_choice: ChatToolChoiceInput | NotGiven | None = NOT_GIVEN,
        **params: Any,
    ) -> ParsedChatCompletion[Any]: ...

    @overload
    async def parse(
        self,
        *,
        response_format: None = None,
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        messages: Sequence[ChatMessageInput] | NotGiven = NOT_GIVEN,
        tools: Sequence[ChatToolInput] | NotGiven | None = NOT_GIVEN,
        tool_choice: ChatToolChoiceInput | NotGiven | None = NOT_GIVEN,
        **params: Any,
    ) -> AsyncParsedMessageStream[Any]: ...

    @overload
    async def parse(
        self,
        *,
        response_format: type[ContentT],
        stream: Literal[False] = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        messages: Sequence[ChatMessageInput] | NotGiven = NOT_GIVEN,
        tools: Sequence[ChatToolInput] | NotGiven | None = NOT_GIVEN,
        tool_choice: ChatToolChoiceInput | NotGiven | None = NOT_GIVEN,
        **params: Any,
    ) -> ParsedChatCompletion[ContentT]: ...

    @overload
    async def parse(
        self,
        *,
        response_format: type[ContentT],
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        messages: Sequence[ChatMessageInput] | NotGiven = NOT_GIVEN,
        tools: Sequence[ChatToolInput] | NotGiven | None = NOT_GIVEN,
        tool_choice: ChatToolChoiceInput | NotGiven | None = NOT_GIVEN,
        **params: Any,
    ) -> AsyncParsedMessageStream[ContentT]: ...

    async def parse(
        self,
        *,
        response_format: Any = None,
        stream: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        messages: Sequence[ChatMessageInput] | NotGiven = NOT_GIVEN,
        tools: Sequence[ChatToolInput] | NotGiven | None = NOT_GIVEN,
        tool_choice: ChatToolChoiceInput | NotGiven | None = NOT_GIVEN,
        **params: Any,
    ) -> ParsedChatCompletion[Any] | AsyncParsedMessageStream[Any]:
        """The async twin of :meth:`ChatCompletionsParsing.parse`."""
        params = _with_chat_inputs(params, messages, tools, tool_choice)
        options = call_options(
            extra_body, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout
        )
        request = _parse_request(params, response_format, options)
        if stream:
            stream_cls: Callable[..., AsyncParsedMessageStream[Any]]
            stream_cls = bind_stream(
                AsyncParsedMessageStream, response_format=response_format, tools=request.tools
            )
            return await request.open_stream(self._requester, stream_cls)
        response = await request.send(self._requester, ChatCompletionResponse)
        return parse_chat_completion(response, response_format, request.tools)


class ChatCompletionsParsingWithRawResponse(RawResponseView):
    """``parse()`` of ``client.chat.completions.with_raw_response``
    (sync client): a raw response whose ``parse()`` gives what ``parse()`` returns."""

    @overload
    def parse(
        self, *, response_format: None = None, stream: Literal[False] = False, **params: Any
    ) -> RawResponse[ParsedChatCompletion[Any]]: ...

    @overload
    def parse(
        self, *, response_format: None = None, stream: Literal[True], **params: Any
    ) -> RawResponse[ParsedMessageStream[Any]]: ...

    @overload
    def parse(
        self, *, response_format: type[ContentT], stream: Literal[False] = False, **params: Any
    ) -> RawResponse[ParsedChatCompletion[ContentT]]: ...

    @overload
    def parse(
        self, *, response_format: type[ContentT], stream: Literal[True], **params: Any
    ) -> RawResponse[ParsedMessageStream[ContentT]]: ...

    def parse(self, **kwargs: Any) -> Any:
        """``parse()`` (same keywords), answered as a raw response."""
        return self._call("parse", **kwargs)


class ChatCompletionsParsingWithStreamingResponse(RawResponseView):
    """``parse()`` of ``client.chat.completions.with_streaming_response``
    (sync client): the context manager over the unread answer whose ``parse()`` gives what
    ``parse()`` returns."""

    @overload
    def parse(
        self, *, response_format: None = None, stream: Literal[False] = False, **params: Any
    ) -> StreamedRawResponseManager[ParsedChatCompletion[Any]]: ...

    @overload
    def parse(
        self, *, response_format: None = None, stream: Literal[True], **params: Any
    ) -> StreamedRawResponseManager[ParsedMessageStream[Any]]: ...

    @overload
    def parse(
        self, *, response_format: type[ContentT], stream: Literal[False] = False, **params: Any
    ) -> StreamedRawResponseManager[ParsedChatCompletion[ContentT]]: ...

    @overload
    def parse(
        self, *, response_format: type[ContentT], stream: Literal[True], **params: Any
    ) -> StreamedRawResponseManager[ParsedMessageStream[ContentT]]: ...

    def parse(self, **kwargs: Any) -> Any:
        """``parse()`` (same keywords), answered as the context manager over the unread answer."""
        return self._call("parse", **kwargs)


class AsyncChatCompletionsParsingWithRawResponse(AsyncRawResponseView):
    """``parse()`` of ``client.chat.completions.with_raw_response``
    (async client): an awaitable raw response whose ``parse()`` gives what ``parse()`` returns."""

    @overload
    def parse(
        self, *, response_format: None = None, stream: Literal[False] = False, **params: Any
    ) -> Coroutine[Any, Any, AsyncRawResponse[ParsedChatCompletion[Any]]]: ...

    @overload
    def parse(
        self, *, response_format: None = None, stream: Literal[True], **params: Any
    ) -> Coroutine[Any, Any, AsyncRawResponse[AsyncParsedMessageStream[Any]]]: ...

    @overload
    def parse(
        self, *, response_format: type[ContentT], stream: Literal[False] = False, **params: Any
    ) -> Coroutine[Any, Any, AsyncRawResponse[ParsedChatCompletion[ContentT]]]: ...

    @overload
    def parse(
        self, *, response_format: type[ContentT], stream: Literal[True], **params: Any
    ) -> Coroutine[Any, Any, AsyncRawResponse[AsyncParsedMessageStream[ContentT]]]: ...

    def parse(self, **kwargs: Any) -> Any:
        """``parse()`` (same keywords), answered as an awaitable raw response."""
        return self._call("parse", **kwargs)


class AsyncChatCompletionsParsingWithStreamingResponse(AsyncRawResponseView):
    """``parse()`` of ``client.chat.completions.with_streaming_response``
    (async client): the async context manager over the unread answer whose ``parse()`` gives
    what ``parse()`` returns."""

    @overload
    def parse(
        self, *, response_format: None = None, stream: Literal[False] = False, **params: Any
    ) -> AsyncStreamedRawResponseManager[ParsedChatCompletion[Any]]: ...

    @overload
    def parse(
        self, *, response_format: None = None, stream: Literal[True], **params: Any
    ) -> AsyncStreamedRawResponseManager[AsyncParsedMessageStream[Any]]: ...

    @overload
    def parse(
        self, *, response_format: type[ContentT], stream: Literal[False] = False, **params: Any
    ) -> AsyncStreamedRawResponseManager[ParsedChatCompletion[ContentT]]: ...

    @overload
    def parse(
        self, *, response_format: type[ContentT], stream: Literal[True], **params: Any
    ) -> AsyncStreamedRawResponseManager[AsyncParsedMessageStream[ContentT]]: ...

    def parse(self, **kwargs: Any) -> Any:
        """``parse()`` (same keywords), answered as the async context manager over the unread answer."""
        return self._call("parse", **kwargs)
