"""The batch runner: a pool of workers, each request retried and balanced over replicas.

::

    async with AsyncVllmClient(base_url) as client:
        requests = ({"model": "m", "messages": [{"role": "user", "content": q}]} for q in questions)
        async for result in client.batch(requests, concurrency=64, stream=True):
            if result.ok:
                print(result.index, result.ttft, result.response.content)
            else:
                print(result.index, "failed:", result.error)

A fixed pool of ``concurrency`` workers pulls requests lazily from the input (a list, a generator or an
async iterable; a million-line generator is never materialised) and the results wait in a bounded queue,
so memory stays bounded whatever the input size and however slowly the caller consumes. Failed attempts
that are worth repeating (timeouts, connection errors, 408/409/429/5xx, a stream that broke before its
result was complete: see :mod:`._failures`) are retried with the SDK's one back-off policy
(:class:`vllm_sdk._retry.RetryPolicy`: jittered exponential back-off, ``retry-after-ms``
and ``Retry-After`` honoured); with several ``base_urls`` (replicas of one model) each attempt goes to the
replica with the fewest requests in flight, and a replica that fails is ejected for a cool-down. A
request that still fails becomes a :class:`BatchResult` with ``error`` set: nothing is lost and nothing is
raised for one request's failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import itertools
import time
from collections.abc import AsyncIterable, Collection
from typing import TYPE_CHECKING, Any, TypeVar

from .._balancer import Balancer, Replica, replica_failed
from .._exceptions import ApiError
from .._retry import RetryPolicy
from ._encode import raw_of
from ._failures import retryable
from ._offloop import iterate_off_loop
from ._prepare import InvalidBatchRequest, PreparedRequest, prepare
from ._result import BatchRequest, BatchResult
from ._senders import send_with_client

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Iterator

    from ._protocols import AsyncBatchClient
    from ._senders import Sender

__all__ = ["BATCH_RETRY_POLICY", "abatch", "drive_batch", "run_batch", "run_one"]

ClientT = TypeVar("ClientT")

#: A batch retries each request up to 3 times (the client's default is 2): one request of a long batch
#: failing for good costs a rerun, so a batch tries a little harder. Back-off as the client's.
BATCH_RETRY_POLICY = RetryPolicy(max_retries=3)


async def run_one(
    index: int,
    item: object,
    *,
    balancer: Balancer[ClientT],
    send: Sender[ClientT],
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
        # Every attempt picks its replica afresh: a retry moves to a healthier one when there is one.
        replica = await balancer.acquire()
        started = time.perf_counter()
        try:
            outcome = await send(replica.client, request, stream)
        except Exception as exc:
            latency = time.perf_counter() - started
            balancer.release(replica, failed=replica_failed(exc))
            # The client's rule plus a stream broken part-way (see _failures): nothing was handed over.
            if attempts - 1 < policy.max_retries and retryable(exc):
                await asyncio.sleep(policy.delay(attempts - 1, exc))
                continue
            return _failed(index, request.custom_id, exc, attempts, replica.url, latency, request)
        latency = time.perf_counter() - started
        balancer.release(replica, failed=False)
        prompt_tokens, completion_tokens = outcome.usage_tokens()
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
            raw_body=outcome.raw,
            timing=outcome.timing,
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
    # A request the client refused to send (bad element, bad parameters) is the request's fault: a 400,
    # as vLLM's run-batch would write it.
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
        raw_body=raw_of(error),
    )


class _Source:
    """Hands out ``(index, item)`` pairs from a sync or async iterable, one at a time, to many workers.

    A sync iterable is read on the loop, by :meth:`take` (no coroutine per element); an async one by
    :meth:`next`, under a lock (an async generator may not be re-entered while it awaits).
    """

    def __init__(self, requests: Iterable[object] | AsyncIterable[object]) -> None:
        self._index = itertools.count()
        self._sync: Iterator[object] | None = None
        self._async: AsyncIterator[object] | None = None
        if isinstance(requests, AsyncIterable):
            self._async = aiter(requests)
        else:
            self._sync = iter(requests)
        self._lock = asyncio.Lock()
        #: Whether elements come from a sync iterable (then :meth:`take` reads them).
        self.is_sync = self._sync is not None

    def take(self) -> tuple[int, object] | None:
        """The next element of a sync input with its index, or ``None`` once it is exhausted."""
        it = self._sync
        if it is None:
            return None
        try:
            item = next(it)
        except StopIteration:
            self._sync = None
            return None
        return next(self._index), item

    async def next(self) -> tuple[int, object] | None:
        """The next element with its index, or ``None`` once the input is exhausted."""
        if self.is_sync:
            return self.take()
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


async def _pull(
    source: _Source,
    run: Callable[[int, object], Awaitable[BatchResult]],
    deliver: Callable[[BatchResult], object],
) -> None:
    """One worker: take an element, run it to its result, hand the result to ``deliver``, repeat.

    ``deliver`` is a plain function or a coroutine function (awaited); a sync input is read without a
    coroutine per element (this loop runs once per request).
    """
    is_async = inspect.iscoroutinefunction(deliver)
    if source.is_sync:
        take = source.take
        while (nxt := take()) is not None:
            result = await run(*nxt)
            if is_async:
                await deliver(result)  # type: ignore[misc]  # a coroutine function, checked above
            else:
                deliver(result)
        return
    while (nxt := await source.next()) is not None:
        result = await run(*nxt)
        if is_async:
            await deliver(result)  # type: ignore[misc]  # a coroutine function, checked above
        else:
            deliver(result)


def _runner(
    balancer: Balancer[ClientT], send: Sender[ClientT], stream: bool, policy: RetryPolicy
) -> Callable[[int, object], Awaitable[BatchResult]]:
    """``run(index, item)``: :func:`run_one` with this batch's settings (a plain function returning the
    coroutine, so it adds no frame to the chain every network read resumes)."""

    def run(index: int, item: object) -> Awaitable[BatchResult]:
        return run_one(index, item, balancer=balancer, send=send, stream=stream, policy=policy)

    return run


async def run_batch(
    requests: Iterable[object] | AsyncIterable[object],
    *,
    balancer: Balancer[ClientT],
    send: Sender[ClientT],
    concurrency: int,
    stream: bool,
    policy: RetryPolicy,
) -> AsyncGenerator[BatchResult, None]:
    """The engine under :func:`abatch`: ``concurrency`` workers, results in completion order. Closing the
    generator early cancels the requests in flight."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    source = _Source(requests)
    run = _runner(balancer, send, stream, policy)
    # Bounded: when the consumer is slow the workers wait here instead of piling up results.
    results: asyncio.Queue[object] = asyncio.Queue(maxsize=concurrency)
    running = concurrency

    async def worker() -> None:
        nonlocal running
        try:
            await _pull(source, run, results.put)
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


async def drive_batch(
    requests: Iterable[object] | AsyncIterable[object],
    *,
    balancer: Balancer[ClientT],
    send: Sender[ClientT],
    concurrency: int,
    stream: bool,
    policy: RetryPolicy,
    on_result: Callable[[BatchResult], object],
) -> None:
    """The engine under ``vllm-sdk batch``: :func:`run_batch` with every result handed to ``on_result``
    in the worker that produced it, as it completes.

    No queue and no consumer task between a request and its result line: for a command that writes each
    result at once, that hand-over was a task switch per request. ``on_result`` must not block. An
    exception of the input or of ``on_result`` stops the run and is raised here; cancelling this
    coroutine cancels the requests in flight.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    source = _Source(requests)
    run = _runner(balancer, send, stream, policy)
    tasks = [asyncio.create_task(_pull(source, run, on_result)) for _ in range(concurrency)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            error = task.exception()
            if error is not None:
                raise error
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _replica_clients(
    client: AsyncBatchClient, base_urls: Iterable[str] | None
) -> list[Replica[AsyncBatchClient]]:
    """One client per replica URL sharing ``client``'s configuration and pool, its own retries off.

    The batch retries each request itself, on whichever replica is best at the time; a client that also
    retried would keep a request on a failing replica.
    """
    urls = [u.rstrip("/") for u in base_urls or ()]
    if not urls:
        # A client made with several base URLs balances by itself; the batch takes the balancing over
        # (one single-URL client per replica) so it sees which replica each attempt went to.
        urls = list(getattr(client, "base_urls", ()))
    if len(urls) <= 1 and not base_urls:
        return [Replica(str(getattr(client, "base_url", "")), _derive(client, None))]
    return [Replica(url, _derive(client, url)) for url in urls]


def _derive(client: AsyncBatchClient, base_url: str | None) -> AsyncBatchClient:
    # getattr rather than the protocol: small stand-ins (tests, wrappers) may lack with_options.
    with_options = getattr(client, "with_options", None)
    if callable(with_options):
        derived: AsyncBatchClient = (
            with_options(max_retries=0)
            if base_url is None
            else with_options(base_url=base_url, max_retries=0)
        )
        return derived
    if base_url is None or str(getattr(client, "base_url", "")).rstrip("/") == base_url:
        return client
    with_base_url = getattr(client, "with_base_url", None)
    if callable(with_base_url):
        other: AsyncBatchClient = with_base_url(base_url)
        return other
    raise TypeError(f"{type(client).__name__} cannot make a client for another base URL")


async def abatch(
    client: AsyncBatchClient,
    requests: Iterable[BatchRequest] | AsyncIterable[BatchRequest],
    *,
    concurrency: int = 64,
    max_retries: int | None = None,
    stream: bool = False,
    base_urls: Iterable[str] | None = None,
    eject_after: int = 1,
    cooldown: float = 5.0,
    backoff_base: float | None = None,
    backoff_cap: float | None = None,
    _send: Sender[AsyncBatchClient] | None = None,
) -> AsyncGenerator[BatchResult, None]:
    """Run ``requests`` through an ``AsyncVllmClient``, yielding a :class:`BatchResult` as each completes.

    ``concurrency`` bounds the requests in flight; ``max_retries`` (default 3) bounds the retries of one
    request; ``backoff_base`` and ``backoff_cap`` (seconds; default 0.5 and 8, as the client's) shape the
    back-off between them. ``stream=True`` streams every chat/completion request (so ``ttft`` is measured)
    and collects it. ``base_urls`` lists replicas of one model: each attempt goes to the healthy replica
    with the fewest requests in flight, and a replica is ejected after ``eject_after`` consecutive
    failures for ``cooldown`` seconds (doubling on repeated ejections). Leaving the loop early cancels the
    requests in flight.

    ``requests`` is read lazily. A lazy sync iterable (a generator, a file, a database cursor: anything
    that is not an async iterable or a collection such as a list) is read in a background thread, at most
    ``concurrency`` elements ahead, so an element that takes time to produce never stalls the requests in
    flight; its ``next()`` therefore runs in that thread.
    """
    balancer: Balancer[AsyncBatchClient] = Balancer(
        _replica_clients(client, base_urls), eject_after=eject_after, cooldown=cooldown
    )
    changes: dict[str, Any] = {}
    if max_retries is not None:
        changes["max_retries"] = max_retries
    if backoff_base is not None:
        changes["base"] = backoff_base
    if backoff_cap is not None:
        changes["cap"] = backoff_cap
    policy = dataclasses.replace(BATCH_RETRY_POLICY, **changes)
    send = _send or send_with_client
    if isinstance(requests, (AsyncIterable, Collection)):
        # Async input is awaited; a list, tuple or other collection is in memory: neither blocks the loop.
        async with contextlib.aclosing(
            run_batch(
                requests, balancer=balancer, send=send, concurrency=concurrency, stream=stream, policy=policy
            )
        ) as results:
            async for result in results:
                yield result
        return
    # A lazy iterable (a generator, a file, a cursor) may block in next(): it is read in a thread, at most
    # ``concurrency`` elements ahead, so the requests in flight keep going while it computes.
    rows = iterate_off_loop(requests, maxsize=max(1, concurrency))
    try:
        # Closed before the rows: its workers (which may be waiting on the rows) are cancelled first.
        async with contextlib.aclosing(
            run_batch(
                rows, balancer=balancer, send=send, concurrency=concurrency, stream=stream, policy=policy
            )
        ) as results:
            async for result in results:
                yield result
    finally:
        await rows.aclose()
