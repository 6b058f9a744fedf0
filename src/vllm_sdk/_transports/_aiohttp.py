"""The aiohttp transport: an httpx transport over one :class:`aiohttp.ClientSession` (the throughput path).

The async client is an ordinary :class:`httpx.AsyncClient` whichever transport it runs on, so everything
above it (request building, retries, error mapping, the stream engine) is written once against httpx.
:class:`AiohttpTransport` is the default under it (aiohttp is a dependency of the package): over loopback it
costs several times less client CPU per streamed HTTP chunk than httpcore, whose connection pool and
per-chunk machinery dominate when many streams run at once. This module holds the transport, the byte
stream of its responses and the mapping of aiohttp's errors to httpx's.

Why not ``httpx_aiohttp.AiohttpTransport`` as it is (0.2.0)? It maps every
``aiohttp.ClientConnectionError`` - a connection reset in the middle of a stream included - to
``httpx.ConnectTimeout``, lets unlisted aiohttp errors escape unmapped, and turns
``max_connections=None`` into aiohttp's default cap of 100 connections. Both transports here must raise
the same httpx exceptions for the same failure, because :func:`vllm_sdk._exceptions.map_transport_error`
maps httpx's exception classes once for the whole SDK.

aiohttp itself is imported only when a transport is built or used, so importing this module never needs it.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TYPE_CHECKING, Any

import httpx

from .._exceptions import VllmError
from ._deadlines import Deadlines
from ._event_loops import LoopShutdownHook, abandon_aiohttp_session, close_on_loop, ensure_loop_released
from ._lazy_response import LazyRequestResponse
from ._wire_pool import WirePool, WireResponse

if TYPE_CHECKING:
    import ssl
    from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

    import aiohttp

__all__ = ["AiohttpTransport", "DirectResponse"]


def _map_aiohttp_error(exc: BaseException, request: httpx.Request) -> httpx.TransportError | None:
    """The httpx exception httpcore would have raised for the same failure, or ``None`` if foreign.

    Order matters: the aiohttp classes inherit from each other (a ``ConnectionTimeoutError`` is a
    ``ServerTimeoutError`` is a ``ClientConnectionError``; ``ServerTimeoutError`` is also an
    ``asyncio.TimeoutError``).
    """
    import aiohttp

    message = str(exc) or type(exc).__name__
    cls: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        cls = httpx.ConnectTimeout
    elif isinstance(exc, (aiohttp.SocketTimeoutError, aiohttp.ServerTimeoutError, asyncio.TimeoutError)):
        cls = httpx.ReadTimeout
    elif isinstance(exc, (aiohttp.ClientProxyConnectionError, aiohttp.ClientHttpProxyError)):
        cls = httpx.ProxyError
    elif isinstance(exc, aiohttp.ClientConnectorError):
        cls = httpx.ConnectError
    elif isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError)):
        # httpcore: "Server disconnected without sending a response" / "peer closed connection
        # without sending complete message body".
        cls = httpx.RemoteProtocolError
    elif isinstance(exc, (aiohttp.NonHttpUrlClientError, aiohttp.InvalidURL)):
        cls = httpx.UnsupportedProtocol
    elif isinstance(exc, aiohttp.ClientResponseError):
        # Raised for responses aiohttp cannot parse (bad status line, bad headers).
        cls = httpx.RemoteProtocolError
    elif isinstance(exc, (aiohttp.ClientConnectionError, aiohttp.ClientError, OSError)):
        cls = httpx.ReadError
    else:
        return None
    return cls(message, request=request)


async def _headers_by(
    pending: Awaitable[aiohttp.ClientResponse],
    connect: float | None,
    read: float,
    make_request: Callable[[], httpx.Request],
    deadlines: Deadlines | None,
) -> aiohttp.ClientResponse:
    """Await the response head within ``connect + read`` seconds, else :class:`httpx.ReadTimeout`.

    aiohttp drops its socket read timer when it parses an informational (1xx) response and does not
    re-arm it while waiting for the final one: a server that answers ``100 Continue`` and goes silent
    would hold the request forever. This outer bound covers every phase up to the headers (the connect,
    then reads) the way httpcore's per-phase timeouts do, at worst one connect timeout later. The
    deadline is kept by the transport's shared :class:`Deadlines` (one timer per limit, not per request).
    """
    limit = read + (connect or 0.0)
    try:
        if deadlines is None:  # pragma: no cover - Python 3.10 (no Task.uncancel): a task per request
            return await asyncio.wait_for(pending, limit)
        wait = deadlines.start(limit)
        try:
            return await pending
        except asyncio.CancelledError:
            if wait.expired():
                raise _no_headers(limit, make_request) from None
            raise
        finally:
            wait.finish()
    except asyncio.TimeoutError as exc:
        if isinstance(exc, _aiohttp_timeouts()):
            raise  # aiohttp's own timeout (mapped by the caller): keep its phase (connect or read)
        raise _no_headers(limit, make_request) from None


def _no_headers(limit: float, make_request: Callable[[], httpx.Request]) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(
        f"no response headers within {limit:g} s (the server sent nothing or only a 1xx answer)",
        request=make_request(),
    )


def _aiohttp_timeouts() -> tuple[type[BaseException], ...]:
    import aiohttp

    return (aiohttp.ServerTimeoutError, aiohttp.ConnectionTimeoutError, aiohttp.SocketTimeoutError)


def _to_httpx(
    response: aiohttp.ClientResponse, request: httpx.Request, release_slot: Callable[[], None] | None
) -> httpx.Response:
    """The httpx response of an aiohttp response whose body is still unread (it streams on demand)."""
    extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
    if response.reason:
        extensions["reason_phrase"] = response.reason.encode("ascii", "replace")
    return httpx.Response(
        status_code=response.status,
        headers=response.raw_headers,
        stream=_AiohttpResponseStream(response, request, release_slot),
        request=request,
        extensions=extensions,
    )


class DirectResponse:
    """The head of a response of :meth:`AiohttpTransport.fetch`; the body is read once, by :meth:`read`,
    or handed on as an ``httpx.Response`` by :meth:`to_httpx`."""

    __slots__ = ("_make_request", "_release_slot", "_response", "_sent_at", "headers", "status")

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        make_request: Callable[[], httpx.Request],
        release_slot: Callable[[], None] | None,
        sent_at: float,
    ) -> None:
        self._sent_at = sent_at
        self._response = response
        self._make_request = make_request
        self._release_slot = release_slot
        self.status = response.status
        #: The response headers, case-insensitive (aiohttp's multidict).
        self.headers: Mapping[str, str] = response.headers

    @property
    def plain_success(self) -> bool:
        """A 2xx answer whose body needs no decoding and that sets no cookie: :meth:`read` gives the body
        exactly as the httpx path would (anything else goes through :meth:`to_httpx`)."""
        if not 200 <= self.status < 300:
            return False
        headers = self.headers
        encoding = headers.get("content-encoding")
        return (not encoding or encoding.strip().lower() == "identity") and "set-cookie" not in headers

    async def read(self, limit: int | None) -> bytes | None:
        """The whole body, or ``None`` as soon as it passes ``limit`` bytes (the rest is never read and
        the connection is closed). Read errors are raised as the httpx exceptions of the httpx path."""
        content = self._response.content
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                chunk = await content.readany()
                if not chunk:
                    break
                size += len(chunk)
                if limit is not None and size > limit:
                    return None
                chunks.append(chunk)
        except Exception as exc:
            mapped = _map_aiohttp_error(exc, self._make_request())
            if mapped is None:
                raise
            raise mapped from exc
        finally:
            self._finish()
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def to_httpx(self) -> httpx.Response:
        """The response as the httpx path would have returned it, its body unread (read it, or close it)."""
        release, self._release_slot = self._release_slot, None
        return _to_httpx(self._response, self._make_request(), release)

    def to_streaming_httpx(self) -> httpx.Response:
        """:meth:`to_httpx` for a body read as a stream: its ``request`` is built when first asked for
        (a stream never needs it), and ``elapsed`` is set when it is closed, as httpx's client does."""
        release, self._release_slot = self._release_slot, None
        response = self._response
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("ascii", "replace")
        return LazyRequestResponse(
            self._make_request,
            self._sent_at,
            status_code=response.status,
            headers=response.raw_headers,
            stream=_AiohttpResponseStream(response, None, release, self._make_request),
            extensions=extensions,
        )

    def _finish(self) -> None:
        # Back to the pool after a complete body; closed by aiohttp when the body was left part-read.
        self._response.release()
        release, self._release_slot = self._release_slot, None
        if release is not None:
            release()


class _AiohttpResponseStream(httpx.AsyncByteStream):
    """The body of one aiohttp response as an httpx byte stream: each chunk as soon as it arrives.

    ``aclose`` releases the connection: back to the pool after a complete body, closed when the body
    was abandoned part-way (aiohttp will not reuse a connection with unread payload).
    """

    __slots__ = ("_make_request", "_release_slot", "_request", "_response")

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        request: httpx.Request | None,
        release_slot: Callable[[], None] | None,
        make_request: Callable[[], httpx.Request] | None = None,
    ) -> None:
        self._response = response
        self._request = request  # None: built by make_request for an error, if one happens
        self._release_slot = release_slot
        self._make_request = make_request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._response.content
        try:
            while True:
                chunk = await content.readany()
                if not chunk:
                    break
                yield chunk
        except Exception as exc:
            request = self._request
            if request is None and self._make_request is not None:
                request = self._make_request()
            mapped = _map_aiohttp_error(exc, request) if request is not None else None
            if mapped is None:
                raise
            raise mapped from exc

    async def aclose(self) -> None:
        self._response.release()
        release, self._release_slot = self._release_slot, None
        if release is not None:
            release()


async def _chunks(stream: httpx.AsyncByteStream) -> AsyncIterator[bytes]:
    """A request body stream as aiohttp sends it (an async iterator of bytes)."""
    async for chunk in stream:
        yield chunk


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx async transport that sends requests through one :class:`aiohttp.ClientSession`.

    Honours httpx's per-request timeouts (``pool`` for the wait for a free connection, ``connect`` for
    opening one, ``read`` for every read of headers and body; aiohttp has no write
    timeout, and request bodies here are small JSON documents) and ``limits`` (``max_connections``,
    ``None`` meaning unlimited; ``keepalive_expiry``). aiohttp errors are mapped to the httpx exceptions
    httpcore raises for the same failures. HTTP/1.1 only.

    Event loops: the session is created lazily on first use in the running event loop and bound to it.
    A request from a new loop while the previous one is closed or idle (successive ``asyncio.run`` calls
    with one client) closes the old session's connections synchronously - the old loop is never
    touched - and opens a fresh session on the new loop. A request from a new loop while the previous
    one still runs in another thread raises :class:`~vllm_sdk.VllmError`: an async client belongs to one
    event loop at a time (create one client per thread, or use the sync client).
    """

    def __init__(
        self,
        *,
        limits: httpx.Limits = httpx.Limits(max_connections=None),  # noqa: B008 - immutable value
        verify: ssl.SSLContext | bool = True,
        wire_streams: bool = False,
    ) -> None:
        import aiohttp  # noqa: F401 - fail at construction, not at first request, when missing

        self._limits = limits
        self._verify = verify
        #: Whether :meth:`fetch` sends its requests (streamed or not) over the SDK's own HTTP/1.1
        #: connections (the name is from when only streams did).
        self.wire_streams = wire_streams
        self._wire: WirePool | None = None  # of the session's loop, when wire_streams
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, float | None], aiohttp.ClientTimeout] = {}
        # httpx's pool timeout bounds the wait for a free connection only; aiohttp's own limit would
        # fold that wait into its connect timeout, so the transport counts connections itself.
        self._slots: asyncio.Semaphore | None = None
        self._deadlines: Deadlines | None = None  # of the session's loop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._shutdown_hook: LoopShutdownHook | None = None
        self._closed = False

    def _get_session(self) -> aiohttp.ClientSession:
        import aiohttp

        loop = asyncio.get_running_loop()
        session = self._session
        if session is not None:
            if self._loop is loop:
                return session
            self._leave_loop()
        if self._closed:
            raise VllmError("cannot send a request: the HTTP transport is closed")
        keepalive = self._limits.keepalive_expiry
        if self._limits.max_connections is not None:
            self._slots = asyncio.Semaphore(self._limits.max_connections)
        connector = aiohttp.TCPConnector(
            limit=0,  # unlimited in aiohttp: self._slots enforces max_connections
            limit_per_host=0,
            keepalive_timeout=keepalive,
            ssl=self._verify,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            trust_env=False,  # proxies are httpx's business; the aiohttp path talks to the URL given
            auto_decompress=False,  # httpx decodes Content-Encoding itself
            skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent", "Content-Type"),
        )
        self._loop = loop
        if self.wire_streams:
            self._wire = WirePool(
                loop,
                verify=self._verify,
                keepalive_expiry=keepalive,
                max_keepalive=self._limits.max_keepalive_connections,
            )
        self._deadlines = Deadlines(loop) if sys.version_info >= (3, 11) else None
        self._shutdown_hook = LoopShutdownHook(self._on_loop_shutdown)
        return self._session

    async def _on_loop_shutdown(self) -> None:
        """The loop is winding down (``asyncio.run`` ends): close the session's connections on it."""
        self._shutdown_hook = None
        session = self._session
        self._session, self._loop, self._slots = None, None, None
        wire, self._wire = self._wire, None
        if wire is not None:
            wire.close()
        if session is not None:
            await session.close()

    def _cancel_shutdown_hook(self) -> None:
        hook, self._shutdown_hook = self._shutdown_hook, None
        if hook is not None:
            hook.cancel()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request; the response body streams from the open connection."""
        session = self._get_session()
        ext_timeout: dict[str, float | None] = request.extensions.get("timeout", {})
        connect, read = ext_timeout.get("connect"), ext_timeout.get("read")
        timeout = self._client_timeout(connect, read)
        body: bytes | AsyncIterator[bytes] | None
        stream = request.stream
        if isinstance(stream, httpx.ByteStream) or not isinstance(stream, httpx.AsyncByteStream):
            body = await request.aread()
        else:
            # A streamed body (an upload read from disk as it is sent): passed on chunk by chunk, never
            # gathered here; its Content-Length header, when the request has one, is kept.
            body = _chunks(stream)
        encoding = request.headers.encoding
        headers = [
            (k.decode(encoding), v.decode(encoding))
            for k, v in request.headers.raw
            if k.lower() != b"transfer-encoding"
        ]
        slots = self._slots
        if slots is not None:
            await self._acquire_slot(slots, ext_timeout.get("pool"), lambda: request)
        try:
            pending = session.request(
                request.method,
                str(request.url),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                timeout=timeout,
                server_hostname=request.extensions.get("sni_hostname"),
            )
            response = await (
                pending
                if read is None
                else _headers_by(pending, connect, read, lambda: request, self._deadlines)
            )
        except BaseException as exc:
            if slots is not None:
                slots.release()
            mapped = _map_aiohttp_error(exc, request) if isinstance(exc, Exception) else None
            if mapped is None:
                raise
            raise mapped from exc
        return _to_httpx(response, request, None if slots is None else slots.release)

    async def fetch(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes | None,
        timeout: httpx.Timeout,
        make_request: Callable[[], httpx.Request],
        stream: bool = False,
    ) -> DirectResponse | WireResponse:
        """Send one request without building httpx objects; the response head, its body still unread.

        The direct path of the SDK's own non-streamed calls (``vllm_sdk._client``): the same session,
        timeouts, connection limit and error mapping as :meth:`handle_async_request`, minus the
        ``httpx.Request`` / ``httpx.Response`` built around every request (most of the client's CPU per
        request). ``headers`` are the complete request headers (the client's defaults merged in);
        ``make_request`` builds the equivalent ``httpx.Request`` for the rare cases that need one (an
        exception's ``request``, or :meth:`DirectResponse.to_httpx`).

        With :attr:`wire_streams` (the ``wire`` transport, the default), a request to an ``http``/``https``
        URL without credentials goes over the SDK's own HTTP/1.1 connections (``_wire``, ``_wire_pool``),
        streamed or not: they hand each socket read to the reader at the least cost, and a small JSON answer
        arrives as one ``bytes`` with its head. The answer has the same interface either way. ``stream``
        says whether the body will be read as a stream; both kinds take the same path.
        """
        session = self._get_session()
        sent_at = time.perf_counter()
        connect, read = timeout.connect, timeout.read
        wire = self._wire
        target = wire.target(url) if wire is not None else None
        slots = self._slots
        if slots is not None:
            await self._acquire_slot(slots, timeout.pool, make_request)
        if target is not None:
            assert wire is not None  # a target comes from the pool
            release = None if slots is None else slots.release
            try:
                return await wire.fetch(
                    target, method, headers, body, timeout, make_request, release, sent_at
                )
            except BaseException:
                if slots is not None:
                    slots.release()
                raise
        client_timeout = self._client_timeout(connect, read)
        try:
            pending = session.request(
                method, url, headers=headers, data=body or None, allow_redirects=False, timeout=client_timeout
            )
            response = await (
                pending
                if read is None
                else _headers_by(pending, connect, read, make_request, self._deadlines)
            )
        except BaseException as exc:
            if slots is not None:
                slots.release()
            mapped = _map_aiohttp_error(exc, make_request()) if isinstance(exc, Exception) else None
            if mapped is None:
                raise
            raise mapped from exc
        return DirectResponse(response, make_request, None if slots is None else slots.release, sent_at)

    def _client_timeout(self, connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
        timeout = self._timeouts.get((connect, read))
        if timeout is None:  # a client uses a handful of timeouts: build each ClientTimeout once
            import aiohttp

            timeout = aiohttp.ClientTimeout(total=None, connect=connect, sock_connect=connect, sock_read=read)
            if len(self._timeouts) < 64:
                self._timeouts[(connect, read)] = timeout
        return timeout

    @staticmethod
    async def _acquire_slot(
        slots: asyncio.Semaphore, pool: float | None, make_request: Callable[[], httpx.Request]
    ) -> None:
        if not slots.locked() or pool is None:
            await slots.acquire()
            return
        try:
            await asyncio.wait_for(slots.acquire(), pool)
        except asyncio.TimeoutError:
            raise httpx.PoolTimeout(
                "timed out waiting for a free connection", request=make_request()
            ) from None

    def _close_wire(self) -> None:
        wire, self._wire = self._wire, None
        if wire is not None:
            wire.close()

    def _leave_loop(self) -> None:
        """Forget the session of the previous (closed or idle) loop, closing its sockets synchronously.

        Raises :class:`~vllm_sdk.VllmError` when that loop still runs in another thread.
        """
        session, loop = self._session, self._loop
        if session is None or loop is None:
            return
        ensure_loop_released(loop)
        self._session, self._loop, self._slots = None, None, None
        self._cancel_shutdown_hook()
        wire, self._wire = self._wire, None
        if wire is not None:
            wire.abandon()
        abandon_aiohttp_session(session)

    async def aclose(self) -> None:
        """Close the session and every pooled connection.

        From another loop than the session's: a closed or idle old loop has its connections closed
        synchronously; a loop still running in another thread closes them itself, awaited from here.
        """
        self._closed = True
        session, loop = self._session, self._loop
        if session is None or loop is None:
            return
        current = asyncio.get_running_loop()
        if loop is current:
            self._session = self._loop = None
            self._cancel_shutdown_hook()
            self._close_wire()
            await session.close()
        elif loop.is_running():
            self._session = self._loop = None
            self._cancel_shutdown_hook()
            wire, self._wire = self._wire, None
            if wire is not None:
                loop.call_soon_threadsafe(wire.close)
            await close_on_loop(loop, session.close())
        else:
            self._leave_loop()
