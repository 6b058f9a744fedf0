"""``vllm-sdk demo`` (``make demo``): a two-minute tour of the SDK, against a mock server by default.

1. a chat completion with the fluent builder;
2. a streamed answer, its reasoning shown live (dimmed) apart from the content;
3. a tool-calling round trip: ``ToolCallComplete`` -> run the tool -> ``tool_call.result(...)`` -> answer;
4. a batch of 1,000 streamed requests at concurrency 64 with a progress bar, ending with throughput and
   the client's CPU time per streamed chunk.

Without ``--base-url`` the mock vLLM server runs in a child process, so the CPU time measured is the
client's alone.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

from .._events import Content, Reasoning, ToolCallComplete
from .._transports import run as run_event_loop

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console

    from ..types import ChatCompletionMessageParam

__all__ = ["run_demo"]

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["C", "F"]}},
            "required": ["city"],
        },
    },
}


def get_weather(city: str = "Paris", unit: str = "C") -> dict[str, Any]:
    """The demo's tool: a fixed forecast (a real app would call a weather API here)."""
    return {"city": city, "temperature": 21 if unit == "C" else 70, "unit": unit, "sky": "clear"}


@contextlib.contextmanager
def _mock_server_process() -> Iterator[str]:
    """Run ``python -m vllm_sdk.testing --port 0`` and yield its base URL; stop it at the end."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "vllm_sdk.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = next((word for word in line.split() if word.startswith("http://")), None)
        if url is None:
            _, err = proc.communicate(timeout=5)
            raise RuntimeError(f"the mock server did not start: {line!r} {err!r}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def _first_model(client: Any) -> str:
    from ._chat import model_ids

    ids = model_ids(client.models.list())
    if not ids:
        raise RuntimeError("the server lists no models; pass --model")
    return ids[0]


def _chat(console: Console, client: Any, model: str) -> None:
    console.rule("[bold]1. A chat completion")
    console.print('[dim]client.chat.completions.create().model(m).user("...").max_tokens(48).send()[/dim]')
    resp = (
        client.chat.completions.create()
        .model(model)
        .user("In one sentence, what is vLLM?")
        .max_tokens(48)
        .send()
    )
    console.print(resp.content)
    usage = resp.usage
    if usage is not None:
        console.print(
            f"[dim]finish_reason={resp.finish_reason}  prompt_tokens={usage.prompt_tokens}  "
            f"completion_tokens={usage.completion_tokens}[/dim]"
        )


def _stream_with_reasoning(console: Console, client: Any, model: str) -> None:
    console.rule("[bold]2. A streamed answer, reasoning shown live")
    console.print("[dim]for event in builder.send_stream(): Reasoning(text) or Content(text)[/dim]")
    stream = (
        client.chat.completions.create()
        .model(model)
        .user("Why is the sky blue? Think first.")
        .max_tokens(96)
        .extra({"chat_template_kwargs": {"enable_thinking": True}})
        .send_stream()
    )
    mode = None
    with stream:
        for event in stream:
            if type(event) is Reasoning:
                if mode != "reasoning":
                    console.print("[italic dim]reasoning:[/italic dim] ", end="")
                text = event.text if mode == "reasoning" else event.text.lstrip()
                mode = "reasoning"
                console.print(text, style="dim", end="", markup=False, highlight=False)
            elif type(event) is Content:
                text = event.text
                if mode != "content":
                    console.print("\n[bold]answer:[/bold] ", end="")
                    mode = "content"
                    text = text.lstrip()  # the blank line a model puts after its reasoning
                console.print(text, end="", markup=False, highlight=False)
        console.print()
        ttft = stream.ttft
    if ttft is not None:
        console.print(f"[dim]time to first token: {ttft * 1000:.1f} ms[/dim]")


def _tool_round_trip(console: Console, client: Any, model: str) -> None:
    console.rule("[bold]3. Tool calling: ToolCallComplete -> run the tool -> tool_call.result(...)")
    messages: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "Use get_weather to tell me the weather in Paris."}
    ]
    stream = (
        client.chat.completions.create().model(model).messages(messages).tools([WEATHER_TOOL]).send_stream()
    )
    results = []
    with stream:
        for event in stream:
            if type(event) is ToolCallComplete:
                call = event.tool_call
                args = call.parse_args()
                console.print(f"model calls [bold]{call.name}[/bold]({json.dumps(args)})")
                value = get_weather(**{k: v for k, v in args.items() if k in ("city", "unit")})
                console.print(f"tool returns {json.dumps(value)}")
                results.append(call.result(value))
        first = stream.collect()
    if not results:
        console.print(f"[yellow]the model answered without calling the tool:[/yellow] {first.content}")
        return
    messages.append(first.assistant_message())
    messages.extend(results)
    final = client.chat.completions.create().model(model).messages(messages).tools([WEATHER_TOOL]).send()
    console.print(f"[bold]final answer:[/bold] {final.content}")


async def _batch(
    console: Console, base_url: str, api_key: str | None, model: str, n: int, concurrency: int
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .._client import AsyncVllmClient
    from .._transports import selected_transport
    from ..batch import abatch
    from ._batch import percentile

    console.rule(f"[bold]4. A batch of {n:,} streamed requests at concurrency {concurrency}")
    console.print("[dim]async for result in client.batch(requests, concurrency=64, stream=True): ...[/dim]")
    requests = (
        {
            "model": model,
            "messages": [{"role": "user", "content": f"Summarise document #{i}."}],
            "max_tokens": 32,
        }
        for i in range(n)
    )
    ttfts: list[float] = []
    tokens = errors = 0
    progress = Progress(
        TextColumn("[bold]batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=console,
        refresh_per_second=8,
    )
    async with AsyncVllmClient(base_url=base_url, api_key=api_key, max_retries=0) as client:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        with progress:
            task = progress.add_task("batch", total=n, rate="")
            done = 0
            async for result in abatch(client, requests, concurrency=concurrency, stream=True):
                done += 1
                if result.ok:
                    tokens += result.completion_tokens or 0
                    if result.ttft is not None:
                        ttfts.append(result.ttft)
                else:
                    errors += 1
                if done % 25 == 0 or done == n:
                    elapsed = time.perf_counter() - wall0
                    progress.update(
                        task,
                        completed=done,
                        rate=f"{done / elapsed:,.0f} req/s  {tokens / elapsed:,.0f} tok/s",
                    )
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    # vLLM-shaped streams carry one chunk per token plus the role, usage and [DONE] chunks.
    chunks = tokens + 3 * (n - errors)
    p50, p99 = percentile(ttfts, 50), percentile(ttfts, 99)
    console.print(
        f"{n - errors:,} ok, {errors} errors in {wall:.2f} s: [bold]{n / wall:,.0f} req/s[/bold], "
        f"[bold]{tokens / wall:,.0f} tokens/s[/bold], {chunks:,} chunks"
    )
    if p50 is not None and p99 is not None:
        console.print(f"TTFT p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")
    console.print(
        f"client CPU: {cpu:.2f} s = [bold]{cpu / max(chunks, 1) * 1e6:.1f} µs per chunk[/bold], "
        f"{cpu / max(n, 1) * 1e3:.2f} ms per request ({selected_transport()} transport)"
    )


def run_demo(
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    model: str | None = None,
    requests: int = 1000,
    concurrency: int = 64,
) -> int:
    """Run the tour; returns the exit status.

    Needs rich (the ``cli`` extra) and, for the embedded mock server, aiohttp (the ``mock`` extra): both
    are imported first, so a missing one is reported as an install hint before anything starts.
    """
    from rich.console import Console

    if base_url is None:
        # The mock server runs in a child process: check here, where the error can still say what to install.
        importlib.import_module("aiohttp")

    from .._client import VllmClient

    console = Console(highlight=False)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if base_url is None:
            base_url = stack.enter_context(_mock_server_process())
            console.print(f"[dim]started the mock vLLM server at {base_url}[/dim]")
        with VllmClient(base_url=base_url, api_key=api_key) as client:
            model = model or _first_model(client)
            console.print(f"model [bold]{model}[/bold] at {base_url}")
            _chat(console, client, model)
            _stream_with_reasoning(console, client, model)
            _tool_round_trip(console, client, model)
        run_event_loop(_batch(console, base_url, api_key, model, requests, concurrency))
    console.rule(f"[bold]done in {time.perf_counter() - started:.1f} s")
    return 0
