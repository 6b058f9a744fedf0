"""Keep-alive connections of the SDK's own HTTP/1.1 path (its direct calls, streamed or not), and sending one
request over them.

:class:`WirePool` belongs to one event loop (the aiohttp transport creates it with its session and closes it
with it). It keeps idle connections per ``(scheme, host, port, TLS)``, most recently used first, for at
most ``keepalive_expiry`` seconds and at most ``max_keepalive_connections`` in all; the count of requests in
flight is the transport's (its connection slots), shared with the aiohttp path.

:meth:`WirePool.fetch` writes the request that the aiohttp direct path would write - request line, ``Host``,
the given headers in order, ``Content-Length``, the body - and waits for the response head. A pooled
connection that turns out to be closed by the server (nothing of the response arrived) is retried once on a
fresh connection. Failures are httpx's exceptions, as on the other transports.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from ._event_loops import abandon_asyncio_transport
from ._lazy_response import LazyRequestResponse
from ._wire import WireBody, WireConnection

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["RawHeaders", "WirePool", "WireResponse", "WireTarget"]

# Distinct URLs kept parsed (one per route and base URL); past this the cache starts over.
_MAX_TARGETS = 512
# Distinct header sets kept encoded (see _request_bytes); past this the cache starts over.
_MAX_HEADER_BLOCKS = 256
_DEFAULT_PORTS = {"http": 80, "https": 443}
# The extensions of a response by its reason phrase (b"OK" nearly always); at most this many are kept.
_EXTENSIONS: dict[bytes, dict[str, Any]] = {}
_MAX_REASONS = 32
# Methods for which aiohttp sends ``Content-Length: 0`` without a body; the wire path does the same.
_LENGTH_ALWAYS = frozenset({"POST", "PUT", "PATCH"})
# Bytes that would end a header line early (request smuggling by a header value), and in names a colon too.
_UNSAFE = re.compile(rb"[\r\n\0]")
_UNSAFE_NAME = re.compile(rb"[\r\n\0:]")


class WireTarget:
    """What one URL means on the wire: its pool key, address, ``Host`` header and request target."""

    __slots__ = ("host", "host_header", "key", "port", "request_target", "tls")

    def __init__(self, url: httpx.URL) -> None:
        self.tls = url.scheme == "https"
        self.host = url.host
        port = url.port or _DEFAULT_PORTS[url.scheme]
        self.port = port
        raw_host = url.raw_host.decode("ascii")
        host_text = f"[{raw_host}]" if ":" in raw_host else raw_host
        if port != _DEFAULT_PORTS[url.scheme]:
            host_text = f"{host_text}:{port}"
        self.host_header = host_text.encode("ascii")
        self.request_target = url.raw_path
        self.key = (url.scheme, self.host, port, self.tls)


class WirePool:
    """The idle connections of one event loop (see the module docstring)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        verify: ssl.SSLContext | bool,
        keepalive_expiry: float | None,
        max_keepalive: int | None,
    ) -> None:
        self._loop = loop
        self._verify = verify
        self._ssl: ssl.SSLContext | None = None
        self._expiry = keepalive_expiry
        self._max_idle = max_keepalive
        self._idle: dict[object, list[WireConnection]] = {}
        self._idle_count = 0
        self._live: set[WireConnection] = set()
        self._targets: dict[str, WireTarget | None] = {}
        self._header_blocks: dict[tuple[tuple[str, str], ...], bytes] = {}
        self._sweeper: asyncio.TimerHandle | None = None
        self.closed = False

    # -- targets

    def target(self, url: str) -> WireTarget | None:
        """The wire target of ``url``, or ``None`` when this path does not serve it (not ``http``/``https``,
        or credentials in the URL)."""
        target = self._targets.get(url, False)
        if target is False:
            parsed = httpx.URL(url)
            ok = parsed.scheme in _DEFAULT_PORTS and not parsed.userinfo and parsed.host
            target = WireTarget(parsed) if ok else None
            if len(self._targets) >= _MAX_TARGETS:
                self._targets.clear()
            self._targets[url] = target
        return target  # type: ignore[return-value]  # False never stays

    # -- sending

    async def fetch(
        self,
        target: WireTarget,
        method: str,
        headers: list[tuple[str, str]],
        body: bytes | None,
        timeout: httpx.Timeout,
        make_request: Callable[[], httpx.Request],
        release_slot: Callable[[], None] | None,
        sent_at: float,
    ) -> WireResponse:
        """Send one request and wait for its response head (see the module docstring)."""
        data = _request_bytes(target, method, headers, body, make_request, self._header_blocks)
        no_body = method == "HEAD"
        for attempt in range(2):
            # The retry never takes another pooled connection: when a server went away, every idle one to
            # it is stale, and the retry's promise is a fresh connection.
            conn = self._pooled(target.key) if attempt == 0 else None
            fresh = conn is None
            if conn is None:
                conn = await self._connect(target, timeout.connect, make_request)
            try:
                conn.send(data, timeout.read, no_body)
                await conn.head()
            except BaseException:
                self._discard(conn)
                raise
            failure = conn.failure
            if failure is None or conn.head_received:
                # A failure after the head (a bad chunk, a cut body) is the body's: raised as it is read,
                # after the bytes that came before it, as on the other transports.
                return WireResponse(conn, self, make_request, release_slot, sent_at)
            self._discard(conn)
            if fresh or conn.got_bytes or failure[0] is httpx.ReadTimeout:
                cls, message = failure
                raise cls(message, request=make_request())
            # A pooled connection the server had closed before our request reached it: once more, fresh.
        raise AssertionError("unreachable: the second attempt is on a fresh connection")  # pragma: no cover

    async def _connect(
        self, target: WireTarget, connect: float | None, make_request: Callable[[], httpx.Request]
    ) -> WireConnection:
        if self.closed:
            raise httpx.ConnectError("the connection pool is closed", request=make_request())
        loop = self._loop
        key = target.key
        tls = self._ssl_context() if target.tls else None
        opening = loop.create_connection(
            lambda: WireConnection(loop, key),
            target.host,
            target.port,
            ssl=tls,
            server_hostname=target.host if tls is not None else None,
        )
        try:
            if connect is None:
                _, protocol = await opening
            else:
                _, protocol = await asyncio.wait_for(opening, connect)
        except asyncio.TimeoutError:
            raise httpx.ConnectTimeout(
                f"could not connect to {target.host}:{target.port} within {connect:g} s",
                request=make_request(),
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=make_request()) from exc
        self._live.add(protocol)
        return protocol

    def _ssl_context(self) -> ssl.SSLContext:
        context = self._ssl
        if context is None:
            verify = self._verify
            if isinstance(verify, ssl.SSLContext):
                context = verify
            elif verify:
                context = ssl.create_default_context()
            else:
                # verify=False: no certificate check, as aiohttp and httpx do for it.
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            self._ssl = context
        return context

    # -- the idle connections

    def _pooled(self, key: object) -> WireConnection | None:
        idle = self._idle.get(key)
        if not idle:
            return None
        expiry = self._expiry
        now = self._loop.time()
        while idle:
            conn = idle.pop()
            self._idle_count -= 1
            if conn.closed or (expiry is not None and now - conn.idle_since >= expiry):
                self._discard(conn)
                continue
            return conn
        return None

    def release(self, conn: WireConnection, reusable: bool) -> None:
        """A response is finished with: keep its connection for the next request, or close it."""
        if not reusable or self.closed or conn.closed:
            self._discard(conn)
            return
        if self._max_idle is not None and self._idle_count >= self._max_idle:
            self._discard(conn)
            return
        conn.state = 0  # idle: a byte from the server now makes it unusable
        conn.idle_since = self._loop.time()
        self._idle.setdefault(conn.key, []).append(conn)
        self._idle_count += 1
        if self._expiry is not None and self._sweeper is None:
            self._sweeper = self._loop.call_later(self._expiry, self._sweep)

    def _sweep(self) -> None:
        """Close the connections idle past ``keepalive_expiry`` (re-armed while any stay idle)."""
        self._sweeper = None
        expiry = self._expiry
        if expiry is None:  # pragma: no cover - only armed with an expiry
            return
        now = self._loop.time()
        oldest: float | None = None
        for key, idle in list(self._idle.items()):
            keep = []
            for conn in idle:
                if conn.closed or now - conn.idle_since >= expiry:
                    self._discard(conn)
                    self._idle_count -= 1
                else:
                    keep.append(conn)
                    oldest = conn.idle_since if oldest is None else min(oldest, conn.idle_since)
            if keep:
                self._idle[key] = keep
            else:
                del self._idle[key]
        if oldest is not None:
            self._sweeper = self._loop.call_at(oldest + expiry, self._sweep)

    def _discard(self, conn: WireConnection) -> None:
        conn.close()
        self._live.discard(conn)

    # -- closing

    def close(self) -> None:
        """Close every connection, idle or in use, on the pool's own (running) loop."""
        self.closed = True
        self._stop_sweeper()
        for conn in list(self._live):
            conn.close()
        self._live.clear()
        self._idle.clear()
        self._idle_count = 0

    def abandon(self) -> None:
        """Close every connection synchronously without running the pool's loop (it is closed or idle)."""
        self.closed = True
        self._stop_sweeper()
        for conn in list(self._live):
            conn.closed = True
            abandon_asyncio_transport(conn.transport)
        self._live.clear()
        self._idle.clear()
        self._idle_count = 0

    def _stop_sweeper(self) -> None:
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None and not self._loop.is_closed():
            sweeper.cancel()


def _request_bytes(
    target: WireTarget,
    method: str,
    headers: list[tuple[str, str]],
    body: bytes | None,
    make_request: Callable[[], httpx.Request],
    blocks: dict[tuple[tuple[str, str], ...], bytes] | None = None,
) -> bytes:
    """The request as aiohttp's direct path writes it: request line, ``Host``, the headers, the length.

    ``blocks``: encoded header blocks by the headers they encode. A client sends the same few header sets
    again and again, so checking and encoding them once per set (not per request) is kept there.
    """
    if blocks is None:
        block = _header_block(headers, make_request)
    else:
        key = tuple(headers)
        cached = blocks.get(key)
        if cached is None:
            block = _header_block(headers, make_request)
            if len(blocks) >= _MAX_HEADER_BLOCKS:
                blocks.clear()
            blocks[key] = block
        else:
            block = cached
    parts = [
        method.encode("ascii"),
        b" ",
        target.request_target,
        b" HTTP/1.1\r\nHost: ",
        target.host_header,
        block,
    ]
    if body:
        parts.append(b"\r\nContent-Length: %d\r\n\r\n" % len(body))
        parts.append(body)
    elif method in _LENGTH_ALWAYS:
        parts.append(b"\r\nContent-Length: 0\r\n\r\n")
    else:
        parts.append(b"\r\n\r\n")
    return b"".join(parts)


def _header_block(headers: list[tuple[str, str]], make_request: Callable[[], httpx.Request]) -> bytes:
    """The header lines after ``Host`` (each preceded by CRLF), checked against request smuggling."""
    parts: list[bytes] = []
    for name, value in headers:
        name_bytes = name.encode("latin-1")
        value_bytes = value.encode("latin-1")
        if _UNSAFE.search(value_bytes) is not None or _UNSAFE_NAME.search(name_bytes) is not None:
            raise httpx.LocalProtocolError(f"invalid request header {name!r}", request=make_request())
        lower = name.lower()
        if lower in ("host", "content-length", "transfer-encoding"):
            continue  # the wire path sets these itself, as aiohttp does
        parts += (b"\r\n", name_bytes, b": ", value_bytes)
    return b"".join(parts)


class WireResponse:
    """The head of a response of the wire path: the same interface as the aiohttp path's
    ``DirectResponse`` (``status``, ``headers``, ``plain_success``, ``read``, ``to_httpx``,
    ``to_streaming_httpx``); the body is read once."""

    __slots__ = ("_body", "_headers", "_make_request", "_release_slot", "_sent_at", "status")

    def __init__(
        self,
        conn: WireConnection,
        pool: WirePool,
        make_request: Callable[[], httpx.Request],
        release_slot: Callable[[], None] | None,
        sent_at: float,
    ) -> None:
        self.status = conn.status
        self._make_request = make_request
        self._release_slot = release_slot
        self._sent_at = sent_at
        self._headers: RawHeaders | None = None

        def release(conn: WireConnection, reusable: bool) -> None:
            pool.release(conn, reusable)
            slot, self._release_slot = self._release_slot, None
            if slot is not None:
                slot()

        self._body = WireBody(conn, make_request, release)

    @property
    def headers(self) -> Mapping[str, str]:
        """The response headers, case-insensitive (read-only, over the parsed head as it came)."""
        headers = self._headers
        if headers is None:
            headers = self._headers = RawHeaders(self._body._conn.raw_headers)
        return headers

    @property
    def plain_success(self) -> bool:
        """A 2xx answer whose body needs no decoding and that sets no cookie (see ``DirectResponse``)."""
        body = self._body
        return 200 <= self.status < 300 and not body._conn.sets_cookie and not body.encoded

    async def read(self, limit: int | None) -> bytes | None:
        """The whole body, or ``None`` past ``limit`` bytes (then the connection is closed); the connection
        goes back to the pool after a complete body. Read errors are httpx's, as on the other paths."""
        body = self._body
        try:
            return await body.aread_whole(limit)
        finally:
            await body.aclose()

    def _extensions(self) -> dict[str, Any]:
        # httpx.Response copies the dict it is given: the common ones are built once, not per response.
        reason = self._body._conn.reason
        extensions = _EXTENSIONS.get(reason)
        if extensions is None:
            extensions = {"http_version": b"HTTP/1.1"}
            if reason:
                extensions["reason_phrase"] = reason
            if len(_EXTENSIONS) < _MAX_REASONS:
                _EXTENSIONS[reason] = extensions
        return extensions

    def to_httpx(self) -> httpx.Response:
        """The response as the httpx path would have returned it, its body unread (read it, or close it)."""
        return httpx.Response(
            status_code=self.status,
            headers=self._body._conn.raw_headers,
            stream=self._body,
            request=self._make_request(),
            extensions=self._extensions(),
        )

    def to_streaming_httpx(self) -> httpx.Response:
        """:meth:`to_httpx` with the request built only when asked for (a stream never needs it)."""
        return LazyRequestResponse(
            self._make_request,
            self._sent_at,
            status_code=self.status,
            headers=self._body._conn.raw_headers,
            stream=self._body,
            extensions=self._extensions(),
        )


def _text(value: bytes) -> str:
    """A header value as text: UTF-8 when it is valid UTF-8 (ASCII included), else Latin-1 (never fails)."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


class RawHeaders(Mapping[str, str]):
    """The headers of a response head as a read-only, case-insensitive mapping.

    A non-streamed answer's headers are looked at once or twice (``x-request-id``, ``content-type``), so
    building an ``httpx.Headers`` (every name and value normalised, several views) per request cost more than
    all the lookups ever made: this one is a plain dict by lower-cased name, built on the first lookup.
    Several values of one name are joined with ``", "``, as ``httpx.Headers`` does.
    """

    __slots__ = ("_by_name", "_raw")

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self._raw = raw
        self._by_name: dict[str, str] | None = None

    def _names(self) -> dict[str, str]:
        by_name = self._by_name
        if by_name is None:
            by_name = {}
            for raw_name, raw_value in self._raw:
                name = raw_name.decode("latin-1").lower()
                value = _text(raw_value)
                previous = by_name.get(name)
                by_name[name] = value if previous is None else f"{previous}, {value}"
            self._by_name = by_name
        return by_name

    def __getitem__(self, name: str) -> str:
        try:
            return self._names()[name.lower()]
        except (KeyError, AttributeError):
            raise KeyError(name) from None

    def get(self, name: str, default: Any = None) -> Any:
        """The value of header ``name`` (any case), or ``default``."""
        return self._names().get(name.lower(), default) if isinstance(name, str) else default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __repr__(self) -> str:
        return f"RawHeaders({self._names()!r})"
