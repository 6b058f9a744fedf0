"""A hostile vLLM of the tests' own: answers chosen by the request, bytes chosen by the test.

Each chat request names its behaviour in its (only) user message; see :data:`BODIES` and
:meth:`HostileServer._handle`. Attempts are counted per behaviour and per ``custom_id`` so tests can
assert how often a request was sent. The server runs on aiohttp in a background thread on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

DEPTH_BEYOND_EVERY_PARSER = 5000  # deeper than orjson (1024) and the stdlib's recursion limit (1000)
DEPTH_BEYOND_ORJSON_DUMPS = 300  # orjson reads it but will not write it (its limit is 255)
HUGE = 2**70


def _completion(content: str = "fine", **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-hostile",
        "object": "chat.completion",
        "created": 1,
        "model": "mock",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        **extra,
    }


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _ok_with(raw_field: bytes) -> bytes:
    """A completion body with one more field whose JSON text is ``raw_field`` (spliced in as bytes)."""
    body = json.dumps(_completion()).encode()
    return body[:-1] + b', "poison": ' + raw_field + b"}"


def _error_with(raw_field: bytes) -> bytes:
    head = b'{"error": {"message": "poisoned", "type": "BadRequestError", "code": 400, "poison": '
    return head + raw_field + b"}}"


#: Non-streamed answers: behaviour -> (status, body bytes).
BODIES: dict[str, tuple[int, bytes]] = {
    "ok": (200, json.dumps(_completion()).encode()),
    "deep-ok": (200, _ok_with(_deep(DEPTH_BEYOND_EVERY_PARSER))),
    "deep300-ok": (200, _ok_with(_deep(DEPTH_BEYOND_ORJSON_DUMPS))),
    "huge-int-ok": (200, _ok_with(str(HUGE).encode())),
    "surrogate-ok": (200, _ok_with(b'"\\ud800"')),
    "bad-utf8-ok": (200, _ok_with(b'"\xff\xfe"')),
    "deep-error": (400, _error_with(_deep(DEPTH_BEYOND_EVERY_PARSER))),
    "huge-int-error": (400, _error_with(str(HUGE).encode())),
    "surrogate-error": (400, b'{"error": {"message": "bad \\ud800", "type": "BadRequestError"}}'),
    "bad-utf8-error": (400, _error_with(b'"\xff"')),
    "bad-request": (400, b'{"error": {"message": "no", "type": "BadRequestError", "code": 400}}'),
}


def _chunk(delta: dict[str, Any], *, finish: str | None = None, created: object = 1) -> bytes:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    chunk = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": created, "model": "mock"}
    return b"data: " + json.dumps({**chunk, "choices": [choice]}).encode() + b"\n\n"


def _sse(*chunks: bytes) -> bytes:
    return b"".join(chunks) + b"data: [DONE]\n\n"


#: Streamed answers: behaviour -> the SSE body.
STREAMS: dict[str, bytes] = {
    "ok": _sse(_chunk({"role": "assistant", "content": "fi"}), _chunk({"content": "ne"}, finish="stop")),
    "surrogate-stream": _sse(
        _chunk({"role": "assistant", "content": "x"}),
        b'data: {"id":"chatcmpl-s","object":"chat.completion.chunk","created":1,"model":"mock",'
        b'"choices":[{"index":0,"delta":{"content":"\\ud800"},"finish_reason":null}]}\n\n',
        _chunk({}, finish="stop"),
    ),
    "huge-int-stream": _sse(
        b'data: {"id":"chatcmpl-s","object":"chat.completion.chunk","created":' + str(HUGE).encode() + b","
        b'"model":"mock","choices":[{"index":0,"delta":{"role":"assistant","content":"big"},'
        b'"finish_reason":null}]}\n\n',
        _chunk({}, finish="stop"),
    ),
    "deep-stream": _sse(
        _chunk({"role": "assistant", "content": "x"}),
        b"data: " + _deep(DEPTH_BEYOND_EVERY_PARSER) + b"\n\n",
        _chunk({}, finish="stop"),
    ),
    "bad-utf8-stream": _sse(
        _chunk({"role": "assistant", "content": "x"}),
        b'data: {"id":"chatcmpl-s","object":"chat.completion.chunk","created":1,"model":"mock",'
        b'"choices":[{"index":0,"delta":{"content":"\xff"},"finish_reason":null}]}\n\n',
        _chunk({}, finish="stop"),
    ),
}


class HostileServer:
    """``with HostileServer() as srv:`` -- ``srv.base_url``, ``srv.attempts[custom behaviour]``."""

    def __init__(self) -> None:
        self.attempts: Counter[str] = Counter()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        #: Requests whose behaviour is "hold" wait for this event (set it to let them finish).
        self.release = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        behaviour = body["messages"][-1]["content"]
        self.attempts[behaviour] += 1
        attempt = self.attempts[behaviour]
        if behaviour.startswith("broken-once"):  # a stream cut part-way on the first attempt only
            return await self._stream(request, STREAMS["ok"], cut=attempt == 1)
        if behaviour == "broken-always":
            return await self._stream(request, STREAMS["ok"], cut=True)
        if behaviour == "trickle":  # keep-alive comments, and never an event
            return await self._trickle(request)
        if behaviour == "drip":  # a 10 MB body, one byte every 20 ms: each read is quick, the whole is not
            return await self._drip(request)
        if behaviour == "endless":  # a token every 20 ms: never silent, never done
            return await self._endless(request)
        if behaviour == "hold":  # answer only once the test sets ``release``
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
            behaviour = "ok"
        if behaviour.startswith("fail-then-ok"):  # a 503 on the first attempt, then fine
            if attempt == 1:
                return web.Response(status=503, body=b'{"error": {"message": "busy", "code": 503}}')
            behaviour = "ok"
        if body.get("stream"):
            return await self._stream(request, STREAMS.get(behaviour, STREAMS["ok"]), cut=False)
        status, raw = BODIES.get(behaviour, BODIES["ok"])
        return web.Response(status=status, body=raw, content_type="application/json")

    async def _stream(self, request: web.Request, sse: bytes, *, cut: bool) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        if cut:
            await response.write(sse[: len(sse) // 3])
            assert request.transport is not None
            request.transport.close()  # the connection drops mid-body: no [DONE], no chunk terminator
            return response
        await response.write(sse)
        await response.write_eof()
        return response

    async def _trickle(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        try:
            while True:  # until the client gives up (the write fails) or the server stops
                await response.write(b": keep-alive\n\n")
                await asyncio.sleep(0.02)
        except ConnectionError:  # the client gave up: what the test waits for
            return response

    async def _drip(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"content-type": "application/json", "content-length": str(10_000_000)}
        )
        await response.prepare(request)
        try:
            for _ in range(
                500
            ):  # 10 s, then the connection drops: a client without a deadline fails otherwise
                await response.write(b" ")
                await asyncio.sleep(0.02)
        except ConnectionError:  # the client gave up
            return response
        assert request.transport is not None
        request.transport.close()
        return response

    async def _endless(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        try:
            await response.write(_chunk({"role": "assistant", "content": ""}))
            for _ in range(500):  # 10 s of tokens, then the connection drops (see _drip)
                await response.write(_chunk({"content": "x"}))
                await asyncio.sleep(0.02)
        except ConnectionError:
            return response
        assert request.transport is not None
        request.transport.close()
        return response

    def _main(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner = web.AppRunner(app)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup())
        loop.close()

    def __enter__(self) -> HostileServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._loop is not None
        self.release.set()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def write_behaviours(path: Path, behaviours: list[str], *, prefix: str = "") -> Path:
    """A batch file with one chat request per behaviour; ``custom_id`` is ``prefix + behaviour``."""
    with path.open("w") as f:
        for behaviour in behaviours:
            line = {
                "custom_id": prefix + behaviour,
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": "mock", "messages": [{"role": "user", "content": behaviour}]},
            }
            f.write(json.dumps(line) + "\n")
    return path
