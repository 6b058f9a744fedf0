"""Chat completions: the fluent builder and the keyword style, sync and async.

::

    resp = client.chat.completions.create().model(m).system("Be brief.").user("Hi").send()
    resp = client.chat.completions.create(model=m, messages=[{"role": "user", "content": "Hi"}])
    with client.chat.completions.create(model=m, messages=msgs, stream=True) as stream:
        for event in stream: ...

Both styles build the body through the same function, so the same parameters give byte-identical bodies.
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from typing_extensions import Self, Unpack

from .._body import require
from .._config import NOT_GIVEN
from .._generated_endpoints import ChatCompletionRequestBuilderBase, ChatCompletionRequestParams
from .._multimodal import ImageSource, image_part
from .._streams import AsyncMessageStream, MessageStream
from ..types.chat import ChatCompletionResponse
from ._builder import BuilderMixin

if TYPE_CHECKING:
    from .._client import AsyncVllmClient, VllmClient
    from .._config import NotGiven, TimeoutLike
    from .._options import RequestOptions

__all__ = [
    "AsyncChat",
    "AsyncChatCompletionBuilder",
    "AsyncChatCompletions",
    "Chat",
    "ChatCompletionBuilder",
    "ChatCompletions",
]

ROUTE = "chat.completions.create"


def _function_tool(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``{"type": "function", "function": {...}}`` from either that shape or a bare function schema."""
    if "function" in schema and isinstance(schema["function"], Mapping):
        return {"type": schema.get("type", "function"), **{k: v for k, v in schema.items() if k != "type"}}
    if "name" not in schema:
        raise ValueError("a tool needs a function name: {'name': ..., 'parameters': {...}}")
    return {"type": "function", "function": dict(schema)}


def chat_options(
    client: VllmClient | AsyncVllmClient,
    body: Mapping[str, Any],
    *,
    stream: bool,
    extra_body: Mapping[str, Any] | None,
    extra_headers: Mapping[str, str | None] | None,
    extra_query: Mapping[str, Any] | None,
    timeout: TimeoutLike | NotGiven | None,
    max_retries: int | None,
) -> RequestOptions:
    """Check the required fields (before any I/O) and build the request options of a chat completion."""
    merged = {**body, **(extra_body or {})}
    require(merged, "model", "messages")
    return client._route_options(
        ROUTE,
        body,
        extra_body=extra_body,
        stream=stream,
        extra_headers=extra_headers,
        extra_query=extra_query,
        timeout=timeout,
        max_retries=max_retries,
        operation="chat",
    )


class _ChatBuilderBase(BuilderMixin, ChatCompletionRequestBuilderBase):
    """The chat conveniences shared by the sync and async builders (no I/O)."""

    _model_name = "ChatCompletionRequest"

    def messages(self, value: Sequence[Mapping[str, Any]]) -> Self:
        """Set the whole conversation (copied: later ``user()``/``system()`` calls never touch your list)."""
        return self._set("messages", [dict(message) for message in value])

    def _messages(self) -> list[dict[str, Any]]:
        messages = self._body.get("messages")
        if not isinstance(messages, list):
            messages = self._body["messages"] = []
        return messages

    def add_message(self, message: Mapping[str, Any]) -> Self:
        """Append a whole message dict, e.g. ``resp.assistant_message()`` or ``call.result(value)``."""
        self._messages().append(dict(message))
        return self

    def message(self, role: str, content: str | Sequence[Mapping[str, Any]] | None, **fields: Any) -> Self:
        """Append ``{"role": role, "content": content, **fields}`` to the conversation."""
        return self.add_message({"role": role, "content": content, **fields})

    def system(self, content: str) -> Self:
        """Append a system message."""
        return self.message("system", content)

    def user(self, content: str | Sequence[Mapping[str, Any]]) -> Self:
        """Append a user message (text, or a list of content parts)."""
        return self.message("user", content)

    def assistant(self, content: str | None = None, *, tool_calls: Sequence[Any] | None = None) -> Self:
        """Append an assistant message (a previous answer, or a prefill with ``continue_final_message``).

        ``tool_calls`` takes :class:`~vllm_sdk.ToolCall` objects or wire-shaped dicts.
        """
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if tool_calls:
            message["tool_calls"] = [
                call.to_dict() if hasattr(call, "to_dict") else dict(call) for call in tool_calls
            ]
        return self.add_message(message)

    def tool(self, fn_schema: Mapping[str, Any]) -> Self:
        """Add a tool: a function schema ``{"name", "description", "parameters"}`` or the full
        ``{"type": "function", "function": {...}}``."""
        tools = self._body.get("tools")
        tools = list(tools) if tools else []
        tools.append(_function_tool(fn_schema))
        return self._set("tools", tools)

    def image(self, source: ImageSource, text: str | None = None, *, detail: str | None = None) -> Self:
        """Append a user message with an image (and optionally text before it).

        ``source`` is an http(s) or ``data:`` URL, a file path or the image bytes; files and bytes are sent
        as base64 ``data:`` URLs with the MIME type read from the bytes.
        """
        parts: list[dict[str, Any]] = []
        if text is not None:
            parts.append({"type": "text", "text": text})
        parts.append(image_part(source, detail=detail))
        return self.message("user", parts)

    def thinking(self, enabled: bool = True) -> Self:
        """Turn the model's thinking on or off (``chat_template_kwargs.enable_thinking``, Qwen3-style)."""
        kwargs = dict(self._body.get("chat_template_kwargs") or {})
        kwargs["enable_thinking"] = enabled
        return self._set("chat_template_kwargs", kwargs)


class ChatCompletionBuilder(_ChatBuilderBase):
    """A chat completion request being built; ``send()`` or ``send_stream()`` sends it.

    Made by ``client.chat.completions.create()``. Every request field of vLLM's schema has a typed setter
    (``model``, ``messages``, ``temperature``, ``top_k``, ``structured_outputs``, ...; the ``user`` field is
    ``end_user()`` because ``user()`` appends a user message).
    """

    def __init__(self, client: VllmClient) -> None:
        super().__init__()
        self._client = client

    def _options(self, stream: bool, kwargs: Mapping[str, Any]) -> RequestOptions:
        return chat_options(self._client, self._body, stream=stream, extra_body=self._extra, **kwargs)

    def send(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> ChatCompletionResponse:
        """Send the request and return the whole response (raises :class:`~vllm_sdk.MissingParameterError`
        without model or messages, before any I/O)."""
        opts = self._options(
            False,
            {
                "extra_headers": extra_headers,
                "extra_query": extra_query,
                "timeout": timeout,
                "max_retries": max_retries,
            },
        )
        return self._client._call(opts, ChatCompletionResponse)

    def send_stream(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> MessageStream:
        """Send the request with ``stream: true`` and return the :class:`~vllm_sdk.MessageStream`.

        Retries apply until the server answers 2xx; a stream is never retried once it is returned.
        """
        opts = self._options(
            True,
            {
                "extra_headers": extra_headers,
                "extra_query": extra_query,
                "timeout": timeout,
                "max_retries": max_retries,
            },
        )
        return self._client._open_stream(opts, MessageStream, stream_idle_timeout)


class AsyncChatCompletionBuilder(_ChatBuilderBase):
    """The async twin of :class:`ChatCompletionBuilder`: ``await builder.send()`` / ``send_stream()``."""

    def __init__(self, client: AsyncVllmClient) -> None:
        super().__init__()
        self._client = client

    def _options(self, stream: bool, kwargs: Mapping[str, Any]) -> RequestOptions:
        return chat_options(self._client, self._body, stream=stream, extra_body=self._extra, **kwargs)

    async def send(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> ChatCompletionResponse:
        """Send the request and return the whole response."""
        opts = self._options(
            False,
            {
                "extra_headers": extra_headers,
                "extra_query": extra_query,
                "timeout": timeout,
                "max_retries": max_retries,
            },
        )
        return await self._client._call(opts, ChatCompletionResponse)

    async def send_stream(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> AsyncMessageStream:
        """Send the request with ``stream: true`` and return the :class:`~vllm_sdk.AsyncMessageStream`."""
        opts = self._options(
            True,
            {
                "extra_headers": extra_headers,
                "extra_query": extra_query,
                "timeout": timeout,
                "max_retries": max_retries,
            },
        )
        return await self._client._open_stream(opts, AsyncMessageStream, stream_idle_timeout)


class ChatCompletions:
    """``client.chat.completions``: ``create()`` gives a builder; ``create(model=, messages=)`` sends."""

    def __init__(self, client: VllmClient) -> None:
        self._client = client

    @overload
    def create(self) -> ChatCompletionBuilder: ...
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
        **params: Unpack[ChatCompletionRequestParams],
    ) -> ChatCompletionResponse: ...
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
        **params: Unpack[ChatCompletionRequestParams],
    ) -> MessageStream: ...
    @overload
    def create(
        self,
        *,
        stream: bool,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Unpack[ChatCompletionRequestParams],
    ) -> ChatCompletionResponse | MessageStream: ...
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
    ) -> ChatCompletionBuilder | ChatCompletionResponse | MessageStream:
        """Without arguments: a :class:`ChatCompletionBuilder`. With keyword parameters (every vLLM field:
        ``model``, ``messages``, ``temperature``, ``top_k``, ``chat_template_kwargs``, ...): send at once and
        return the :class:`~vllm_sdk.ChatCompletionResponse`, or a :class:`~vllm_sdk.MessageStream` when
        ``stream=True``. ``extra_body``/``extra_headers``/``extra_query``/``timeout``/``max_retries`` apply to
        this call only."""
        options = (stream, extra_body, extra_headers, extra_query, max_retries, stream_idle_timeout)
        if not params and timeout is NOT_GIVEN and all(option is None for option in options):
            return ChatCompletionBuilder(self._client)
        opts = chat_options(
            self._client,
            params,
            stream=bool(stream),
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        if stream:
            return self._client._open_stream(opts, MessageStream, stream_idle_timeout)
        return self._client._call(opts, ChatCompletionResponse)


class AsyncChatCompletions:
    """``client.chat.completions`` of the async client (see :class:`ChatCompletions`)."""

    def __init__(self, client: AsyncVllmClient) -> None:
        self._client = client

    @overload
    def create(self) -> AsyncChatCompletionBuilder: ...
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
        **params: Unpack[ChatCompletionRequestParams],
    ) -> Coroutine[Any, Any, ChatCompletionResponse]: ...
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
        **params: Unpack[ChatCompletionRequestParams],
    ) -> Coroutine[Any, Any, AsyncMessageStream]: ...
    @overload
    def create(
        self,
        *,
        stream: bool,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Unpack[ChatCompletionRequestParams],
    ) -> Coroutine[Any, Any, ChatCompletionResponse | AsyncMessageStream]: ...
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
    ) -> AsyncChatCompletionBuilder | Coroutine[Any, Any, Any]:
        """Without arguments: an :class:`AsyncChatCompletionBuilder` (not awaited). With keyword parameters:
        a coroutine giving the :class:`~vllm_sdk.ChatCompletionResponse`, or the
        :class:`~vllm_sdk.AsyncMessageStream` when ``stream=True`` (``await`` it)."""
        options = (stream, extra_body, extra_headers, extra_query, max_retries, stream_idle_timeout)
        if not params and timeout is NOT_GIVEN and all(option is None for option in options):
            return AsyncChatCompletionBuilder(self._client)
        opts = chat_options(
            self._client,
            params,
            stream=bool(stream),
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        if stream:
            return self._client._open_stream(opts, AsyncMessageStream, stream_idle_timeout)
        return self._client._call(opts, ChatCompletionResponse)


class Chat:
    """``client.chat``: holds ``completions``."""

    def __init__(self, client: VllmClient) -> None:
        self.completions = ChatCompletions(client)


class AsyncChat:
    """``client.chat`` of the async client: holds ``completions``."""

    def __init__(self, client: AsyncVllmClient) -> None:
        self.completions = AsyncChatCompletions(client)
