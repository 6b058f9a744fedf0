"""A per-event timeout: give up on a stream that stops producing events, without limiting its total length."""

from _common import example

from vllm_sdk import VllmTimeoutError

with example(__doc__) as ex, ex.client() as client:
    # A healthy stream finishes whatever its length: the limit is on the gap between two events.
    stream = client.chat.completions.create(
        model=ex.model,
        messages=[{"role": "user", "content": "Write a haiku about patience."}],
        stream=True,
        stream_idle_timeout=5.0,
    )
    print("healthy:", stream.collect_content().strip())

    if not ex.mock:
        print("(the stalled-stream part needs the mock server: run without --base-url)")
        raise SystemExit(0)

    # The mock server can stall on purpose: three events, then silence on an open connection.
    stalled = client.chat.completions.create(
        model=ex.model,
        messages=[{"role": "user", "content": "Write a haiku about patience."}],
        stream=True,
        stream_idle_timeout=0.5,
        extra_headers={"x-mock-fault": "stall_after=3"},
    )
    received = []
    try:
        for piece in stalled.text_stream:
            received.append(piece)
    except VllmTimeoutError as exc:
        print(f"stalled: gave up after {len(received)} pieces ({''.join(received)!r}): {exc}")
