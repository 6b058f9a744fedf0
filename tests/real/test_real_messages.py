"""The Anthropic-style Messages API (``client.messages``) against a real vLLM 0.32.0 (main server: qwen3
reasoning parser, hermes tool parser). Audio needs a speech model, which the CPU harness does not serve:
the audio routes are covered against the mock only (``tests/client/test_audio_api.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from vllm_sdk import (
    AnthropicMessage,
    Content,
    Done,
    MessageTokenCount,
    NotFoundError,
    Reasoning,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
)

from .real_support import NO_THINKING, WEATHER_TOOL, ServerInfo

pytestmark = pytest.mark.real_vllm

HELLO = [{"role": "user", "content": "Hello"}]


def _common(server: ServerInfo) -> dict[str, Any]:
    return {"model": server.model, "max_tokens": 64, "messages": HELLO, "temperature": 0}


def test_messages_plain_streamed_and_counted(client: Any, main_server: ServerInfo) -> None:
    message = client.messages.create(**_common(main_server))
    assert isinstance(message, AnthropicMessage)
    assert message.stop_reason in ("end_turn", "max_tokens")
    assert message.usage is not None
    assert message.usage.input_tokens > 0
    # the qwen3 reasoning parser sends the think block as a thinking block
    assert message.content[0].type == "thinking"
    assert message.reasoning_content
    with client.messages.create(stream=True, **_common(main_server)) as stream:
        events = list(stream)
        final = stream.collect()
    kinds = {type(e) for e in events}
    assert {Reasoning, Content, Usage, Done} <= kinds
    assert (final.text, final.reasoning_content) == (message.text, message.reasoning_content)
    assert "".join(e.text for e in events if type(e) is Content) == final.text
    built = client.messages.create().model(main_server.model).max_tokens(64).temperature(0).user("Hello")
    assert built.send().text == message.text
    count = built.count_tokens()
    assert isinstance(count, MessageTokenCount)
    assert count.input_tokens == message.usage.input_tokens


def test_messages_tool_use(client: Any, main_server: ServerInfo) -> None:
    function = WEATHER_TOOL["function"]
    tool = {
        "name": function["name"],
        "description": function["description"],
        "input_schema": function["parameters"],
    }
    request = {
        "model": main_server.model,
        "max_tokens": 200,
        "temperature": 0,
        # vLLM's Messages request takes chat_template_kwargs too: no thinking, so the call fits max_tokens
        "chat_template_kwargs": NO_THINKING,
        "messages": [{"role": "user", "content": "What's the weather in Paris?"}],
        "tools": [tool],
        "tool_choice": {"type": "any"},
    }
    message = client.messages.create(**request)
    assert message.stop_reason == "tool_use"
    (call, *_) = message.tool_calls
    assert call.name == "get_weather"
    assert isinstance(call.parse_args()["city"], str)
    with client.messages.create(stream=True, **request) as stream:
        events = list(stream)
    completes = [e for e in events if type(e) is ToolCallComplete]
    assert completes
    assert completes[0].tool_call.name == "get_weather"
    deltas = [e for e in events if type(e) is ToolCallDelta and e.index == 0]
    assert "".join(d.arguments for d in deltas) == completes[0].tool_call.arguments


async def test_messages_async_and_errors(aclient: Any, main_server: ServerInfo) -> None:
    stream = await aclient.messages.create(stream=True, **_common(main_server))
    async with stream:
        final = await stream.collect()
    assert final.text
    with pytest.raises(NotFoundError):
        await aclient.messages.create(**{**_common(main_server), "model": "no-such-model"})
