"""Raw responses: what ``.with_raw_response`` and ``.with_streaming_response`` methods return.

A raw response wraps the 2xx :class:`httpx.Response` of one call together with how the SDK would have
read it (``parse()``): the typed model of a JSON route, the text of a text route, or the SDK's stream
object of a streamed call. Non-2xx answers never get here: they raise the SDK's typed errors as usual.
"""

from __future__ import annotations

import json as _json
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._body_read import read_body
from ._exceptions import JsonError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
    from types import TracebackType

    import httpx

__all__ = [
    "RETRIES_EXTENSION",
    "AsyncRawResponse",
    "AsyncStreamedRawResponse",
    "AsyncStreamedRawResponseManager",
    "RawResponse",
    "StreamedRawResponse",
    "StreamedRawResponseManager",
    "record_retries",
]

T = TypeVar("T")

#: The key of :attr:`httpx.Response.extensions` under which the client records how many retries an
#: answer took (read back by :attr:`RawResponse.retries_taken`).
RETRIES_EXTENSION = "vllm_sdk.retries_taken"

_UNSET: Any = object()


def record_retries(response: httpx.Response, retries: int) -> None:
    """Note on ``response`` how many retries its call took (the client does, for raw responses)."""
    response.extensions = {**response.extensions, RETRIES_EXTENSION: retries}


class _RawBase:
    """What every raw response shares: the metadata of the answer, no body access."""

    def __init__(self, response: httpx.Response, elapsed: float) -> None:
        self._response = response
        self._elapsed = elapsed

    @property
    def http_response(self) -> httpx.Response:
        """The underlying :class:`httpx.Response`."""
        return self._response

    @property
    def http_request(self) -> httpx.Request:
        """The :class:`httpx.Request` that was sent (of the last attempt when it was retried)."""
        return self._response.request

    @property
    def status_code(self) -> int:
        """The HTTP status code (always 2xx: other answers raise)."""
        return self._response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The response headers (case-insensitive)."""
        return self._response.headers

    @property
    def request_id(self) -> str | None:
        """The server's ``x-request-id`` header, when it sent one."""
        value: str | None = self._response.headers.get("x-request-id")
        return value

    @property
    def url(self) -> httpx.URL:
        """The URL the request went to."""
        return self._response.request.url

    @property
    def method(self) -> str:
        """The HTTP method of the request."""
        return self._response.request.method

    @property
    def elapsed(self) -> float:
        """Seconds from sending the (last) attempt to the headers of this answer."""
        return self._elapsed

    @property
    def retries_taken(self) -> int:
        """How many retries the call took before this answer (0: the first attempt succeeded)."""
        value = self._response.extensions.get(RETRIES_EXTENSION, 0)
        return value if isinstance(value, int) else 0

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code}] {self.method} {self.url}>"


def _decode_json(content: bytes) -> Any:
    try:
        return _json.loads(content)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise JsonError(
            f"the response body is not valid JSON: {exc}", text=content[:200].decode("utf-8", "replace")
        ) from exc
    except RecursionError as exc:
        raise JsonError("the response body is nested too deeply to decode") from exc


class RawResponse(_RawBase, Generic[T]):
    """The answer of a ``client.<resource>.with_raw_response.<method>(...)`` call (sync client).

    The body of a JSON answer is already read; the body of a streamed call (``stream=True``) is read by
    the stream that :meth:`parse` returns (or by :attr:`content`, which reads all of it).
    """

    def __init__(
        self,
        response: httpx.Response,
        elapsed: float,
        parse: Callable[[], T],
        max_size: int | None = None,
    ) -> None:
        super().__init__(response, elapsed)
        self._parse = parse
        self._max_size = max_size
        self._parsed: T = _UNSET

    def parse(self) -> T:
        """What the method returns without ``with_raw_response``: the typed model (cached), the text, or
        the stream object of a streamed call."""
        if self._parsed is _UNSET:
            self._parsed = self._parse()
        return self._parsed

    @property
    def content(self) -> bytes:
        """The whole body as bytes (read now if it was not; bounded by the client's
        ``max_response_size``)."""
        if not self._response.is_stream_consumed:
            try:
                read_body(self._response, self._max_size)
            finally:
                self._response.close()
        return self._response.content

    @property
    def text(self) -> str:
        """The body decoded as text."""
        self.content  # noqa: B018 - reads the body if it was not read yet
        return self._response.text

    def json(self) -> Any:
        """The body decoded as JSON (:class:`~vllm_sdk.JsonError` when it is not JSON)."""
        return _decode_json(self.content)

    def close(self) -> None:
        """Release the connection (only needed for an unread streamed body)."""
        self._response.close()


class AsyncRawResponse(_RawBase, Generic[T]):
    """The answer of a ``with_raw_response`` call of the async client; :meth:`parse` and the body
    accessors are awaited."""

    def __init__(
        self,
        response: httpx.Response,
        elapsed: float,
        parse: Callable[[], Awaitable[T]],
        max_size: int | None = None,
    ) -> None:
        super().__init__(response, elapsed)
        self._parse = parse
        self._max_size = max_size
        self._parsed: T = _UNSET

    async def parse(self) -> T:
        """The typed model (cached), the text, or the async stream object of a streamed call."""
        if self._parsed is _UNSET:
            self._parsed = await self._parse()
        return self._parsed

    async def read(self) -> bytes:
        """The whole body as bytes (read now if it was not)."""
        from ._body_read import aread_body

        if not self._response.is_stream_consumed:
            try:
                await aread_body(self._response, self._max_size)
            finally:
                await self._response.aclose()
        return self._response.content

    async def text(self) -> str:
        """The body decoded as text."""
        await self.read()
        return self._response.text

    async def json(self) -> Any:
        """The body decoded as JSON (:class:`~vllm_sdk.JsonError` when it is not JSON)."""
        return _decode_json(await self.read())

    async def close(self) -> None:
        """Release the connection (only needed for an unread streamed body)."""
        await self._response.aclose()


class StreamedRawResponse(_RawBase, Generic[T]):
    """The answer of a ``with_streaming_response`` call (sync client), inside its ``with`` block: the
    headers are in, the body is read only as you ask for it; leaving the block closes the connection."""

    def __init__(
        self,
        response: httpx.Response,
        elapsed: float,
        parse: Callable[[], T],
        max_size: int | None = None,
    ) -> None:
        super().__init__(response, elapsed)
        self._parse = parse
        self._max_size = max_size
        self._parsed: T = _UNSET

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body in chunks as it arrives (decompressed)."""
        return self._response.iter_bytes(chunk_size)

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        """The body decoded to text, in chunks as it arrives."""
        return self._response.iter_text(chunk_size)

    def iter_lines(self) -> Iterator[str]:
        """The body line by line as it arrives."""
        return self._response.iter_lines()

    def read(self) -> bytes:
        """The rest of the body (bounded by the client's ``max_response_size``)."""
        if not self._response.is_stream_consumed:
            read_body(self._response, self._max_size)
        return self._response.content

    def text(self) -> str:
        """The whole body as text."""
        self.read()
        return self._response.text

    def json(self) -> Any:
        """The whole body decoded as JSON."""
        return _decode_json(self.read())

    def parse(self) -> T:
        """The typed model of a JSON answer (reads the body; cached), or the SDK's stream object of a
        streamed call (which reads the body as you iterate it)."""
        if self._parsed is _UNSET:
            self._parsed = self._parse()
        return self._parsed

    def close(self) -> None:
        """Close the connection (leaving the ``with`` block does)."""
        self._response.close()


class AsyncStreamedRawResponse(_RawBase, Generic[T]):
    """The async twin of :class:`StreamedRawResponse` (inside ``async with``)."""

    def __init__(
        self,
        response: httpx.Response,
        elapsed: float,
        parse: Callable[[], Awaitable[T]],
        max_size: int | None = None,
    ) -> None:
        super().__init__(response, elapsed)
        self._parse = parse
        self._max_size = max_size
        self._parsed: T = _UNSET

    def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The body in chunks as it arrives (decompressed)."""
        return self._response.aiter_bytes(chunk_size)

    def iter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        """The body decoded to text, in chunks as it arrives."""
        return self._response.aiter_text(chunk_size)

    def iter_lines(self) -> AsyncIterator[str]:
        """The body line by line as it arrives."""
        return self._response.aiter_lines()

    async def read(self) -> bytes:
        """The rest of the body (bounded by the client's ``max_response_size``)."""
        from ._body_read import aread_body

        if not self._response.is_stream_consumed:
            await aread_body(self._response, self._max_size)
        return self._response.content

    async def text(self) -> str:
        """The whole body as text."""
        await self.read()
        return self._response.text

    async def json(self) -> Any:
        """The whole body decoded as JSON."""
        return _decode_json(await self.read())

    async def parse(self) -> T:
        """The typed model of a JSON answer (reads the body; cached), or the async stream object of a
        streamed call."""
        if self._parsed is _UNSET:
            self._parsed = await self._parse()
        return self._parsed

    async def close(self) -> None:
        """Close the connection (leaving the ``async with`` block does)."""
        await self._response.aclose()


class StreamedRawResponseManager(Generic[T]):
    """The context manager a ``with_streaming_response`` call returns: the request is sent on entering."""

    def __init__(self, send: Callable[[], StreamedRawResponse[T]]) -> None:
        self._send = send
        self._raw: StreamedRawResponse[T] | None = None

    def __enter__(self) -> StreamedRawResponse[T]:
        self._raw = self._send()
        return self._raw

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._raw is not None:
            self._raw.close()


class AsyncStreamedRawResponseManager(Generic[T]):
    """The async context manager an async ``with_streaming_response`` call returns."""

    def __init__(self, send: Awaitable[AsyncStreamedRawResponse[T]]) -> None:
        self._send = send
        self._raw: AsyncStreamedRawResponse[T] | None = None

    async def __aenter__(self) -> AsyncStreamedRawResponse[T]:
        self._raw = await self._send
        return self._raw

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._raw is not None:
            await self._raw.close()
