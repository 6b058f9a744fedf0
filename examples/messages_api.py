"""The Anthropic-style Messages API: a message, its stream (the same events as chat), thinking, tool_use."""

from _common import example
from pydantic import BaseModel

from vllm_sdk import Content, Done, Reasoning, ToolCallComplete, Usage


class GetWeather(BaseModel):
    """Get the current weather for a city."""

    city: str


with example(__doc__) as ex, ex.client() as client:
    hello = [{"role": "user", "content": "Say hello."}]
    # keyword style and builder style send the same request (max_tokens is required by this API)
    message = client.messages.create(model=ex.model, max_tokens=40, messages=hello)
    print("text:", message.text[:60])
    print("stop_reason:", message.stop_reason)
    same = client.messages.create().model(ex.model).max_tokens(40).user("Say hello.").send()
    print("builder gives the same text:", same.text == message.text)
    print("count_tokens:", client.messages.count_tokens(model=ex.model, messages=hello).input_tokens)

    # streaming with extended thinking: thinking blocks arrive as Reasoning, text as Content
    with client.messages.create(
        model=ex.model,
        max_tokens=120,
        messages=[{"role": "user", "content": "Think, then answer."}],
        thinking={"type": "enabled", "budget_tokens": 60},
        stream=True,
    ) as stream:
        counts = {"content": 0, "reasoning": 0}
        for event in stream:
            match event:
                case Content(text=text):
                    counts["content"] += len(text)
                case Reasoning(text=text):
                    counts["reasoning"] += len(text)
                case Usage(prompt_tokens=prompt, completion_tokens=completion):
                    print(f"usage: {prompt} in, {completion} out")
                case Done():
                    print("[done]")
        print("streamed characters:", counts)
        print("blocks:", [block.type for block in stream.collect().content])

    # tool_use: a model class becomes a tool with its JSON schema as input_schema
    request = (
        client.messages.create()
        .model(ex.model)
        .max_tokens(200)
        .user("What's the weather in Paris?")
        .tool(GetWeather)
        .tool_choice({"type": "any"})
    )
    answer = request.send()
    call = answer.tool_calls[0]
    city = call.parse_args_as(GetWeather).city
    print(f"model called {call.name}(city={city!r}), stop_reason={answer.stop_reason}")
    with request.send_stream() as stream:
        print("streamed tool calls:", [e.tool_call.name for e in stream if isinstance(e, ToolCallComplete)])
