"""The async client against a real vLLM: the main flows of the sync suite, with ``await``/``async for``.

The async client runs on the transport the SDK picks itself (aiohttp when the speed extra is installed).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest

from vllm_sdk import (
    AuthenticationError,
    BadRequestError,
    Content,
    Done,
    FinishReason,
    ModelNotFoundError,
    Reasoning,
    Text,
    ToolCallComplete,
)

from .real_support import NO_THINKING, TOOLS, ServerInfo, split_think

pytestmark = pytest.mark.real_vllm

HELLO = [{"role": "user", "content": "Hello"}]


async def _events(stream: Any) -> list[Any]:
    async with stream:
        return [event async for event in stream]


async def test_async_chat_and_stream_agree(aclient: Any, main_server: ServerInfo) -> None:
    kwargs = {"model": main_server.model, "messages": HELLO, "temperature": 0, "max_tokens": 64}
    whole = await aclient.chat.completions.create(**kwargs)
    assert whole.content
    events = await _events(await aclient.chat.completions.create(stream=True, **kwargs))
    assert "".join(e.text for e in events if isinstance(e, Content)) == whole.content
    assert "".join(e.text for e in events if isinstance(e, Reasoning)) == (whole.reasoning_content or "")
    assert [e.reason for e in events if isinstance(e, FinishReason)] == [whole.finish_reason]
    assert isinstance(events[-1], Done)
    # Builders are immutable: the settings go on the builder that is sent twice.
    builder = (
        aclient.chat.completions.create()
        .model(main_server.model)
        .messages(HELLO)
        .temperature(0)
        .max_tokens(64)
    )
    by_builder = await builder.send()
    assert by_builder.content == whole.content
    stream = await builder.send_stream()
    async with stream:
        collected = await stream.collect()
    assert (collected.content, collected.reasoning_content) == (whole.content, whole.reasoning_content)


async def test_async_tool_call_stream(aclient: Any, main_server: ServerInfo) -> None:
    kwargs = {
        "model": main_server.model,
        "messages": [{"role": "user", "content": "What's the weather in Paris?"}],
        "tools": TOOLS,
        "tool_choice": "required",
        "temperature": 0,
        "max_tokens": 100,
        "chat_template_kwargs": NO_THINKING,
    }
    whole = await aclient.chat.completions.create(**kwargs)
    assert whole.has_tool_calls()
    events = await _events(await aclient.chat.completions.create(stream=True, **kwargs))
    completes = [e.tool_call for e in events if isinstance(e, ToolCallComplete)]
    assert [(c.name, c.arguments) for c in completes] == [(c.name, c.arguments) for c in whole.tool_calls]
    for call in completes:
        assert isinstance(json.loads(call.arguments), dict)
    follow = await aclient.chat.completions.create(
        model=main_server.model,
        messages=[
            *kwargs["messages"],
            whole.assistant_message(),
            completes[0].result({"temperature": 22, "condition": "sunny"}),
        ],
        tools=TOOLS,
        temperature=0,
        max_tokens=60,
        chat_template_kwargs=NO_THINKING,
    )
    assert follow.content
    assert not follow.has_tool_calls()


async def test_async_completions_stream(aclient: Any, main_server: ServerInfo) -> None:
    kwargs = {"model": main_server.model, "prompt": "Once upon a time,", "max_tokens": 12, "temperature": 0}
    whole = await aclient.completions.create(**kwargs)
    events = await _events(await aclient.completions.create(stream=True, **kwargs))
    assert "".join(e.text for e in events if isinstance(e, Text)) == whole.choices[0].text


async def test_async_concurrent_streams(aclient: Any, main_server: ServerInfo) -> None:
    kwargs = {"model": main_server.model, "messages": HELLO, "temperature": 0, "max_tokens": 48}
    whole = await aclient.chat.completions.create(**kwargs)

    async def one() -> str:
        stream = await aclient.chat.completions.create(stream=True, **kwargs)
        async with stream:
            return str(await stream.collect_content())

    assert await asyncio.gather(*(one() for _ in range(6))) == [whole.content] * 6


async def test_async_other_routes(aclient: Any, main_server: ServerInfo) -> None:
    assert await aclient.health() is True
    assert (await aclient.version()).count(".") >= 1
    assert "vllm:" in await aclient.metrics()
    assert main_server.model in [m.id for m in (await aclient.models.list()).data]
    tokens = await aclient.tokenize(model=main_server.model, prompt="Hello world")
    back = await aclient.detokenize(model=main_server.model, tokens=tokens.tokens)
    assert back.prompt == "Hello world"


async def test_async_embeddings(make_async_client: Any, embed_server: ServerInfo) -> None:
    client = make_async_client(embed_server)
    resp = await client.embeddings.create(model=embed_server.model, input=["a b c", "d e f"])
    assert len(resp.data) == 2
    assert len(resp.data[0].embedding) > 0


async def test_async_errors(aclient: Any, make_async_client: Any, main_server: ServerInfo) -> None:
    with pytest.raises(ModelNotFoundError):
        await aclient.chat.completions.create(model="no-such-model", messages=HELLO)
    with pytest.raises(BadRequestError) as info:
        await aclient.chat.completions.create(model=main_server.model, messages=HELLO, temperature=3.0)
    assert "temperature" in info.value.message
    if main_server.api_key:
        wrong = make_async_client(main_server, api_key="not-the-key")
        with pytest.raises(AuthenticationError):
            await wrong.models.list()


async def test_async_abort_stream_midway(aclient: Any, main_server: ServerInfo) -> None:
    kwargs = {
        "model": main_server.model,
        "messages": [{"role": "user", "content": "Tell me a story."}],
        "max_tokens": 1900,
        "ignore_eos": True,
    }
    stream = await aclient.chat.completions.create(stream=True, **kwargs)
    seen = 0
    async with stream:
        async for event in stream:
            if isinstance(event, Content):
                seen += 1
                if seen == 5:
                    break
    assert seen == 5
    deadline = time.monotonic() + 15
    async with httpx.AsyncClient(base_url=main_server.root, timeout=10) as http:
        while time.monotonic() < deadline:
            metrics = (await http.get("/metrics")).text
            running = [
                float(line.rsplit(" ", 1)[1])
                for line in metrics.splitlines()
                if line.startswith("vllm:num_requests_running")
            ]
            if sum(running) == 0:
                break
            await asyncio.sleep(0.2)
    assert sum(running) == 0
    again = await aclient.chat.completions.create(model=main_server.model, messages=HELLO, max_tokens=8)
    assert again.usage.completion_tokens > 0


async def test_async_think_split_stream(make_async_client: Any, plain_server: ServerInfo) -> None:
    client = make_async_client(plain_server)
    kwargs = {"model": plain_server.model, "messages": HELLO, "temperature": 0, "max_tokens": 64}
    whole = await client.chat.completions.create(**kwargs)
    reasoning, content = split_think(
        whole.raw["choices"][0]["message"].get("reasoning"), whole.raw["choices"][0]["message"]["content"]
    )
    if not reasoning:
        pytest.skip("the model did not open its answer with a <think> block")
    assert (whole.reasoning_content, whole.content) == (reasoning, content)
    events = await _events(await client.chat.completions.create(stream=True, **kwargs))
    assert "".join(e.text for e in events if isinstance(e, Reasoning)) == reasoning
    assert "".join(e.text for e in events if isinstance(e, Content)) == content
