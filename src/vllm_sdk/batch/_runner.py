"""High-throughput batches: many requests, bounded concurrency, results as they complete.

::

    async with AsyncVllmClient(base_url) as client:
        requests = ({"model": "m", "messages": [{"role": "user", "content": q}]} for q in questions)
        async for result in client.batch(requests, concurrency=64, stream=True):
            if result.ok:
                print(result.index, result.ttft, result.response.content)
            else:
                print(result.index, "failed:", result.error)

Each request is one of

* a request builder (``client.chat.completions.create().model(m).user("hi")``),
* a dict of keyword parameters (``messages`` makes it a chat completion, ``prompt`` a completion),
* a line of an OpenAI batch file: ``{"custom_id", "method", "url", "body"}``.

A fixed pool of ``concurrency`` workers pulls requests lazily from the input (a list, a generator or an
async iterable; a million-line generator is never materialised) and the results wait in a bounded queue,
so memory stays bounded whatever the input size and however slowly the caller consumes. Failed attempts
that are worth repeating (timeouts, connection errors, 408/409/429/5xx) are retried with jittered
exponential back-off (``Retry-After`` honoured); with several ``base_urls`` (replicas of one model) each
attempt goes to the replica with the fewest requests in flight, and a replica that fails is ejected for a
cool-down. A request that still fails becomes a :class:`BatchResult` with ``error`` set: nothing is lost
and nothing is raised for one request's failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import queue
import threading
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
)
from dataclasses import dataclass
from typing import Any, Protocol

from .._exceptions import ApiError, HttpError, StreamError, VllmError
from .._retry import backoff_delay
from ._balancer import Balancer, Replica

__all__ = ["BatchRequest", "BatchResult", "abatch", "batch"]

#: What one element of a batch may be (see the module docstring).
BatchRequest = Any

#: Default number of retries of one request inside a batch (on top of the first attempt).
DEFAULT_MAX_RETRIES = 3


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome of one request of a batch.

    ``index`` is the position of the request in the input; ``custom_id`` the batch line's id (else
    ``None``). Exactly one of ``response`` and ``error`` is set. ``response`` is the typed response the
    client returns for the request (``ChatCompletionResponse`` ...; for a streamed request, the collected
    stream) and ``body`` its JSON as a dict. ``ttft`` (seconds to the first streamed token, streamed
    requests only) and ``latency`` (seconds of the last attempt) are measured on the client.
    """

    index: int
    custom_id: str | None
    response: Any
    error: BaseException | None
    status_code: int | None
    ttft: float | None
    latency: float
    prompt_tokens: int | None
    completion_tokens: int | None
    attempts: int
    base_url: str | None
    request_id: str | None
    body: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        """Whether the request succeeded."""
        return self.error is None

    @property
    def tokens_per_second(self) -> float | None:
        """Completion tokens per second of the last attempt, when the server reported usage."""
        if not self.completion_tokens or self.latency <= 0:
            return None
        return self.completion_tokens / self.latency


# ---------------------------------------------------------------- request normalisation


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """A batch element reduced to what the senders need (internal)."""

    custom_id: str | None
    method: str
    path: str  # relative to the base URL's /v1, e.g. "/chat/completions"
    body: dict[str, Any] | None
    builder: Any = None  # a request builder that could not be reduced to a body


class InvalidBatchRequest(VllmError, ValueError):
    """A batch element that is not a request (reported as that element's error, never raised)."""


def _path_from_url(url: str) -> str:
    """``/v1/chat/completions`` -> ``/chat/completions``: the client's base URL already ends in /v1."""
    path = url if url.startswith("/") else "/" + url
    return path[3:] if path.startswith("/v1/") else path


def prepare(item: object) -> PreparedRequest:
    """Normalise one batch element; raises :class:`InvalidBatchRequest` with the reason."""
    if isinstance(item, PreparedRequest):
        return item
    if isinstance(item, dict):
        if "body" in item and "url" in item:
            custom_id = item.get("custom_id")
            if custom_id is not None and not isinstance(custom_id, str):
                raise InvalidBatchRequest("custom_id must be a string")
            method = item.get("method", "POST")
            if not isinstance(method, str) or method.upper() != "POST":
                raise InvalidBatchRequest(f"method must be POST, not {method!r}")
            url, body = item["url"], item["body"]
            if not isinstance(url, str) or not url:
                raise InvalidBatchRequest("url must be a non-empty string")
            if not isinstance(body, dict):
                raise InvalidBatchRequest("body must be a JSON object")
            return PreparedRequest(custom_id, "POST", _path_from_url(url), body)
        if "messages" in item:
            return PreparedRequest(None, "POST", "/chat/completions", dict(item))
        if "prompt" in item:
            return PreparedRequest(None, "POST", "/completions", dict(item))
        raise InvalidBatchRequest(
            "a request dict needs 'messages' (chat), 'prompt' (completion) or 'url' and 'body' (batch line)"
        )
    body = _builder_body(item)
    if body is not None:
        path = "/chat/completions" if "messages" in body else "/completions"
        return PreparedRequest(None, "POST", path, body)
    if callable(getattr(item, "send", None)):
        return PreparedRequest(None, "POST", "", None, builder=item)
    raise InvalidBatchRequest(f"not a request: {type(item).__name__}")


def _builder_body(builder: object) -> dict[str, Any] | None:
    """The JSON body a request builder would send, when the builder can tell it without sending."""
    for name in ("to_dict", "build_body", "body"):
        method = getattr(builder, name, None)
        if callable(method):
            with contextlib.suppress(TypeError):
                value = method()
                if isinstance(value, dict):
                    return dict(value)
    return None


# ---------------------------------------------------------------- sending one request


@dataclass(slots=True)
class Outcome:
    """What one successful attempt produced (internal)."""

    response: Any
    body: dict[str, Any] | None
    ttft: float | None
    status_code: int = 200
    request_id: str | None = None


class Sender(Protocol):
    """Sends one prepared request through a client (internal; the tests use a fake one)."""

    def __call__(self, client: Any, request: PreparedRequest, stream: bool, /) -> Awaitable[Outcome]: ...


def _usage_tokens(response: Any, body: dict[str, Any] | None) -> tuple[int | None, int | None]:
    usage = getattr(response, "usage", None)
    if usage is None and body is not None:
        usage = body.get("usage")
    if usage is None:
        return None, None
    if isinstance(usage, dict):
        return usage.get("prompt_tokens"), usage.get("completion_tokens")
    return getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None)


def _response_body(response: Any) -> dict[str, Any] | None:
    if isinstance(response, dict):
        return response
    raw = getattr(response, "raw", None)
    if isinstance(raw, dict):
        return raw
    dump = getattr(response, "model_dump", None)
    if callable(dump):
        value = dump(mode="json", exclude_none=True)
        return value if isinstance(value, dict) else None
    return None


async def send_with_client(client: Any, request: PreparedRequest, stream: bool) -> Outcome:
    """The real sender: chat and completions through the typed resources, other routes as raw JSON."""
    if request.builder is not None:
        builder = request.builder
        if stream and callable(getattr(builder, "send_stream", None)):
            return await _collect_stream(await _maybe_await(builder.send_stream()))
        response = await _maybe_await(builder.send())
        return Outcome(response, _response_body(response), None)
    body = dict(request.body or {})
    if request.path in ("/chat/completions", "/completions"):
        resource = client.chat.completions if request.path == "/chat/completions" else client.completions
        if stream:
            body.pop("stream", None)
            # Ask for the usage chunk, so streamed results carry token counts like non-streamed ones.
            options = body.get("stream_options")
            body["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
            return await _collect_stream(await _maybe_await(resource.create(**body, stream=True)))
        body.pop("stream", None)
        body.pop("stream_options", None)  # vLLM rejects stream_options on a request that does not stream
        response = await _maybe_await(resource.create(**body))
        return Outcome(response, _response_body(response), None)
    response = await _maybe_await(client.request(request.method, request.path, json=body))
    if hasattr(response, "json") and hasattr(response, "status_code"):  # an httpx.Response
        data = response.json()
        return Outcome(
            data,
            data if isinstance(data, dict) else None,
            None,
            response.status_code,
            response.headers.get("x-request-id"),
        )
    return Outcome(response, _response_body(response), None)


async def _maybe_await(value: Any) -> Any:
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value


async def _collect_stream(stream: Any) -> Outcome:
    """Drain a stream into its collected response; the stream measured its own time to first token."""
    try:
        response = await stream.collect()
    finally:
        close = getattr(stream, "aclose", None)
        if close is not None:
            await close()
    return Outcome(
        response,
        _response_body(response),
        getattr(stream, "ttft", None),
        200,
        getattr(stream, "request_id", None),
    )


# ---------------------------------------------------------------- retries and replicas


def _replica_failed(error: BaseException) -> bool:
    """Whether an attempt's failure says something about the replica rather than about the request."""
    if isinstance(error, HttpError):  # connection errors and timeouts
        return True
    if isinstance(error, ApiError):
        return error.status_code >= 500 or error.status_code == 429
    return isinstance(error, StreamError)


def _retryable(error: BaseException) -> bool:
    return isinstance(error, VllmError) and error.is_retryable


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a batch retries one request (internal)."""

    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_base: float = 0.25
    backoff_cap: float = 8.0


async def run_one(
    index: int,
    item: object,
    *,
    balancer: Balancer[Any],
    send: Sender,
    stream: bool,
    policy: RetryPolicy,
) -> BatchResult:
    """Run one batch element to a result, retrying and re-balancing; never raises for a request error."""
    try:
        request = prepare(item)
    except InvalidBatchRequest as exc:
        custom_id = item.get("custom_id") if isinstance(item, dict) else None
        return _failed(index, custom_id if isinstance(custom_id, str) else None, exc, 0, None, 0.0, None)
    attempts = 0
    while True:
        attempts += 1
        replica = await balancer.acquire()
        started = time.perf_counter()
        try:
            outcome = await send(replica.client, request, stream)
        except Exception as exc:
            latency = time.perf_counter() - started
            balancer.release(replica, failed=_replica_failed(exc))
            if _retryable(exc) and attempts <= policy.max_retries:
                await asyncio.sleep(
                    backoff_delay(attempts - 1, exc, base=policy.backoff_base, cap=policy.backoff_cap)
                )
                continue
            return _failed(index, request.custom_id, exc, attempts, replica.url, latency, request)
        latency = time.perf_counter() - started
        balancer.release(replica, failed=False)
        prompt_tokens, completion_tokens = _usage_tokens(outcome.response, outcome.body)
        return BatchResult(
            index=index,
            custom_id=request.custom_id,
            response=outcome.response,
            error=None,
            status_code=outcome.status_code,
            ttft=outcome.ttft,
            latency=latency,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            attempts=attempts,
            base_url=replica.url,
            request_id=outcome.request_id,
            body=outcome.body,
        )


def _failed(
    index: int,
    custom_id: str | None,
    error: BaseException,
    attempts: int,
    base_url: str | None,
    latency: float,
    request: PreparedRequest | None,
) -> BatchResult:
    status = error.status_code if isinstance(error, ApiError) else None
    if isinstance(error, InvalidBatchRequest) or (
        request is not None and status is None and isinstance(error, (ValueError, TypeError))
    ):
        status = 400
    request_id = error.request_id if isinstance(error, ApiError) else None
    return BatchResult(
        index=index,
        custom_id=custom_id,
        response=None,
        error=error,
        status_code=status,
        ttft=None,
        latency=latency,
        prompt_tokens=None,
        completion_tokens=None,
        attempts=attempts,
        base_url=base_url,
        request_id=request_id,
        body=None,
    )


# ---------------------------------------------------------------- the worker pool


class _Source:
    """Hands out ``(index, item)`` pairs from a sync or async iterable, one at a time, to many workers."""

    def __init__(self, requests: Iterable[object] | AsyncIterable[object]) -> None:
        self._index = itertools.count()
        self._sync: Iterator[object] | None = None
        self._async: AsyncIterator[object] | None = None
        if isinstance(requests, AsyncIterable):
            self._async = aiter(requests)
        else:
            self._sync = iter(requests)
        self._lock = asyncio.Lock()  # an async generator may not be re-entered while it awaits

    async def next(self) -> tuple[int, object] | None:
        """The next element with its index, or ``None`` once the input is exhausted."""
        if self._sync is not None:
            try:
                item = next(self._sync)
            except StopIteration:
                self._sync = None
                return None
            return next(self._index), item
        async with self._lock:
            if self._async is None:
                return None
            try:
                item = await anext(self._async)
            except StopAsyncIteration:
                self._async = None
                return None
            return next(self._index), item


_FINISHED = object()


async def run_batch(
    requests: Iterable[object] | AsyncIterable[object],
    *,
    balancer: Balancer[Any],
    send: Sender,
    concurrency: int,
    stream: bool,
    policy: RetryPolicy,
) -> AsyncGenerator[BatchResult, None]:
    """The engine under :func:`abatch`: ``concurrency`` workers, results in completion order."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    source = _Source(requests)
    results: asyncio.Queue[object] = asyncio.Queue(maxsize=concurrency)
    running = concurrency

    async def worker() -> None:
        nonlocal running
        try:
            while (nxt := await source.next()) is not None:
                index, item = nxt
                result = await run_one(
                    index, item, balancer=balancer, send=send, stream=stream, policy=policy
                )
                await results.put(result)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the input iterable itself failed: hand it to the consumer
            await results.put(exc)
        running -= 1
        if running == 0:
            await results.put(_FINISHED)

    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    try:
        while (value := await results.get()) is not _FINISHED:
            if isinstance(value, BaseException):
                raise value
            assert isinstance(value, BatchResult)
            yield value
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# ---------------------------------------------------------------- public entry points


def _replica_clients(client: Any, base_urls: Iterable[str] | None) -> list[Replica[Any]]:
    """One client per replica URL sharing ``client``'s configuration and pool, its own retries off.

    The batch retries each request itself, on whichever replica is best at the time; a client that also
    retried would keep a request on a failing replica.
    """
    urls = [u.rstrip("/") for u in base_urls or ()]
    if not urls:
        return [Replica(str(getattr(client, "base_url", "")), _derive(client, None))]
    return [Replica(url, _derive(client, url)) for url in urls]


def _derive(client: Any, base_url: str | None) -> Any:
    with_options = getattr(client, "with_options", None)
    if callable(with_options):
        return (
            with_options(max_retries=0)
            if base_url is None
            else with_options(base_url=base_url, max_retries=0)
        )
    if base_url is None or str(getattr(client, "base_url", "")).rstrip("/") == base_url:
        return client
    with_base_url = getattr(client, "with_base_url", None)
    if callable(with_base_url):
        return with_base_url(base_url)
    raise TypeError(f"{type(client).__name__} cannot make a client for another base URL")


async def abatch(
    client: Any,
    requests: Iterable[BatchRequest] | AsyncIterable[BatchRequest],
    *,
    concurrency: int = 64,
    max_retries: int | None = None,
    stream: bool = False,
    base_urls: Iterable[str] | None = None,
    eject_after: int = 1,
    cooldown: float = 5.0,
    backoff_base: float = 0.25,
    backoff_cap: float = 8.0,
    _send: Sender | None = None,
) -> AsyncGenerator[BatchResult, None]:
    """Run ``requests`` through an ``AsyncVllmClient``, yielding a :class:`BatchResult` as each completes.

    ``concurrency`` bounds the requests in flight; ``max_retries`` (default 3) bounds the retries of one
    request; ``stream=True`` streams every chat/completion request (so ``ttft`` is measured) and collects
    it. ``base_urls`` lists replicas of one model: each attempt goes to the healthy replica with the
    fewest requests in flight, and a replica is ejected after ``eject_after`` consecutive failures for
    ``cooldown`` seconds (doubling on repeated ejections). Leaving the loop early cancels the requests in
    flight.
    """
    balancer: Balancer[Any] = Balancer(
        _replica_clients(client, base_urls), eject_after=eject_after, cooldown=cooldown
    )
    policy = RetryPolicy(
        max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
        backoff_base=backoff_base,
        backoff_cap=backoff_cap,
    )
    async for result in run_batch(
        requests,
        balancer=balancer,
        send=_send or send_with_client,
        concurrency=concurrency,
        stream=stream,
        policy=policy,
    ):
        yield result


def batch(
    client: Any,
    requests: Iterable[BatchRequest],
    *,
    async_client_factory: Callable[[], Any] | None = None,
    **options: Any,
) -> Iterator[BatchResult]:
    """The synchronous twin of :func:`abatch`, for a ``VllmClient``.

    The batch runs on an event loop in a background thread, through an ``AsyncVllmClient`` configured
    like ``client``; results are handed over through a bounded queue, so a slow consumer slows the batch
    instead of filling memory. Stopping the iteration early (``break``, an exception, ``close()``)
    cancels the requests in flight and joins the thread.

    ``async_client_factory`` makes that async client; without it, ``client.batch(requests, **options)``
    is called, which passes the client's own factory (batch never imports the client classes).
    """
    if async_client_factory is None:
        if not callable(getattr(client, "batch", None)):
            raise TypeError(
                f"batch() needs a VllmClient or an async_client_factory, not {type(client).__name__}"
            )
        results: Iterator[BatchResult] = client.batch(requests, **options)
        return results
    factory = async_client_factory
    return _run_in_thread(factory, requests, options)


def _run_in_thread(
    factory: Callable[[], Any], requests: Iterable[BatchRequest], options: dict[str, Any]
) -> Iterator[BatchResult]:
    """The sync bridge: the async runner on an event loop in a thread, results through a bounded queue."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=max(1, int(options.get("concurrency", 64))))
    stop = threading.Event()

    async def produce() -> None:
        async_client = factory()
        try:
            async with contextlib.aclosing(abatch(async_client, requests, **options)) as results:
                async for result in results:
                    # Never block the loop on a full queue: the other requests keep streaming meanwhile.
                    while True:
                        if stop.is_set():
                            return
                        try:
                            handoff.put_nowait(result)
                            break
                        except queue.Full:
                            await asyncio.sleep(0.002)
        finally:
            close = getattr(async_client, "aclose", None)
            if close is not None:
                await close()

    def thread_main() -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(produce())
            handoff.put(_FINISHED)
        except BaseException as exc:
            handoff.put(exc)
        finally:
            loop.close()

    thread = threading.Thread(target=thread_main, name="vllm-sdk-batch", daemon=True)
    thread.start()
    try:
        while True:
            value = handoff.get()
            if value is _FINISHED:
                return
            if isinstance(value, BaseException):
                raise value
            assert isinstance(value, BatchResult)
            yield value
    finally:
        stop.set()
        # Unblock a producer waiting on a full queue, then wait for its clean shutdown.
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.05)
        thread.join()
