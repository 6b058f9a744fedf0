"""The client core shared by the sync and async clients: everything that does no I/O.

Configuration (arguments, environment, defaults), URL building, authentication and headers, the
:class:`~vllm_sdk._options.RequestOptions` of a route call, httpx request building and retry decisions with
their logging. Bodies are encoded by ``_body``, responses parsed by ``_response``, the pool's lifetime kept by
``_pool``; the two clients in ``_client.py`` add only the send loop, the sleep between attempts and closing.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic

import httpx

from . import _config, _retry
from ._balancer import Balancer, Replica, replica_failed
from ._body import encode_body, encode_json, request_model_name, require_any, require_fields
from ._body_read import DEFAULT_MAX_RESPONSE_SIZE, check_max_response_size
from ._client_config import ClientConfig, TransportChoice
from ._exceptions import ClientClosedError, SettingError, VllmError
from ._generated_endpoints import REQUEST_FIELDS, ROUTES
from ._logging import logger, redact_api_key, redact_headers, redact_url, setup_logging
from ._multipart import StreamedBody
from ._options import RequestOptions
from ._pool import HttpClientT, Lease, Pool
from ._version import __version__

if TYPE_CHECKING:
    from collections.abc import AsyncIterable

    from typing_extensions import Self

    from ._multipart import Upload
    from ._otel import SpanScope
    from ._requester import CallOptions
    from ._transports import AiohttpTransport

__all__ = ["USER_AGENT", "BaseClient", "EventHooks"]

USER_AGENT = f"vllm-python-sdk/{__version__}"

#: What a client's ``transport=`` may name (``None``: ``VLLM_SDK_TRANSPORT`` or the automatic choice).
_TRANSPORTS = ("wire", "aiohttp", "httpx")

#: Request hook: called with each :class:`httpx.Request` before it is sent (every attempt).
#: Response hook: called with each :class:`httpx.Response` once its headers arrived (every attempt).
EventHooks = Mapping[str, Sequence[Callable[..., Any]]]


# ---------------------------------------------------------------- the shared client


class BaseClient(Generic[HttpClientT]):
    """Configuration and request preparation shared by :class:`~vllm_sdk.VllmClient` and
    :class:`~vllm_sdk.AsyncVllmClient`."""

    _pool: Pool[HttpClientT]
    _lease: Lease
    _closed: bool

    def __init__(
        self,
        base_url: str | Sequence[str] | None = None,
        *,
        api_key: _config.ApiKey | None = None,
        timeout: _config.TimeoutLike | _config.NotGiven | None = _config.NOT_GIVEN,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: HttpClientT | None = None,
        limits: httpx.Limits | None = None,
        stream_idle_timeout: float | None = None,
        event_hooks: EventHooks | None = None,
        max_response_size: int | None = DEFAULT_MAX_RESPONSE_SIZE,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        stream_usage: bool = True,
        transport: TransportChoice | None = None,
    ) -> None:
        setup_logging()
        self._max_response_size = check_max_response_size(max_response_size)
        urls, self._basic_auth = _base_urls(base_url)
        self._base_url = urls[0]
        # One URL (the usual case) has no balancer at all: the request path stays as cheap as it was.
        self._balancer: Balancer[str] | None = None
        self._set_replicas(urls, eject_after=1, cooldown=5.0)
        if transport is not None and transport not in _TRANSPORTS:
            raise SettingError(
                "transport", str(transport), _TRANSPORTS, expected="'wire', 'aiohttp', 'httpx' or None"
            )
        self._transport: TransportChoice | None = transport
        self._event_hooks: EventHooks | None = event_hooks
        self._api_key: _config.ApiKey | None = api_key if api_key is not None else _config.env_api_key()
        if self._api_key is not None and not (isinstance(self._api_key, str) or callable(self._api_key)):
            raise TypeError(f"api_key must be a string or a callable, not {type(self._api_key).__name__}")
        # Omitted: VLLM_TIMEOUT or the default; None: no timeout (as in openai-python).
        self._timeout = (
            _config.env_timeout() if isinstance(timeout, _config.NotGiven) else _config.to_timeout(timeout)
        )
        self._max_retries = (
            _config.check_max_retries(max_retries) if max_retries is not None else _config.env_max_retries()
        )
        # default_headers= is openai-python's name for headers=; both may be given (headers= wins).
        self._headers: dict[str, str] = {
            **_config.env_custom_headers(),
            **_config.check_headers(default_headers, what="default_headers"),
            **_config.check_headers(headers, what="headers"),
        }
        self._default_query: dict[str, Any] = _config.check_query(default_query)
        self._stream_usage = _check_bool(stream_usage, "stream_usage")
        self._stream_idle_timeout = _check_idle(stream_idle_timeout)
        self._request_hooks, self._response_hooks = _split_hooks(event_hooks)
        self._limits = limits or _config.DEFAULT_LIMITS
        if http_client is not None:
            self._check_http_client(http_client)
            self._pool = Pool(http_client, owned=False)
        else:
            self._pool = Pool(self._default_http_client(self._timeout, self._limits), owned=True)
        self._closed = False
        self._lease = self._new_lease(owner=True)

    def _set_replicas(self, urls: Sequence[str], *, eject_after: int, cooldown: float) -> None:
        """Balance over ``urls`` (several replicas of one model), or talk to the one URL directly."""
        self._base_url = urls[0]
        self._eject_after = eject_after
        self._cooldown = cooldown
        if len(urls) > 1:
            self._balancer = Balancer(
                [Replica(url, url) for url in urls], eject_after=eject_after, cooldown=cooldown
            )
        else:
            self._balancer = None

    @classmethod
    def _options_from_config(cls, config: ClientConfig) -> dict[str, Any]:
        """The constructor arguments of a client made from ``config``."""
        if not isinstance(config, ClientConfig):
            raise TypeError(f"from_config takes a ClientConfig, not {type(config).__name__}")
        return {
            "base_url": config.base_url,
            "api_key": config.api_key,
            "timeout": config.timeout,
            "max_retries": config.max_retries,
            "headers": config.headers,
            "limits": config.limits,
            "stream_idle_timeout": config.stream_idle_timeout,
            "transport": config.transport,
            "max_response_size": config.max_response_size,
            "default_query": config.default_query,
            "stream_usage": config.stream_usage,
        }

    @property
    def config(self) -> ClientConfig:
        """This client's configuration as a frozen, picklable :class:`~vllm_sdk.ClientConfig`, with the
        environment's values resolved (``from_config(client.config)`` makes an equivalent client).

        A user-supplied ``http_client`` and event hooks are not part of it: they belong to this process.
        """
        # Credentials that came in a base URL go back into it (the config rebuilds the client's auth).
        urls = tuple(_config.join_credentials(url, self._basic_auth) for url in self.base_urls)
        return ClientConfig(
            base_url=urls if len(urls) > 1 else urls[0],
            api_key=self._api_key,
            timeout=self._timeout,
            max_retries=self._max_retries,
            headers=self._headers,
            limits=self._limits,
            stream_idle_timeout=self._stream_idle_timeout,
            transport=self._transport,
            eject_after=self._eject_after,
            cooldown=self._cooldown,
            max_response_size=self._max_response_size,
            default_query=self._default_query,
            stream_usage=self._stream_usage,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # A client pickles as its configuration and reopens a pool of its own where it is unpickled.
        if not self._pool.owned:
            raise TypeError(
                f"this {type(self).__name__} cannot be pickled: it uses a user-supplied http_client, which "
                "cannot travel to another process; pickle client.config and pass your own http_client "
                "there, or let the SDK make its pool"
            )
        if self._event_hooks:
            raise TypeError(
                f"this {type(self).__name__} cannot be pickled: its event_hooks belong to this process; "
                "pickle client.config and add the hooks on the other side"
            )
        return (type(self).from_config, (self.config,))

    @classmethod
    def from_config(cls, config: ClientConfig) -> Self:
        """A new client (with its own connection pool) made from ``config``."""
        client = cls(**cls._options_from_config(config))
        if client._balancer is not None:
            client._set_replicas(client.base_urls, eject_after=config.eject_after, cooldown=config.cooldown)
        return client

    # -- hooks for the subclasses

    def _default_http_client(self, timeout: httpx.Timeout, limits: httpx.Limits) -> HttpClientT:
        raise NotImplementedError

    def _check_http_client(self, http_client: object) -> None:
        raise NotImplementedError

    # -- public configuration

    @property
    def base_url(self) -> str:
        """The base URL, without a trailing slash (e.g. ``"http://localhost:8000/v1"``) and without any
        ``user:password@`` it was given with (those are sent as Basic auth when no API key is set)."""
        return self._base_url

    @property
    def base_urls(self) -> tuple[str, ...]:
        """The replica URLs this client balances over (just ``(base_url,)`` for one server)."""
        if self._balancer is None:
            return (self._base_url,)
        return tuple(replica.url for replica in self._balancer.replicas)

    @property
    def api_key(self) -> _config.ApiKey | None:
        """The API key (or key function) as configured; ``repr`` and logs never show it."""
        return self._api_key

    @property
    def timeout(self) -> httpx.Timeout:
        """The default timeout of every request."""
        return self._timeout

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried by default (after the first attempt)."""
        return self._max_retries

    @property
    def headers(self) -> dict[str, str]:
        """The custom headers sent with every request (a copy; ``VLLM_CUSTOM_HEADERS`` included)."""
        return dict(self._headers)

    @property
    def default_headers(self) -> dict[str, str]:
        """The same as :attr:`headers` (openai-python's name)."""
        return dict(self._headers)

    @property
    def default_query(self) -> dict[str, Any]:
        """The query parameters added to every request's URL (a copy); per-call ``extra_query`` wins."""
        return dict(self._default_query)

    @property
    def stream_usage(self) -> bool:
        """Whether streamed chat and completion requests ask for a final ``Usage`` event by default
        (``stream_options: {"include_usage": true}`` unless the call sets ``stream_options`` itself)."""
        return self._stream_usage

    @property
    def stream_idle_timeout(self) -> float | None:
        """Default longest wait, in seconds, for the next event of a stream (``None``: no limit)."""
        return self._stream_idle_timeout

    @property
    def max_response_size(self) -> int | None:
        """Largest whole response body read, in decoded bytes (``None``: no limit); streams are bounded
        per event instead."""
        return self._max_response_size

    @property
    def http_client(self) -> HttpClientT:
        """The underlying httpx client (shared with the clients derived by ``with_*``)."""
        return self._pool.http

    @property
    def is_closed(self) -> bool:
        """Whether this client was closed, or its shared connection pool was."""
        return self._closed or self._pool.closed

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={redact_url(self._base_url)!r}, "
            f"api_key={redact_api_key(self._api_key)}, max_retries={self._max_retries}, "
            f"headers={redact_headers(self._headers)!r})"
        )

    # -- derived clients

    def with_options(
        self,
        *,
        base_url: str | Sequence[str] | None = None,
        api_key: _config.ApiKey | None = None,
        timeout: _config.TimeoutLike | _config.NotGiven | None = _config.NOT_GIVEN,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
        stream_idle_timeout: float | None = None,
        max_response_size: int | _config.NotGiven | None = _config.NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        stream_usage: bool | None = None,
    ) -> Self:
        """A new client with some settings changed that shares this client's connection pool.

        An option left out keeps its current value; ``timeout=None`` means no timeout (as in openai-python).
        ``headers`` (or ``default_headers``) and ``default_query`` are added to (and override) the current
        ones; ``stream_usage=False`` stops asking streams for usage by default. Closing the new client leaves
        the pool open for this one; closing the client that created the pool closes it for every derived
        client.
        """
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        if base_url is not None:
            urls, new._basic_auth = _base_urls(base_url)
            new._set_replicas(urls, eject_after=self._eject_after, cooldown=self._cooldown)
        if api_key is not None:
            new._api_key = api_key
        if not isinstance(timeout, _config.NotGiven):
            new._timeout = _config.to_timeout(timeout)
        if max_retries is not None:
            new._max_retries = _config.check_max_retries(max_retries)
        if headers or default_headers:
            new._headers = {
                **self._headers,
                **_config.check_headers(default_headers, what="default_headers"),
                **_config.check_headers(headers, what="headers"),
            }
        if default_query:
            new._default_query = {**self._default_query, **_config.check_query(default_query)}
        if stream_idle_timeout is not None:
            new._stream_idle_timeout = _check_idle(stream_idle_timeout)
        if not isinstance(max_response_size, _config.NotGiven):
            new._max_response_size = check_max_response_size(max_response_size)
        if stream_usage is not None:
            new._stream_usage = _check_bool(stream_usage, "stream_usage")
        new._closed = False
        new._lease = new._new_lease(owner=False)
        return new

    def with_api_key(self, api_key: _config.ApiKey) -> Self:
        """A new client sending ``api_key`` (shares the connection pool)."""
        return self.with_options(api_key=api_key)

    def with_timeout(self, timeout: _config.TimeoutLike | None) -> Self:
        """A new client with another default timeout, ``None`` for none (shares the connection pool)."""
        return self.with_options(timeout=timeout)

    def with_header(self, name: str, value: str) -> Self:
        """A new client that also sends the header ``name: value`` (shares the connection pool)."""
        return self.with_options(headers={name: value})

    def with_max_retries(self, max_retries: int) -> Self:
        """A new client with another default retry count (shares the connection pool)."""
        return self.with_options(max_retries=max_retries)

    def with_base_url(self, base_url: str | Sequence[str]) -> Self:
        """A new client for another server (a replica) or list of replicas, sharing the connection pool."""
        return self.with_options(base_url=base_url)

    def _new_lease(self, *, owner: bool) -> Lease:
        lease = Lease(self._pool, owner=owner)
        weakref.finalize(self, lease.collected)
        return lease

    def _release_pool(self) -> bool:
        """Mark this client closed; whether it must close the shared pool (see :class:`Pool`)."""
        self._closed = True
        lease_says = self._lease.release()
        # The owner's own close() always closes a pool it created, whatever still shares it.
        return (self._lease.owner and self._pool.owned and not self._pool.closed) or lease_says

    # -- URLs and headers

    def _server_root(self) -> str:
        """The base URL without its trailing ``/v1`` (where ``/health``, ``/tokenize``... live)."""
        return self._base_url[:-3] if self._base_url.endswith("/v1") else self._base_url

    def url_for(self, path: str) -> str:
        """The absolute URL of ``path``.

        Absolute URLs are used as they are. Paths are relative to the base URL (``/chat/completions``);
        a path written the way vLLM serves it (``/v1/models``) is not doubled, and vLLM's routes outside
        ``/v1`` (``/health``, ``/tokenize``, ``/metrics``, ...) are resolved against the server root.
        """
        if path.startswith(("http://", "https://")):
            return path
        if not path.startswith("/"):
            path = "/" + path
        if self._base_url.endswith("/v1"):
            if path == "/v1" or path.startswith("/v1/"):
                return self._server_root() + path
            if path in _ROOT_PATHS:
                return self._server_root() + path
        return self._base_url + path

    def route_url(self, name: str) -> str:
        """The absolute URL of the route called ``name`` in the generated route table."""
        return self.url_for(ROUTES[name].path)

    def _current_api_key(self) -> str | None:
        key = self._api_key
        if key is None:
            return None
        if callable(key):
            value = key()
            if value is not None and not isinstance(value, str):
                raise TypeError(
                    f"the api_key callable must return a string or None, not {type(value).__name__}"
                )
            return value.strip() if value else None
        return key

    def _build_headers(self, opts: RequestOptions) -> dict[str, str]:
        headers: dict[str, str] = {
            "Accept": "text/event-stream" if opts.stream else "application/json",
            "User-Agent": USER_AGENT,
        }
        if opts.content is not None:
            headers["Content-Type"] = "application/json"
        key = self._current_api_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        elif self._basic_auth is not None:  # credentials of the base URL, when no API key is set
            headers["Authorization"] = self._basic_auth
        headers.update(self._headers)
        for name, value in (opts.headers or {}).items():
            # Per-call headers win; a None value removes a header (e.g. Authorization for one call).
            matches = [existing for existing in headers if existing.lower() == name.lower()]
            for existing in matches:
                del headers[existing]
            if value is not None:
                headers[name] = value
        return headers

    def _build_request(self, opts: RequestOptions, replica: Replica[str] | None = None) -> httpx.Request:
        timeout = _config.resolve_timeout(opts.timeout, self._timeout)
        headers = self._build_headers(opts)
        params = opts.params
        if self._default_query:
            # Per-call extra_query wins over the client's default_query.
            params = {**self._default_query, **(params or {})}
        url = opts.url if replica is None else rebase_url(opts.url, self._base_url, replica.url)
        content: bytes | Iterable[bytes] | AsyncIterable[bytes] | None
        if isinstance(opts.content, StreamedBody):
            # Read from disk as it is sent, anew on every attempt; httpx takes sync iterables on a sync
            # client only and async ones on an async client only.
            is_async = isinstance(self._pool.http, httpx.AsyncClient)
            content = opts.content.async_stream() if is_async else opts.content.sync_stream()
        else:
            content = opts.content
        factory = self._pool.requests
        if factory is not None and factory.applies(url, params):
            return factory.build(opts.method, url, content=content, headers=headers, timeout=timeout)
        return self._pool.http.build_request(
            opts.method,
            url,
            content=content,
            headers=headers,
            params=dict(params) if params else None,
            timeout=timeout,
        )

    def _direct_transport(self, opts: RequestOptions) -> AiohttpTransport | None:
        """The aiohttp transport a call can use directly, skipping httpx's client machinery (and, for a
        non-streamed call, its request and response objects), or ``None`` for the httpx path. Direct only
        where nothing can tell the difference: the SDK's own client on the aiohttp transport, no event
        hooks (they receive httpx objects), no query parameters or cookies (httpx merges those), no debug
        logging (it prints the httpx request), a single server (no replicas to balance over)."""
        factory = self._pool.requests
        if (
            factory is None
            or factory.direct is None
            or self._balancer is not None  # replicas: each attempt's URL and accounting are _send's
            or self._default_query
            or self._request_hooks
            or self._response_hooks
            or logger.isEnabledFor(10)  # DEBUG
            or isinstance(opts.content, StreamedBody)  # the direct path sends bytes only
            or not factory.direct_applies(opts.url, opts.params)
        ):
            return None
        return factory.direct

    def _release_replica(self, replica: Replica[str] | None, error: BaseException | None) -> None:
        """End an attempt on ``replica`` (``None``: no balancing); ``error`` is how it failed, if it did."""
        if replica is not None and self._balancer is not None:
            self._balancer.release(replica, failed=error is not None and replica_failed(error))

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosedError(f"{type(self).__name__} is closed")
        if self._pool.closed:
            raise ClientClosedError(
                f"the connection pool of this {type(self).__name__} was closed by the client that created it"
            )

    # -- options of one request

    def _route_options(
        self,
        route_name: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        *,
        stream: bool = False,
    ) -> RequestOptions:
        """The options of a request to the generated route ``route_name`` with JSON ``body`` (``None``: no
        body). Required fields are checked here, before any I/O: the SDK's own requirements of the route
        (``ROUTES[...].required``, e.g. a chat's model and messages), then the schema's."""
        route = ROUTES[route_name]
        content = None
        extra_body = options.extra_body
        if body is not None:
            full = dict(body)
            if stream:
                full["stream"] = True
                if (
                    self._stream_usage
                    and route_name in _STREAM_USAGE_ROUTES
                    and "stream_options" not in full
                    and not (extra_body and "stream_options" in extra_body)
                ):
                    # openai-python code ported as it is would otherwise get no Usage from a stream.
                    full["stream_options"] = {"include_usage": True}
            given = {**full, **(extra_body or {})}
            require_any(given, route.required)
            require_fields(route_name, given)
            content = encode_body(request_model_name(route_name, full), full, extra_body)
        elif extra_body:
            content = encode_body(None, {}, extra_body)
        return RequestOptions(
            method=route.method,
            url=self.url_for(route.path),
            content=content,
            headers=options.extra_headers,
            params=options.extra_query,
            timeout=options.timeout,
            # A route that must not be sent twice unasked is retried only when the call asks for it.
            max_retries=options.max_retries if options.max_retries is not None or route.retries else 0,
            stream=stream,
            operation=route.operation,
            body=body,
        )

    def _path_options(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        options: CallOptions,
        *,
        query: Mapping[str, Any] | None = None,
        stream: bool = False,
        operation: str | None = None,
    ) -> RequestOptions:
        """The options of a request to a route outside the generated route table (``path`` relative to
        the base URL, e.g. ``/responses/resp_1``): hand-written resources whose route the vendored schema
        lacks. ``query`` is merged under ``options.extra_query``; a streamed request with a body gets
        ``"stream": true`` in it."""
        content = None
        extra_body = options.extra_body
        if body is not None:
            full = dict(body)
            if stream:
                full["stream"] = True
            content = encode_body(None, full, extra_body)
        elif extra_body:
            content = encode_body(None, {}, extra_body)
        params = {**(query or {}), **(options.extra_query or {})} or None
        return RequestOptions(
            method=method.upper(),
            url=self.url_for(path),
            content=content,
            headers=options.extra_headers,
            params=params,
            timeout=options.timeout,
            max_retries=options.max_retries,
            stream=stream,
            operation=operation,
            body=body,
        )

    def _upload_options(
        self, path: str, upload: Upload, options: CallOptions, *, stream: bool = False
    ) -> RequestOptions:
        """The options of a multipart upload to ``path`` (the body already encoded: ``_multipart.py``);
        ``extra_body`` does not apply (the form fields are the body), ``extra_headers`` may not replace
        the multipart ``Content-Type``."""
        headers = {**(options.extra_headers or {}), "Content-Type": upload.content_type}
        if isinstance(upload.content, StreamedBody):
            # Known in advance (the file's size), so the body is sent with a length, not chunked.
            headers["Content-Length"] = str(upload.content.length)
        return RequestOptions(
            method="POST",
            url=self.url_for(path),
            content=upload.content,
            headers=headers,
            params=options.extra_query or None,
            timeout=options.timeout,
            max_retries=options.max_retries,
            stream=stream,
        )

    def _raw_options(
        self,
        method: str,
        path: str,
        json_body: object,
        content: bytes | None,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str | None] | None,
        timeout: _config.TimeoutLike | _config.NotGiven | None,
        max_retries: int | None,
    ) -> RequestOptions:
        """The options of ``client.request(...)``."""
        if json_body is not None and content is not None:
            raise ValueError("pass json= or content=, not both")
        if json_body is not None:
            if isinstance(json_body, Mapping):
                content = encode_body(None, json_body)
            else:
                content = encode_json(json_body)
        return RequestOptions(
            method=method.upper(),
            url=self.url_for(path),
            content=content,
            headers=headers,
            params=params,
            timeout=timeout,
            max_retries=max_retries,
        )

    # -- retries

    def _max_retries_for(self, opts: RequestOptions) -> int:
        if opts.max_retries is None:
            return self._max_retries
        return _config.check_max_retries(opts.max_retries)

    def _retry_delay(
        self, error: VllmError, retries_done: int, max_retries: int, opts: RequestOptions
    ) -> float | None:
        """Seconds to wait before retrying after ``error``, or ``None`` to raise it. Logs the retry."""
        if not _retry.should_retry(error, retries_done, max_retries):
            return None
        delay = _retry.backoff_delay(retries_done, error)
        logger.info(
            "retrying %s %s in %.2f s (retry %d of %d) after %s",
            opts.method,
            redact_url(opts.url),
            delay,
            retries_done + 1,
            max_retries,
            _describe(error),
        )
        return delay

    # -- logging and hooks

    def _log_request(self, request: httpx.Request, attempt: int) -> None:
        if logger.isEnabledFor(10):  # DEBUG
            logger.debug(
                "request %s %s attempt=%d headers=%s",
                request.method,
                redact_url(request.url),
                attempt + 1,
                redact_headers(request.headers.multi_items()),
            )

    def _log_response(self, response: httpx.Response, started: float) -> None:
        if logger.isEnabledFor(10):
            logger.debug(
                "response %s %s -> %d in %.3f s (x-request-id=%s)",
                response.request.method,
                redact_url(response.request.url),
                response.status_code,
                time.perf_counter() - started,
                response.headers.get("x-request-id"),
            )

    # -- telemetry

    def _start_span(self, opts: RequestOptions) -> SpanScope | None:
        from ._otel import start_span

        return start_span(opts, self._base_url)


#: Routes whose streamed requests take ``stream_options`` (chat and legacy completions).
_STREAM_USAGE_ROUTES = frozenset(
    name
    for name, route in ROUTES.items()
    if route.request_model is not None
    and "stream_options" in REQUEST_FIELDS.get(route.request_model.__name__, ())
)


def _base_urls(base_url: str | Sequence[str] | None) -> tuple[tuple[str, ...], str | None]:
    """The normalised replica URLs of a ``base_url`` argument (``None``: ``VLLM_BASE_URL`` or default),
    without credentials, and the ``Authorization: Basic`` value their userinfo gives (``None``: none).

    Credentials are taken out of every URL (never left where loggers print them); replicas whose URLs
    carry different credentials cannot share one client's headers and are refused.
    """
    if base_url is None:
        raw: tuple[str, ...] = (_config.env_base_url(),)
    elif isinstance(base_url, str):
        raw = (base_url,)
    else:
        raw = tuple(base_url)
        if not raw or not all(isinstance(url, str) for url in raw):
            raise TypeError("base_url must be a URL string or a non-empty sequence of URL strings")
    split = [_config.split_credentials(url) for url in raw]
    auths = {auth for _, auth in split if auth is not None}
    if len(auths) > 1:
        raise ValueError(
            "the base URLs carry different credentials; one client sends one set: use the same "
            "user:password in every URL, or api_key / headers"
        )
    return tuple(url for url, _ in split), next(iter(auths), None)


def rebase_url(url: str, primary: str, replica: str) -> str:
    """``url`` (built against the ``primary`` base URL) moved to the ``replica`` base URL.

    Routes under the base URL keep their path below it; vLLM's root routes (``/health``, ``/metrics``)
    move from the primary's server root to the replica's; any other absolute URL is left alone.
    """
    if url == primary or url.startswith(primary + "/"):
        return replica + url[len(primary) :]
    primary_root = primary[:-3] if primary.endswith("/v1") else primary
    replica_root = replica[:-3] if replica.endswith("/v1") else replica
    if url == primary_root or url.startswith(primary_root + "/"):
        return replica_root + url[len(primary_root) :]
    return url


_ROOT_PATHS = frozenset(route.path for route in ROUTES.values() if not route.path.startswith("/v1/"))


def _describe(error: VllmError) -> str:
    return f"{type(error).__name__}: {error}"


def _check_bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be True or False, not {value!r}")
    return value


def _check_idle(value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"stream_idle_timeout must be a positive number of seconds or None, not {value!r}")
    return float(value)


def _split_hooks(
    hooks: EventHooks | None,
) -> tuple[tuple[Callable[..., Any], ...], tuple[Callable[..., Any], ...]]:
    if not hooks:
        return (), ()
    unknown = set(hooks) - {"request", "response"}
    if unknown:
        raise ValueError(f"event_hooks keys must be 'request' and/or 'response', not {sorted(unknown)!r}")
    return tuple(_callables(hooks.get("request", ()))), tuple(_callables(hooks.get("response", ())))


def _callables(items: Iterable[Callable[..., Any]]) -> list[Callable[..., Any]]:
    result = list(items)
    for item in result:
        if not callable(item):
            raise TypeError(f"event hook {item!r} is not callable")
    return result
