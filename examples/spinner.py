"""Show a spinner until the first token arrives (queueing and prefill can take a while), then stream."""

import itertools
import sys
import threading
import time

from _common import example


def spin(first_token: threading.Event) -> None:
    started = time.monotonic()
    for frame in itertools.cycle("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"):
        if first_token.wait(0.08):
            break
        sys.stderr.write(f"\r{frame} waiting for the first token... {time.monotonic() - started:4.1f}s")
        sys.stderr.flush()
    sys.stderr.write("\r" + " " * 48 + "\r")
    sys.stderr.flush()


# The mock server waits 0.6 s before answering and 0.02 s per event, so that there is something to see.
with (
    example(__doc__, mock_options={"token_delay": 0.02, "faults": "delay_headers=0.6"}) as ex,
    ex.client() as client,
):
    first_token = threading.Event()
    spinner = threading.Thread(target=spin, args=(first_token,), daemon=True)
    spinner.start()
    started = time.monotonic()
    ttft = None
    try:
        stream = client.chat.completions.create().model(ex.model).user("Describe a sunrise.").send_stream()
        for piece in stream.text_stream:
            if ttft is None:
                ttft = time.monotonic() - started
                first_token.set()
                spinner.join()
            print(piece, end="", flush=True)
    finally:
        first_token.set()  # stop the spinner on errors too
        spinner.join()
    print(f"\n[time to first token: {ttft:.2f}s]" if ttft is not None else "\n[no tokens]")
