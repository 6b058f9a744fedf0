"""Fixtures for the stream tests: recorded vLLM bodies, fake streaming bodies, responses through httpx.

Every test here runs once per parser build: the autouse ``_build`` fixture points the selector module at
the build the root ``engine`` fixture hands out, and the streams look their parser up there.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

import vllm_sdk._speedups as speedups
from reference_data import TRANSCRIPTS, require

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator, Sequence
    from types import ModuleType


@pytest.fixture(autouse=True)
def _build(engine: ModuleType, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setattr(speedups, "ChatStreamParser", engine.ChatStreamParser)
    monkeypatch.setattr(speedups, "CompletionStreamParser", engine.CompletionStreamParser)
    return engine


def transcript_body(name: str) -> bytes:
    """The body of ``transcripts/NAME.http``: the HTTP head stripped (bodies are stored de-chunked)."""
    path = require(TRANSCRIPTS / f"{name}.http")
    _head, sep, body = path.read_bytes().partition(b"\r\n\r\n")
    assert sep, f"{path} has no blank line after its head"
    return body


def split_events(body: bytes) -> list[bytes]:
    """One chunk per SSE event (with its blank line), the way vLLM writes them."""
    parts = body.split(b"\n\n")
    chunks = [part + b"\n\n" for part in parts[:-1]]
    if parts[-1]:
        chunks.append(parts[-1])
    return chunks


def data_chunk(payload: str) -> bytes:
    return f"data: {payload}\n\n".encode()


def chat_chunk(content: str | None = None, *, finish: str | None = None, index: int = 0) -> bytes:
    """A vLLM-shaped chat chunk carrying ``content`` and/or ``finish``."""
    import json

    delta: dict[str, Any] = {} if content is None else {"content": content}
    choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
    chunk = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "tiny",
        "choices": [choice],
    }
    return data_chunk(json.dumps(chunk))


DONE = b"data: [DONE]\n\n"


class Body:
    """What a fake body did: how many chunks were read, whether it was read to the end and closed."""

    def __init__(self) -> None:
        self.reads = 0
        self.exhausted = False
        self.closed = False


class SyncBody(httpx.SyncByteStream):
    """A sync streaming body: yields ``chunks``; ``delays[i]`` seconds of sleep before chunk ``i``; raises
    ``error`` after the last chunk instead of ending."""

    def __init__(
        self,
        chunks: Sequence[bytes],
        *,
        error: BaseException | None = None,
        delays: dict[int, float] | None = None,
    ) -> None:
        self.chunks = list(chunks)
        self.error = error
        self.delays = delays or {}
        self.state = Body()

    def __iter__(self) -> Iterator[bytes]:
        for i, chunk in enumerate(self.chunks):
            delay = self.delays.get(i)
            if delay:
                time.sleep(delay)
            self.state.reads += 1
            yield chunk
        if self.error is not None:
            raise self.error
        self.state.exhausted = True

    def close(self) -> None:
        self.state.closed = True


class AsyncBody(httpx.AsyncByteStream):
    """The async twin of :class:`SyncBody`; ``stall_after`` > 0 makes it hang forever after that many
    chunks (a server that stops sending without closing)."""

    def __init__(
        self,
        chunks: Sequence[bytes],
        *,
        error: BaseException | None = None,
        delays: dict[int, float] | None = None,
        stall_at: int | None = None,
    ) -> None:
        self.chunks = list(chunks)
        self.error = error
        self.delays = delays or {}
        self.stall_at = stall_at
        self.state = Body()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, chunk in enumerate(self.chunks):
            if i == self.stall_at:
                await asyncio.Event().wait()  # never set: hangs until cancelled
            delay = self.delays.get(i)
            if delay:
                await asyncio.sleep(delay)
            self.state.reads += 1
            yield chunk
        if self.stall_at is not None and self.stall_at >= len(self.chunks):
            await asyncio.Event().wait()
        if self.error is not None:
            raise self.error
        self.state.exhausted = True

    async def aclose(self) -> None:
        self.state.closed = True


URL = "http://vllm.test/v1/chat/completions"
SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8", "x-request-id": "req-123"}


@pytest.fixture
def open_sync() -> Iterator[Callable[..., httpx.Response]]:
    """``open_sync(body, headers=...)``: a 2xx streaming response sent through a real ``httpx.Client``."""
    clients: list[httpx.Client] = []

    def opener(body: httpx.SyncByteStream, headers: dict[str, str] | None = None) -> httpx.Response:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, headers=headers or SSE_HEADERS, stream=body)

        client = httpx.Client(transport=httpx.MockTransport(handler))
        clients.append(client)
        return client.send(client.build_request("POST", URL, json={"stream": True}), stream=True)

    yield opener
    for client in clients:
        client.close()


@pytest.fixture
async def open_async() -> AsyncIterator[Callable[..., Any]]:
    """``await open_async(body, headers=...)``: the same through a real ``httpx.AsyncClient``."""
    clients: list[httpx.AsyncClient] = []

    async def opener(body: httpx.AsyncByteStream, headers: dict[str, str] | None = None) -> httpx.Response:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, headers=headers or SSE_HEADERS, stream=body)

        client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        clients.append(client)
        return await client.send(client.build_request("POST", URL, json={"stream": True}), stream=True)

    yield opener
    for client in clients:
        await client.aclose()
