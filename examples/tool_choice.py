"""tool_choice: let the model decide ("auto"), forbid tools ("none"), force some tool ("required"), or one."""

from _common import example
from _tools import CURRENCY_TOOL, WEATHER_TOOL

from vllm_sdk.types import ChatCompletionMessageParam, ChatCompletionToolChoiceOptionParam

with example(__doc__) as ex, ex.client() as client:
    tools = [WEATHER_TOOL, CURRENCY_TOOL]
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello! How are you today?"}]
    choices: dict[str, ChatCompletionToolChoiceOptionParam] = {
        "auto": "auto",
        "none": "none",
        "required": "required",
        "named": {"type": "function", "function": {"name": "convert_currency"}},
    }
    for label, choice in choices.items():
        resp = client.chat.completions.create(
            model=ex.model, messages=messages, tools=tools, tool_choice=choice, max_tokens=128
        )
        calls = ", ".join(f"{c.name}({c.arguments})" for c in resp.tool_calls or []) or "-"
        text = (resp.content or "").strip()[:50]
        print(f"{label:>8}: finish_reason={resp.finish_reason:<10} calls={calls}  content={text!r}")
    # Note: a named tool_choice ends with finish_reason "stop", not "tool_calls": test has_tool_calls().
