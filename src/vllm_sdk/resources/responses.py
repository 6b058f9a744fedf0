"""``client.responses``: vLLM's Responses API (``POST /v1/responses``, ``GET /v1/responses/{id}``,
``POST /v1/responses/{id}/cancel``).

Hand-written, not generated: vLLM 0.32.0's served schema gives the 200 body no schema and types the
request with ~300 of openai-python's Responses models, and the route table has no path parameters; the
requests go through the requester's ``call_path`` methods. Request bodies are built by I/O-free functions
shared by the keyword methods, the builders, sync and async.

::

    resp = client.responses.create(model=m, input="Hello", max_output_tokens=64)
    resp = client.responses.create().model(m).input("Hello").max_output_tokens(64).send()
    with client.responses.create(model=m, input="Hello", stream=True) as stream:
        for event in stream: ...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload
from urllib.parse import quote

from typing_extensions import Self

from .._config import NOT_GIVEN
from .._exceptions import MissingParameterError
from .._streams import AsyncResponseStream, ResponseStream
from .._structured import FunctionTool, pydantic_function_tool, text_format_from_type
from ..types._generated import GenerateRequest
from ..types.responses import ParsedResponse, Response, parse_response
from ._builder import PlainBodyBuilder
from ._plan import PlannedRequest, bind_stream, call_options, wants_builder
from ._raw import AsyncRawResponsesMixin, RawResponsesMixin, async_builder_raw, builder_raw
from ._raw_views import (
    AsyncBuilderRaw,
    AsyncResponsesWithRawResponse,
    AsyncResponsesWithStreamingResponse,
    BuilderRaw,
    ResponsesWithRawResponse,
    ResponsesWithStreamingResponse,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from .._config import NotGiven, TimeoutLike
    from .._raw_response import AsyncRawResponse, RawResponse
    from .._requester import AsyncRequester, CallOptions, Requester

__all__ = ["AsyncResponseBuilder", "AsyncResponses", "ResponseBuilder", "Responses", "response_tool"]

ContentT = TypeVar("ContentT")

PATH = "/responses"
RENDER_PATH = "/responses/render"


def _item_path(response_id: str, suffix: str = "") -> str:
    if not isinstance(response_id, str) or not response_id:
        raise MissingParameterError(
            "response_id", "response_id is required (the id of a response, e.g. 'resp_...')"
        )
    return f"{PATH}/{quote(response_id, safe='')}{suffix}"


def response_tool(tool: Mapping[str, Any] | type) -> dict[str, Any]:
    """A Responses API tool from a pydantic model / dataclass / TypedDict class, a chat-style function tool
    (``{"type": "function", "function": {...}}``, e.g. :func:`~vllm_sdk.pydantic_function_tool`'s) or a
    Responses tool dict (returned as is). The Responses API takes function tools flat:
    ``{"type": "function", "name", "description", "parameters", "strict"}``."""
    if not isinstance(tool, Mapping):
        tool = pydantic_function_tool(tool)
    function = tool.get("function")
    if tool.get("type", "function") == "function" and isinstance(function, Mapping):
        flat = {"type": "function", **function}
        if isinstance(tool, FunctionTool):
            return FunctionTool(flat, tool.model)
        return flat
    return tool if isinstance(tool, FunctionTool) else dict(tool)


def create_body(params: Mapping[str, Any]) -> dict[str, Any]:
    """The body of ``POST /v1/responses`` from keyword parameters (function tools flattened); raises
    :class:`~vllm_sdk.MissingParameterError` without ``model`` or ``input`` (``previous_response_id`` and
    ``prompt`` stand in for the input)."""
    body = dict(params)
    if "tools" in body and body["tools"] is not None:
        body["tools"] = [response_tool(tool) for tool in body["tools"]]
    if not body.get("model"):
        raise MissingParameterError("model", "model is required for a response")
    if body.get("input") is None and not body.get("previous_response_id") and not body.get("prompt"):
        raise MissingParameterError(
            "input", "input is required for a response (or previous_response_id / prompt)"
        )
    return body


# ---------------------------------------------------------------- the requests (no I/O; sync and async)


def _create_request(
    params: Mapping[str, Any], options: CallOptions, text_format: Any = None
) -> PlannedRequest:
    """``POST /v1/responses``; with ``text_format``, sent as a strict ``json_schema`` text format."""
    body = create_body(params)
    if text_format is not None:
        text = dict(body.get("text") or {})
        text.update(text_format_from_type(text_format))
        body["text"] = text
    return PlannedRequest("POST", PATH, body, options)


def _retrieve_request(
    response_id: str, stream: bool, starting_after: int | None, options: CallOptions
) -> PlannedRequest:
    """``GET /v1/responses/{id}``, as a stream of its events (resumed after ``starting_after``) or not."""
    path = _item_path(response_id)
    query: dict[str, Any] = {}
    if stream:
        query["stream"] = "true"
    if starting_after is not None:
        query["starting_after"] = starting_after
    return PlannedRequest("GET", path, None, options, query)


def _cancel_request(response_id: str, options: CallOptions) -> PlannedRequest:
    """``POST /v1/responses/{id}/cancel``."""
    return PlannedRequest("POST", _item_path(response_id, "/cancel"), None, options)


def _render_request(params: Mapping[str, Any], options: CallOptions) -> PlannedRequest:
    """``POST /v1/responses/render``: the body of ``create()``, rendered into tokens, nothing generated."""
    return PlannedRequest("POST", RENDER_PATH, create_body(params), options)


def _parsed(response: Response, text_format: Any, request: PlannedRequest) -> ParsedResponse[Any]:
    """The answer of a ``parse()`` call, its output validated into ``text_format``."""
    return parse_response(response, text_format, request.tools)


class _ResponseBuilderBase(PlainBodyBuilder):
    """The setters of a Responses request (no I/O); ``to_dict()`` is the body it would send.

    Copy-on-write, like the chat builders: every setter returns a new builder and leaves this one
    unchanged, so a half-built request can be kept and sent many times.
    """

    def model(self, value: str) -> Self:
        """The model to answer with."""
        return self._set("model", value)

    def input(self, value: str | Sequence[Mapping[str, Any]]) -> Self:
        """The input: a string, or a list of input items (messages, ``function_call_output`` items...)."""
        return self._set("input", value if isinstance(value, str) else [dict(item) for item in value])

    def add_input(self, item: Mapping[str, Any]) -> Self:
        """Append one input item (turning a string input into a user message first)."""
        current = self._body.get("input")
        items: list[Any] = (
            [{"role": "user", "content": current}] if isinstance(current, str) else list(current or [])
        )
        items.append(dict(item))
        return self._set("input", items)

    def instructions(self, value: str) -> Self:
        """System instructions for this response."""
        return self._set("instructions", value)

    def max_output_tokens(self, value: int) -> Self:
        """The most tokens to generate (reasoning included)."""
        return self._set("max_output_tokens", value)

    def temperature(self, value: float) -> Self:
        """Sampling temperature."""
        return self._set("temperature", value)

    def top_p(self, value: float) -> Self:
        """Nucleus sampling probability mass."""
        return self._set("top_p", value)

    def top_k(self, value: int) -> Self:
        """vLLM's top-k sampling."""
        return self._set("top_k", value)

    def previous_response_id(self, value: str) -> Self:
        """Continue from a stored response (the server keeps its input and output)."""
        return self._set("previous_response_id", value)

    def tools(self, value: Sequence[Mapping[str, Any] | type]) -> Self:
        """Set the tools (Responses tool dicts, chat-style function tools or model classes)."""
        return self._set("tools", [response_tool(tool) for tool in value])

    def tool(self, tool: Mapping[str, Any] | type) -> Self:
        """Add a tool: a Responses tool dict, a chat-style function tool or a pydantic model / dataclass /
        TypedDict class (a strict function tool whose calls ``parse()`` validates)."""
        return self._set("tools", [*(self._body.get("tools") or []), response_tool(tool)])

    def tool_choice(self, value: str | Mapping[str, Any]) -> Self:
        """``"auto"``, ``"none"``, ``"required"`` or a named function."""
        return self._set("tool_choice", value)

    def reasoning(self, value: Mapping[str, Any]) -> Self:
        """Reasoning options, e.g. ``{"effort": "low"}``."""
        return self._set("reasoning", dict(value))

    def text(self, value: Mapping[str, Any]) -> Self:
        """Text output options, e.g. ``{"format": {"type": "json_schema", ...}}``."""
        return self._set("text", dict(value))

    def store(self, value: bool) -> Self:
        """Whether the server stores the response (needed for ``retrieve`` and ``previous_response_id``)."""
        return self._set("store", value)

    def background(self, value: bool) -> Self:
        """Run in the background (poll with ``retrieve``, stop with ``cancel``)."""
        return self._set("background", value)

    def metadata(self, value: Mapping[str, str]) -> Self:
        """Up to 16 key-value pairs stored with the response."""
        return self._set("metadata", dict(value))

    def structured_outputs(self, value: Mapping[str, Any]) -> Self:
        """vLLM's ``structured_outputs`` (``json``, ``choice``, ``regex``, ``grammar``...)."""
        return self._set("structured_outputs", dict(value))

    def _request(self, options: CallOptions, text_format: Any = None) -> PlannedRequest:
        """This builder's request; raises before any I/O when incomplete."""
        return _create_request(self._body, options, text_format)


class ResponseBuilder(_ResponseBuilderBase, BuilderRaw[Response, ResponseStream[Any]]):
    """A Responses request being built: setters, then ``send()``, ``send_stream()`` or ``parse(Model)``.
    Made by ``client.responses.create()``; ``send()`` raises :class:`~vllm_sdk.MissingParameterError`
    without model or input, before any I/O."""

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
    ) -> Response:
        """Send the request and return the :class:`Response`."""
        request = self._request(self._options(timeout, extra_headers, extra_query, max_retries))
        return request.send(self._requester, Response)

    def send_stream(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> ResponseStream[Any]:
        """Send the request with ``stream: true`` and return the :class:`~vllm_sdk.ResponseStream`."""
        request = self._request(
            self._options(timeout, extra_headers, extra_query, max_retries, stream_idle_timeout)
        )
        stream: ResponseStream[Any] = request.open_stream(self._requester, ResponseStream)
        return stream

    def parse(
        self,
        text_format: type[ContentT],
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> ParsedResponse[ContentT]:
        """Send with ``text_format`` as a strict ``json_schema`` text format and return the response with
        ``output_parsed`` (see ``client.responses.parse``)."""
        request = self._request(self._options(timeout, extra_headers, extra_query, max_retries), text_format)
        return _parsed(request.send(self._requester, Response), text_format, request)

    def parse_raw(
        self,
        text_format: type[ContentT],
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> RawResponse[ParsedResponse[ContentT]]:
        """:meth:`parse` answered as a raw response; its ``parse()`` gives (and raises) what :meth:`parse`
        does."""
        options = {"timeout": timeout, "extra_headers": extra_headers, "extra_query": extra_query}
        raw: RawResponse[ParsedResponse[ContentT]] = builder_raw(
            self, "parse", {"text_format": text_format, "max_retries": max_retries, **options}
        )
        return raw


class AsyncResponseBuilder(_ResponseBuilderBase, AsyncBuilderRaw[Response, AsyncResponseStream[Any]]):
    """The async twin of :class:`ResponseBuilder` (``await`` ``send()``, ``send_stream()``, ``parse()``)."""

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
    ) -> Response:
        """Send the request and return the :class:`Response`."""
        request = self._request(self._options(timeout, extra_headers, extra_query, max_retries))
        return await request.send(self._requester, Response)

    async def send_stream(
        self,
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> AsyncResponseStream[Any]:
        """Send the request with ``stream: true`` and return the :class:`~vllm_sdk.AsyncResponseStream`."""
        request = self._request(
            self._options(timeout, extra_headers, extra_query, max_retries, stream_idle_timeout)
        )
        stream: AsyncResponseStream[Any] = await request.open_stream(self._requester, AsyncResponseStream)
        return stream

    async def parse(
        self,
        text_format: type[ContentT],
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> ParsedResponse[ContentT]:
        """The async twin of :meth:`ResponseBuilder.parse`."""
        request = self._request(self._options(timeout, extra_headers, extra_query, max_retries), text_format)
        return _parsed(await request.send(self._requester, Response), text_format, request)

    async def parse_raw(
        self,
        text_format: type[ContentT],
        *,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> AsyncRawResponse[ParsedResponse[ContentT]]:
        """The async twin of :meth:`ResponseBuilder.parse_raw`."""
        options = {"timeout": timeout, "extra_headers": extra_headers, "extra_query": extra_query}
        raw: AsyncRawResponse[ParsedResponse[ContentT]] = await async_builder_raw(
            self, "parse", {"text_format": text_format, "max_retries": max_retries, **options}
        )
        return raw


class Responses(RawResponsesMixin):
    """``client.responses``: ``create``, ``parse``, ``retrieve``, ``cancel``."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    @property
    def with_raw_response(self) -> ResponsesWithRawResponse:
        """This resource's methods answering with raw responses (status, headers, request id,
        ``parse()``) instead of the parsed result."""
        return ResponsesWithRawResponse(type(self), self._requester, streaming=False)

    @property
    def with_streaming_response(self) -> ResponsesWithStreamingResponse:
        """This resource's methods as context managers over the unread answer (``iter_bytes()``,
        ``iter_lines()``, ``parse()``)."""
        return ResponsesWithStreamingResponse(type(self), self._requester, streaming=True)

    @overload
    def create(self) -> ResponseBuilder: ...
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
    ) -> Response: ...
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
    ) -> ResponseStream[Any]: ...
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
    ) -> ResponseBuilder | Response | ResponseStream[Any]:
        """Create a response (``POST /v1/responses``): ``model``, ``input`` (a string or input items),
        ``instructions``, ``tools``, ``previous_response_id``, ``max_output_tokens``, ... (vLLM's sampling
        parameters too). ``stream=True`` returns a :class:`~vllm_sdk.ResponseStream`; without any argument:
        a :class:`ResponseBuilder`."""
        options = call_options(
            extra_body, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout
        )
        if wants_builder(params, stream, options):
            return ResponseBuilder(self._requester)
        request = _create_request(params, options)
        if stream:
            return request.open_stream(self._requester, ResponseStream)
        return request.send(self._requester, Response)

    @overload
    def parse(
        self,
        *,
        text_format: type[ContentT],
        stream: Literal[False] = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> ParsedResponse[ContentT]: ...
    @overload
    def parse(
        self,
        *,
        text_format: type[ContentT],
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Any,
    ) -> ResponseStream[ContentT]: ...
    def parse(
        self,
        *,
        text_format: Any,
        stream: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Any,
    ) -> ParsedResponse[Any] | ResponseStream[Any]:
        """Create a response whose output text is validated into ``text_format`` (a pydantic model,
        dataclass or TypedDict, sent as a strict ``json_schema`` text format): ``output_parsed``. With
        ``stream=True`` the stream's ``collect()`` returns the parsed response. Raises
        :class:`~vllm_sdk.LengthFinishReasonError` when the output was cut off by ``max_output_tokens`` and
        :class:`~vllm_sdk.InvalidResponseError` when it does not validate."""
        options = call_options(
            extra_body, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout
        )
        request = _create_request(params, options, text_format)
        if stream:
            return request.open_stream(self._requester, bind_stream(ResponseStream, text_format=text_format))
        return _parsed(request.send(self._requester, Response), text_format, request)

    @overload
    def retrieve(
        self,
        response_id: str,
        *,
        stream: Literal[False] = False,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
    ) -> Response: ...
    @overload
    def retrieve(
        self,
        response_id: str,
        *,
        stream: Literal[True],
        starting_after: int | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> ResponseStream[Any]: ...
    def retrieve(
        self,
        response_id: str,
        *,
        stream: bool = False,
        starting_after: int | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> Response | ResponseStream[Any]:
        """A stored response (``GET /v1/responses/{response_id}``). ``stream=True`` replays its events
        as a stream, resuming after event number ``starting_after`` when given (a background response)."""
        options = call_options(None, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout)
        request = _retrieve_request(response_id, stream, starting_after, options)
        if stream:
            return request.open_stream(self._requester, ResponseStream)
        return request.send(self._requester, Response)

    def cancel(
        self,
        response_id: str,
        *,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
    ) -> Response:
        """Cancel a background response (``POST /v1/responses/{response_id}/cancel``); returns it."""
        options = call_options(None, extra_headers, extra_query, timeout, max_retries)
        return _cancel_request(response_id, options).send(self._requester, Response)

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
        """Render a Responses request into the token-level request vLLM would generate from, without
        generating (``POST /v1/responses/render``; vLLM serves it only with ``--enable-scale-out``, otherwise
        :class:`~vllm_sdk.PermissionDeniedError`): the parameters of :meth:`create`, answered by a
        :class:`~vllm_sdk.types.GenerateRequest` (``.token_ids``, ``.sampling_params``)."""
        options = call_options(extra_body, extra_headers, extra_query, timeout, max_retries)
        return _render_request(params, options).send(self._requester, GenerateRequest)


class AsyncResponses(AsyncRawResponsesMixin):
    """``client.responses`` of the async client (``await`` every method)."""

    def __init__(self, requester: AsyncRequester) -> None:
        self._requester = requester

    @property
    def with_raw_response(self) -> AsyncResponsesWithRawResponse:
        """This resource's methods answering with raw responses (status, headers, request id,
        ``parse()``) instead of the parsed result."""
        return AsyncResponsesWithRawResponse(type(self), self._requester, streaming=False)

    @property
    def with_streaming_response(self) -> AsyncResponsesWithStreamingResponse:
        """This resource's methods as context managers over the unread answer (``iter_bytes()``,
        ``iter_lines()``, ``parse()``)."""
        return AsyncResponsesWithStreamingResponse(type(self), self._requester, streaming=True)

    @overload
    def create(self) -> AsyncResponseBuilder: ...
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
    ) -> Coroutine[Any, Any, Response]: ...
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
    ) -> Coroutine[Any, Any, AsyncResponseStream[Any]]: ...
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
    ) -> AsyncResponseBuilder | Coroutine[Any, Any, Response] | Coroutine[Any, Any, AsyncResponseStream[Any]]:
        """The async twin of :meth:`Responses.create` (no argument: an :class:`AsyncResponseBuilder`)."""
        options = call_options(
            extra_body, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout
        )
        if wants_builder(params, stream, options):
            return AsyncResponseBuilder(self._requester)
        request = _create_request(params, options)
        if stream:
            return request.open_stream(self._requester, AsyncResponseStream)
        return request.send(self._requester, Response)

    @overload
    async def parse(
        self,
        *,
        text_format: type[ContentT],
        stream: Literal[False] = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        **params: Any,
    ) -> ParsedResponse[ContentT]: ...
    @overload
    async def parse(
        self,
        *,
        text_format: type[ContentT],
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Any,
    ) -> AsyncResponseStream[ContentT]: ...
    async def parse(
        self,
        *,
        text_format: Any,
        stream: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Any,
    ) -> ParsedResponse[Any] | AsyncResponseStream[Any]:
        """The async twin of :meth:`Responses.parse`: a ``ParsedResponse``, or with ``stream=True`` an
        :class:`~vllm_sdk.AsyncResponseStream` whose ``collect()`` returns it."""
        options = call_options(
            extra_body, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout
        )
        request = _create_request(params, options, text_format)
        if stream:
            stream_cls: Callable[..., AsyncResponseStream[Any]]
            stream_cls = bind_stream(AsyncResponseStream, text_format=text_format)
            return await request.open_stream(self._requester, stream_cls)
        return _parsed(await request.send(self._requester, Response), text_format, request)

    @overload
    async def retrieve(
        self,
        response_id: str,
        *,
        stream: Literal[False] = False,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
    ) -> Response: ...
    @overload
    async def retrieve(
        self,
        response_id: str,
        *,
        stream: Literal[True],
        starting_after: int | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> AsyncResponseStream[Any]: ...
    async def retrieve(
        self,
        response_id: str,
        *,
        stream: bool = False,
        starting_after: int | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
    ) -> Response | AsyncResponseStream[Any]:
        """The async twin of :meth:`Responses.retrieve`: a :class:`Response`, or with ``stream=True`` an
        :class:`~vllm_sdk.AsyncResponseStream`."""
        options = call_options(None, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout)
        request = _retrieve_request(response_id, stream, starting_after, options)
        if stream:
            return await request.open_stream(self._requester, AsyncResponseStream)
        return await request.send(self._requester, Response)

    async def cancel(
        self,
        response_id: str,
        *,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
    ) -> Response:
        """The async twin of :meth:`Responses.cancel`."""
        options = call_options(None, extra_headers, extra_query, timeout, max_retries)
        return await _cancel_request(response_id, options).send(self._requester, Response)

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
        """The async twin of :meth:`Responses.render`."""
        options = call_options(extra_body, extra_headers, extra_query, timeout, max_retries)
        return await _render_request(params, options).send(self._requester, GenerateRequest)
