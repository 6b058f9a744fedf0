"""The Responses API: a response, its stream (the same events as chat), a tool round trip, parse()."""

from _common import example
from pydantic import BaseModel

from vllm_sdk import Content, Done, Reasoning, ToolCallComplete, Usage


class GetWeather(BaseModel):
    """Get the current weather for a city."""

    city: str


class Verdict(BaseModel):
    verdict: bool


def get_weather(city: str) -> dict[str, object]:
    return {"city": city, "temperature_c": 21, "sky": "clear"}


with example(__doc__) as ex, ex.client() as client:
    # keyword style and builder style send the same request
    resp = client.responses.create(model=ex.model, input="Say hello.", max_output_tokens=40)
    print("output_text:", resp.output_text[:60])
    same = client.responses.create().model(ex.model).input("Say hello.").max_output_tokens(40).send()
    print("builder id:", same.id.startswith("resp_"), "status:", same.status)

    # streaming: one consumer loop for chat and Responses alike
    with client.responses.create(
        model=ex.model,
        input="Think, then answer.",
        reasoning={"effort": "low"},
        max_output_tokens=60,
        stream=True,
    ) as stream:
        counts = {"content": 0, "reasoning": 0}
        for event in stream:
            match event:
                case Content(text=text):
                    counts["content"] += len(text)
                case Reasoning(text=text):
                    counts["reasoning"] += len(text)
                case Usage(total_tokens=total):
                    print("usage: total tokens", total)
                case Done():
                    print("[done]")
        print("streamed characters:", counts)

    # a tool round trip: call, run the function, send its output back with previous_response_id
    first = client.responses.create(
        model=ex.model, input="What's the weather in Paris?", tools=[GetWeather], tool_choice="required"
    )
    call = first.tool_calls[0]
    args = call.parse_args_as(GetWeather)
    print(f"model called {call.name}(city={args.city!r})")
    outputs = first.function_call_outputs({call.id: get_weather(args.city)})
    final = client.responses.create(model=ex.model, previous_response_id=first.id, input=outputs)
    print("after the tool:", final.output_text[:60])

    with client.responses.create(
        model=ex.model, input="Weather?", tools=[GetWeather], stream=True, tool_choice="required"
    ) as stream:
        done = [e.tool_call.name for e in stream if isinstance(e, ToolCallComplete)]
        print("streamed tool calls:", done)

    # parse(): the output text validated into a model
    verdict = client.responses.parse(model=ex.model, input="Is Paris in France?", text_format=Verdict)
    print("output_parsed:", verdict.output_parsed)
