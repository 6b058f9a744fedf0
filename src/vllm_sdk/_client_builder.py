"""``VllmClient.builder()``: the fluent construction of a client (the seed's style)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import httpx
    from typing_extensions import Self

    from . import _config
    from ._base_client import EventHooks

__all__ = ["ClientBuilder"]

ClientT = TypeVar("ClientT")


class ClientBuilder(Generic[ClientT]):
    """Fluent construction of a client (the seed's style); every setter returns the builder.

    ::

        client = VllmClient.builder().base_url(url).api_key(key).timeout_secs(120).header("X-A", "1").build()
    """

    def __init__(self, cls: Callable[..., ClientT]) -> None:
        self._cls = cls
        self._options: dict[str, Any] = {}
        self._headers: dict[str, str] = {}
        self._query: dict[str, Any] = {}

    def base_url(self, url: str) -> Self:
        """The server's base URL (``http://host:8000/v1``)."""
        self._options["base_url"] = url
        return self

    def api_key(self, key: _config.ApiKey) -> Self:
        """The API key, or a function returning it (called for every request)."""
        self._options["api_key"] = key
        return self

    def timeout_secs(self, seconds: float) -> Self:
        """The timeout of every phase of a request, in seconds."""
        self._options["timeout"] = seconds
        return self

    def timeout(self, timeout: _config.TimeoutLike | None) -> Self:
        """The timeout: seconds, an :class:`httpx.Timeout`, or ``None`` for no timeout."""
        self._options["timeout"] = timeout
        return self

    def max_retries(self, count: int) -> Self:
        """How many times a failed request is retried."""
        self._options["max_retries"] = count
        return self

    def header(self, name: str, value: str) -> Self:
        """A header sent with every request."""
        self._headers[name] = value
        return self

    def headers(self, headers: Mapping[str, str]) -> Self:
        """Several headers sent with every request."""
        self._headers.update(headers)
        return self

    def default_headers(self, headers: Mapping[str, str]) -> Self:
        """openai-python's name for :meth:`headers`."""
        return self.headers(headers)

    def default_query(self, params: Mapping[str, Any]) -> Self:
        """Query parameters added to the URL of every request (a call's ``extra_query`` wins)."""
        self._query.update(params)
        return self

    def stream_usage(self, enabled: bool) -> Self:
        """Whether streams ask for a final ``Usage`` event by default (on unless turned off here)."""
        self._options["stream_usage"] = enabled
        return self

    def http_client(self, client: httpx.Client | httpx.AsyncClient) -> Self:
        """Your own httpx client (``httpx.Client``, or ``httpx.AsyncClient`` for ``AsyncVllmClient``)."""
        self._options["http_client"] = client
        return self

    def limits(self, limits: httpx.Limits) -> Self:
        """Connection pool limits."""
        self._options["limits"] = limits
        return self

    def stream_idle_timeout(self, seconds: float) -> Self:
        """Longest wait for the next event of a stream."""
        self._options["stream_idle_timeout"] = seconds
        return self

    def event_hooks(self, hooks: EventHooks) -> Self:
        """``{"request": [...], "response": [...]}`` hooks called on every attempt."""
        self._options["event_hooks"] = hooks
        return self

    def max_response_size(self, size: int | None) -> Self:
        """Largest whole response body read, in decoded bytes (``None``: no limit; default 64 MiB)."""
        self._options["max_response_size"] = size
        return self

    def build(self) -> ClientT:
        """The configured client."""
        options = dict(self._options)
        if self._headers:
            options["headers"] = dict(self._headers)
        if self._query:
            options["default_query"] = dict(self._query)
        return self._cls(**options)
