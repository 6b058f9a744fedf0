"""Batch processing: many requests, bounded concurrency, results as they complete, with timings."""

import argparse
import statistics
import time

from _common import example


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--requests", type=int, default=200, help="how many requests (default 200)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (default 32)")


with example(__doc__, add_arguments) as ex, ex.client() as client:
    n = ex.args.requests
    # A request may be a dict of keyword parameters, a builder, or a line of an OpenAI batch file.
    requests = (
        {
            "model": ex.model,
            "messages": [{"role": "user", "content": f"Give me fact number {i}."}],
            "max_tokens": 32,
        }
        for i in range(n)
    )
    started = time.monotonic()
    ok, failed, tokens, ttfts = 0, 0, 0, []
    # stream=True streams each request (so the time to first token is measured) and collects it.
    for result in client.batch(requests, concurrency=ex.args.concurrency, stream=True):
        if result.ok:
            ok += 1
            tokens += result.completion_tokens or 0
            if result.ttft is not None:
                ttfts.append(result.ttft)
        else:
            failed += 1
            print(f"request {result.index} failed: {result.error}")
    elapsed = time.monotonic() - started
    print(f"{ok} ok, {failed} failed in {elapsed:.2f}s", end=": ")
    print(f"{ok / elapsed:.0f} requests/s, {tokens / elapsed:.0f} tokens/s")
    if ttfts:
        median_ms, max_ms = statistics.median(ttfts) * 1000, max(ttfts) * 1000
        print(f"time to first token: median {median_ms:.1f} ms, max {max_ms:.1f} ms")

    # Builders and OpenAI batch lines mix freely; custom_id comes back on the result.
    mixed = [
        client.chat.completions.create().model(ex.model).user("one").max_tokens(8),
        {
            "custom_id": "line-2",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": ex.model, "messages": [{"role": "user", "content": "two"}], "max_tokens": 8},
        },
    ]
    for result in client.batch(mixed, concurrency=2):
        print(f"index={result.index} custom_id={result.custom_id} ok={result.ok}")
