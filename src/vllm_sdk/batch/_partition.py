"""``run_partition`` and ``arun_partition``: one partition of a Spark, Dask or Ray table through the runner.

::

    from vllm_sdk import ClientConfig
    from vllm_sdk.batch import run_partition

    cfg = ClientConfig(base_url=["http://a:8000/v1", "http://b:8000/v1"])

    def infer(frames):                       # Spark: df.mapInPandas(infer, schema)
        for frame in frames:
            yield pd.DataFrame(list(run_partition(frame, cfg, model="m", max_in_flight=64)))

Each call opens one client from the (picklable) config, runs the partition's rows through the batch
runner (``max_in_flight`` requests at a time, retried and balanced over the config's replicas) and
closes the client. Rows come back in completion order, each with its own columns, so nothing depends on
the order. :func:`arun_rows` is the same engine over a client the caller keeps (the Ray processor keeps
one per actor).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterable, Mapping
from typing import TYPE_CHECKING, Any

from .._client_config import ClientConfig, open_async_client
from .._exceptions import JsonError
from ._adaptive import AdaptSource, InFlightLimit, WaitingQueueController, adapt_loop, gated
from ._bridge import iterate_in_thread
from ._encode import decode_body
from ._offloop import iterate_off_loop
from ._prepare import InvalidBatchRequest, PreparedRequest
from ._result import RequestTiming
from ._rows import RowSpec, output_row, row_request
from ._runner import abatch
from ._senders import STREAMABLE, Outcome, send_with_client

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Iterator

    from ._protocols import AsyncBatchClient

__all__ = ["arun_partition", "arun_rows", "run_partition"]

Row = Mapping[str, Any]
Prepared = PreparedRequest | InvalidBatchRequest


def _check(config: object, max_in_flight: object) -> None:
    if not isinstance(config, ClientConfig):
        raise TypeError(f"config must be a ClientConfig, not {type(config).__name__}")
    if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or max_in_flight < 1:
        raise ValueError(f"max_in_flight must be an integer of at least 1, not {max_in_flight!r}")


def _check_adapt(adapt: object, adapt_interval: object) -> None:
    if adapt not in (None, "metrics", "load"):
        raise ValueError(f"adapt must be 'metrics', 'load' or None, not {adapt!r}")
    if (
        isinstance(adapt_interval, bool)
        or not isinstance(adapt_interval, (int, float))
        or not adapt_interval > 0
    ):
        raise ValueError(f"adapt_interval must be a positive number of seconds, not {adapt_interval!r}")


def _records(rows: Any) -> Any:
    """A pandas DataFrame's rows as dicts; any other iterable of rows as it is."""
    if hasattr(rows, "columns") and callable(getattr(rows, "to_dict", None)):
        return rows.to_dict("records")
    return rows


def _request(row: Row, spec: RowSpec) -> PreparedRequest | InvalidBatchRequest:
    try:
        return row_request(row, spec)
    except InvalidBatchRequest as exc:
        return exc  # the runner reports it as this row's failure


class _Pending:
    """The rows whose results are still to come, by their position in the input."""

    def __init__(self, spec: RowSpec) -> None:
        self._spec = spec
        self._rows: dict[int, Row] = {}
        self._next = 0

    def add(self, row: Row) -> PreparedRequest | InvalidBatchRequest:
        # The runner numbers the elements in the order it reads them: the same order as here.
        self._rows[self._next] = row
        self._next += 1
        return _request(row, self._spec)

    def pop(self, index: int) -> Row:
        return self._rows.pop(index)

    def feed(self, rows: Iterable[Row]) -> Iterator[PreparedRequest | InvalidBatchRequest]:
        for row in rows:
            yield self.add(row)

    async def afeed(self, rows: AsyncIterable[Row]) -> AsyncIterator[PreparedRequest | InvalidBatchRequest]:
        async for row in rows:
            yield self.add(row)


async def send_row(client: Any, request: PreparedRequest, stream: bool, /) -> Outcome:
    """The rows' sender: a non-streamed request is posted as JSON and its body kept as received (the
    ``response`` column is those bytes, so no typed model is built, dumped and encoded again per row);
    a streamed one goes through the client's stream engine, which measures the time to first token."""
    body = request.body
    if body is None or (stream and request.path in STREAMABLE):
        return await send_with_client(client, request, stream)
    if body.get("stream") or "stream_options" in body:
        # Results are whole bodies; vLLM rejects stream_options on a request that does not stream.
        body = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
    sent = time.perf_counter()
    response = await client.request(request.method, request.path, json=body)
    timing = RequestTiming(sent, time.perf_counter())
    raw = response.content
    try:
        data = decode_body(raw)
    except ValueError as exc:
        text = raw[:200].decode("utf-8", "replace")
        raise JsonError(f"the response to {request.path} is not JSON: {exc}", text=text) from exc
    return Outcome(
        data,
        data if isinstance(data, dict) else None,
        None,
        response.status_code,
        response.headers.get("x-request-id"),
        raw=raw,
        timing=timing,
    )


def _runner_options(client: object, max_retries: int | None, options: Mapping[str, Any]) -> dict[str, Any]:
    config = getattr(client, "config", None)
    extra: dict[str, Any] = dict(options)
    if isinstance(config, ClientConfig):
        extra.setdefault("eject_after", config.eject_after)
        extra.setdefault("cooldown", config.cooldown)
    if max_retries is not None:
        extra["max_retries"] = max_retries
    return extra


async def arun_rows(
    client: AsyncBatchClient,
    rows: Iterable[Row] | AsyncIterable[Row],
    *,
    model: str | None = None,
    params: Mapping[str, Any] | None = None,
    stream: bool = False,
    max_in_flight: int = 64,
    max_retries: int | None = None,
    adapt: AdaptSource | None = None,
    adapt_interval: float = 2.0,
    limit: InFlightLimit | None = None,
    **runner_options: Any,
) -> AsyncGenerator[dict[str, Any], None]:
    """Rows through ``client`` (an ``AsyncVllmClient`` the caller keeps open): each row back once, in
    completion order, with the output columns added. ``runner_options`` go to :func:`abatch`
    (``backoff_base``, ``backoff_cap``).

    ``adapt="metrics"`` (or ``"load"``) reads the servers' waiting queue every ``adapt_interval``
    seconds and lowers the requests in flight while it grows, back up to ``max_in_flight`` as it drains
    (see :mod:`vllm_sdk.batch._adaptive`). ``limit`` shares one bound on requests in flight between
    several calls (the Ray processor's actor runs several batches at once under one limit).
    """
    _check_adapt(adapt, adapt_interval)
    pending = _Pending(RowSpec(model, dict(params or {})))
    records = _records(rows)
    if isinstance(records, AsyncIterable):
        feed: AsyncIterator[Prepared] | Iterator[Prepared] = pending.afeed(records)
    elif isinstance(records, (list, tuple)):  # in memory already: nothing to wait for
        feed = pending.feed(records)
    else:
        # Any other iterable may block (a generator, a cursor, a partition still being computed): read it
        # in a thread, a bounded read-ahead, so the requests in flight keep going meanwhile.
        feed = pending.afeed(iterate_off_loop(records, maxsize=max_in_flight))
    options = _runner_options(client, max_retries, runner_options)
    poller: asyncio.Task[None] | None = None
    if adapt is not None and limit is None:
        limit = InFlightLimit(max_in_flight)
        controller = WaitingQueueController(max_in_flight)
        poller = asyncio.create_task(adapt_loop(client, limit, controller, adapt, adapt_interval))
    options.setdefault("_send", send_row)
    if limit is not None:
        options["_send"] = gated(options["_send"], limit)
    try:
        async for result in abatch(client, feed, concurrency=max_in_flight, stream=stream, **options):
            yield output_row(pending.pop(result.index), result)
    finally:
        if poller is not None:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller


async def arun_partition(
    rows: Iterable[Row] | AsyncIterable[Row],
    config: ClientConfig,
    *,
    model: str | None = None,
    params: Mapping[str, Any] | None = None,
    stream: bool = False,
    max_in_flight: int = 64,
    max_retries: int | None = None,
    adapt: AdaptSource | None = None,
    adapt_interval: float = 2.0,
    **runner_options: Any,
) -> AsyncGenerator[dict[str, Any], None]:
    """The async twin of :func:`run_partition`: a client opened from ``config`` for this partition.

    It also takes ``adapt`` and ``adapt_interval`` (see :func:`arun_rows`)."""
    _check(config, max_in_flight)
    _check_adapt(adapt, adapt_interval)
    client = open_async_client(config)
    try:
        async for row in arun_rows(
            client,
            rows,
            model=model,
            params=params,
            stream=stream,
            max_in_flight=max_in_flight,
            max_retries=max_retries,
            adapt=adapt,
            adapt_interval=adapt_interval,
            **runner_options,
        ):
            yield row
    finally:
        await client.close()


def run_partition(
    rows: Iterable[Row],
    config: ClientConfig,
    *,
    model: str | None = None,
    params: Mapping[str, Any] | None = None,
    stream: bool = False,
    max_in_flight: int = 64,
    max_retries: int | None = None,
    adapt: AdaptSource | None = None,
    adapt_interval: float = 2.0,
    **runner_options: Any,
) -> Iterator[dict[str, Any]]:
    """Send every row of one partition (for Spark ``mapInPandas`` / iterator ``pandas_udf`` and Dask
    ``map_partitions``) and yield each row once, in completion order, with the output columns added.

    ``rows`` are dicts (or a pandas DataFrame) carrying ``messages`` or ``body`` (a dict or a JSON string),
    optionally ``url`` (chat, completions, embeddings) and ``model`` (overrides ``model=`` and the body's).
    ``params`` are merged under every body (``{"max_tokens": 64}``; a row's own values win).
    ``stream=True`` streams chat and completion requests and fills ``ttft_s``. ``max_in_flight`` bounds
    the requests in flight; ``max_retries`` (default 3) the retries of one row. ``adapt="metrics"`` (or
    ``"load"``) reads the servers' waiting queue every ``adapt_interval`` seconds and lowers the requests
    in flight while it grows. Failures are rows with ``error`` set, never exceptions.

    It is :func:`arun_partition` run on an event loop in a background thread, through a client opened
    from ``config`` and closed at the end; rows are read as they are needed (a lazy iterable in a thread
    of its own, at most ``max_in_flight`` rows ahead, so a slow source never stalls the requests in
    flight) and results handed over through a bounded queue, so neither side grows without bound.
    """
    _check(config, max_in_flight)
    _check_adapt(adapt, adapt_interval)
    return iterate_in_thread(
        lambda: arun_partition(
            rows,
            config,
            model=model,
            params=params,
            stream=stream,
            max_in_flight=max_in_flight,
            max_retries=max_retries,
            adapt=adapt,
            adapt_interval=adapt_interval,
            **runner_options,
        ),
        maxsize=max_in_flight,
    )
