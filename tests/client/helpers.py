"""Helpers of the client tests: a scripted httpx.MockTransport and one test body for both clients.

``api`` is parametrised over the sync and the async client: ``api.make(*replies)`` builds a client whose
transport answers with the scripted replies in order (an ``httpx.Response``, a dict sent as JSON, an
exception to raise, or a function of the request), ``api.run(x)`` awaits ``x`` for the async client, and
``api.sent`` lists the requests the transport received. Sleeps between retries are recorded, not slept.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from vllm_sdk import AsyncVllmClient, VllmClient

BASE = "http://vllm.test:8000/v1"

Reply = httpx.Response | dict[str, Any] | BaseException | Callable[[httpx.Request], httpx.Response]


def chat_body(content: str | None = "Hello!", **message: Any) -> dict[str, Any]:
    """A chat completion body like vLLM's."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, **message},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }


def sse(*chunks: dict[str, Any] | str) -> bytes:
    """An SSE body: each chunk as a ``data:`` event, then ``[DONE]``."""
    out = [f"data: {c if isinstance(c, str) else json.dumps(c)}\n\n" for c in chunks]
    out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def delta_chunk(content: str, finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}],
    }


@dataclass
class Script:
    """The scripted transport: replies in order; the last one repeats when the script runs out."""

    replies: list[Reply]
    sent: list[httpx.Request] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        self.bodies.append(request.read())
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, httpx.Response):
            # A fresh copy each time: a canned response may be replayed (retries, parametrised tests).
            return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)
        if isinstance(reply, dict):
            return httpx.Response(200, json=reply)
        return reply(request)


class Api:
    """One test body for both clients (see the module docstring)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.script = Script([httpx.Response(200, json=chat_body())])
        self.sleeps: list[float] = []
        self.clients: list[VllmClient | AsyncVllmClient] = []

    @property
    def is_async(self) -> bool:
        return self.kind == "async"

    @property
    def sent(self) -> list[httpx.Request]:
        return self.script.sent

    @property
    def bodies(self) -> list[bytes]:
        return self.script.bodies

    def make(self, *replies: Reply, **options: Any) -> Any:
        if replies:
            self.script.replies = list(replies)
        options.setdefault("base_url", BASE)
        transport = httpx.MockTransport(self.script)
        client: VllmClient | AsyncVllmClient
        if self.is_async:
            client = AsyncVllmClient(http_client=httpx.AsyncClient(transport=transport), **options)

            async def fake_async_sleep(seconds: float) -> None:
                self.sleeps.append(seconds)

            client._sleep = fake_async_sleep
        else:
            client = VllmClient(http_client=httpx.Client(transport=transport), **options)
            client._sleep = self.sleeps.append
        self.clients.append(client)
        return client

    def run(self, value: Any) -> Any:
        if self.is_async and asyncio.iscoroutine(value):
            return asyncio.run(value)
        return value

    def close(self, client: Any) -> None:
        if self.is_async:
            asyncio.run(client.aclose())
        else:
            client.close()


class ChunkStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body delivered chunk by chunk (not pre-read, as a network body), sync or async."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True
