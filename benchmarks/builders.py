"""What a request costs before any I/O: a builder chain, and the body the client encodes from it or from
keywords (issue 16 item 1: immutable builders must keep both costs where they were).

    python -m benchmarks.builders

Prints microseconds per operation (best of 5 repeats) for:

* ``builder chain``: ``create().model().system().user().temperature().max_tokens().top_p()`` (7 setters);
* ``builder + body``: that chain, then the request options and JSON body the client would send;
* ``keywords + body``: the same request from keyword arguments (the openai-python style);
* ``reuse + body``: ``base.user("...")`` on a kept half-built builder, then its body.
"""

from __future__ import annotations

import timeit
from typing import Any

import httpx

from vllm_sdk import VllmClient
from vllm_sdk._requester import CallOptions

ROUTE = "chat.completions.create"
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]


def main() -> None:
    """Run the four measurements and print them."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    client = VllmClient("http://bench.test/v1", http_client=httpx.Client(transport=transport))
    chat = client.chat.completions
    options = CallOptions()
    base = chat.create().model("m").system("Be brief.")

    def chain() -> Any:
        return (
            chat.create().model("m").system("Be brief.").user("hi").temperature(0.5).max_tokens(10).top_p(0.9)
        )

    def chain_body() -> Any:
        builder = chain()
        return client._route_options(ROUTE, builder._body, CallOptions(extra_body=builder._extra or None))

    def keywords_body() -> Any:
        params = {"model": "m", "messages": MESSAGES, "temperature": 0.5, "max_tokens": 10, "top_p": 0.9}
        return client._route_options(ROUTE, params, options)

    def reuse_body() -> Any:
        builder = base.user("hi")
        return client._route_options(ROUTE, builder._body, options)

    for name, fn in (
        ("builder chain", chain),
        ("builder + body", chain_body),
        ("keywords + body", keywords_body),
        ("reuse + body", reuse_body),
    ):
        number = 20_000
        best = min(timeit.repeat(fn, number=number, repeat=5)) / number
        print(f"{name:<16} {best * 1e6:7.2f} µs")
    client.close()


if __name__ == "__main__":
    main()
