"""Async concurrency: many requests and streams at once with AsyncVllmClient and asyncio."""

import asyncio
import time

from _common import example

from vllm_sdk import AsyncVllmClient


async def ask(client: AsyncVllmClient, model: str, question: str, limit: asyncio.Semaphore) -> str:
    async with limit:  # bound the requests in flight
        resp = await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": question}], max_tokens=32
        )
        return resp.content or ""


async def stream_one(client: AsyncVllmClient, model: str, name: str) -> int:
    stream = (
        await client.chat.completions.create().model(model).user(f"Story {name}").max_tokens(48).send_stream()
    )
    pieces = 0
    async with stream:
        async for _ in stream.text_stream:
            pieces += 1
    return pieces


async def main(base_url: str, api_key: str | None, model: str) -> None:
    async with AsyncVllmClient(base_url, api_key=api_key) as client:
        questions = [f"What is {i} squared?" for i in range(50)]
        limit = asyncio.Semaphore(16)
        started = time.monotonic()
        answers = await asyncio.gather(*(ask(client, model, q, limit) for q in questions))
        print(f"{len(answers)} answers in {time.monotonic() - started:.2f}s; first: {answers[0]!r}")

        # Ten streams read concurrently.
        counts = await asyncio.gather(*(stream_one(client, model, str(i)) for i in range(10)))
        print(f"10 concurrent streams, pieces per stream: {counts}")

        # Cancelling a task mid-stream closes its stream and releases the connection.
        await cancel_mid_stream(client, model)
        print("the client is still fine:", (await ask(client, model, "still there?", limit))[:30])


async def cancel_mid_stream(client: AsyncVllmClient, model: str) -> None:
    first_piece = asyncio.Event()

    async def slow_reader() -> None:
        stream = await client.chat.completions.create().model(model).user("A long story").send_stream()
        async with stream:  # closes the stream, also when the task is cancelled
            async for _ in stream.text_stream:
                first_piece.set()
                await asyncio.sleep(0.05)  # a slow consumer

    task = asyncio.create_task(slow_reader())
    waiter = asyncio.create_task(first_piece.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("cancelled a stream after its first piece")


with example(__doc__) as ex:
    asyncio.run(main(ex.base_url, ex.api_key, ex.model))
