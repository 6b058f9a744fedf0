"""High-throughput batches: many requests, bounded concurrency, results as they complete.

See :func:`abatch` and :func:`batch` (``client.batch(...)`` calls them); the ``vllm-sdk batch`` command
runs OpenAI batch files on the same runner; :func:`run_partition` and :func:`arun_partition` run one
partition of a Spark, Dask or Ray table (rows in, rows out).

The package, lowest module first (each imports only from those before it, and from below ``batch``;
the balancer is ``vllm_sdk._balancer``, shared with the clients):

* ``_failures``: which failures are worth another attempt (in a run and on a rerun);
* ``_encode``: exact body decoding, and result lines that keep the raw text of what cannot be re-encoded;
* ``_result``: :data:`BatchRequest`, :class:`BatchResult`, :class:`RequestTiming`;
* ``_metrics``: the load-generator metrics (TTFT, TPOT, ITL, E2E, goodput) over results;
* ``_arrivals``: Poisson request arrivals (``vllm-sdk batch --request-rate``);
* ``_prepare``: a batch element -> the route and body to send;
* ``_protocols``: what batch needs from a client (batch never imports the client classes);
* ``_senders``: sending one request, through a client or over plain HTTP;
* ``_runner``: the worker pool, retries (:mod:`vllm_sdk._retry`) and :func:`abatch`;
* ``_bridge``: :func:`batch` and the sync bridge (the async runner on a loop in a thread);
* ``_rows``: table rows -> requests, results -> table rows (engine-neutral);
* ``_partition``: :func:`run_partition`, :func:`arun_partition` over the runner and ``_rows``;
* ``_files``: OpenAI batch files: input lines, and the result line of each request;
* ``_lock``: one ``vllm-sdk batch`` run per output file;
* ``_output``: the output file: ownership, torn-line repair, appending, atomic compaction.
"""

from ._bridge import batch
from ._partition import arun_partition, run_partition
from ._result import BatchRequest, BatchResult, RequestTiming
from ._runner import abatch

__all__ = [
    "BatchRequest",
    "BatchResult",
    "RequestTiming",
    "abatch",
    "arun_partition",
    "batch",
    "run_partition",
]
