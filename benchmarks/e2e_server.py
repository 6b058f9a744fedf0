"""A tiny vLLM-shaped streaming server for the end-to-end benchmark (run in its own process).

Every ``POST /v1/chat/completions`` with ``stream: true`` gets the same precomputed stream, shaped like
vLLM 0.32.0's (role chunk, one chunk per token, finish chunk, usage chunk, ``[DONE]``), written in one of
three ways (``--mode``):

* ``interleaved`` (the default): one event per ``write`` - so one HTTP chunk per event - with a yield to
  the event loop between events, so concurrent streams interleave the way a batching engine's do and a
  client reads about one event at a time;
* ``burst``: a stream's events all at once, in one ``write`` (one HTTP chunk): a server whose output is
  ready before the client reads, so one read takes many events whatever the machine's load;
* ``back-to-back``: one ``write`` per event without yielding. How many events one read then takes depends on
  the machine: under load many, but on a quiet machine a client with a core of its own keeps pace with
  this single-process server's ``send`` calls and reads two or three at a time.
 A request without ``stream: true`` gets one
precomputed non-streamed chat completion (vLLM 0.32.0's exact field set). Precomputing keeps the server
cheap: the benchmark measures the client, and the server must not be its bottleneck.

    python -m benchmarks.e2e_server --port 0 --tokens 128      # prints "serving on http://127.0.0.1:PORT/v1"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from aiohttp import web

MODEL = "bench"


def build_events(tokens: int) -> list[bytes]:
    """The SSE events of one stream: ``tokens`` content chunks plus role, finish, usage and [DONE]."""
    base = {
        "id": "chatcmpl-bench0000000000",
        "object": "chat.completion.chunk",
        "created": 1795000000,
        "model": MODEL,
    }

    def event(payload: dict[str, object]) -> bytes:
        return b"data: " + json.dumps({**base, **payload}, separators=(",", ":")).encode() + b"\n\n"

    events = [
        event(
            {
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": ""},
                        "logprobs": None,
                        "finish_reason": None,
                    }
                ],
                "prompt_token_ids": None,
                "prompt_text": None,
            }
        )
    ]
    words = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."]
    for i in range(tokens):
        events.append(
            event(
                {
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"content": words[i % len(words)]},
                            "logprobs": None,
                            "finish_reason": None,
                            "token_ids": None,
                        }
                    ]
                }
            )
        )
    events.append(
        event(
            {
                "choices": [
                    {
                        "index": 0,
                        "delta": {},
                        "logprobs": None,
                        "finish_reason": "length",
                        "stop_reason": None,
                        "token_ids": None,
                    }
                ]
            }
        )
    )
    events.append(
        event(
            {
                "choices": [],
                "usage": {"prompt_tokens": 12, "total_tokens": 12 + tokens, "completion_tokens": tokens},
            }
        )
    )
    events.append(b"data: [DONE]\n\n")
    return events


def build_completion(tokens: int) -> bytes:
    """One non-streamed chat completion of ``tokens`` tokens, with every field vLLM 0.32.0 sends."""
    words = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."]
    text = "".join(words[i % len(words)] for i in range(tokens))
    message = {
        "role": "assistant",
        "content": text,
        "refusal": None,
        "annotations": None,
        "audio": None,
        "function_call": None,
        "reasoning": None,
    }
    body = {
        "id": "chatcmpl-bench0000000000",
        "object": "chat.completion",
        "created": 1795000000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "length",
                "stop_reason": None,
                "token_ids": None,
                "routed_experts": None,
            }
        ],
        "service_tier": None,
        "system_fingerprint": "vllm-0.32.0-bench",
        "usage": {
            "prompt_tokens": 12,
            "total_tokens": 12 + tokens,
            "completion_tokens": tokens,
            "prompt_tokens_details": None,
            "completion_tokens_details": None,
        },
        "prompt_logprobs": None,
        "prompt_token_ids": None,
        "prompt_text": None,
        "kv_transfer_params": None,
        "ec_transfer_params": None,
        "metrics": None,
    }
    return json.dumps(body, separators=(",", ":")).encode()


#: How the server writes a stream (see the module docstring).
MODES = ("interleaved", "burst", "back-to-back")


def make_app(tokens: int, event_delay: float, mode: str = "interleaved") -> web.Application:
    """The benchmark server's application: ``mode`` is one of :data:`MODES`."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    events = build_events(tokens)
    whole = b"".join(events)
    completion = build_completion(tokens)
    models_body = json.dumps({"object": "list", "data": [{"id": MODEL, "object": "model"}]})

    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if not body.get("stream"):
            return web.Response(body=completion, content_type="application/json")
        resp = web.StreamResponse(headers={"content-type": "text/event-stream; charset=utf-8"})
        await resp.prepare(request)
        if mode == "burst":  # every event ready at once: one write (one HTTP chunk, one send) per stream
            await resp.write(whole)
        elif mode == "back-to-back":  # the kernel coalesces events into a read only if the client lags
            for ev in events:
                await resp.write(ev)
        else:
            for ev in events:
                await resp.write(ev)
                await asyncio.sleep(event_delay)  # 0: just yield, so concurrent streams interleave
        await resp.write_eof()
        return resp

    async def models(request: web.Request) -> web.Response:
        return web.Response(text=models_body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/v1/models", models)
    return app


async def serve(port: int, tokens: int, event_delay: float, mode: str) -> None:
    app = make_app(tokens, event_delay, mode)
    runner = web.AppRunner(app, access_log=None, handle_signals=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=4096)
    await site.start()
    print(f"serving on http://127.0.0.1:{runner.addresses[0][1]}/v1", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tokens", type=int, default=128, help="content chunks per stream")
    parser.add_argument("--event-delay", type=float, default=0.0, help="seconds between events")
    parser.add_argument("--mode", choices=MODES, default="interleaved", help="how a stream is written")
    parser.add_argument(
        "--burst",
        "--one-write",
        dest="mode",
        action="store_const",
        const="burst",
        help="same as --mode burst: each stream's events in one write",
    )
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.port, args.tokens, args.event_delay, args.mode))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
