"""``VllmProcessor``: a Ray Data ``Dataset`` through vLLM replicas, one client per actor.

::

    import ray
    from vllm_sdk import ClientConfig
    from vllm_sdk.integrations.ray import VllmProcessor

    proc = VllmProcessor(ClientConfig(base_url=[u1, u2]), model="m", concurrency=2, max_in_flight=64,
                         batch_size=256, params={"max_tokens": 128})
    out = proc(ray.data.from_items([{"messages": [{"role": "user", "content": "Hi"}]}]))

``Dataset.map_batches`` over an async callable class: each actor opens one ``AsyncVllmClient`` from the
(picklable) config and keeps ``max_in_flight`` requests in flight, over all the batches it runs at once.
Rows in, rows out, as :func:`vllm_sdk.batch.run_partition`: every input row once, its columns kept, with
the output columns added; failures are rows. Ray itself is imported only when the processor is applied
(the ``ray`` extra).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .._client_config import ClientConfig, open_async_client
from ..batch._adaptive import AdaptSource, InFlightLimit, WaitingQueueController, adapt_loop
from ..batch._partition import arun_rows
from ..batch._rows import OUTPUT_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["VllmProcessor"]

#: The hidden column that carries a row's position through the batch (results complete out of order).
_POSITION = "__vllm_sdk_position"

#: The Arrow type of each output column.
_OUTPUT_TYPES = {
    "content": "string",
    "reasoning": "string",
    "finish_reason": "string",
    "prompt_tokens": "int64",
    "completion_tokens": "int64",
    "status_code": "int64",
    "error": "string",
    "attempts": "int64",
    "latency_s": "float64",
    "ttft_s": "float64",
    "response": "string",
}


class VllmProcessor:
    """Applies vLLM requests to a ``ray.data.Dataset``: ``out = VllmProcessor(cfg, model="m")(ds)``.

    ``config``: the :class:`~vllm_sdk.ClientConfig` every actor opens its client from (several
    ``base_url``\\ s are balanced over). ``model``: used by rows without a ``model`` (column or body
    field). ``params``: merged under every body (``{"max_tokens": 64}``). ``concurrency``: actors, an int
    or a ``(min, max)`` pair for autoscaling, as ``map_batches`` takes it. ``max_in_flight``: requests in
    flight per actor. ``batch_size``: rows per batch. ``stream=True`` streams and fills ``ttft_s``.
    ``max_retries`` (default 3) bounds a row's retries. ``adapt`` (``"metrics"`` or ``"load"``) lowers
    the requests in flight of an actor while the servers' waiting queue grows, polled every
    ``adapt_interval`` seconds. ``num_cpus`` per actor (default 1, as Ray's); other ``map_batches``
    keywords go through ``ray_options``.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        model: str | None = None,
        params: Mapping[str, Any] | None = None,
        concurrency: int | tuple[int, int] = 1,
        max_in_flight: int = 64,
        batch_size: int = 256,
        stream: bool = False,
        max_retries: int | None = None,
        adapt: AdaptSource | None = None,
        adapt_interval: float = 2.0,
        num_cpus: float | None = None,
        ray_options: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(config, ClientConfig):
            raise TypeError(f"config must be a ClientConfig, not {type(config).__name__}")
        if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or max_in_flight < 1:
            raise ValueError(f"max_in_flight must be an integer of at least 1, not {max_in_flight!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be an integer of at least 1, not {batch_size!r}")
        if adapt not in (None, "metrics", "load"):
            raise ValueError(f"adapt must be 'metrics', 'load' or None, not {adapt!r}")
        if not adapt_interval > 0:
            raise ValueError(f"adapt_interval must be a positive number of seconds, not {adapt_interval!r}")
        _check_concurrency(concurrency)
        self.config = config
        self.concurrency = concurrency
        self.batch_size = batch_size
        self.num_cpus = num_cpus
        self.ray_options = dict(ray_options or {})
        self._actor_options: dict[str, Any] = {
            "model": model,
            "params": dict(params or {}),
            "stream": stream,
            "max_in_flight": max_in_flight,
            "max_retries": max_retries,
            "adapt": adapt,
            "adapt_interval": adapt_interval,
        }

    def __call__(self, dataset: Any) -> Any:
        """``dataset`` (a ``ray.data.Dataset``) -> a lazy ``Dataset`` with the output columns added."""
        if not callable(getattr(dataset, "map_batches", None)):
            raise TypeError(f"VllmProcessor applies to a ray.data.Dataset, not {type(dataset).__name__}")
        import ray.data  # the ray extra; imported only here, when a processor is applied

        calls = concurrent_batches(self._actor_options["max_in_flight"], self.batch_size)
        # Ray Data's actors run one task (one batch) at a time unless told otherwise: the in-flight
        # requests then drain to nothing at the end of every batch and wait for the next one, which made
        # the processor slower than Ray's own. Several batches at once, over the actor's one event loop
        # and one in-flight limit, keep ``max_in_flight`` requests going across batch boundaries.
        pool: dict[str, Any] = {
            "max_concurrent_calls_per_actor": calls,
            "max_tasks_in_flight_per_actor": 2 * calls,
        }
        if isinstance(self.concurrency, tuple):
            low, high = self.concurrency
            compute = ray.data.ActorPoolStrategy(min_size=low, max_size=high, **pool)
        else:
            compute = ray.data.ActorPoolStrategy(size=self.concurrency, **pool)
        options: dict[str, Any] = {
            "batch_size": self.batch_size,
            # Arrow in, Arrow out: ``to_pylist`` gives plain Python values (no numpy arrays to convert
            # back), and Arrow infers each output column's type from them (an int column with a None
            # from a failed row stays an int column).
            "batch_format": "pyarrow",
            "compute": compute,
            "fn_constructor_kwargs": {"config": self.config, "options": self._actor_options},
        }
        if self.num_cpus is not None:
            options["num_cpus"] = self.num_cpus
        options.update(self.ray_options)
        return dataset.map_batches(_VllmActor, **options)


def concurrent_batches(max_in_flight: int, batch_size: int) -> int:
    """Batches an actor runs at once: enough rows queued to keep ``max_in_flight`` requests going while
    a batch finishes (at least 4, at most 32)."""
    return max(4, min(32, -(-2 * max_in_flight // batch_size)))


def _check_concurrency(concurrency: object) -> None:
    ok = isinstance(concurrency, int) and not isinstance(concurrency, bool) and concurrency >= 1
    if isinstance(concurrency, tuple) and len(concurrency) == 2:
        low, high = concurrency
        ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)) and 1 <= low <= high
    if not ok:
        raise ValueError(f"concurrency must be an int >= 1 or a (min, max) pair, not {concurrency!r}")


class _VllmActor:
    """One Ray actor: one client, one in-flight limit over every batch it runs at once."""

    def __init__(self, config: ClientConfig, options: dict[str, Any]) -> None:
        self._config = config
        self._options = dict(options)
        self._client: Any = None
        self._limit = InFlightLimit(options["max_in_flight"])
        self._poller: asyncio.Task[None] | None = None

    def _open(self) -> Any:
        # Opened inside the actor's event loop, on the first batch: an async client belongs to its loop.
        if self._client is None:
            self._client = open_async_client(self._config)
            source = self._options["adapt"]
            if source is not None:
                controller = WaitingQueueController(self._options["max_in_flight"])
                self._poller = asyncio.get_running_loop().create_task(
                    adapt_loop(self._client, self._limit, controller, source, self._options["adapt_interval"])
                )
        return self._client

    async def __call__(self, batch: Any) -> Any:
        """One Arrow batch -> the same rows (in the same order) with the output columns added."""
        client = self._open()
        records = batch.to_pylist()
        for position, record in enumerate(records):
            record[_POSITION] = position
        options = {k: v for k, v in self._options.items() if k not in ("adapt", "adapt_interval")}
        out: list[dict[str, Any] | None] = [None] * len(records)
        async for row in arun_rows(client, records, limit=self._limit, **options):
            out[row.pop(_POSITION)] = row
        import pyarrow  # type: ignore[import-untyped]  # from ray[data]; imported in the actor only

        # The input columns go back as they came (their Arrow types kept, nothing converted twice). The
        # output columns have one type in every batch (a batch whose rows all failed would otherwise give
        # null-typed columns that clash with the next batch's); a value that does not fit its type (a
        # server answering something odd) falls back to inference rather than failing the batch. An input
        # column named like an output column is replaced.
        table = batch.drop_columns([c for c in OUTPUT_COLUMNS if c in batch.column_names])
        for name in OUTPUT_COLUMNS:
            values = [row[name] for row in out]  # type: ignore[index]
            try:
                column = pyarrow.array(values, type=pyarrow.type_for_alias(_OUTPUT_TYPES[name]))
            except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError, TypeError, ValueError, OverflowError):
                column = pyarrow.array(values)
            table = table.append_column(name, column)
        return table
