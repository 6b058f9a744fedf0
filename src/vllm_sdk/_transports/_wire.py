"""The SDK's own HTTP/1.1 client connection: an ``asyncio.Protocol`` that de-frames a response as it arrives.

Streamed calls spend most of the client's CPU per chunk in the HTTP library under them, not in the SDK:
with aiohttp, its ``StreamReader`` bookkeeping per chunk (``feed_data``, ``_read_nowait_chunk``,
``resume_reading``) cost more than the SSE parser. :class:`WireConnection` does the least per socket
read: ``data_received`` de-frames the body (``Content-Length``; chunked, by the compiled ``_speedups``
build when there is one; or close-delimited) into a list of pieces and wakes the waiting consumer once
per read; the consumer (:class:`WireBody`) takes everything queued at once. A stream goes further
(:meth:`WireBody.feed_to`, "event mode"): the protocol hands each read's body bytes to the stream parser
itself and queues the events, waking the consumer only when a read completed one.

What the protocol guards against, so that a hostile server gets a typed error rather than memory or time:

* the response head is capped in bytes (:data:`MAX_HEAD`) and in header lines (:data:`MAX_HEADERS`);
  malformed status lines, header lines, sizes and chunk framing are :class:`httpx.RemoteProtocolError`;
* informational (``1xx``) answers are skipped, and the wait for the final head is one deadline from the
  moment the request was written, so ``100 Continue`` then silence still times out;
* between reads of the body, the read timeout (time with no byte while the consumer waits or the buffer
  has room) is kept by one loop timer per connection, re-armed only when it fires;
* flow control: past :data:`HIGH_WATER` queued bytes the socket stops being read until the consumer has
  taken them, so a consumer that lags never makes the buffer grow without bound.

Errors are recorded as an httpx exception class and message; the consumer raises them with the request it
builds only then (see ``_wire_pool``), as the rest of the SDK maps httpx's exceptions once.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

import httpx

from .._speedups import ChunkedDecoder, ChunkedError
from ._event_loops import abandon_asyncio_transport

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

__all__ = ["HIGH_WATER", "MAX_HEAD", "MAX_HEADERS", "WireBody", "WireConnection"]

#: Largest response head (status line and headers, or a chunked body's trailers) accepted, in bytes.
MAX_HEAD = 64 * 1024
#: Most header lines accepted in a response head (or in a chunked body's trailers).
MAX_HEADERS = 128
#: Queued body bytes past which the socket is no longer read until the consumer takes them.
HIGH_WATER = 256 * 1024

# Connection states: what the next byte from the server is.
_IDLE = 0  # no request in flight (a byte now means the connection cannot be reused)
_HEAD = 1  # the response head (possibly after 1xx answers)
_LENGTH = 2  # a body of Content-Length bytes
_CHUNKED = 3  # a chunked body
_UNTIL_CLOSE = 4  # a body delimited by the close of the connection
_DONE = 5  # the body is complete

_CUT_BODY = "peer closed connection without sending complete message body"
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_STATUS = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: (.*))?")
_DIGITS = re.compile(rb"[0-9]{1,18}")

#: Final response heads seen, by the head minus its date's value (see ``WireConnection._parse_head``):
#: ``(status, reason, keep_alive, body_left, content_encoding, sets_cookie, headers)``.
_HEADS: dict[bytes, tuple[int, bytes, bool, int, bytes | None, bool, tuple[tuple[bytes, bytes], ...]]] = {}
#: Distinct heads kept (past this the memo starts over: a server whose heads all differ costs one insert).
_MAX_HEADS = 64
_DATE_LINES = (b"\r\nDate: ", b"\r\ndate: ")


def _without_date(head: bytes) -> tuple[bytes, bytes, int]:
    """``head`` without the value of its first header line written ``Date: `` (or ``date: ``), that value
    as the parser keeps it (stripped of spaces and tabs), and the line's index among the header lines;
    ``(head, b"", -1)`` without one."""
    for prefix in _DATE_LINES:
        line = head.find(prefix)
        if line >= 0:
            start = line + len(prefix)
            end = head.find(b"\r\n", start)
            if end < 0:
                end = len(head)
            # Header line k is line k + 1 of the head: as many CRLFs precede it (the status line is first).
            at = head.count(b"\r\n", 0, line + 2) - 1
            return head[:start] + head[end:], head[start:end].strip(b" \t"), at
    return head, b"", -1


class WireConnection(asyncio.Protocol):
    """One HTTP/1.1 client connection, one request at a time (see the module docstring).

    :meth:`send` writes a request and arms the head deadline; ``await`` :meth:`head` for the response
    head; the body is then read through :class:`WireBody`. :attr:`reusable` says, once the body is done,
    whether the connection may serve another request.
    """

    # Plain attributes, read and written on every socket read: slots keep them cheap.
    __slots__ = (
        "_decoder",
        "_head_buf",
        "_head_deadline",
        "_last_read",
        "_loop",
        "_no_body",
        "_read_timeout",
        "_timer",
        "body_left",
        "closed",
        "content_encoding",
        "events",
        "failure",
        "got_bytes",
        "head_waiter",
        "idle_since",
        "keep_alive",
        "key",
        "paused",
        "pending",
        "pending_size",
        "raw_headers",
        "reason",
        "reusable",
        "sets_cookie",
        "sink",
        "sink_error",
        "state",
        "status",
        "transport",
        "waiter",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop, key: object) -> None:
        self._loop = loop
        #: The pool key this connection belongs to (scheme, host, port, TLS).
        self.key = key
        self.transport: asyncio.Transport | None = None
        self.state = _IDLE
        self.closed = False
        #: ``(httpx exception class, message)`` once the exchange failed.
        self.failure: tuple[type[httpx.TransportError], str] | None = None
        #: Whether any byte of the current response arrived (a request is retried only when none did).
        self.got_bytes = False
        self.head_waiter: asyncio.Future[None] | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.pending: list[bytes] = []
        self.pending_size = 0
        #: Event mode (see :meth:`WireBody.feed_to`): the parser's ``feed``, the events it returned and not
        #: yet taken, and what it raised.
        self.sink: Callable[[bytes], list[Any]] | None = None
        self.events: list[Any] = []
        self.sink_error: Exception | None = None
        self.paused = False
        self.status = 0
        self.reason = b""
        self.raw_headers: list[tuple[bytes, bytes]] = []
        self.content_encoding: bytes | None = None
        self.sets_cookie = False
        self.keep_alive = True
        self.reusable = False
        self.body_left = 0
        self.idle_since = 0.0
        self._no_body = False
        self._head_buf = bytearray()
        self._decoder: ChunkedDecoder | None = None
        self._read_timeout: float | None = None
        self._head_deadline = 0.0
        self._last_read = 0.0
        self._timer: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream transport (create_connection)

    def data_received(self, data: bytes) -> None:
        state = self.state
        if self._read_timeout is not None:
            self._last_read = self._loop.time()
        self.got_bytes = True
        if state == _CHUNKED:
            # The hot path of a stream (one call per socket read): de-framing inlined here.
            decoder = self._decoder
            assert decoder is not None  # set with the _CHUNKED state
            try:
                body = decoder.feed(data)
            except ChunkedError as exc:
                self._fail(httpx.RemoteProtocolError, str(exc))
                return
            if body:
                sink = self.sink
                if sink is not None:
                    self._push_events(sink, body)
                else:
                    self._push(body)
            if decoder.done:
                if decoder.extra:
                    self.keep_alive = False  # bytes past the body
                self._finish()
        elif state == _LENGTH:
            left = self.body_left
            size = len(data)
            if size < left:
                self.body_left = left - size
                self._push(data)
            else:
                self.body_left = 0
                if size > left:  # bytes past the body: the connection's framing cannot be trusted
                    self.keep_alive = False
                    data = data[:left]
                if data:
                    self._push(data)
                self._finish()
        elif state == _UNTIL_CLOSE:
            self._push(data)
        elif state == _HEAD:
            self._head(data)
        else:
            # Bytes nobody asked for (between requests, or after a complete body): never reuse this.
            self.keep_alive = False
            self.reusable = False
            if self.transport is not None:
                self.transport.close()

    def eof_received(self) -> bool | None:
        return None  # close the transport: connection_lost follows and ends or fails the exchange

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.reusable = False
        state = self.state
        if self.failure is not None or state in (_IDLE, _DONE):
            self._stop_timer()
            self._wake()
            return
        if state == _UNTIL_CLOSE and exc is None:
            self._finish()
            return
        if exc is not None and not isinstance(exc, (ConnectionResetError, BrokenPipeError)):
            self._fail(httpx.ReadError, str(exc) or type(exc).__name__)
        elif state == _HEAD:
            self._fail(httpx.RemoteProtocolError, "Server disconnected without sending a response.")
        else:
            self._fail(httpx.RemoteProtocolError, _CUT_BODY)

    # -- the request

    def send(self, data: bytes, read_timeout: float | None, no_body: bool) -> None:
        """Write one request (``data``: head and body) and wait for its answer's head from now on."""
        self.state = _HEAD
        self.failure = None
        self.got_bytes = False
        self.status = 0
        self.raw_headers = []
        self.content_encoding = None
        self.sets_cookie = False
        self.keep_alive = True
        self.reusable = False
        self.pending = []
        self.pending_size = 0
        self.sink = None
        self.events = []
        self.sink_error = None
        self._no_body = no_body
        self._head_buf = bytearray()
        self._read_timeout = read_timeout
        if read_timeout is not None:
            loop = self._loop
            now = loop.time()
            self._last_read = now
            deadline = self._head_deadline = now + read_timeout
            # The timer of an earlier request still pending fires no later than this deadline: when it does,
            # it re-arms itself at the deadline (see _on_timer), so it serves this request too - one timer
            # handle per timeout period on a busy connection rather than one per request.
            timer = self._timer
            if timer is None or timer.when() > deadline:
                if timer is not None:
                    timer.cancel()
                self._timer = loop.call_at(deadline, self._on_timer)
        transport = self.transport
        assert transport is not None  # send() follows connection_made
        transport.write(data)

    async def head(self) -> None:
        """Wait until the response head arrived or the exchange failed (see :attr:`failure`)."""
        if self.state == _HEAD and self.failure is None:
            waiter = self.head_waiter = self._loop.create_future()
            await waiter

    def close(self) -> None:
        """Close the connection now (a part-read body, a failure, a cancelled consumer)."""
        self.reusable = False
        self._stop_timer()
        transport = self.transport
        if transport is not None and not self.closed:
            self.closed = True
            if self._loop.is_closed():  # a body dropped after its loop ended: close the socket directly
                abandon_asyncio_transport(transport)
            else:
                transport.abort()  # discard whatever is unsent or unread: nobody will read it

    # -- the head

    def _head(self, data: bytes) -> None:
        buf = self._head_buf
        buf += data
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD:
                    self._fail(httpx.RemoteProtocolError, f"response head larger than {MAX_HEAD} bytes")
                return
            if end > MAX_HEAD:
                self._fail(httpx.RemoteProtocolError, f"response head larger than {MAX_HEAD} bytes")
                return
            head = bytes(buf[:end])
            del buf[: end + 4]
            status = self._parse_head(head)
            if status < 0:
                return
            if status < 200:
                continue  # informational: the final answer follows (its deadline still runs)
            break
        rest = bytes(buf)
        self._head_buf = bytearray()
        self._start_body()
        waiter, self.head_waiter = self.head_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if rest and self.state != _DONE:
            self.data_received(rest)
        elif rest:  # bytes after a body-less answer: the framing cannot be trusted
            self.keep_alive = self.reusable = False

    def _parse_head(self, head: bytes) -> int:
        """Parse one response head; its status (a 1xx is not kept), or -1 after a failure.

        A server answers a client's requests with the same head but for its ``Date``: what a final head
        means is kept by the head minus the date's value (:data:`_HEADS`), and a head seen before costs a
        look-up instead of a parse. The checks that concern the date line's bytes run on every head.
        """
        if b"\n" in head.replace(b"\r\n", b"") or b"\0" in head:
            return self._bad("a bare CR, LF or NUL in the response head")
        key, date, at = _without_date(head)
        known = _HEADS.get(key)
        if known is not None:
            status, reason, keep_alive, body_left, encoding, cookie, template = known
            headers = list(template)
            if at >= 0:
                headers[at] = (headers[at][0], date)
            self.keep_alive = keep_alive
            self.body_left = body_left
            self.status = status
            self.reason = reason
            self.raw_headers = headers
            self.content_encoding = encoding
            self.sets_cookie = cookie
            return status
        status = self._parse_new_head(head)
        if status >= 200:
            if len(_HEADS) >= _MAX_HEADS:
                _HEADS.clear()
            _HEADS[key] = (
                status,
                self.reason,
                self.keep_alive,
                self.body_left,
                self.content_encoding,
                self.sets_cookie,
                tuple(self.raw_headers),
            )
        return status

    def _parse_new_head(self, head: bytes) -> int:
        lines = head.split(b"\r\n")
        match = _STATUS.fullmatch(lines[0])
        if match is None:
            return self._bad(f"invalid status line {lines[0][:100]!r}")
        minor, code, reason = match.groups()
        status = int(code)
        if status < 100 or status == 101:
            return self._bad(f"unexpected status {status}")
        if len(lines) - 1 > MAX_HEADERS:
            return self._bad(f"more than {MAX_HEADERS} header lines in the response head")
        headers: list[tuple[bytes, bytes]] = []
        lengths: set[bytes] = set()
        codings: list[bytes] = []
        connection = b""
        encoding: bytes | None = None
        cookie = False
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep or _TOKEN.fullmatch(name) is None:
                return self._bad(f"invalid header line {line[:100]!r}")
            value = value.strip(b" \t")
            headers.append((name, value))
            lower = name.lower()
            if lower == b"content-length":
                lengths.update(part.strip(b" \t") for part in value.split(b","))
            elif lower == b"transfer-encoding":
                codings.extend(part.strip(b" \t").lower() for part in value.split(b","))
            elif lower == b"connection":
                connection += b"," + value.lower()
            elif lower == b"content-encoding":
                encoding = value if encoding is None else encoding + b", " + value
            elif lower == b"set-cookie":
                cookie = True
        if status < 200:
            return status  # an informational answer: nothing of it is kept
        tokens = {part.strip(b" \t") for part in connection.split(b",")}
        self.keep_alive = b"close" not in tokens if minor == b"1" else b"keep-alive" in tokens
        if codings:
            if lengths:
                self.keep_alive = False  # both framings: Transfer-Encoding wins, the connection is suspect
            if codings[-1] == b"chunked":
                if codings.count(b"chunked") > 1:
                    return self._bad("chunked applied twice")
                self.body_left = -1
            else:
                self.body_left = -2  # a coding not ending in chunked: the body runs to the close
        elif lengths:
            if len(lengths) > 1 or _DIGITS.fullmatch(next(iter(lengths))) is None:
                return self._bad(f"invalid Content-Length {b', '.join(sorted(lengths))[:100]!r}")
            self.body_left = int(next(iter(lengths)))
        else:
            self.body_left = -2
        self.status = status
        self.reason = reason or b""
        self.raw_headers = headers
        self.content_encoding = encoding
        self.sets_cookie = cookie
        return status

    def _bad(self, message: str) -> int:
        self._fail(httpx.RemoteProtocolError, message)
        return -1

    def _start_body(self) -> None:
        left = self.body_left
        if self._no_body or self.status in (204, 304):
            self.body_left = 0
            self._finish()
        elif left == -1:
            self.state = _CHUNKED
            self._decoder = ChunkedDecoder()
        elif left == -2:
            self.state = _UNTIL_CLOSE
            self.keep_alive = False
        elif left == 0:
            self._finish()
        else:
            self.state = _LENGTH

    # -- queueing body pieces for the consumer

    def _push(self, piece: bytes) -> None:
        sink = self.sink
        if sink is not None:
            self._push_events(sink, piece)
            return
        self.pending.append(piece)
        size = self.pending_size + len(piece)
        self.pending_size = size
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)
        if size > HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def _push_events(self, sink: Callable[[bytes], list[Any]], piece: bytes) -> None:
        # Event mode: the piece goes straight to the parser, and the consumer is woken only when that
        # completed an event (or the parser gave up) - not for a read that ends inside an event.
        try:
            events = sink(piece)
        except Exception as exc:  # the parser's StreamError: raised to the consumer after its events
            self.sink = None
            self.sink_error = exc
            events = None
        else:
            if not events:
                # A partial event stays in the parser, bounded by its max_event_size: reading goes on.
                return
            queued = self.events
            if queued:
                queued += events
            else:
                self.events = events  # the parser's fresh list: no copy
            size = self.pending_size + len(piece)
            self.pending_size = size
            if size > HIGH_WATER and not self.paused and self.transport is not None:
                self.paused = True  # events wait for a lagging consumer: stop reading until it takes them
                self.transport.pause_reading()
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def take(self) -> bytes:
        """Everything queued, as one piece (the consumer's side); reading resumes if it was paused."""
        pending = self.pending
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        pending.clear()  # reused: a new list per read was a GC-tracked allocation per read
        self.pending_size = 0
        if self.paused:
            self._resume()
        return data

    def _resume(self) -> None:
        self.paused = False
        if self._read_timeout is not None:
            self._last_read = self._loop.time()  # the time paused does not count against the server
        if self.transport is not None and not self.closed:
            self.transport.resume_reading()

    def _finish(self) -> None:
        self.state = _DONE
        self.reusable = self.keep_alive and not self.closed
        # The read timer is left to fire (it does nothing once the body is done) or to serve the next
        # request on this connection (see send); closing the connection cancels it.
        self._wake()

    def _fail(self, cls: type[httpx.TransportError], message: str) -> None:
        if self.failure is None:
            self.failure = (cls, message)
        self.reusable = False
        self.close()
        self._wake()

    def _wake(self) -> None:
        for waiter in (self.head_waiter, self.waiter):
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        self.head_waiter = self.waiter = None

    # -- timeouts

    def _stop_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def _on_timer(self) -> None:
        self._timer = None
        timeout = self._read_timeout
        if timeout is None or self.state in (_IDLE, _DONE) or self.failure is not None:
            return
        now = self._loop.time()
        if self.state == _HEAD:
            if now >= self._head_deadline:
                self._fail(
                    httpx.ReadTimeout,
                    f"no response headers within {timeout:g} s (nothing or a 1xx answer only was sent)",
                )
                return
            due = self._head_deadline
        elif self.paused:
            due = now + timeout  # the consumer lags: the server is not waited for
        else:
            due = self._last_read + timeout
            if now >= due:
                self._fail(httpx.ReadTimeout, f"no data for {timeout:g} s while reading the response body")
                return
        self._timer = self._loop.call_at(due, self._on_timer)

    @property
    def done(self) -> bool:
        """The body is complete."""
        return self.state == _DONE

    @property
    def head_received(self) -> bool:
        """The final response head arrived (a failure after it belongs to the body)."""
        return self.state not in (_IDLE, _HEAD)


class WireBody(httpx.AsyncByteStream):
    """The body of one response on a :class:`WireConnection`, as an httpx byte stream.

    Each iteration step gives everything that arrived since the last one (one socket read when the consumer
    keeps up). ``aclose`` hands the connection back through ``release`` (``True``: it may be reused, only
    after a complete body) or closes it.
    """

    __slots__ = ("_conn", "_make_request", "_release")

    def __init__(
        self,
        conn: WireConnection,
        make_request: Callable[[], httpx.Request],
        release: Callable[[WireConnection, bool], None],
    ) -> None:
        self._conn = conn
        self._make_request = make_request
        self._release: Callable[[WireConnection, bool], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        conn = self._conn
        loop = conn._loop
        while True:
            if conn.pending:
                yield conn.take()
                continue
            if conn.failure is not None:
                cls, message = conn.failure
                raise cls(message, request=self._make_request())
            if conn.state == _DONE:
                return
            waiter = conn.waiter = loop.create_future()
            try:
                await waiter
            except BaseException:
                conn.close()  # cancelled mid-body: nobody will read the rest
                raise

    # -- event mode: the stream engine's parser fed from the protocol itself

    def feed_to(self, sink: Callable[[bytes], list[Any]]) -> None:
        """From now on hand each piece of the body to ``sink`` (a stream parser's ``feed``) as it arrives.

        The stream engine then takes the events, or the future to wait on, with :meth:`poll_events`: the
        bytes are parsed in the protocol's read callback, and the consumer is woken once per read that
        completed an event - no queue of bytes, no byte-stream iterator between the socket and the parser.
        Whatever was queued before is fed at once. What ``sink`` raises is raised by :meth:`poll_events`
        after the events before it.
        """
        conn = self._conn
        conn.sink = sink
        if conn.pending:
            conn._push(conn.take())

    def poll_events(self) -> list[Any] | asyncio.Future[None] | None:
        """The events parsed since the last call; when there are none, a future that the next read that
        completes an event (or the end of the body, or a failure) completes - await it and poll again -
        or ``None`` once the body is complete and every event was taken. What the parser or the connection
        failed with is raised once the events before it were taken.

        One call per wake-up of the stream loop, so that a socket read costs the loop two calls: one that
        returns the events and one that returns the next future.
        """
        conn = self._conn
        events = conn.events
        if events:
            conn.events = []
            conn.pending_size = 0
            if conn.paused:
                conn._resume()
            return events
        error = conn.sink_error
        if error is not None:
            conn.sink_error = None
            raise error
        if conn.failure is not None:
            cls, message = conn.failure
            raise cls(message, request=self._make_request())
        if conn.state == _DONE:
            return None
        waiter = conn.waiter = conn._loop.create_future()
        return waiter

    async def drain(self, max_bytes: int, timeout: float) -> None:
        """After the stream ended (event mode or not): read the rest of the body so that the connection can
        be reused - at most ``max_bytes`` more, within ``timeout`` seconds. Past either, or when the
        connection fails, return at once: :meth:`aclose` then closes the connection instead of keeping it.
        """
        conn = self._conn
        conn.sink = None  # what follows the end is discarded, not parsed
        conn.events = []
        if conn.state == _DONE or conn.failure is not None:
            return
        loop = conn._loop
        expired = False

        def expire() -> None:
            nonlocal expired
            expired = True
            conn._wake()

        timer = loop.call_later(timeout, expire)
        budget = max_bytes
        try:
            while True:
                if conn.pending:
                    budget -= conn.pending_size
                    conn.take()
                    if budget < 0:
                        return
                if conn.state == _DONE or conn.failure is not None or expired:
                    return
                waiter = conn.waiter = loop.create_future()
                await waiter
        finally:
            timer.cancel()

    async def aread_limited(self, limit: int | None) -> bytes | None:
        """The whole body, or ``None`` as soon as it passes ``limit`` bytes."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in self:
            size += len(chunk)
            if limit is not None and size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    async def aread_whole(self, limit: int | None) -> bytes | None:
        """The whole body of a non-streamed call, or ``None`` past ``limit`` bytes (the stream path's
        :meth:`aread_limited` with the common cases short-cut).

        A ``Content-Length`` body announced larger than ``limit`` is refused before any of it is read, and
        one that arrived complete with its head (a small JSON answer, most of them) is returned as it is,
        one ``bytes`` with no wait and no copy.
        """
        conn = self._conn
        state = conn.state
        if state == _LENGTH and limit is not None and conn.body_left + conn.pending_size > limit:
            return None
        if state == _DONE and conn.failure is None:
            data = conn.take() if conn.pending else b""
            return None if limit is not None and len(data) > limit else data
        return await self.aread_limited(limit)

    @property
    def encoded(self) -> bool:
        """Whether the response carries a ``Content-Encoding`` other than ``identity`` (then the body needs
        decoding), from the head as parsed - the test ``is_encoded`` makes on the headers, without them."""
        encoding = self._conn.content_encoding
        return encoding is not None and encoding.strip().lower() not in (b"", b"identity")

    async def aclose(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            conn = self._conn
            release(conn, conn.done and conn.reusable and not conn.pending)

    def __del__(self) -> None:
        # A body dropped without aclose (a caller that forgot it): its connection is never reused, and its
        # slot in the pool is given back.
        release, self._release = self._release, None
        if release is not None:
            release(self._conn, False)
