"""``client.messages``: vLLM's Anthropic-compatible Messages API (``POST /v1/messages``,
``POST /v1/messages/count_tokens``, ``POST /v1/messages/render``).

Hand-written, not generated: vLLM 0.32.0 serves these routes from its Anthropic router, which the vendored
OpenAI schema does not describe (see ``types/messages.py``); the requests go through the requester's
``call_path`` methods. Request bodies are built by I/O-free functions shared by the keyword methods, the
builders, sync and async.

::

    msg = client.messages.create(model=m, max_tokens=64, messages=[{"role": "user", "content": "Hi"}])
    msg = client.messages.create().model(m).max_tokens(64).user("Hi").send()
    with client.messages.create(model=m, max_tokens=64, messages=msgs, stream=True) as stream:
        for event in stream: ...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from typing_extensions import Self

from .._config import NOT_GIVEN
from .._exceptions import MissingParameterError
from .._streams import AnthropicMessageStream, AsyncAnthropicMessageStream
from .._structured import pydantic_function_tool
from ..types._generated import GenerateRequest
from ..types.messages import AnthropicMessage, MessageTokenCount
from ._builder import PlainBodyBuilder
from ._plan import PlannedRequest, call_options, wants_builder
from ._raw import async_builder_raw, builder_raw
from ._raw_views import (
    AsyncBuilderRaw,
    AsyncMessagesWithRawResponse,
    AsyncMessagesWithStreamingResponse,
    BuilderRaw,
    MessagesWithRawResponse,
    MessagesWithStreamingResponse,
)

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from .._config import NotGiven, TimeoutLike
    from .._raw_response import AsyncRawResponse, RawResponse
    from .._requester import AsyncRequester, CallOptions, Requester

__all__ = [
    "AnthropicMessageBuilder",
    "AsyncAnthropicMessageBuilder",
    "AsyncMessages",
    "Messages",
    "message_tool",
]

PATH = "/messages"
COUNT_PATH = "/messages/count_tokens"
RENDER_PATH = "/messages/render"


def message_tool(tool: Mapping[str, Any] | type) -> dict[str, Any]:
    """A Messages API tool (``{"name", "description", "input_schema"}``) from a pydantic model / dataclass
    / TypedDict class, a chat-style function tool (``{"type": "function", "function": {...}}``) or a
    Messages tool dict (returned as a copy)."""
    if not isinstance(tool, Mapping):
        tool = pydantic_function_tool(tool)
    function = tool.get("function")
    if tool.get("type") == "function" and isinstance(function, Mapping):
        converted: dict[str, Any] = {"name": function.get("name")}
        if function.get("description"):
            converted["description"] = function["description"]
        converted["input_schema"] = dict(function.get("parameters") or {"type": "object", "properties": {}})
        return converted
    return dict(tool)


def _check_common(body: Mapping[str, Any]) -> None:
    if not body.get("model"):
        raise MissingParameterError("model", "model is required for a message")
    messages = body.get("messages")
    if not messages or isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise MissingParameterError(
            "messages", "messages is required for a message (a non-empty list of {'role', 'content'} dicts)"
        )


def _prepare(params: Mapping[str, Any]) -> dict[str, Any]:
    body = dict(params)
    if body.get("tools") is not None:
        body["tools"] = [message_tool(tool) for tool in body["tools"]]
    messages = body.get("messages")
    if isinstance(messages, Sequence) and not isinstance(messages, (str, bytes)):
        body["messages"] = [dict(message) for message in messages]
    return body


def create_body(params: Mapping[str, Any]) -> dict[str, Any]:
    """The body of ``POST /v1/messages`` from keyword parameters (tools converted); raises
    :class:`~vllm_sdk.MissingParameterError` without ``model``, ``messages`` or ``max_tokens`` (the
    Messages API requires it) before any I/O."""
    body = _prepare(params)
    _check_common(body)
    if body.get("max_tokens") is None:
        raise MissingParameterError(
            "max_tokens", "max_tokens is required for a message (the Messages API has no default)"
        )
    return body


def count_body(params: Mapping[str, Any]) -> dict[str, Any]:
    """The body of ``POST /v1/messages/count_tokens`` (``model``, ``messages``, optional ``system``,
    ``tools``...); ``max_tokens`` is not needed."""
    body = _prepare(params)
    _check_common(body)
    return body


# ---------------------------------------------------------------- the requests (no I/O; sync and async)


def _create_request(params: Mapping[str, Any], options: CallOptions) -> PlannedRequest:
    """``POST /v1/messages``."""
    return PlannedRequest("POST", PATH, create_body(params), options)


def _count_request(params: Mapping[str, Any], options: CallOptions) -> PlannedRequest:
    """``POST /v1/messages/count_tokens``."""
    return PlannedRequest("POST", COUNT_PATH, count_body(params), options)


def _render_request(params: Mapping[str, Any], options: CallOptions) -> PlannedRequest:
    """``POST /v1/messages/render``: the body of ``create()``, rendered into tokens, nothing generated."""
    return PlannedRequest("POST", RENDER_PATH, create_body(params), options)


class _MessageBuilderBase(PlainBodyBuilder):
    """The setters of a Messages request (no I/O); ``to_dict()`` is the body it would send.

    Copy-on-write, like the chat and Responses builders: every setter returns a new builder and leaves
    this one unchanged.
    """

    def model(self, value: str) -> Self:
        """The model to answer with."""
        return self._set("model", value)

    def max_tokens(self, value: int) -> Self:
        """The most tokens to generate (required by the Messages API)."""
        return self._set("max_tokens", value)

    def messages(self, value: Sequence[Mapping[str, Any]]) -> Self:
        """Set the conversation: ``{"role": "user" | "assistant", "content": str | blocks}`` dicts."""
        return self._set("messages", [dict(message) for message in value])

    def message(self, role: Literal["user", "assistant"], content: str | Sequence[Mapping[str, Any]]) -> Self:
        """Append one message (``content`` a string or a list of content blocks)."""
        value: Any = content if isinstance(content, str) else [dict(block) for block in content]
        return self._set("messages", [*(self._body.get("messages") or []), {"role": role, "content": value}])

    def user(self, content: str | Sequence[Mapping[str, Any]]) -> Self:
        """Append a user message."""
        return self.message("user", content)

    def assistant(self, content: str | Sequence[Mapping[str, Any]]) -> Self:
        """Append an assistant message (a prefill the model continues, or an earlier turn)."""
        return self.message("assistant", content)

    def system(self, value: str | Sequence[Mapping[str, Any]]) -> Self:
        """The system prompt (a string or text blocks)."""
        return self._set("system", value if isinstance(value, str) else [dict(block) for block in value])

    def temperature(self, value: float) -> Self:
        """Sampling temperature."""
        return self._set("temperature", value)

    def top_p(self, value: float) -> Self:
        """Nucleus sampling probability mass."""
        return self._set("top_p", value)

    def top_k(self, value: int) -> Self:
        """Top-k sampling."""
        return self._set("top_k", value)

    def stop_sequences(self, value: Sequence[str]) -> Self:
        """Strings that end generation (``stop_reason`` ``"stop_sequence"``)."""
        return self._set("stop_sequences", list(value))

    def tools(self, value: Sequence[Mapping[str, Any] | type]) -> Self:
        """Set the tools (Messages tool dicts, chat-style function tools or model classes)."""
        return self._set("tools", [message_tool(tool) for tool in value])

    def tool(self, tool: Mapping[str, Any] | type) -> Self:
        """Add a tool: a Messages tool dict, a chat-style function tool or a pydantic model / dataclass /
        TypedDict class (its JSON schema becomes ``input_schema``)."""
        return self._set("tools", [*(self._body.get("tools") or []), message_tool(tool)])

    def tool_choice(self, value: Mapping[str, Any]) -> Self:
        """``{"type": "auto"}``, ``{"type": "any"}``, ``{"type": "none"}`` or ``{"type": "tool", "name"}``."""
        return self._set("tool_choice", dict(value))

    def thinking(self, budget_tokens: int | None) -> Self:
        """Enable extended thinking with ``budget_tokens`` (less than ``max_tokens``); ``None`` disables."""
        if budget_tokens is None:
            return self._set("thinking", {"type": "disabled"})
        return self._set("thinking", {"type": "enabled", "budget_tokens": budget_tokens})

    def metadata(self, value: Mapping[str, Any]) -> Self:
        """Request metadata (e.g. ``{"user_id": ...}``)."""
        return self._set("metadata", dict(value))

    def _message_request(self, options: CallOptions) -> PlannedRequest:
        """This builder's message request; raises before any I/O when incomplete."""
        return _create_request(self._body, options)

    def _count_request(self, options: CallOptions) -> PlannedRequest:
        """This builder's ``count_tokens`` request (``max_tokens`` is not part of it)."""
        return _count_request({k: v for k, v in self._body.items() if k != "max_tokens"}, options)


class AnthropicMessageBuilder(_MessageBuilderBase, BuilderRaw[AnthropicMessage, AnthropicMessageStream]):
    """A Messages request being built: setters, then ``send()``, ``send_stream()`` or ``count_tokens()``.
    Made by ``client.messages.create()``; ``send()`` raises :class:`~vllm_sdk.MissingParameterError`
    without model, messages or max_tokens, before any I/O."""

    def __init__(self, requester: Requester) -> None:
        super().__init__()
        self._requester = requester

    def send(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> AnthropicMessage:
        """Send the request and return the :class:`~vllm_sdk.AnthropicMessage`."""
        options = self._options(timeout, extra_headers, extra_query, max_retries)
        return self._message_request(options).send(self._requester, AnthropicMessage)

    def send_stream(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> AnthropicMessageStream:
        """Send with ``stream: true`` and return the :class:`~vllm_sdk.AnthropicMessageStream`."""
        options = self._options(timeout, extra_headers, extra_query, max_retries, stream_idle_timeout)
        return self._message_request(options).open_stream(self._requester, AnthropicMessageStream)

    def count_tokens(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> MessageTokenCount:
        """Count the input tokens of this request (``POST /v1/messages/count_tokens``)."""
        options = self._options(timeout, extra_headers, extra_query, max_retries)
        return self._count_request(options).send(self._requester, MessageTokenCount)

    def count_tokens_raw(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> RawResponse[MessageTokenCount]:
        """:meth:`count_tokens` answered as a raw response; its ``parse()`` gives the
        :class:`~vllm_sdk.MessageTokenCount`."""
        options = {"timeout": timeout, "extra_headers": extra_headers, "extra_query": extra_query}
        raw: RawResponse[MessageTokenCount] = builder_raw(
            self, "count_tokens", {"max_retries": max_retries, **options}
        )
        return raw


class AsyncAnthropicMessageBuilder(
    _MessageBuilderBase, AsyncBuilderRaw[AnthropicMessage, AsyncAnthropicMessageStream]
):
    """The async twin of :class:`AnthropicMessageBuilder` (``await`` ``send()``, ``send_stream()``,
    ``count_tokens()``)."""

    def __init__(self, requester: AsyncRequester) -> None:
        super().__init__()
        self._requester = requester

    async def send(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> AnthropicMessage:
        """Send the request and return the :class:`~vllm_sdk.AnthropicMessage`."""
        options = self._options(timeout, extra_headers, extra_query, max_retries)
        return await self._message_request(options).send(self._requester, AnthropicMessage)

    async def send_stream(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> AsyncAnthropicMessageStream:
        """Send with ``stream: true`` and return the :class:`~vllm_sdk.AsyncAnthropicMessageStream`."""
        options = self._options(timeout, extra_headers, extra_query, max_retries, stream_idle_timeout)
        return await self._message_request(options).open_stream(self._requester, AsyncAnthropicMessageStream)

    async def count_tokens(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> MessageTokenCount:
        """Count the input tokens of this request (``POST /v1/messages/count_tokens``)."""
        options = self._options(timeout, extra_headers, extra_query, max_retries)
        return await self._count_request(options).send(self._requester, MessageTokenCount)

    async def count_tokens_raw(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> AsyncRawResponse[MessageTokenCount]:
        """The async twin of :meth:`AnthropicMessageBuilder.count_tokens_raw`."""
        options = {"timeout": timeout, "extra_headers": extra_headers, "extra_query": extra_query}
        raw: AsyncRawResponse[MessageTokenCount] = await async_builder_raw(
            self, "count_tokens", {"max_retries": max_retries, **options}
        )
        return raw


class Messages:
    """``client.messages``: ``create`` (both call styles, streamed or not), ``count_tokens``, ``render``."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    @property
    def with_raw_response(self) -> MessagesWithRawResponse:
        """This resource's methods answering with raw responses (status, headers, request id,
        ``parse()``) instead of the parsed result."""
        return MessagesWithRawResponse(type(self), self._requester, streaming=False)

    @property
    def with_streaming_response(self) -> MessagesWithStreamingResponse:
        """This resource's methods as context managers over the unread answer (``iter_bytes()``,
        ``iter_lines()``, ``parse()``)."""
        return MessagesWithStreamingResponse(type(self), self._requester, streaming=True)

    @overload
    def create(self) -> AnthropicMessageBuilder: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[False] = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> AnthropicMessage: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Any,
    ) -> AnthropicMessageStream: ...
    def create(
        self,
        *,
        stream: bool | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Any,
    ) -> AnthropicMessageBuilder | AnthropicMessage | AnthropicMessageStream:
        """Create a message (``POST /v1/messages``): ``model``, ``max_tokens``, ``messages``, ``system``,
        ``tools``, ``tool_choice``, ``thinking``, ``stop_sequences``, ``temperature``, ... ``stream=True``
        returns an :class:`~vllm_sdk.AnthropicMessageStream`; without any argument: an
        :class:`AnthropicMessageBuilder`."""
        options = call_options(
            extra_body, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout
        )
        if wants_builder(params, stream, options):
            return AnthropicMessageBuilder(self._requester)
        request = _create_request(params, options)
        if stream:
            return request.open_stream(self._requester, AnthropicMessageStream)
        return request.send(self._requester, AnthropicMessage)

    def count_tokens(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> MessageTokenCount:
        """Count the input tokens of a message request (``POST /v1/messages/count_tokens``): ``model``,
        ``messages``, ``system``, ``tools``."""
        options = call_options(extra_body, extra_headers, extra_query, timeout, max_retries)
        return _count_request(params, options).send(self._requester, MessageTokenCount)

    def render(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> GenerateRequest:
        """Render a Messages request into the token-level request vLLM would generate from, without
        generating (``POST /v1/messages/render``; vLLM serves it only with ``--enable-scale-out``, otherwise
        :class:`~vllm_sdk.PermissionDeniedError`): the parameters of :meth:`create`, answered by a
        :class:`~vllm_sdk.types.GenerateRequest` (``.token_ids``, ``.sampling_params``)."""
        options = call_options(extra_body, extra_headers, extra_query, timeout, max_retries)
        return _render_request(params, options).send(self._requester, GenerateRequest)


class AsyncMessages:
    """``client.messages`` of the async client (``await`` every method)."""

    def __init__(self, requester: AsyncRequester) -> None:
        self._requester = requester

    @property
    def with_raw_response(self) -> AsyncMessagesWithRawResponse:
        """This resource's methods answering with raw responses (status, headers, request id,
        ``parse()``) instead of the parsed result."""
        return AsyncMessagesWithRawResponse(type(self), self._requester, streaming=False)

    @property
    def with_streaming_response(self) -> AsyncMessagesWithStreamingResponse:
        """This resource's methods as context managers over the unread answer (``iter_bytes()``,
        ``iter_lines()``, ``parse()``)."""
        return AsyncMessagesWithStreamingResponse(type(self), self._requester, streaming=True)

    @overload
    def create(self) -> AsyncAnthropicMessageBuilder: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[False] = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> Coroutine[Any, Any, AnthropicMessage]: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Any,
    ) -> Coroutine[Any, Any, AsyncAnthropicMessageStream]: ...
    def create(
        self,
        *,
        stream: bool | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Any,
    ) -> (
        AsyncAnthropicMessageBuilder
        | Coroutine[Any, Any, AnthropicMessage]
        | Coroutine[Any, Any, AsyncAnthropicMessageStream]
    ):
        """The async twin of :meth:`Messages.create` (no argument: an
        :class:`AsyncAnthropicMessageBuilder`)."""
        options = call_options(
            extra_body, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout
        )
        if wants_builder(params, stream, options):
            return AsyncAnthropicMessageBuilder(self._requester)
        request = _create_request(params, options)
        if stream:
            return request.open_stream(self._requester, AsyncAnthropicMessageStream)
        return request.send(self._requester, AnthropicMessage)

    async def count_tokens(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> MessageTokenCount:
        """The async twin of :meth:`Messages.count_tokens`."""
        options = call_options(extra_body, extra_headers, extra_query, timeout, max_retries)
        return await _count_request(params, options).send(self._requester, MessageTokenCount)

    async def render(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> GenerateRequest:
        """The async twin of :meth:`Messages.render`."""
        options = call_options(extra_body, extra_headers, extra_query, timeout, max_retries)
        return await _render_request(params, options).send(self._requester, GenerateRequest)
