"""Two toy tools shared by the tool-calling examples: their JSON schemas and their implementations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vllm_sdk.types import ChatCompletionToolParam

_RATES = {"EUR": 1.0, "USD": 1.08, "GBP": 0.85, "JPY": 162.0, "CNY": 7.8, "NOK": 11.6}
CURRENCIES = sorted(_RATES)

WEATHER_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "city name, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}

CURRENCY_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "convert_currency",
        "description": "Convert an amount of money between two currencies.",
        "parameters": {
            "type": "object",
            "properties": {
                "amount": {"type": "number"},
                "source": {"type": "string", "enum": CURRENCIES, "description": "ISO code, e.g. EUR"},
                "target": {"type": "string", "enum": CURRENCIES, "description": "ISO code, e.g. USD"},
            },
            "required": ["amount", "source", "target"],
        },
    },
}


def get_weather(city: str, unit: str = "celsius") -> dict[str, Any]:
    """A fake weather service: deterministic, so the examples' output is stable."""
    celsius = 10 + sum(map(ord, city)) % 20
    temperature = celsius if unit == "celsius" else round(celsius * 9 / 5 + 32)
    return {"city": city, "temperature": temperature, "unit": unit, "sky": "clear"}


def convert_currency(amount: float, source: str, target: str) -> dict[str, Any]:
    """A fake exchange: fixed rates; unknown codes raise, like a real service would."""
    rate = _RATES[target.upper()] / _RATES[source.upper()]
    return {"amount": round(amount * rate, 2), "currency": target.upper()}


TOOLS: dict[str, Callable[..., Any]] = {"get_weather": get_weather, "convert_currency": convert_currency}


def call_tool(name: str, arguments: dict[str, Any]) -> Any:
    """Run a tool by name. A failure (unknown name, bad arguments, the tool's own error) becomes an error
    result the model can read and react to, instead of an exception that ends the conversation."""
    tool = TOOLS.get(name)
    if tool is None:
        return {"error": f"unknown tool {name!r}"}
    try:
        return tool(**arguments)
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
