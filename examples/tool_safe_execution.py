"""Executing tool calls safely: allow-list, validated arguments, contained failures, bounded output."""

from __future__ import annotations

import concurrent.futures
import json
from typing import Any, Literal

from _common import example
from _tools import CURRENCY_TOOL, WEATHER_TOOL, convert_currency, get_weather
from pydantic import BaseModel, ConfigDict, Field

from vllm_sdk import JsonError, ToolArgumentsError, ToolCall
from vllm_sdk.types import ChatCompletionMessageParam, ChatCompletionToolMessageParam


class WeatherArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    city: str = Field(min_length=1, max_length=100)
    unit: Literal["celsius", "fahrenheit"] = "celsius"


class CurrencyArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: float = Field(ge=0, le=1e9)
    source: str = Field(pattern="^[A-Za-z]{3}$")
    target: str = Field(pattern="^[A-Za-z]{3}$")


# The allow-list: tool name -> (argument model, implementation). Nothing else is ever executed.
REGISTRY: dict[str, tuple[type[BaseModel], Any]] = {
    "get_weather": (WeatherArgs, get_weather),
    "convert_currency": (CurrencyArgs, convert_currency),
}
MAX_RESULT_CHARS = 2000
TIME_LIMIT = 5.0
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)


def execute(call: ToolCall) -> ChatCompletionToolMessageParam:
    """Run one call; every failure becomes an error *result* the model can read, never an exception."""
    entry = REGISTRY.get(call.name)
    if entry is None:
        return call.result({"error": f"unknown tool {call.name!r}; available: {sorted(REGISTRY)}"})
    model, fn = entry
    try:
        args = call.parse_args_as(model)
    except (JsonError, ToolArgumentsError) as exc:  # broken JSON, or JSON that does not fit the model
        return call.result({"error": f"invalid arguments: {exc}"})
    try:
        output = _pool.submit(fn, **args.model_dump()).result(timeout=TIME_LIMIT)
    except concurrent.futures.TimeoutError:
        return call.result({"error": f"{call.name} took longer than {TIME_LIMIT}s"})
    except Exception as exc:  # the tool's own failure is data for the model, not a crash of the agent
        return call.result({"error": f"{type(exc).__name__}: {exc}"})
    text = json.dumps(output, ensure_ascii=False)
    return call.result(text if len(text) <= MAX_RESULT_CHARS else text[:MAX_RESULT_CHARS] + "...[truncated]")


with example(__doc__) as ex, ex.client() as client:
    # What a model might send: good calls, a hallucinated tool, broken JSON, wrong types, a failing tool.
    samples = [
        ToolCall("call-1", "get_weather", '{"city": "Lisbon"}'),
        ToolCall("call-2", "delete_all_files", '{"path": "/"}'),
        ToolCall("call-3", "get_weather", '{"city": "Lisbon"'),
        ToolCall("call-4", "convert_currency", '{"amount": "lots", "source": "EUR", "target": "USD"}'),
        ToolCall("call-5", "convert_currency", '{"amount": 5, "source": "EUR", "target": "XYZ"}'),
    ]
    for call in samples:
        print(f"{call.name}: {execute(call)['content'][:100]}")

    # And the same executor inside a real round trip.
    messages: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "Please get_weather for Lisbon."}
    ]
    resp = client.chat.completions.create(
        model=ex.model, messages=messages, tools=[WEATHER_TOOL, CURRENCY_TOOL]
    )
    messages.append(resp.assistant_message())
    messages.extend(execute(call) for call in resp.tool_calls or [])
    final = client.chat.completions.create(
        model=ex.model, messages=messages, tools=[WEATHER_TOOL, CURRENCY_TOOL]
    )
    print("final answer:", final.content)
    _pool.shutdown()
