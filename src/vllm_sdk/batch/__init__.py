"""High-throughput batches: many requests, bounded concurrency, results as they complete.

See :func:`abatch` and :func:`batch` (``client.batch(...)`` calls them); the ``vllm-sdk batch`` command
runs OpenAI batch files on the same runner.

The package, lowest module first (each imports only from those before it, and from below ``batch``):

* ``_failures``: which failures are worth another attempt (in a run and on a rerun);
* ``_encode``: exact body decoding, and result lines that keep the raw text of what cannot be re-encoded;
* ``_result``: :data:`BatchRequest`, :class:`BatchResult`, :class:`RequestTiming`;
* ``_metrics``: the load-generator metrics (TTFT, TPOT, ITL, E2E, goodput) over results;
* ``_arrivals``: Poisson request arrivals (``vllm-sdk batch --request-rate``);
* ``_balancer``: least-outstanding-requests balancing over replicas, with ejection;
* ``_prepare``: a batch element -> the route and body to send;
* ``_protocols``: what batch needs from a client (batch never imports the client classes);
* ``_senders``: sending one request, through a client or over plain HTTP;
* ``_runner``: the worker pool, retries (:mod:`vllm_sdk._retry`) and :func:`abatch`;
* ``_bridge``: :func:`batch` and the sync bridge (the async runner on a loop in a thread);
* ``_files``: OpenAI batch files: input lines, and the result line of each request;
* ``_lock``: one ``vllm-sdk batch`` run per output file;
* ``_output``: the output file: ownership, torn-line repair, appending, atomic compaction.
"""

from ._bridge import batch
from ._result import BatchRequest, BatchResult, RequestTiming
from ._runner import abatch

__all__ = ["BatchRequest", "BatchResult", "RequestTiming", "abatch", "batch"]
