"""Scale out with Ray Data: a dataset of chats through vLLM replicas, every row back with its answer.

Against real servers pass their URLs: ``--base-url http://a:8000/v1 --replica http://b:8000/v1``. Without
``--base-url`` it starts two mock replicas. Needs the ray extra: ``pip install "vllm-python-sdk[ray]"``.
"""

from __future__ import annotations

import argparse
import contextlib
import os

# A local Ray on this machine's loopback address only (read when ray is imported).
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import ray
from _common import example

from vllm_sdk import ClientConfig
from vllm_sdk.integrations.ray import VllmProcessor


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--replica", action="append", default=[], help="another replica's base URL")
    parser.add_argument("--rows", type=int, default=100, help="how many rows (default 100)")


with example(__doc__, add_arguments) as ex, contextlib.ExitStack() as stack:
    urls = [ex.base_url, *ex.args.replica]
    if ex.server is not None:
        from vllm_sdk.testing import MockVllmServer

        # A second mock replica, so the processor has something to balance over.
        urls.append(stack.enter_context(MockVllmServer(model=ex.model)).base_url)
    config = ClientConfig(base_url=urls, api_key=ex.api_key)  # picklable: every actor opens its own client

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    stack.callback(ray.shutdown)
    rows = [
        {"id": i, "messages": [{"role": "user", "content": f"Give me fact number {i}."}]}
        for i in range(ex.args.rows)
    ]
    rows.append({"id": -1, "body": '{"prompt": "Once upon a time", "max_tokens": 8}', "url": "completions"})
    # A row that cannot be sent comes back as a row with its error, never as an exception.
    rows.append({"id": -2, "messages": [{"role": "user", "content": "hi"}], "url": "/v1/audio/speech"})
    processor = VllmProcessor(
        config,
        model=ex.model,
        params={"max_tokens": 16},
        concurrency=2,  # actors
        max_in_flight=32,  # requests in flight per actor
        batch_size=25,  # rows per batch
        stream=True,  # fills ttft_s
        num_cpus=0.5,
    )
    out = processor(ray.data.from_items(rows)).take_all()

    ok = [r for r in out if r["error"] is None]
    failed = [r for r in out if r["error"] is not None]
    print(f"{len(out)} rows back ({len(rows)} sent): {len(ok)} ok, {len(failed)} failed")
    for row in sorted(ok, key=lambda r: r["id"])[:3]:
        ttft_ms = row["ttft_s"] * 1000
        print(f"id={row['id']} ttft={ttft_ms:.1f} ms tokens={row['completion_tokens']}: {row['content']!r}")
    for row in failed:
        print(f"id={row['id']} status={row['status_code']} error={row['error']}")
