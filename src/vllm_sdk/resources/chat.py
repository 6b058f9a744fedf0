"""The chat completion builders: the conveniences a schema cannot say, over the generated route builders.

::

    resp = client.chat.completions.create().model(m).system("Be brief.").user("Hi").send()

The keyword style (``create(model=..., messages=...)``) and the typed setters are generated
(``_generated.py``, ``_generated_builders.py``); both styles encode the body through the same function, so
the same parameters give byte-identical bodies.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel
from typing_extensions import Self

from .._config import NOT_GIVEN
from .._multimodal import ContentPart, ImageSource, content_parts, image_part
from .._requester import CallOptions
from .._streams import AsyncParsedMessageStream, ParsedMessageStream
from .._structured import pydantic_function_tool, strict_json_schema
from ..types.chat import ChatCompletionResponse
from ..types.parsed import ParsedChatCompletion, parse_chat_completion
from ._builder import BuilderMixin
from ._generated_builders import AsyncChatCompletionsCreateBuilder, ChatCompletionsCreateBuilder
from ._parsing import parse_body
from ._raw import async_builder_raw, builder_raw

if TYPE_CHECKING:
    from .._config import NotGiven, TimeoutLike
    from .._raw_response import AsyncRawResponse, RawResponse
    from ..types._generated_params import ChatCompletionContentPartParam
    from ._inputs import ChatMessageInput

ContentT = TypeVar("ContentT")

__all__ = ["AsyncChatCompletionBuilder", "ChatCompletionBuilder"]


def _copied(message: Mapping[str, Any] | BaseModel) -> Mapping[str, Any] | BaseModel:
    """A message as the builder keeps it: a dict copy, or the pydantic model itself (the body encoder dumps
    it with ``exclude_unset``, as the keyword style does; ``dict(model)`` would send unset fields as null)."""
    return message if isinstance(message, BaseModel) else dict(message)


def _function_tool(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``{"type": "function", "function": {...}}`` from either that shape or a bare function schema."""
    if "function" in schema and isinstance(schema["function"], Mapping):
        return {"type": schema.get("type", "function"), **{k: v for k, v in schema.items() if k != "type"}}
    if "name" not in schema:
        raise ValueError("a tool needs a function name: {'name': ..., 'parameters': {...}}")
    return {"type": "function", "function": dict(schema)}


#: The option keys of ``structured_outputs``, kept when a helper sets a constraint; a constraint key
#: (``json``, ``regex``, ``choice``, ``grammar``, ``json_object``, ``structural_tag``) replaces any other,
#: because vLLM accepts exactly one.
_SO_OPTIONS = frozenset({"disable_any_whitespace", "disable_additional_properties", "whitespace_pattern"})


class _ChatConveniences(BuilderMixin):
    """The chat conveniences shared by the sync and async builders (no I/O)."""

    def messages(self, value: Sequence[ChatMessageInput]) -> Self:
        """Set the whole conversation (copied: later changes to your list never reach the builder).

        Message dicts type-check against :data:`~vllm_sdk.types.ChatCompletionMessageParam` (a mistyped
        role or key is a mypy error); pydantic message models are accepted too.
        """
        return self._set("messages", tuple(_copied(message) for message in value))

    def add_message(self, message: ChatMessageInput) -> Self:
        """A new builder with a whole message dict appended, e.g. ``resp.assistant_message()`` or
        ``call.result(value)``."""
        return self._append(message)

    def _append(self, message: Mapping[str, Any] | BaseModel) -> Self:
        # Untyped on purpose: message() takes any role (vLLM accepts custom ones).
        messages = self._body.get("messages") or ()
        return self._set("messages", (*messages, _copied(message)))

    def message(
        self,
        role: str,
        content: str | Sequence[ChatCompletionContentPartParam | Mapping[str, Any]] | None,
        **fields: Any,
    ) -> Self:
        """A new builder with ``{"role": role, "content": content, **fields}`` appended to the messages."""
        return self._append({"role": role, "content": content, **fields})

    def system(self, content: str) -> Self:
        """Append a system message."""
        return self.message("system", content)

    def user(self, content: str | Sequence[ContentPart], *more: str | ContentPart) -> Self:
        """Append one user message: text, a list of content parts, or several parts as arguments.

        ::

            .user("Hi")                                                  # content "Hi"
            .user([text_part("Compare"), image_part("a.png")])           # content parts as given
            .user("Compare", image_part("a.png"), image_part("b.png"))   # one turn, three parts

        With more than one argument every string becomes a text part, in order.
        """
        if more:
            first: tuple[str | ContentPart, ...] = (content,) if isinstance(content, str) else tuple(content)
            return self.message("user", content_parts((*first, *more)))
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
        return self._append(message)

    def tool(self, fn_schema: Mapping[str, Any] | type) -> Self:
        """Add a tool: a function schema ``{"name", "description", "parameters"}``, the full
        ``{"type": "function", "function": {...}}``, or a pydantic model / dataclass / TypedDict class (made
        into a strict tool by :func:`~vllm_sdk.pydantic_function_tool`, whose calls ``parse()`` validates
        into the class)."""
        tools = self._body.get("tools")
        tools = list(tools) if tools else []
        tools.append(
            _function_tool(fn_schema) if isinstance(fn_schema, Mapping) else pydantic_function_tool(fn_schema)
        )
        return self._set("tools", tools)

    # -- vLLM's structured outputs (guided decoding): one constraint per request

    def _structured(self, key: str, value: Any) -> Self:
        options = {k: v for k, v in (self._body.get("structured_outputs") or {}).items() if k in _SO_OPTIONS}
        options[key] = value
        return self._set("structured_outputs", options)

    def structured_json(self, schema: Mapping[str, Any] | type) -> Self:
        """Constrain the output to a JSON schema (``structured_outputs.json``): a schema dict, or a pydantic
        model / dataclass / TypedDict class whose strict schema is sent."""
        return self._structured(
            "json", dict(schema) if isinstance(schema, Mapping) else strict_json_schema(schema)
        )

    def structured_choice(self, choices: Sequence[str]) -> Self:
        """Constrain the output to exactly one of ``choices`` (``structured_outputs.choice``)."""
        if isinstance(choices, str) or not choices:
            raise ValueError("structured_choice() needs a non-empty list of strings")
        return self._structured("choice", list(choices))

    def structured_regex(self, pattern: str) -> Self:
        """Constrain the output to match the regular expression ``pattern`` (``structured_outputs.regex``)."""
        return self._structured("regex", pattern)

    def structured_grammar(self, grammar: str) -> Self:
        """Constrain the output to an EBNF / Lark grammar (``structured_outputs.grammar``)."""
        return self._structured("grammar", grammar)

    def structural_tag(self, tag: Mapping[str, Any] | str) -> Self:
        """Constrain tagged regions of the output (``structured_outputs.structural_tag``: vLLM takes the
        structural tag as a JSON string; a mapping is serialised)."""
        text = tag if isinstance(tag, str) else json.dumps(tag, ensure_ascii=False)
        return self._structured("structural_tag", text)

    def image(self, source: ImageSource, text: str | None = None, *, detail: str | None = None) -> Self:
        """Append a user message with an image (and optionally text before it).

        ``source`` is an http(s) or ``data:`` URL, a file path or the image bytes; files and bytes are sent
        as base64 ``data:`` URLs with the MIME type read from the bytes.
        """
        parts: list[ChatCompletionContentPartParam] = []
        if text is not None:
            parts.append({"type": "text", "text": text})
        parts.append(image_part(source, detail=detail))
        return self.message("user", parts)

    def images(
        self, sources: Sequence[ImageSource], text: str | None = None, *, detail: str | None = None
    ) -> Self:
        """Append one user message with the text (when given) followed by every image of ``sources``
        (each an http(s) or ``data:`` URL, a file path or the image bytes, as in :meth:`image`)."""
        if isinstance(sources, (str, bytes, bytearray, memoryview)):
            raise TypeError("images() takes a list of images; use image() for a single one")
        parts: list[ChatCompletionContentPartParam] = [] if text is None else [{"type": "text", "text": text}]
        parts.extend(image_part(source, detail=detail) for source in sources)
        if len(parts) == (0 if text is None else 1):
            raise ValueError("images() needs at least one image")
        return self.message("user", parts)

    def thinking(self, enabled: bool = True) -> Self:
        """Turn the model's thinking on or off (``chat_template_kwargs.enable_thinking``, Qwen3-style)."""
        kwargs = dict(self._body.get("chat_template_kwargs") or {})
        kwargs["enable_thinking"] = enabled
        return self._set("chat_template_kwargs", kwargs)


class ChatCompletionBuilder(_ChatConveniences, ChatCompletionsCreateBuilder):
    """A chat completion request being built; ``send()`` or ``send_stream()`` sends it.

    Made by ``client.chat.completions.create()``. Every request field of vLLM's schema has a typed setter
    (``model``, ``messages``, ``temperature``, ``top_k``, ``structured_outputs``, ...; the ``user`` field is
    ``end_user()`` because ``user()`` appends a user message). ``send()`` raises
    :class:`~vllm_sdk.MissingParameterError` without model or messages, before any I/O; ``send_stream()``
    returns a :class:`~vllm_sdk.MessageStream` (retries apply until the server answers 2xx, never after).
    ``parse(Model)`` / ``parse_stream(Model)`` send it with ``Model`` as a strict ``json_schema`` response
    format and validate the answer (see ``client.chat.completions.parse``).
    """

    def parse(
        self,
        response_format: type[ContentT],
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> ParsedChatCompletion[ContentT]:
        """Send the request with ``response_format`` as a strict ``json_schema`` and return the response
        with ``.parsed`` (raises :class:`~vllm_sdk.LengthFinishReasonError` /
        :class:`~vllm_sdk.InvalidResponseError` as ``client.chat.completions.parse`` does)."""
        options = CallOptions(self._extra, extra_headers, extra_query, timeout, max_retries)
        body = parse_body(self._body, response_format)
        response = self._requester.call(self._route, body, options, ChatCompletionResponse)
        return parse_chat_completion(response, response_format, self._body.get("tools"))

    def parse_stream(
        self,
        response_format: type[ContentT],
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> ParsedMessageStream[ContentT]:
        """:meth:`parse` streamed: a :class:`~vllm_sdk.ParsedMessageStream` whose ``collect()`` has
        ``.parsed``."""
        options = CallOptions(
            self._extra, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout
        )
        body = parse_body(self._body, response_format)
        factory = functools.partial(
            ParsedMessageStream, response_format=response_format, tools=self._body.get("tools")
        )
        stream: ParsedMessageStream[ContentT] = self._requester.call_stream(
            self._route, body, options, factory
        )
        return stream

    def parse_raw(
        self,
        response_format: type[ContentT],
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> RawResponse[ParsedChatCompletion[ContentT]]:
        """:meth:`parse` answered as a raw response; its ``parse()`` gives (and raises) what :meth:`parse`
        does."""
        options = {"timeout": timeout, "extra_headers": extra_headers, "extra_query": extra_query}
        raw: RawResponse[ParsedChatCompletion[ContentT]] = builder_raw(
            self, "parse", {"response_format": response_format, "max_retries": max_retries, **options}
        )
        return raw

    def parse_stream_raw(
        self,
        response_format: type[ContentT],
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> RawResponse[ParsedMessageStream[ContentT]]:
        """:meth:`parse_stream` answered as a raw response; its ``parse()`` gives the
        :class:`~vllm_sdk.ParsedMessageStream`."""
        options = {"timeout": timeout, "extra_headers": extra_headers, "extra_query": extra_query}
        raw: RawResponse[ParsedMessageStream[ContentT]] = builder_raw(
            self,
            "parse_stream",
            {
                "response_format": response_format,
                "max_retries": max_retries,
                "stream_idle_timeout": stream_idle_timeout,
                **options,
            },
        )
        return raw


class AsyncChatCompletionBuilder(_ChatConveniences, AsyncChatCompletionsCreateBuilder):
    """The async twin of :class:`ChatCompletionBuilder`: ``await builder.send()`` / ``send_stream()`` /
    ``parse(Model)`` / ``parse_stream(Model)``."""

    async def parse(
        self,
        response_format: type[ContentT],
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> ParsedChatCompletion[ContentT]:
        """The async twin of :meth:`ChatCompletionBuilder.parse`."""
        options = CallOptions(self._extra, extra_headers, extra_query, timeout, max_retries)
        body = parse_body(self._body, response_format)
        response = await self._requester.call(self._route, body, options, ChatCompletionResponse)
        return parse_chat_completion(response, response_format, self._body.get("tools"))

    async def parse_stream(
        self,
        response_format: type[ContentT],
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> AsyncParsedMessageStream[ContentT]:
        """The async twin of :meth:`ChatCompletionBuilder.parse_stream`."""
        options = CallOptions(
            self._extra, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout
        )
        body = parse_body(self._body, response_format)
        factory = functools.partial(
            AsyncParsedMessageStream, response_format=response_format, tools=self._body.get("tools")
        )
        stream: AsyncParsedMessageStream[ContentT] = await self._requester.call_stream(
            self._route, body, options, factory
        )
        return stream

    async def parse_raw(
        self,
        response_format: type[ContentT],
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> AsyncRawResponse[ParsedChatCompletion[ContentT]]:
        """The async twin of :meth:`ChatCompletionBuilder.parse_raw`."""
        options = {"timeout": timeout, "extra_headers": extra_headers, "extra_query": extra_query}
        raw: AsyncRawResponse[ParsedChatCompletion[ContentT]] = await async_builder_raw(
            self, "parse", {"response_format": response_format, "max_retries": max_retries, **options}
        )
        return raw

    async def parse_stream_raw(
        self,
        response_format: type[ContentT],
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> AsyncRawResponse[AsyncParsedMessageStream[ContentT]]:
        """The async twin of :meth:`ChatCompletionBuilder.parse_stream_raw`."""
        options = {"timeout": timeout, "extra_headers": extra_headers, "extra_query": extra_query}
        raw: AsyncRawResponse[AsyncParsedMessageStream[ContentT]] = await async_builder_raw(
            self,
            "parse_stream",
            {
                "response_format": response_format,
                "max_retries": max_retries,
                "stream_idle_timeout": stream_idle_timeout,
                **options,
            },
        )
        return raw
