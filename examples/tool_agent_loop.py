"""A complete agent loop: keep answering tool calls until the model replies in text (bounded rounds)."""

from __future__ import annotations

from _common import example
from _tools import CURRENCY_TOOL, WEATHER_TOOL, call_tool

from vllm_sdk import VllmClient
from vllm_sdk.types import ChatCompletionMessageParam

MAX_ROUNDS = 5


def run_agent(client: VllmClient, model: str, question: str) -> str:
    tools = [WEATHER_TOOL, CURRENCY_TOOL]
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": "You are a travel assistant. Use the tools for facts."},
        {"role": "user", "content": question},
    ]
    for round_no in range(1, MAX_ROUNDS + 1):
        resp = client.chat.completions.create(model=model, messages=messages, tools=tools, tool_choice="auto")
        messages.append(resp.assistant_message())
        if not resp.has_tool_calls():
            print(f"round {round_no}: the model answered")
            return resp.content or ""
        for call in resp.tool_calls:
            output = call_tool(call.name, call.parse_args())
            print(f"round {round_no}: {call.name}({call.arguments}) -> {output}")
            messages.append(call.result(output))
    return "(gave up: too many tool rounds)"


with example(__doc__) as ex, ex.client() as client:
    answer = run_agent(
        client, ex.model, "I fly to Oslo tomorrow: check get_weather, and convert_currency 300 EUR to USD."
    )
    print("answer:", answer)
