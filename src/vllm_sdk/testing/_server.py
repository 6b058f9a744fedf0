"""MockVllmServer: lifecycle of the embedded server (background thread, or the running event loop)."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

from aiohttp import web

from ._app import build_app
from ._faults import Fault, parse_faults
from ._header_deadline import guarded_factory
from ._state import Metrics, RecordedRequest, ServerState

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

__all__ = ["MockVllmServer"]

#: How long a stop waits for in-flight responses before cancelling them.
_SHUTDOWN_TIMEOUT = 0.5
_THREAD_JOIN_TIMEOUT = 15.0


class MockVllmServer:
    """An in-process HTTP server that speaks vLLM 0.32.0's OpenAI-compatible API, byte for byte.

    It generates deterministic text (the same request always gets the same tokens), streams it with vLLM's
    chunk shapes, answers errors with vLLM's bodies and statuses, and injects faults on demand (see
    :mod:`vllm_sdk.testing._faults` for the grammar). Start it in a background thread::

        with MockVllmServer() as srv:
            client = VllmClient(srv.base_url)

    or on the running event loop::

        async with MockVllmServer(token_delay=0.01) as srv:
            ...

    Args:
        model: the served model name (requests naming another model get vLLM's 404).
        host: interface to bind; loopback by default.
        port: TCP port; 0 picks a free one (read it back from :attr:`port`).
        api_key: when set, ``/v1/*`` routes require ``Authorization: Bearer <api_key>`` (401 otherwise).
        token_delay: seconds to wait before each stream event (simulated decode speed); a request can
            override it with the ``x-mock-token-delay`` header.
        faults: server-wide faults, a spec string such as ``"status=503:2"`` or a list of specs.
        served_models: extra model names served as aliases of ``model``.
        max_model_len: the context window used for vLLM's length checks.
        embedding_dim: length of ``/v1/embeddings`` vectors.
        max_recorded_requests: how many requests :attr:`requests` keeps (oldest dropped first; 0 keeps
            none, None keeps all) so long benchmarks do not grow memory without bound.
        max_recorded_bytes: how many body bytes :attr:`requests` keeps in all (oldest dropped first; the
            newest request is always kept; None: no byte bound), so large uploads stay bounded too.
        header_timeout: seconds a client may take to send a request head once it started it; a slower
            client (a slowloris) is disconnected. None waits as long as aiohttp does (its keep-alive time).
        enable_scale_out: whether the four render routes (``/v1/chat/completions/render``,
            ``/v1/completions/render``, ``/v1/messages/render``, ``/v1/responses/render``) render, as vLLM
            started with ``--enable-scale-out`` does (the default, so they can be tested); ``False`` answers
            them with vLLM's 403 ``PermissionDeniedError``, as a server started without the flag does.
    """

    def __init__(
        self,
        model: str = "mock",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = None,
        token_delay: float = 0.0,
        faults: str | Fault | Iterable[str | Fault] | None = None,
        served_models: Iterable[str] = (),
        max_model_len: int = 2048,
        embedding_dim: int = 128,
        max_recorded_requests: int | None = 100_000,
        max_recorded_bytes: int | None = 64 * 1024 * 1024,
        header_timeout: float | None = 10.0,
        enable_scale_out: bool = True,
    ) -> None:
        if token_delay < 0:
            raise ValueError("token_delay must be >= 0")
        if header_timeout is not None and not header_timeout > 0:
            raise ValueError("header_timeout must be > 0 (or None)")
        if max_recorded_bytes is not None and max_recorded_bytes < 0:
            raise ValueError("max_recorded_bytes must be >= 0 (or None)")
        models = (model, *(m for m in served_models if m != model))
        self._host = host
        self._requested_port = port
        self._state = ServerState(
            models=models,
            api_key=api_key,
            token_delay=token_delay,
            faults=parse_faults(faults),
            max_model_len=max_model_len,
            embedding_dim=embedding_dim,
            max_recorded=max_recorded_requests,
            max_recorded_bytes=max_recorded_bytes,
            enable_scale_out=bool(enable_scale_out),
        )
        self._header_timeout = header_timeout
        self._listener: asyncio.Server | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------ properties

    @property
    def model(self) -> str:
        """The served model name."""
        return self._state.models[0]

    @property
    def enable_scale_out(self) -> bool:
        """Whether the render routes render (``True``) or answer vLLM's 403 (``False``), as set at
        construction."""
        return self._state.enable_scale_out

    @property
    def port(self) -> int:
        """The bound TCP port (only once started)."""
        if self._port is None:
            raise RuntimeError("MockVllmServer is not started")
        return self._port

    @property
    def host(self) -> str:
        """The bound interface."""
        return self._host

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:39791``."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible API root, ``url + "/v1"`` (what clients take as base URL)."""
        return self.url + "/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (method, path, headers, parsed JSON, raw body)."""
        return self._state.requests

    @property
    def metrics(self) -> Metrics:
        """The counters served on ``/metrics``."""
        return self._state.metrics

    @property
    def faults(self) -> tuple[Fault, ...]:
        """The server-wide faults; assign a spec (string, Fault or list) to change them while running."""
        return self._state.faults

    @faults.setter
    def faults(self, spec: str | Fault | Iterable[str | Fault] | None) -> None:
        self._state.faults = parse_faults(spec)
        self._state.fault_counter.reset()

    @property
    def token_delay(self) -> float:
        """Seconds before each stream event (assignable while running)."""
        return self._state.token_delay

    @token_delay.setter
    def token_delay(self, value: float) -> None:
        if value < 0:
            raise ValueError("token_delay must be >= 0")
        self._state.token_delay = value

    @property
    def running(self) -> bool:
        """Whether the server is accepting connections."""
        return self._runner is not None

    def reset(self) -> None:
        """Forget recorded requests, fault counters and server-wide faults (keeps the server running)."""
        self._state.clear_requests()
        self._state.faults = ()
        self._state.fault_counter.reset()

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "not started"
        return f"MockVllmServer(model={self.model!r}, {where})"

    # ------------------------------------------------------------------------------ event-loop mode

    async def astart(self) -> MockVllmServer:
        """Start serving on the running event loop; returns self."""
        with self._lock:
            if self._runner is not None or self._thread is not None:
                raise RuntimeError("MockVllmServer is already started")
        return await self._serve()

    async def _serve(self) -> MockVllmServer:
        self._state.closing = False
        runner = web.AppRunner(
            build_app(self._state),
            access_log=None,
            handle_signals=False,
            handler_cancellation=True,
            shutdown_timeout=_SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        assert runner.server is not None
        loop = asyncio.get_running_loop()
        # Our own listener rather than web.TCPSite: each connection's aiohttp protocol is wrapped in the
        # header-read deadline (aiohttp has no such timeout of its own).
        try:
            listener = await loop.create_server(
                guarded_factory(runner.server, self._header_timeout, loop), self._host, self._requested_port
            )
        except BaseException:
            await runner.cleanup()
            raise
        self._port = int(listener.sockets[0].getsockname()[1])
        self._listener = listener
        self._runner = runner
        return self

    async def astop(self) -> None:
        """Stop serving (in-flight and stalled responses are ended); safe to call twice."""
        runner = self._runner
        if runner is None:
            return
        self._state.closing = True
        self._runner = None
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()  # stop accepting; runner.cleanup() ends the open connections
        await runner.cleanup()
        if listener is not None:
            await listener.wait_closed()

    aclose = astop

    async def __aenter__(self) -> MockVllmServer:
        return await self.astart()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.astop()

    # --------------------------------------------------------------------------------- thread mode

    def start(self) -> MockVllmServer:
        """Start serving from a background thread with its own event loop; returns self."""
        with self._lock:
            if self._thread is not None or self._runner is not None:
                raise RuntimeError("MockVllmServer is already started")
            loop = asyncio.new_event_loop()
            ready = threading.Event()
            failure: list[BaseException] = []
            thread = threading.Thread(
                target=self._thread_main, args=(loop, ready, failure), name="vllm-mock-server", daemon=True
            )
            self._thread = thread
            self._loop = loop
        thread.start()
        ready.wait()
        if failure:
            thread.join(_THREAD_JOIN_TIMEOUT)
            self._thread = None
            self._loop = None
            raise failure[0]
        return self

    def _thread_main(
        self, loop: asyncio.AbstractEventLoop, ready: threading.Event, failure: list[BaseException]
    ) -> None:
        asyncio.set_event_loop(loop)
        try:
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:
                failure.append(exc)
                return
            finally:
                ready.set()
            loop.run_forever()
            loop.run_until_complete(self.astop())
        finally:
            _drain_loop(loop)
            asyncio.set_event_loop(None)
            loop.close()

    def stop(self) -> None:
        """Stop the background server and join its thread; safe to call twice.

        A server started with :meth:`astart` is stopped with :meth:`astop` instead (RuntimeError here).
        """
        with self._lock:
            thread, loop = self._thread, self._loop
            self._thread = None
            self._loop = None
        if thread is None or loop is None:
            if self._runner is not None:
                raise RuntimeError("started with astart(): use `await server.astop()`")
            return
        self._state.closing = True
        loop.call_soon_threadsafe(loop.stop)
        thread.join(_THREAD_JOIN_TIMEOUT)
        if thread.is_alive():  # pragma: no cover - only when a handler ignores cancellation
            raise RuntimeError("MockVllmServer thread did not stop")

    close = stop

    def __enter__(self) -> MockVllmServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _drain_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel whatever is still pending so closing the loop warns about nothing."""
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    try:
        loop.run_until_complete(loop.shutdown_default_executor())
    except RuntimeError:
        pass
