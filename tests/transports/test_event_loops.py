"""One AsyncVllmClient across event loops: successive asyncio.run calls work, concurrent loops are refused."""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import AsyncVllmClient, VllmError
from vllm_sdk._transports import TRANSPORT_ENV, AiohttpTransport, LoopBoundHTTPTransport
from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterator

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture(scope="module")
def mock_server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


def _uvloop_run(coro: Coroutine[Any, Any, Any]) -> Any:
    uvloop = pytest.importorskip("uvloop")
    return uvloop.run(coro)


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """``asyncio.run`` or ``uvloop.run`` (skipped where uvloop is not installed, e.g. on Windows)."""
    if request.param == "uvloop":
        pytest.importorskip("uvloop")
        return _uvloop_run
    return asyncio.run


@pytest.fixture(params=["httpx", "aiohttp", "wire"])
def client(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, mock_server: MockVllmServer
) -> AsyncVllmClient:
    monkeypatch.setenv(TRANSPORT_ENV, str(request.param))
    return AsyncVllmClient(mock_server.base_url, max_retries=0)


def _transport(client: AsyncVllmClient) -> Any:
    transport = client._pool.http._transport
    assert isinstance(transport, (AiohttpTransport, LoopBoundHTTPTransport))
    return transport


def _resource_warnings(body: Callable[[], None]) -> list[str]:
    """Run ``body`` and collect every ResourceWarning it (or the garbage it leaves) emits."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        body()
        gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


async def _one_request(client: AsyncVllmClient) -> tuple[str | None, str]:
    reply = await client.chat.completions.create(model="mock", messages=MESSAGES, max_tokens=3)
    stream = await client.chat.completions.create(model="mock", messages=MESSAGES, max_tokens=3, stream=True)
    return reply.content, await stream.collect_content()


def test_successive_runs_reuse_one_client(
    client: AsyncVllmClient, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    results: list[tuple[str | None, str]] = []
    loops: list[object] = []

    async def request_and_note_loop() -> tuple[str | None, str]:
        result = await _one_request(client)
        loops.append(_transport(client)._loop)
        assert loops[-1] is asyncio.get_running_loop()
        return result

    def body() -> None:
        for _ in range(3):
            results.append(run(request_and_note_loop()))
        run(client.aclose())

    assert _resource_warnings(body) == []
    assert len(results) == 3
    assert results[0][0]
    assert results[0][1]
    assert results[1:] == [results[0], results[0]]
    assert len({id(loop) for loop in loops}) == 3  # each run really had its own loop and session


def test_the_end_of_a_run_closes_the_pool_on_its_own_loop(
    client: AsyncVllmClient, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    """asyncio.run / uvloop.run shut the loop's async generators down: the pool closes there, properly."""
    pooled: list[Any] = []

    async def request_and_note_connections() -> None:
        await _one_request(client)
        pooled.extend(_open_transports(client))

    def body() -> None:
        run(request_and_note_connections())
        assert pooled, "the run should have left a pooled keep-alive connection at its end"
        assert all(t.is_closing() for t in pooled)  # closed before the loop was, by the shutdown hook
        assert _transport(client)._loop is None
        assert run(_one_request(client))[1]  # the next run opens a fresh pool
        run(client.aclose())

    assert _resource_warnings(body) == []


def test_a_loop_closed_by_hand_has_its_connections_closed_synchronously(client: AsyncVllmClient) -> None:
    """No shutdown_asyncgens() before close(): the next loop closes the old sockets without the old loop."""

    def body() -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(_one_request(client))
            pooled = _open_transports(client)
            assert pooled
        finally:
            loop.close()
        assert not any(t.is_closing() for t in pooled)  # nobody closed them yet
        assert asyncio.run(_one_request(client))[1]
        assert all(t.is_closing() for t in pooled)
        asyncio.run(client.aclose())

    assert _resource_warnings(body) == []


def test_stream_abandoned_in_the_first_loop(
    client: AsyncVllmClient, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def open_stream() -> None:
        stream = await client.chat.completions.create(
            model="mock", messages=MESSAGES, max_tokens=50, stream=True
        )
        async for _ in stream:
            break  # neither consumed nor closed: its connection is still checked out when the loop ends

    def body() -> None:
        run(open_stream())
        assert run(_one_request(client))[1]
        run(client.aclose())

    assert _resource_warnings(body) == []


def test_closing_the_client_inside_the_run_disarms_the_shutdown_hook(
    client: AsyncVllmClient, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def use_and_close() -> None:
        async with client:
            await _one_request(client)
            assert _transport(client)._shutdown_hook is not None
        assert _transport(client)._shutdown_hook is None

    assert _resource_warnings(lambda: run(use_and_close())) == []


def test_closed_client_raises_vllm_error_on_a_new_loop(client: AsyncVllmClient) -> None:
    async def close_then_send() -> None:
        await client.aclose()

    def body() -> None:
        asyncio.run(_one_request(client))
        asyncio.run(close_then_send())
        with pytest.raises(VllmError):
            asyncio.run(_one_request(client))

    assert _resource_warnings(body) == []


def test_idle_loops_taking_turns(client: AsyncVllmClient) -> None:
    """Two loops of one thread, neither closed, used in turn (run_until_complete style)."""

    def body() -> None:
        first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
        try:
            assert first.run_until_complete(_one_request(client))[1]
            assert second.run_until_complete(_one_request(client))[1]
            assert first.run_until_complete(_one_request(client))[1]  # back to the idle first loop
            first.run_until_complete(client.aclose())
        finally:
            first.close()
            second.close()

    assert _resource_warnings(body) == []


class _LoopThread:
    """An event loop running in a background thread, for the concurrent-loops case."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


def test_concurrent_loops_are_refused_with_a_vllm_error(client: AsyncVllmClient) -> None:
    def body() -> None:
        other = _LoopThread()
        try:
            assert other.run(_one_request(client))[1]
            with pytest.raises(VllmError, match="one event loop at a time") as info:
                asyncio.run(_one_request(client))
            assert not info.value.is_retryable
            # The owning loop is unaffected and keeps serving the client.
            assert other.run(_one_request(client))[1]
            # Closing from this thread hands the close to the owning loop.
            asyncio.run(client.aclose())
            assert _transport(client)._loop is None
        finally:
            other.stop()

    assert _resource_warnings(body) == []


def test_client_moves_on_once_the_other_loop_has_stopped(client: AsyncVllmClient) -> None:
    def body() -> None:
        other = _LoopThread()
        try:
            other.run(_one_request(client))
        finally:
            other.stop()  # stopped and closed, its connections still pooled
        assert asyncio.run(_one_request(client))[1]
        asyncio.run(client.aclose())

    assert _resource_warnings(body) == []


def _open_transports(client: AsyncVllmClient) -> list[Any]:
    """The asyncio transports of the pool's open connections (every HTTP transport, any event loop)."""
    transport = _transport(client)
    transports: list[Any] = []
    if isinstance(transport, AiohttpTransport):
        connector = transport._session.connector if transport._session is not None else None
        for pooled in getattr(connector, "_conns", {}).values():
            transports.extend(proto.transport for proto, _ in pooled)
        wire = transport._wire  # the SDK's own connections (the wire transport's direct calls)
        if wire is not None:
            transports.extend(conn.transport for conn in wire._live)
    else:
        pool = transport._transport._pool
        for connection in pool._connections:
            transports.append(connection._connection._network_stream._stream._transport)
    return [t for t in transports if t is not None and not t.is_closing()]


def test_loop_shutdown_hook_fires_once_at_shutdown_and_never_after_cancel(
    run: Callable[[Coroutine[Any, Any, Any]], Any],
) -> None:
    from vllm_sdk._transports._event_loops import LoopShutdownHook

    fired: list[object] = []

    async def note() -> None:
        fired.append(asyncio.get_running_loop())  # runs on the loop that is shutting down

    hooks: dict[str, LoopShutdownHook] = {}

    async def arm() -> object:
        hooks["kept"] = LoopShutdownHook(note)
        hooks["cancelled"] = LoopShutdownHook(note)
        hooks["cancelled"].cancel()
        return asyncio.get_running_loop()

    loop = run(arm())
    assert fired == [loop]
    assert not hooks["kept"].armed
    assert not hooks["cancelled"].armed


def test_loop_shutdown_hook_is_inert_without_async_generator_hooks() -> None:
    import sys

    from vllm_sdk._transports._event_loops import LoopShutdownHook

    fired: list[bool] = []

    async def note() -> None:
        fired.append(True)

    async def arm_without_hooks() -> LoopShutdownHook:
        saved = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(firstiter=None, finalizer=None)
        try:
            return LoopShutdownHook(note)
        finally:
            sys.set_asyncgen_hooks(*saved)

    hook = asyncio.run(arm_without_hooks())
    assert not hook.armed
    assert fired == []
