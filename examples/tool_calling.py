"""Tool calling, one tool, one round trip: the model asks, we run the function, the model answers."""

from _common import example
from _tools import WEATHER_TOOL, get_weather

from vllm_sdk.types import ChatCompletionMessageParam

with example(__doc__) as ex, ex.client() as client:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "What's the weather like in Paris? Use get_weather."}
    ]
    resp = client.chat.completions.create(model=ex.model, messages=messages, tools=[WEATHER_TOOL])

    if not resp.has_tool_calls():
        print("The model answered without the tool:", resp.content)
        raise SystemExit(0)

    call = resp.tool_calls[0]
    print(f"model called {call.name}({call.arguments})  [id {call.id}]")
    output = get_weather(**call.parse_args())
    print("tool returned:", output)

    messages.append(resp.assistant_message())  # the assistant turn that contains the call
    messages.append(call.result(output))  # {"role": "tool", "tool_call_id": ..., "content": "<json>"}
    final = client.chat.completions.create(model=ex.model, messages=messages, tools=[WEATHER_TOOL])
    print("final answer:", final.content)
