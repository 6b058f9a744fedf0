"""Memory stays bounded under compression (issue 16 item 11): a gzip/deflate body is inflated in bounded
pieces, so the parser is never handed more than ``_decompress.PIECE`` bytes per call and ``max_event_size``
bounds an event's decompressed bytes. Asserted on the largest buffer fed to the parser (both builds, through
the autouse ``_build`` fixture), never on RSS or time. Whole bodies (``max_response_size``) likewise."""

from __future__ import annotations

import gzip
import zlib
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk import _speedups
from vllm_sdk._body_read import aread_body, read_body
from vllm_sdk._decompress import PIECE, BoundedDecoder
from vllm_sdk._exceptions import InvalidResponseError, StreamError
from vllm_sdk._streams import AsyncMessageStream, MessageStream

from .conftest import DONE, SSE_HEADERS, AsyncBody, SyncBody, chat_chunk

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

#: Decompressed size of the bombs: large against PIECE, small enough for a unit test.
BOMB = 16 * 1024 * 1024


def _wire(data: bytes, encoding: str = "gzip") -> list[bytes]:
    """``data`` compressed, in 1 KiB network chunks (each inflates to about a megabyte)."""
    packed = gzip.compress(data) if encoding == "gzip" else zlib.compress(data)
    return [packed[i : i + 1024] for i in range(0, len(packed), 1024)]


class _Recording:
    """Wraps the build's parser and remembers the largest buffer fed to it."""

    largest = 0

    def __init__(self, factory: Any, *args: Any, **kwargs: Any) -> None:
        self._inner = factory(*args, **kwargs)

    def feed(self, data: bytes) -> list[Any]:
        _Recording.largest = max(_Recording.largest, len(data))
        return self._inner.feed(data)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.fixture
def recording(_build: ModuleType, monkeypatch: pytest.MonkeyPatch) -> type[_Recording]:
    _Recording.largest = 0
    factory = _build.ChatStreamParser
    monkeypatch.setattr(_speedups, "ChatStreamParser", lambda *a, **k: _Recording(factory, *a, **k))
    return _Recording


def _headers(encoding: str) -> dict[str, str]:
    return {**SSE_HEADERS, "content-encoding": encoding}


NEWLINE_BOMB = chat_chunk("a") + b"\n" * BOMB + chat_chunk("b", finish="stop") + DONE


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_sync_a_newline_bomb_reaches_the_parser_in_bounded_pieces(
    encoding: str, recording: type[_Recording], open_sync: Callable[..., Any]
) -> None:
    response = open_sync(SyncBody(_wire(NEWLINE_BOMB, encoding)), headers=_headers(encoding))
    with MessageStream(response) as stream:
        assert stream.collect_content() == "ab"
    assert 0 < recording.largest <= PIECE


async def test_async_a_newline_bomb_reaches_the_parser_in_bounded_pieces(
    recording: type[_Recording], open_async: Callable[..., Any]
) -> None:
    response = await open_async(AsyncBody(_wire(NEWLINE_BOMB)), headers=_headers("gzip"))
    async with AsyncMessageStream(response) as stream:
        assert await stream.collect_content() == "ab"
    assert 0 < recording.largest <= PIECE


HUGE_EVENT = chat_chunk("a") + b"data: " + b"x" * BOMB + b"\n\n" + DONE


def test_sync_max_event_size_bounds_decompressed_bytes(
    recording: type[_Recording], open_sync: Callable[..., Any]
) -> None:
    body = SyncBody(_wire(HUGE_EVENT))
    response = open_sync(body, headers=_headers("gzip"))
    with (
        MessageStream(response, max_event_size=1024 * 1024) as stream,
        pytest.raises(StreamError, match="max_event_size"),
    ):
        stream.collect_content()
    assert recording.largest <= PIECE
    assert body.state.reads < len(body.chunks)  # stopped early: the rest of the bomb was never inflated


async def test_async_max_event_size_bounds_decompressed_bytes(
    recording: type[_Recording], open_async: Callable[..., Any]
) -> None:
    body = AsyncBody(_wire(HUGE_EVENT))
    response = await open_async(body, headers=_headers("gzip"))
    async with AsyncMessageStream(response, max_event_size=1024 * 1024) as stream:
        with pytest.raises(StreamError, match="max_event_size"):
            await stream.collect_content()
    assert recording.largest <= PIECE
    assert body.state.reads < len(body.chunks)


def test_the_decoder_yields_bounded_pieces_and_the_same_bytes() -> None:
    data = bytes(range(256)) * 1000 + b"\0" * (BOMB // 8)
    for encoding, packed in (("gzip", gzip.compress(data)), ("deflate", zlib.compress(data))):
        decoder = BoundedDecoder(encoding)
        pieces = [p for i in range(0, len(packed), 4096) for p in decoder.feed(packed[i : i + 4096])]
        pieces += list(decoder.flush())
        assert max(map(len, pieces)) <= PIECE
        assert b"".join(pieces) == data
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    packed = raw.compress(data) + raw.flush()
    decoder = BoundedDecoder("deflate")  # raw deflate without the zlib header, as some servers send
    assert b"".join([*decoder.feed(packed), *decoder.flush()]) == data
    with pytest.raises(httpx.DecodingError):
        list(BoundedDecoder("gzip").feed(b"not gzip at all"))


def _json_bomb_response(transport_body: Any, client_cls: Any) -> tuple[Any, Any]:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "content-encoding": "gzip"}
        return httpx.Response(200, headers=headers, stream=transport_body)

    client = client_cls(transport=httpx.MockTransport(handler))
    return client, client.build_request("GET", "http://vllm.test/v1/models")


def test_a_whole_body_bomb_stops_at_max_response_size() -> None:
    body = SyncBody(_wire(b"[" + b" " * BOMB + b"]"))
    client, request = _json_bomb_response(body, httpx.Client)
    with client:
        response = client.send(request, stream=True)
        with pytest.raises(InvalidResponseError, match="max_response_size"):
            read_body(response, 1024 * 1024)
    assert body.state.reads < len(body.chunks)


async def test_async_a_whole_body_bomb_stops_at_max_response_size() -> None:
    body = AsyncBody(_wire(b"[" + b" " * BOMB + b"]"))
    client, request = _json_bomb_response(body, httpx.AsyncClient)
    async with client:
        response = await client.send(request, stream=True)
        with pytest.raises(InvalidResponseError, match="max_response_size"):
            await aread_body(response, 1024 * 1024)
    assert body.state.reads < len(body.chunks)
