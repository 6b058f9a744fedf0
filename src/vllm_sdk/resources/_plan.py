"""A hand-written resource call decided without I/O, for the sync and async twins to send.

The keyword methods and builders of the hand-written resources (``responses``, ``messages``,
``chat.completions.parse``) turn their arguments into a :class:`PlannedRequest` - route or method and path,
body, query, :class:`~vllm_sdk._requester.CallOptions` - with the same functions for sync and async; the
twins only hand it to their requester (:meth:`PlannedRequest.send`, :meth:`PlannedRequest.open_stream`) and
``await`` the answer or not. Whatever follows the answer (``parse_response`` and the like) is shared too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .._requester import CallOptions

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Mapping

    from pydantic import BaseModel

    from .._config import NotGiven, TimeoutLike
    from .._requester import AsyncRequester, Requester

__all__ = ["PlannedRequest", "bind_stream", "call_options", "wants_builder"]

ModelT = TypeVar("ModelT", bound="BaseModel")
StreamT = TypeVar("StreamT")


def call_options(
    extra_body: Mapping[str, Any] | None,
    extra_headers: Mapping[str, str | None] | None,
    extra_query: Mapping[str, Any] | None,
    timeout: TimeoutLike | NotGiven | None,
    max_retries: int | None,
    stream_idle_timeout: float | None = None,
) -> CallOptions:
    """The :class:`CallOptions` of a call's per-request keywords (the order of the keyword methods)."""
    return CallOptions(extra_body, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout)


def wants_builder(params: Mapping[str, Any], stream: bool | None, options: CallOptions) -> bool:
    """Whether a ``create()`` call had no argument at all: the call returns a builder, sends nothing."""
    return not params and stream is None and options.is_default()


def bind_stream(cls: Callable[..., StreamT], **bound: Any) -> Callable[..., StreamT]:
    """``cls`` with the keywords whose value is not ``None`` bound (the type a parsing stream validates
    into, its tools); the requester passes the response and the stream options."""
    given = {key: value for key, value in bound.items() if value is not None}
    return functools.partial(cls, **given) if given else cls


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """One request, ready to send: ``method`` and ``target``, a path of a hand-written route (``/responses``)
    or, with ``by_route``, the name of a route of the generated table (``chat.completions.create``: the
    table has its method and path)."""

    method: str
    target: str
    body: dict[str, Any] | None
    options: CallOptions
    query: dict[str, Any] | None = None
    by_route: bool = False

    @classmethod
    def for_route(cls, route: str, body: dict[str, Any], options: CallOptions) -> PlannedRequest:
        """A request to a route of the generated table."""
        return cls("POST", route, body, options, by_route=True)

    @property
    def tools(self) -> Any:
        """The body's ``tools`` (what a parsing call validates tool-call arguments against)."""
        return (self.body or {}).get("tools")

    @overload
    def send(self, requester: Requester, cast_to: type[ModelT]) -> ModelT: ...
    @overload
    def send(self, requester: AsyncRequester, cast_to: type[ModelT]) -> Coroutine[Any, Any, ModelT]: ...
    def send(self, requester: Requester | AsyncRequester, cast_to: type[ModelT]) -> Any:
        """Send through ``requester``; its answer validated into ``cast_to`` (async: a coroutine of it)."""
        if self.by_route:
            return requester.call(self.target, self.body, self.options, cast_to)
        return requester.call_path(
            self.method, self.target, self.body, self.options, cast_to, query=self.query
        )

    @overload
    def open_stream(self, requester: Requester, stream_cls: Callable[..., StreamT]) -> StreamT: ...
    @overload
    def open_stream(
        self, requester: AsyncRequester, stream_cls: Callable[..., StreamT]
    ) -> Coroutine[Any, Any, StreamT]: ...
    def open_stream(self, requester: Requester | AsyncRequester, stream_cls: Callable[..., StreamT]) -> Any:
        """Send as a stream through ``requester``; the 2xx response wrapped in ``stream_cls`` (async: a
        coroutine of it)."""
        if self.by_route:
            return requester.call_stream(self.target, self.body, self.options, stream_cls)
        return requester.call_path_stream(
            self.method, self.target, self.body, self.options, stream_cls, query=self.query
        )
