"""The typed ``client.with_raw_response`` / ``client.with_streaming_response`` of both clients.

The generated client views (``ClientResourcesWithRawResponse`` and its twins, ``_generated.py``) cover the
routes and resources codegen makes; these subclasses add what is written by hand on the clients
(``resources/_shortcuts.py``): the ``responses``, ``messages`` and ``audio`` resources, reached as
openai-python reaches them (``client.with_raw_response.responses.create(...)``), and typed ``health()`` /
``version()``. Navigation is :meth:`RawResponseView._child`; the runtime work stays in ``_raw.py``.

A raw ``health()`` answers ``RawResponse[bool]`` for a 2xx only: it needs a response to wrap, so an error
status raises its typed :class:`~vllm_sdk.ApiError` and an unreachable server :class:`~vllm_sdk.HttpError`
(the plain ``health()`` turns both into ``False``). Neither is retried, as the plain call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._config import NOT_GIVEN
from ._generated import (
    AsyncClientResourcesWithRawResponse,
    AsyncClientResourcesWithStreamingResponse,
    ClientResourcesWithRawResponse,
    ClientResourcesWithStreamingResponse,
)
from ._raw import AsyncRawResponseView, RawResponseView
from ._raw_views import (
    AsyncMessagesWithRawResponse,
    AsyncMessagesWithStreamingResponse,
    AsyncResponsesWithRawResponse,
    AsyncResponsesWithStreamingResponse,
    AsyncTranscriptionsWithRawResponse,
    AsyncTranscriptionsWithStreamingResponse,
    MessagesWithRawResponse,
    MessagesWithStreamingResponse,
    ResponsesWithRawResponse,
    ResponsesWithStreamingResponse,
    TranscriptionsWithRawResponse,
    TranscriptionsWithStreamingResponse,
)

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from .._config import NotGiven, TimeoutLike
    from ._raw import (
        AsyncRawResponse,
        AsyncStreamedRawResponseManager,
        RawResponse,
        StreamedRawResponseManager,
    )

__all__ = [
    "AsyncAudioWithRawResponse",
    "AsyncAudioWithStreamingResponse",
    "AsyncClientWithRawResponse",
    "AsyncClientWithStreamingResponse",
    "AudioWithRawResponse",
    "AudioWithStreamingResponse",
    "ClientWithRawResponse",
    "ClientWithStreamingResponse",
]

# The method of the client routes that raises rather than answer False (see the module docstring).
_HEALTH = "_checked_health"


# ---------------------------------------------------------------- audio


class AudioWithRawResponse(RawResponseView):
    """``client.with_raw_response.audio``: transcriptions and translations answered as raw responses."""

    @property
    def transcriptions(self) -> TranscriptionsWithRawResponse:
        """``client.audio.transcriptions``'s methods, answered as a raw response."""
        return self._child("transcriptions", TranscriptionsWithRawResponse)

    @property
    def translations(self) -> TranscriptionsWithRawResponse:
        """``client.audio.translations``'s methods, answered as a raw response."""
        return self._child("translations", TranscriptionsWithRawResponse)


class AudioWithStreamingResponse(RawResponseView):
    """``client.with_streaming_response.audio``: context managers over the unread answer."""

    @property
    def transcriptions(self) -> TranscriptionsWithStreamingResponse:
        """``client.audio.transcriptions``'s methods, answered as a context manager over the unread answer."""
        return self._child("transcriptions", TranscriptionsWithStreamingResponse)

    @property
    def translations(self) -> TranscriptionsWithStreamingResponse:
        """``client.audio.translations``'s methods, answered as a context manager over the unread answer."""
        return self._child("translations", TranscriptionsWithStreamingResponse)


class AsyncAudioWithRawResponse(AsyncRawResponseView):
    """``client.with_raw_response.audio`` of the async client (awaitable raw responses)."""

    @property
    def transcriptions(self) -> AsyncTranscriptionsWithRawResponse:
        """``client.audio.transcriptions``'s methods, answered as an awaitable raw response."""
        return self._child("transcriptions", AsyncTranscriptionsWithRawResponse)

    @property
    def translations(self) -> AsyncTranscriptionsWithRawResponse:
        """``client.audio.translations``'s methods, answered as an awaitable raw response."""
        return self._child("translations", AsyncTranscriptionsWithRawResponse)


class AsyncAudioWithStreamingResponse(AsyncRawResponseView):
    """``client.with_streaming_response.audio`` of the async client (async context managers)."""

    @property
    def transcriptions(self) -> AsyncTranscriptionsWithStreamingResponse:
        """``client.audio.transcriptions``'s methods, answered as an async context manager."""
        return self._child("transcriptions", AsyncTranscriptionsWithStreamingResponse)

    @property
    def translations(self) -> AsyncTranscriptionsWithStreamingResponse:
        """``client.audio.translations``'s methods, answered as an async context manager."""
        return self._child("translations", AsyncTranscriptionsWithStreamingResponse)


# ---------------------------------------------------------------- the clients


class ClientWithRawResponse(ClientResourcesWithRawResponse):
    """``client.with_raw_response`` of :class:`~vllm_sdk.VllmClient`: the client's routes and every resource
    under it (generated and hand-written) answering with :class:`~vllm_sdk.RawResponse`."""

    @property
    def responses(self) -> ResponsesWithRawResponse:
        """``client.responses``'s methods, answered as a raw response."""
        return self._child("responses", ResponsesWithRawResponse)

    @property
    def messages(self) -> MessagesWithRawResponse:
        """``client.messages``'s methods, answered as a raw response."""
        return self._child("messages", MessagesWithRawResponse)

    @property
    def audio(self) -> AudioWithRawResponse:
        """``client.audio``'s resources, answered as raw responses."""
        return self._child("audio", AudioWithRawResponse)

    def health(self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN) -> RawResponse[bool]:
        """``GET /health`` as a raw response (``parse()`` is ``True``); an error status or an unreachable
        server raises its typed error instead of answering ``False``."""
        raw: RawResponse[bool] = self._call(_HEALTH, timeout=timeout)
        return raw

    def version(self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN) -> RawResponse[str]:
        """``GET /version`` as a raw response (``parse()`` is the version string)."""
        raw: RawResponse[str] = self._call("version", timeout=timeout)
        return raw


class ClientWithStreamingResponse(ClientResourcesWithStreamingResponse):
    """``client.with_streaming_response`` of :class:`~vllm_sdk.VllmClient`: context managers over the
    unread answer (:class:`~vllm_sdk.StreamedRawResponse`)."""

    @property
    def responses(self) -> ResponsesWithStreamingResponse:
        """``client.responses``'s methods, answered as a context manager over the unread answer."""
        return self._child("responses", ResponsesWithStreamingResponse)

    @property
    def messages(self) -> MessagesWithStreamingResponse:
        """``client.messages``'s methods, answered as a context manager over the unread answer."""
        return self._child("messages", MessagesWithStreamingResponse)

    @property
    def audio(self) -> AudioWithStreamingResponse:
        """``client.audio``'s resources, answered as context managers over the unread answer."""
        return self._child("audio", AudioWithStreamingResponse)

    def health(
        self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN
    ) -> StreamedRawResponseManager[bool]:
        """``GET /health`` as a context manager over the unread answer; an error status or an unreachable
        server raises."""
        raw: StreamedRawResponseManager[bool] = self._call(_HEALTH, timeout=timeout)
        return raw

    def version(
        self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN
    ) -> StreamedRawResponseManager[str]:
        """``GET /version`` as a context manager over the unread answer."""
        raw: StreamedRawResponseManager[str] = self._call("version", timeout=timeout)
        return raw


class AsyncClientWithRawResponse(AsyncClientResourcesWithRawResponse):
    """``client.with_raw_response`` of :class:`~vllm_sdk.AsyncVllmClient` (awaitable
    :class:`~vllm_sdk.AsyncRawResponse`)."""

    @property
    def responses(self) -> AsyncResponsesWithRawResponse:
        """``client.responses``'s methods, answered as an awaitable raw response."""
        return self._child("responses", AsyncResponsesWithRawResponse)

    @property
    def messages(self) -> AsyncMessagesWithRawResponse:
        """``client.messages``'s methods, answered as an awaitable raw response."""
        return self._child("messages", AsyncMessagesWithRawResponse)

    @property
    def audio(self) -> AsyncAudioWithRawResponse:
        """``client.audio``'s resources, answered as awaitable raw responses."""
        return self._child("audio", AsyncAudioWithRawResponse)

    def health(
        self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN
    ) -> Coroutine[Any, Any, AsyncRawResponse[bool]]:
        """``GET /health`` as an awaitable raw response; an error status or an unreachable server raises."""
        raw: Coroutine[Any, Any, AsyncRawResponse[bool]] = self._call(_HEALTH, timeout=timeout)
        return raw

    def version(
        self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN
    ) -> Coroutine[Any, Any, AsyncRawResponse[str]]:
        """``GET /version`` as an awaitable raw response (``await raw.parse()`` is the version string)."""
        raw: Coroutine[Any, Any, AsyncRawResponse[str]] = self._call("version", timeout=timeout)
        return raw


class AsyncClientWithStreamingResponse(AsyncClientResourcesWithStreamingResponse):
    """``client.with_streaming_response`` of :class:`~vllm_sdk.AsyncVllmClient` (async context managers over
    the unread answer)."""

    @property
    def responses(self) -> AsyncResponsesWithStreamingResponse:
        """``client.responses``'s methods, answered as an async context manager."""
        return self._child("responses", AsyncResponsesWithStreamingResponse)

    @property
    def messages(self) -> AsyncMessagesWithStreamingResponse:
        """``client.messages``'s methods, answered as an async context manager."""
        return self._child("messages", AsyncMessagesWithStreamingResponse)

    @property
    def audio(self) -> AsyncAudioWithStreamingResponse:
        """``client.audio``'s resources, answered as async context managers."""
        return self._child("audio", AsyncAudioWithStreamingResponse)

    def health(
        self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN
    ) -> AsyncStreamedRawResponseManager[bool]:
        """``GET /health`` as an async context manager; an error status or an unreachable server raises."""
        raw: AsyncStreamedRawResponseManager[bool] = self._call(_HEALTH, timeout=timeout)
        return raw

    def version(
        self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN
    ) -> AsyncStreamedRawResponseManager[str]:
        """``GET /version`` as an async context manager over the unread answer."""
        raw: AsyncStreamedRawResponseManager[str] = self._call("version", timeout=timeout)
        return raw
