"""``with_raw_response`` / ``with_streaming_response`` for every resource (generated or hand-written).

A resource class gets both properties from :class:`RawResponsesMixin` (sync) or
:class:`AsyncRawResponsesMixin`; the views they return call the resource's own methods over a probe
requester (which sends the request and raises its answer) and hand back a raw response whose ``parse()``
replays the method over the captured answer (``vllm_sdk._raw_replay``). The per-method logic therefore
exists once, in the method itself.

:class:`RawResponseView` does the work for any method name; its typed subclasses (generated ones in
``_generated.py``, hand-written ones in ``_raw_views.py`` and ``_parsing.py``) only declare each method's
overloads with ``RawResponse[T]`` results and call :meth:`RawResponseView._call`, and each resource's
``with_raw_response`` property returns its typed view. :func:`builder_raw` runs a builder's ``send()`` /
``send_stream()`` the same way (``send_raw()`` / ``send_stream_raw()``).
"""

from __future__ import annotations

import copy
import functools
from typing import TYPE_CHECKING, Any, TypeVar

from .._raw_replay import AsyncReplayRequester, ReplayRequester, Sent
from .._raw_response import (
    AsyncRawResponse,
    AsyncStreamedRawResponse,
    AsyncStreamedRawResponseManager,
    RawResponse,
    StreamedRawResponse,
    StreamedRawResponseManager,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .._requester import AsyncRequester, Requester

__all__ = [
    "AsyncRawResponse",
    "AsyncRawResponseView",
    "AsyncRawResponsesMixin",
    "AsyncStreamedRawResponseManager",
    "RawResponse",
    "RawResponseView",
    "RawResponsesMixin",
    "StreamedRawResponseManager",
    "async_builder_raw",
    "builder_raw",
]


_View = TypeVar("_View", bound="RawResponseView")
_AsyncView = TypeVar("_AsyncView", bound="AsyncRawResponseView")


def _factory_of(resource: Any) -> Callable[[Any], Any]:
    """What rebuilds ``resource`` over another requester: its own ``_factory`` when it has one (a resource
    that carries more than its requester, e.g. ``audio.translations`` and its route), else its class."""
    factory: Callable[[Any], Any] = getattr(resource, "_factory", None) or type(resource)
    return factory


def _not_sent(name: str) -> TypeError:
    return TypeError(
        f"{name}() sent no request (called without arguments it returns a builder): pass the request "
        "parameters as keywords to get a raw response"
    )


class RawResponseView:
    """The methods of a resource answering with raw responses
    (``client.chat.completions.with_raw_response``).

    Each method takes the arguments of the plain method and returns a :class:`~vllm_sdk.RawResponse`
    (``streaming``: a context manager giving a :class:`~vllm_sdk.StreamedRawResponse`).
    """

    def __init__(self, factory: Callable[[Requester], Any], requester: Requester, streaming: bool) -> None:
        self._factory = factory
        self._requester = requester
        self._streaming = streaming

    def __getattr__(self, name: str) -> Callable[..., Any]:
        # The untyped path (the client's own routes, a method a typed view does not declare).
        if name.startswith("_") or not callable(getattr(self._factory(self._requester), name)):
            raise AttributeError(name)
        return functools.partial(self._call, name)

    def _child(self, name: str, view: type[_View]) -> _View:
        """The same kind of view over the sub-resource ``name``
        (``client.with_raw_response.chat.completions``, as in openai-python), over the same requester."""
        child = getattr(self._factory(self._requester), name)
        return view(_factory_of(child), self._requester, self._streaming)

    def _call(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """Call the resource's method ``name`` over the probe: a :class:`~vllm_sdk.RawResponse`, or in
        streaming mode the context manager sending the request on entering."""
        if self._streaming:
            return StreamedRawResponseManager(lambda: self._send(StreamedRawResponse, name, args, kwargs))
        return self._send(RawResponse, name, args, kwargs)

    def _send(self, cls: Callable[..., Any], name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            getattr(self._factory(self._requester.probe(self._streaming)), name)(*args, **kwargs)
        except Sent as signal:
            sent = signal  # ``signal`` is unbound after the except block; the replay needs it later

            def replay() -> Any:
                return getattr(self._factory(ReplayRequester(sent)), name)(*args, **kwargs)

            return cls(sent.response, sent.elapsed, replay, sent.max_size)
        raise _not_sent(name)


class AsyncRawResponseView:
    """The async twin of :class:`RawResponseView`: ``await view.method(...)`` gives an
    :class:`~vllm_sdk.AsyncRawResponse`; in streaming mode ``async with view.method(...) as raw``."""

    def __init__(
        self, factory: Callable[[AsyncRequester], Any], requester: AsyncRequester, streaming: bool
    ) -> None:
        self._factory = factory
        self._requester = requester
        self._streaming = streaming

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or not callable(getattr(self._factory(self._requester), name)):
            raise AttributeError(name)
        return functools.partial(self._call, name)

    def _child(self, name: str, view: type[_AsyncView]) -> _AsyncView:
        """The same kind of view over the sub-resource ``name``
        (``client.with_raw_response.chat.completions``), sending over the same requester."""
        child = getattr(self._factory(self._requester), name)
        return view(_factory_of(child), self._requester, self._streaming)

    def _call(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """Call the resource's method ``name`` over the probe: an awaitable
        :class:`~vllm_sdk.AsyncRawResponse`, or in streaming mode the async context manager."""
        if self._streaming:
            return AsyncStreamedRawResponseManager(self._send(AsyncStreamedRawResponse, name, args, kwargs))
        return self._send(AsyncRawResponse, name, args, kwargs)

    async def _send(
        self, cls: Callable[..., Any], name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        result = getattr(self._factory(self._requester.probe(self._streaming)), name)(*args, **kwargs)
        try:
            if not hasattr(result, "__await__"):
                raise _not_sent(name)
            await result
        except Sent as signal:
            sent = signal  # ``signal`` is unbound after the except block; the replay needs it later

            async def replay() -> Any:
                value = getattr(self._factory(AsyncReplayRequester(sent)), name)(*args, **kwargs)
                return await value

            return cls(sent.response, sent.elapsed, replay, sent.max_size)
        raise _not_sent(name)


class RawResponsesMixin:
    """Gives a sync resource class (constructed from its requester) the two raw-response views."""

    _requester: Requester

    @property
    def with_raw_response(self) -> RawResponseView:
        """This resource's methods returning :class:`~vllm_sdk.RawResponse` (status, headers, request id,
        ``parse()``) instead of the parsed result."""
        return RawResponseView(type(self), self._requester, streaming=False)

    @property
    def with_streaming_response(self) -> RawResponseView:
        """This resource's methods as context managers over the unread answer
        (:class:`~vllm_sdk.StreamedRawResponse`: ``iter_bytes()``, ``iter_lines()``, ``parse()``)."""
        return RawResponseView(type(self), self._requester, streaming=True)


class AsyncRawResponsesMixin:
    """Gives an async resource class the two raw-response views."""

    _requester: AsyncRequester

    @property
    def with_raw_response(self) -> AsyncRawResponseView:
        """This resource's methods returning (awaitable) :class:`~vllm_sdk.AsyncRawResponse`."""
        return AsyncRawResponseView(type(self), self._requester, streaming=False)

    @property
    def with_streaming_response(self) -> AsyncRawResponseView:
        """This resource's methods as async context managers over the unread answer
        (:class:`~vllm_sdk.AsyncStreamedRawResponse`)."""
        return AsyncRawResponseView(type(self), self._requester, streaming=True)


def _rebound(builder: Any, requester: Any) -> Any:
    """``builder`` over another requester. Builders are copy-on-write (a setter returns a new builder), so
    the shallow copy shares the body with the original and neither ever changes it."""
    clone = copy.copy(builder)
    clone._requester = requester
    return clone


def builder_raw(builder: Any, method: str, options: Mapping[str, Any]) -> Any:
    """``builder.<method>(**options)`` (``send``, ``send_stream``) as a raw call on the sync client: a
    :class:`~vllm_sdk.RawResponse` whose ``parse()`` gives what the method returns."""
    view = RawResponseView(functools.partial(_rebound, builder), builder._requester, streaming=False)
    return view._call(method, **options)


def async_builder_raw(builder: Any, method: str, options: Mapping[str, Any]) -> Any:
    """The async twin of :func:`builder_raw`: an awaitable giving an :class:`~vllm_sdk.AsyncRawResponse`."""
    view = AsyncRawResponseView(functools.partial(_rebound, builder), builder._requester, streaming=False)
    return view._call(method, **options)
