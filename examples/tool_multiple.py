"""Several tools at once: the model may call more than one in a single turn (parallel tool calls)."""

from _common import example
from _tools import CURRENCY_TOOL, WEATHER_TOOL, call_tool

from vllm_sdk import ToolCallComplete, ToolCallDelta
from vllm_sdk.types import ChatCompletionMessageParam

QUESTION = "Use get_weather for Tokyo and convert_currency for 250 EUR to JPY."

with example(__doc__) as ex, ex.client() as client:
    tools = [WEATHER_TOOL, CURRENCY_TOOL]
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": QUESTION}]

    # Non-streamed: all calls are in resp.tool_calls.
    resp = client.chat.completions.create(
        model=ex.model, messages=messages, tools=tools, parallel_tool_calls=True
    )
    print(f"{len(resp.tool_calls or [])} tool calls, finish_reason={resp.finish_reason}")
    messages.append(resp.assistant_message())
    for call in resp.tool_calls or []:
        output = call_tool(call.name, call.parse_args())
        print(f"  {call.name}({call.arguments}) -> {output}")
        messages.append(call.result(output))
    print("answer:", client.chat.completions.create(model=ex.model, messages=messages, tools=tools).content)

    # Streamed: fragments arrive as ToolCallDelta, each finished call exactly once as ToolCallComplete.
    stream = client.chat.completions.create(
        model=ex.model, messages=[{"role": "user", "content": QUESTION}], tools=tools, stream=True
    )
    fragments = 0
    for event in stream:
        match event:
            case ToolCallDelta():
                fragments += 1
            case ToolCallComplete(tool_call=call):
                print(f"streamed call complete: {call.name} {call.parse_args()}")
    print(f"({fragments} fragments)")
