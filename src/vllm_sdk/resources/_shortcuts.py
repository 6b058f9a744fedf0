"""Hand-written shortcuts on both clients, for routes whose generated method would say less than the
API promises: ``health() -> bool`` (never raises for an unhealthy or unreachable server, never retried) and
``version() -> str``. The route table marks them ``hand_written`` so that codegen leaves them out. Also
``responses``, the hand-written Responses API resource (``resources/responses.py``), and ``messages``, the
Anthropic-style Messages API (``resources/messages.py``), and ``audio`` (``resources/audio.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._config import NOT_GIVEN
from .._exceptions import ApiError, HttpError
from .._requester import CallOptions
from ..types._generated import VersionResponse
from .audio import AsyncAudio, Audio
from .messages import AsyncMessages, Messages
from .responses import AsyncResponses, Responses

if TYPE_CHECKING:
    from .._config import NotGiven, TimeoutLike
    from .._requester import AsyncRequester, Requester

__all__ = ["AsyncShortcuts", "Shortcuts"]


class Shortcuts:
    """``health()`` and ``version()`` of :class:`~vllm_sdk.VllmClient`."""

    @property
    def _requester(self) -> Requester:
        """The client core (provided by the client class)."""
        raise NotImplementedError

    @property
    def responses(self) -> Responses:
        """``client.responses``: the Responses API (``create``, ``parse``, ``retrieve``, ``cancel``)."""
        return Responses(self._requester)

    @property
    def messages(self) -> Messages:
        """``client.messages``: the Anthropic-style Messages API (``create``, ``count_tokens``)."""
        return Messages(self._requester)

    @property
    def audio(self) -> Audio:
        """``client.audio``: speech to text (``transcriptions``, ``translations``)."""
        return Audio(self._requester)

    def health(self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN) -> bool:
        """Whether the server answers ``GET /health`` with 2xx (``False`` on an error status or when it is
        unreachable; no retries)."""
        try:
            return self._checked_health(timeout=timeout)
        except (ApiError, HttpError):
            return False

    def _checked_health(self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN) -> bool:
        """``GET /health`` (no retries) raising the typed error of an error status or an unreachable server:
        what ``client.with_raw_response.health()`` sends, since a raw response needs a 2xx answer."""
        self._requester.call_empty("health", None, CallOptions(timeout=timeout, max_retries=0))
        return True

    def version(self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN) -> str:
        """The server's vLLM version (``GET /version``)."""
        return self._requester.call("version", None, CallOptions(timeout=timeout), VersionResponse).version


class AsyncShortcuts:
    """``health()`` and ``version()`` of :class:`~vllm_sdk.AsyncVllmClient` (``await`` them)."""

    @property
    def _requester(self) -> AsyncRequester:
        """The client core (provided by the client class)."""
        raise NotImplementedError

    @property
    def responses(self) -> AsyncResponses:
        """``client.responses``: the Responses API of the async client."""
        return AsyncResponses(self._requester)

    @property
    def messages(self) -> AsyncMessages:
        """``client.messages``: the Anthropic-style Messages API of the async client."""
        return AsyncMessages(self._requester)

    @property
    def audio(self) -> AsyncAudio:
        """``client.audio``: speech to text of the async client."""
        return AsyncAudio(self._requester)

    async def health(self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN) -> bool:
        """Whether the server answers ``GET /health`` with 2xx (``False`` otherwise; no retries)."""
        try:
            return await self._checked_health(timeout=timeout)
        except (ApiError, HttpError):
            return False

    async def _checked_health(self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN) -> bool:
        """The async twin of :meth:`Shortcuts._checked_health`."""
        await self._requester.call_empty("health", None, CallOptions(timeout=timeout, max_retries=0))
        return True

    async def version(self, *, timeout: TimeoutLike | NotGiven | None = NOT_GIVEN) -> str:
        """The server's vLLM version (``GET /version``)."""
        response = await self._requester.call("version", None, CallOptions(timeout=timeout), VersionResponse)
        return response.version
