"""Tool calls through the sync SDK client against a real vLLM (hermes tool parser).

The tools carry ``strict: true``: under ``tool_choice`` required/named vLLM then enforces the argument schema,
which a weak model needs to produce a valid call (real-vllm.md). Thinking is off so the call comes first.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest
from typing_extensions import TypedDict

from vllm_sdk import FinishReason, ToolCall, ToolCallComplete, ToolCallDelta

from .real_support import NO_THINKING, TOOLS, ServerInfo

pytestmark = pytest.mark.real_vllm

WEATHER_QUESTION = [{"role": "user", "content": "What's the weather in Paris?"}]
NAMED = {"type": "function", "function": {"name": "get_time"}}


def _kwargs(server: ServerInfo, tool_choice: Any) -> dict[str, Any]:
    return {
        "model": server.model,
        "messages": WEATHER_QUESTION,
        "tools": TOOLS,
        "tool_choice": tool_choice,
        "temperature": 0,
        "seed": 1,
        "max_tokens": 100,
        "chat_template_kwargs": NO_THINKING,
    }


@pytest.mark.parametrize(
    ("tool_choice", "name", "finish"),
    [("auto", "get_weather", "tool_calls"), ("required", None, "tool_calls"), (NAMED, "get_time", "stop")],
    ids=["auto", "required", "named"],
)
def test_tool_call_stream_matches_nonstream(
    client: Any, main_server: ServerInfo, tool_choice: Any, name: str | None, finish: str
) -> None:
    kwargs = _kwargs(main_server, tool_choice)
    whole = client.chat.completions.create(**kwargs)
    assert whole.has_tool_calls()
    calls = whole.tool_calls
    assert all(isinstance(c, ToolCall) for c in calls)
    if name is not None:
        assert calls[0].name == name
    assert {c.name for c in calls} <= {"get_weather", "get_time"}
    assert whole.finish_reason == finish
    for call in calls:
        assert call.id
        assert isinstance(json.loads(call.arguments), dict)
        assert call.parse_args() == json.loads(call.arguments)

    with client.chat.completions.create(stream=True, **kwargs) as stream:
        events = list(stream)
    completes = [e for e in events if isinstance(e, ToolCallComplete)]
    assert [(c.tool_call.name, c.tool_call.arguments) for c in completes] == [
        (c.name, c.arguments) for c in calls
    ]
    for event in completes:
        assert event.choice == 0
        assert json.loads(event.tool_call.arguments) == json.loads(calls[completes.index(event)].arguments)
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    for i, call in enumerate(completes):
        fragments = [d for d in deltas if d.index == i]
        assert "".join(d.arguments for d in fragments) == call.tool_call.arguments
        assert fragments[0].id == call.tool_call.id
        assert fragments[0].name == call.tool_call.name
    [finished] = [e for e in events if isinstance(e, FinishReason)]
    assert finished.reason == finish
    # every ToolCallComplete comes before the finish event
    assert max(events.index(c) for c in completes) < events.index(finished)
    with client.chat.completions.create(stream=True, **kwargs) as stream:
        collected = stream.collect()
    assert [(c.name, c.arguments) for c in collected.tool_calls] == [(c.name, c.arguments) for c in calls]


def test_tool_result_round_trip(client: Any, main_server: ServerInfo) -> None:
    first = client.chat.completions.create(**_kwargs(main_server, "auto"))
    assert first.has_tool_calls()
    call = first.tool_calls[0]
    result = call.result({"temperature": 22, "condition": "sunny"})
    assert result["role"] == "tool"
    assert result["tool_call_id"] == call.id
    history = [*WEATHER_QUESTION, first.assistant_message(), result]
    assert history[1]["tool_calls"][0]["id"] == call.id
    follow = client.chat.completions.create(
        model=main_server.model,
        messages=history,
        tools=TOOLS,
        temperature=0,
        max_tokens=60,
        chat_template_kwargs=NO_THINKING,
    )
    assert follow.finish_reason == "stop"
    assert not follow.has_tool_calls()
    assert follow.content


def test_parse_args_as_typed(client: Any, main_server: ServerInfo) -> None:
    class Weather(pydantic.BaseModel):
        city: str
        unit: str | None = None

    class WeatherDict(TypedDict, total=False):
        city: str
        unit: str

    whole = client.chat.completions.create(
        **_kwargs(main_server, {**NAMED, "function": {"name": "get_weather"}})
    )
    call = whole.tool_calls[0]
    assert call.name == "get_weather"
    args = json.loads(call.arguments)
    assert call.parse_args_as(Weather) == Weather(**args)
    assert call.parse_args_as(WeatherDict) == args
