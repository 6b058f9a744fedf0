"""Typed ``with_raw_response`` / ``with_streaming_response`` views of the hand-written resources
(Responses, Messages, audio transcriptions and translations).

Each view declares the overloads of its resource's methods with the method's return type ``T`` wrapped:
``RawResponse[T]`` / ``StreamedRawResponseManager[T]`` (async: an awaitable ``AsyncRawResponse[T]`` /
``AsyncStreamedRawResponseManager[T]``), so ``parse()`` is typed as the plain call. The overloads keep the
keywords that choose the return type (``stream``, ``text_format``, ``response_format``) and take the rest as
``**params`` (the plain method checks them when it runs). The runtime work is :class:`RawResponseView`'s.
The generated resources get the same views from codegen (``resources/_generated.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from .._config import NOT_GIVEN
from ._raw import AsyncRawResponseView, RawResponseView, async_builder_raw, builder_raw

if TYPE_CHECKING:
    from collections.abc import Coroutine, Mapping

    from .._config import NotGiven, TimeoutLike
    from .._multipart import FileInput
    from .._streams import (
        AnthropicMessageStream,
        AsyncAnthropicMessageStream,
        AsyncResponseStream,
        AsyncTranscriptionStream,
        ResponseStream,
        TranscriptionStream,
    )
    from ..types._generated import GenerateRequest
    from ..types.audio import Transcription, TranscriptionVerbose
    from ..types.messages import AnthropicMessage, MessageTokenCount
    from ..types.responses import ParsedResponse, Response
    from ._raw import (
        AsyncRawResponse,
        AsyncStreamedRawResponseManager,
        RawResponse,
        StreamedRawResponseManager,
    )

__all__ = [
    "AsyncBuilderRaw",
    "AsyncMessagesWithRawResponse",
    "AsyncMessagesWithStreamingResponse",
    "AsyncResponsesWithRawResponse",
    "AsyncResponsesWithStreamingResponse",
    "AsyncTranscriptionsWithRawResponse",
    "AsyncTranscriptionsWithStreamingResponse",
    "BuilderRaw",
    "MessagesWithRawResponse",
    "MessagesWithStreamingResponse",
    "ResponsesWithRawResponse",
    "ResponsesWithStreamingResponse",
    "TranscriptionsWithRawResponse",
    "TranscriptionsWithStreamingResponse",
]

ContentT = TypeVar("ContentT")


class ResponsesWithRawResponse(RawResponseView):
    """``client.responses.with_raw_response`` of the sync client: each method answers with a raw response."""

    @overload
    def create(self, *, stream: Literal[False] = False, **params: Any) -> RawResponse[Response]: ...

    @overload
    def create(self, *, stream: Literal[True], **params: Any) -> RawResponse[ResponseStream[Any]]: ...

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """``create()`` with the same arguments, answered as a raw response."""
        return self._call("create", *args, **kwargs)

    @overload
    def parse(
        self, *, text_format: type[ContentT], stream: Literal[False] = False, **params: Any
    ) -> RawResponse[ParsedResponse[ContentT]]: ...

    @overload
    def parse(
        self, *, text_format: type[ContentT], stream: Literal[True], **params: Any
    ) -> RawResponse[ResponseStream[ContentT]]: ...

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        """``parse()`` with the same arguments, answered as a raw response."""
        return self._call("parse", *args, **kwargs)

    @overload
    def retrieve(
        self, response_id: str, *, stream: Literal[False] = False, **options: Any
    ) -> RawResponse[Response]: ...

    @overload
    def retrieve(
        self, response_id: str, *, stream: Literal[True], **options: Any
    ) -> RawResponse[ResponseStream[Any]]: ...

    def retrieve(self, *args: Any, **kwargs: Any) -> Any:
        """``retrieve()`` with the same arguments, answered as a raw response."""
        return self._call("retrieve", *args, **kwargs)

    def cancel(self, response_id: str, **options: Any) -> RawResponse[Response]:
        """``cancel()`` with the same arguments, answered as a raw response."""
        raw: RawResponse[Response] = self._call("cancel", response_id, **options)
        return raw

    def render(self, **params: Any) -> RawResponse[GenerateRequest]:
        """``render()`` (the parameters of ``create()``), answered as a raw response."""
        raw: RawResponse[GenerateRequest] = self._call("render", **params)
        return raw


class ResponsesWithStreamingResponse(RawResponseView):
    """``client.responses.with_streaming_response`` of the sync client:
    each method answers with a context manager over the unread answer."""

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Any
    ) -> StreamedRawResponseManager[Response]: ...

    @overload
    def create(
        self, *, stream: Literal[True], **params: Any
    ) -> StreamedRawResponseManager[ResponseStream[Any]]: ...

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """``create()`` with the same arguments, answered as a context manager over the unread answer."""
        return self._call("create", *args, **kwargs)

    @overload
    def parse(
        self, *, text_format: type[ContentT], stream: Literal[False] = False, **params: Any
    ) -> StreamedRawResponseManager[ParsedResponse[ContentT]]: ...

    @overload
    def parse(
        self, *, text_format: type[ContentT], stream: Literal[True], **params: Any
    ) -> StreamedRawResponseManager[ResponseStream[ContentT]]: ...

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        """``parse()`` with the same arguments, answered as a context manager over the unread answer."""
        return self._call("parse", *args, **kwargs)

    @overload
    def retrieve(
        self, response_id: str, *, stream: Literal[False] = False, **options: Any
    ) -> StreamedRawResponseManager[Response]: ...

    @overload
    def retrieve(
        self, response_id: str, *, stream: Literal[True], **options: Any
    ) -> StreamedRawResponseManager[ResponseStream[Any]]: ...

    def retrieve(self, *args: Any, **kwargs: Any) -> Any:
        """``retrieve()`` with the same arguments, answered as a context manager over the unread answer."""
        return self._call("retrieve", *args, **kwargs)

    def cancel(self, response_id: str, **options: Any) -> StreamedRawResponseManager[Response]:
        """``cancel()`` with the same arguments, answered as a context manager over the unread answer."""
        raw: StreamedRawResponseManager[Response] = self._call("cancel", response_id, **options)
        return raw

    def render(self, **params: Any) -> StreamedRawResponseManager[GenerateRequest]:
        """``render()`` (the parameters of ``create()``),
        answered as a context manager over the unread answer."""
        raw: StreamedRawResponseManager[GenerateRequest] = self._call("render", **params)
        return raw


class AsyncResponsesWithRawResponse(AsyncRawResponseView):
    """``client.responses.with_raw_response`` of the async client:
    each method answers with an awaitable raw response."""

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Any
    ) -> Coroutine[Any, Any, AsyncRawResponse[Response]]: ...

    @overload
    def create(
        self, *, stream: Literal[True], **params: Any
    ) -> Coroutine[Any, Any, AsyncRawResponse[AsyncResponseStream[Any]]]: ...

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """``create()`` with the same arguments, answered as an awaitable raw response."""
        return self._call("create", *args, **kwargs)

    @overload
    def parse(
        self, *, text_format: type[ContentT], stream: Literal[False] = False, **params: Any
    ) -> Coroutine[Any, Any, AsyncRawResponse[ParsedResponse[ContentT]]]: ...

    @overload
    def parse(
        self, *, text_format: type[ContentT], stream: Literal[True], **params: Any
    ) -> Coroutine[Any, Any, AsyncRawResponse[AsyncResponseStream[ContentT]]]: ...

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        """``parse()`` with the same arguments, answered as an awaitable raw response."""
        return self._call("parse", *args, **kwargs)

    @overload
    def retrieve(
        self, response_id: str, *, stream: Literal[False] = False, **options: Any
    ) -> Coroutine[Any, Any, AsyncRawResponse[Response]]: ...

    @overload
    def retrieve(
        self, response_id: str, *, stream: Literal[True], **options: Any
    ) -> Coroutine[Any, Any, AsyncRawResponse[AsyncResponseStream[Any]]]: ...

    def retrieve(self, *args: Any, **kwargs: Any) -> Any:
        """``retrieve()`` with the same arguments, answered as an awaitable raw response."""
        return self._call("retrieve", *args, **kwargs)

    def cancel(self, response_id: str, **options: Any) -> Coroutine[Any, Any, AsyncRawResponse[Response]]:
        """``cancel()`` with the same arguments, answered as an awaitable raw response."""
        raw: Coroutine[Any, Any, AsyncRawResponse[Response]] = self._call("cancel", response_id, **options)
        return raw

    def render(self, **params: Any) -> Coroutine[Any, Any, AsyncRawResponse[GenerateRequest]]:
        """``render()`` (the parameters of ``create()``), answered as an awaitable raw response."""
        raw: Coroutine[Any, Any, AsyncRawResponse[GenerateRequest]] = self._call("render", **params)
        return raw


class AsyncResponsesWithStreamingResponse(AsyncRawResponseView):
    """``client.responses.with_streaming_response`` of the async client:
    each method answers with an async context manager over the unread answer."""

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Any
    ) -> AsyncStreamedRawResponseManager[Response]: ...

    @overload
    def create(
        self, *, stream: Literal[True], **params: Any
    ) -> AsyncStreamedRawResponseManager[AsyncResponseStream[Any]]: ...

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """``create()`` with the same arguments,
        answered as an async context manager over the unread answer."""
        return self._call("create", *args, **kwargs)

    @overload
    def parse(
        self, *, text_format: type[ContentT], stream: Literal[False] = False, **params: Any
    ) -> AsyncStreamedRawResponseManager[ParsedResponse[ContentT]]: ...

    @overload
    def parse(
        self, *, text_format: type[ContentT], stream: Literal[True], **params: Any
    ) -> AsyncStreamedRawResponseManager[AsyncResponseStream[ContentT]]: ...

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        """``parse()`` with the same arguments,
        answered as an async context manager over the unread answer."""
        return self._call("parse", *args, **kwargs)

    @overload
    def retrieve(
        self, response_id: str, *, stream: Literal[False] = False, **options: Any
    ) -> AsyncStreamedRawResponseManager[Response]: ...

    @overload
    def retrieve(
        self, response_id: str, *, stream: Literal[True], **options: Any
    ) -> AsyncStreamedRawResponseManager[AsyncResponseStream[Any]]: ...

    def retrieve(self, *args: Any, **kwargs: Any) -> Any:
        """``retrieve()`` with the same arguments,
        answered as an async context manager over the unread answer."""
        return self._call("retrieve", *args, **kwargs)

    def cancel(self, response_id: str, **options: Any) -> AsyncStreamedRawResponseManager[Response]:
        """``cancel()`` with the same arguments,
        answered as an async context manager over the unread answer."""
        raw: AsyncStreamedRawResponseManager[Response] = self._call("cancel", response_id, **options)
        return raw

    def render(self, **params: Any) -> AsyncStreamedRawResponseManager[GenerateRequest]:
        """``render()`` (the parameters of ``create()``),
        answered as an async context manager over the unread answer."""
        raw: AsyncStreamedRawResponseManager[GenerateRequest] = self._call("render", **params)
        return raw


class MessagesWithRawResponse(RawResponseView):
    """``client.messages.with_raw_response`` of the sync client: each method answers with a raw response."""

    @overload
    def create(self, *, stream: Literal[False] = False, **params: Any) -> RawResponse[AnthropicMessage]: ...

    @overload
    def create(self, *, stream: Literal[True], **params: Any) -> RawResponse[AnthropicMessageStream]: ...

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """``create()`` with the same arguments, answered as a raw response."""
        return self._call("create", *args, **kwargs)

    def count_tokens(self, **params: Any) -> RawResponse[MessageTokenCount]:
        """``count_tokens()`` with the same arguments, answered as a raw response."""
        raw: RawResponse[MessageTokenCount] = self._call("count_tokens", **params)
        return raw

    def render(self, **params: Any) -> RawResponse[GenerateRequest]:
        """``render()`` (the parameters of ``create()``), answered as a raw response."""
        raw: RawResponse[GenerateRequest] = self._call("render", **params)
        return raw


class MessagesWithStreamingResponse(RawResponseView):
    """``client.messages.with_streaming_response`` of the sync client:
    each method answers with a context manager over the unread answer."""

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Any
    ) -> StreamedRawResponseManager[AnthropicMessage]: ...

    @overload
    def create(
        self, *, stream: Literal[True], **params: Any
    ) -> StreamedRawResponseManager[AnthropicMessageStream]: ...

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """``create()`` with the same arguments, answered as a context manager over the unread answer."""
        return self._call("create", *args, **kwargs)

    def count_tokens(self, **params: Any) -> StreamedRawResponseManager[MessageTokenCount]:
        """``count_tokens()`` with the same arguments,
        answered as a context manager over the unread answer."""
        raw: StreamedRawResponseManager[MessageTokenCount] = self._call("count_tokens", **params)
        return raw

    def render(self, **params: Any) -> StreamedRawResponseManager[GenerateRequest]:
        """``render()`` (the parameters of ``create()``),
        answered as a context manager over the unread answer."""
        raw: StreamedRawResponseManager[GenerateRequest] = self._call("render", **params)
        return raw


class AsyncMessagesWithRawResponse(AsyncRawResponseView):
    """``client.messages.with_raw_response`` of the async client:
    each method answers with an awaitable raw response."""

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Any
    ) -> Coroutine[Any, Any, AsyncRawResponse[AnthropicMessage]]: ...

    @overload
    def create(
        self, *, stream: Literal[True], **params: Any
    ) -> Coroutine[Any, Any, AsyncRawResponse[AsyncAnthropicMessageStream]]: ...

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """``create()`` with the same arguments, answered as an awaitable raw response."""
        return self._call("create", *args, **kwargs)

    def count_tokens(self, **params: Any) -> Coroutine[Any, Any, AsyncRawResponse[MessageTokenCount]]:
        """``count_tokens()`` with the same arguments, answered as an awaitable raw response."""
        raw: Coroutine[Any, Any, AsyncRawResponse[MessageTokenCount]] = self._call("count_tokens", **params)
        return raw

    def render(self, **params: Any) -> Coroutine[Any, Any, AsyncRawResponse[GenerateRequest]]:
        """``render()`` (the parameters of ``create()``), answered as an awaitable raw response."""
        raw: Coroutine[Any, Any, AsyncRawResponse[GenerateRequest]] = self._call("render", **params)
        return raw


class AsyncMessagesWithStreamingResponse(AsyncRawResponseView):
    """``client.messages.with_streaming_response`` of the async client:
    each method answers with an async context manager over the unread answer."""

    @overload
    def create(
        self, *, stream: Literal[False] = False, **params: Any
    ) -> AsyncStreamedRawResponseManager[AnthropicMessage]: ...

    @overload
    def create(
        self, *, stream: Literal[True], **params: Any
    ) -> AsyncStreamedRawResponseManager[AsyncAnthropicMessageStream]: ...

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """``create()`` with the same arguments,
        answered as an async context manager over the unread answer."""
        return self._call("create", *args, **kwargs)

    def count_tokens(self, **params: Any) -> AsyncStreamedRawResponseManager[MessageTokenCount]:
        """``count_tokens()`` with the same arguments,
        answered as an async context manager over the unread answer."""
        raw: AsyncStreamedRawResponseManager[MessageTokenCount] = self._call("count_tokens", **params)
        return raw

    def render(self, **params: Any) -> AsyncStreamedRawResponseManager[GenerateRequest]:
        """``render()`` (the parameters of ``create()``),
        answered as an async context manager over the unread answer."""
        raw: AsyncStreamedRawResponseManager[GenerateRequest] = self._call("render", **params)
        return raw


class TranscriptionsWithRawResponse(RawResponseView):
    """``client.audio.transcriptions.with_raw_response`` (and translations) of the sync client:
    each method answers with a raw response."""

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["json"] | None = None,
        stream: Literal[False] = False,
        **params: Any,
    ) -> RawResponse[Transcription]: ...

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["verbose_json"],
        stream: Literal[False] = False,
        **params: Any,
    ) -> RawResponse[TranscriptionVerbose]: ...

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["text"],
        stream: Literal[False] = False,
        **params: Any,
    ) -> RawResponse[str]: ...

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["json", "text"] | None = None,
        stream: Literal[True],
        **params: Any,
    ) -> RawResponse[TranscriptionStream]: ...

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """``create()`` with the same arguments, answered as a raw response."""
        return self._call("create", *args, **kwargs)


class TranscriptionsWithStreamingResponse(RawResponseView):
    """``client.audio.transcriptions.with_streaming_response`` (and translations) of the sync client:
    each method answers with a context manager over the unread answer."""

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["json"] | None = None,
        stream: Literal[False] = False,
        **params: Any,
    ) -> StreamedRawResponseManager[Transcription]: ...

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["verbose_json"],
        stream: Literal[False] = False,
        **params: Any,
    ) -> StreamedRawResponseManager[TranscriptionVerbose]: ...

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["text"],
        stream: Literal[False] = False,
        **params: Any,
    ) -> StreamedRawResponseManager[str]: ...

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["json", "text"] | None = None,
        stream: Literal[True],
        **params: Any,
    ) -> StreamedRawResponseManager[TranscriptionStream]: ...

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """``create()`` with the same arguments, answered as a context manager over the unread answer."""
        return self._call("create", *args, **kwargs)


class AsyncTranscriptionsWithRawResponse(AsyncRawResponseView):
    """``client.audio.transcriptions.with_raw_response`` (and translations) of the async client:
    each method answers with an awaitable raw response."""

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["json"] | None = None,
        stream: Literal[False] = False,
        **params: Any,
    ) -> Coroutine[Any, Any, AsyncRawResponse[Transcription]]: ...

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["verbose_json"],
        stream: Literal[False] = False,
        **params: Any,
    ) -> Coroutine[Any, Any, AsyncRawResponse[TranscriptionVerbose]]: ...

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["text"],
        stream: Literal[False] = False,
        **params: Any,
    ) -> Coroutine[Any, Any, AsyncRawResponse[str]]: ...

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["json", "text"] | None = None,
        stream: Literal[True],
        **params: Any,
    ) -> Coroutine[Any, Any, AsyncRawResponse[AsyncTranscriptionStream]]: ...

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """``create()`` with the same arguments, answered as an awaitable raw response."""
        return self._call("create", *args, **kwargs)


class AsyncTranscriptionsWithStreamingResponse(AsyncRawResponseView):
    """``client.audio.transcriptions.with_streaming_response`` (and translations), async client:
    each method answers with an async context manager over the unread answer."""

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["json"] | None = None,
        stream: Literal[False] = False,
        **params: Any,
    ) -> AsyncStreamedRawResponseManager[Transcription]: ...

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["verbose_json"],
        stream: Literal[False] = False,
        **params: Any,
    ) -> AsyncStreamedRawResponseManager[TranscriptionVerbose]: ...

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["text"],
        stream: Literal[False] = False,
        **params: Any,
    ) -> AsyncStreamedRawResponseManager[str]: ...

    @overload
    def create(
        self,
        *,
        file: FileInput,
        response_format: Literal["json", "text"] | None = None,
        stream: Literal[True],
        **params: Any,
    ) -> AsyncStreamedRawResponseManager[AsyncTranscriptionStream]: ...

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """``create()`` with the same arguments,
        answered as an async context manager over the unread answer."""
        return self._call("create", *args, **kwargs)


# What a builder's send() and send_stream() return (the parameters of the two generic mixins below).
SentT = TypeVar("SentT")
StreamT = TypeVar("StreamT")


class BuilderRaw(Generic[SentT, StreamT]):
    """``send_raw()`` / ``send_stream_raw()`` of a hand-written builder: ``send()`` / ``send_stream()``
    answered as raw responses (the builder form of ``with_raw_response``). A builder mixes it in with its
    two return types, e.g. ``BuilderRaw[Response, ResponseStream[Any]]``."""

    def send_raw(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> RawResponse[SentT]:
        """``send()`` answered as a raw response; its ``parse()`` gives what ``send()`` returns."""
        raw: RawResponse[SentT] = builder_raw(
            self,
            "send",
            {
                "timeout": timeout,
                "extra_headers": extra_headers,
                "extra_query": extra_query,
                "max_retries": max_retries,
            },
        )
        return raw

    def send_stream_raw(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> RawResponse[StreamT]:
        """``send_stream()`` answered as a raw response; its ``parse()`` gives what ``send_stream()``
        returns."""
        raw: RawResponse[StreamT] = builder_raw(
            self,
            "send_stream",
            {
                "timeout": timeout,
                "extra_headers": extra_headers,
                "extra_query": extra_query,
                "max_retries": max_retries,
                "stream_idle_timeout": stream_idle_timeout,
            },
        )
        return raw


class AsyncBuilderRaw(Generic[SentT, StreamT]):
    """The async twin of :class:`BuilderRaw`: ``await builder.send_raw()`` gives an
    :class:`~vllm_sdk.AsyncRawResponse`."""

    async def send_raw(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> AsyncRawResponse[SentT]:
        """``send()`` answered as a raw response; its ``parse()`` gives what ``send()`` returns."""
        raw: AsyncRawResponse[SentT] = await async_builder_raw(
            self,
            "send",
            {
                "timeout": timeout,
                "extra_headers": extra_headers,
                "extra_query": extra_query,
                "max_retries": max_retries,
            },
        )
        return raw

    async def send_stream_raw(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> AsyncRawResponse[StreamT]:
        """``send_stream()`` answered as a raw response; its ``parse()`` gives what ``send_stream()``
        returns."""
        raw: AsyncRawResponse[StreamT] = await async_builder_raw(
            self,
            "send_stream",
            {
                "timeout": timeout,
                "extra_headers": extra_headers,
                "extra_query": extra_query,
                "max_retries": max_retries,
                "stream_idle_timeout": stream_idle_timeout,
            },
        )
        return raw
