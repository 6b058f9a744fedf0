"""High-throughput batches: many requests, bounded concurrency, results as they complete.

See :func:`abatch` and :func:`batch` (``client.batch(...)`` calls them); the ``vllm-sdk batch`` command
runs OpenAI batch files on the same runner.
"""

from ._runner import BatchRequest, BatchResult, abatch, batch

__all__ = ["BatchRequest", "BatchResult", "abatch", "batch"]
