"""Structured outputs: the answer validated into a pydantic model, a typed tool, and vLLM's constraints."""

from typing import Literal

from _common import example
from pydantic import BaseModel

from vllm_sdk import InvalidResponseError, LengthFinishReasonError, pydantic_function_tool
from vllm_sdk.types import ChatCompletionMessageParam


class CityInfo(BaseModel):
    """Facts about a city."""

    name: str
    country: str
    population_millions: float
    climate: Literal["oceanic", "continental", "mediterranean", "tropical"]


class GetWeather(BaseModel):
    """Get the current weather for a city."""

    city: str


with example(__doc__) as ex, ex.client() as client:
    question: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Describe Paris as JSON."}]

    # parse(): the model's JSON validated into CityInfo (a strict json_schema response format is sent)
    resp = client.chat.completions.parse(
        model=ex.model, messages=question, response_format=CityInfo, max_tokens=200
    )
    city = resp.parsed
    print("parsed:", type(city).__name__, city)

    # the same, streamed: the text arrives as it is generated, collect() carries .parsed
    with client.chat.completions.parse(
        model=ex.model, messages=question, response_format=CityInfo, max_tokens=200, stream=True
    ) as stream:
        chars = sum(len(text) for text in stream.text_stream)
        print(f"streamed {chars} characters, parsed: {stream.collect().parsed == city}")

    # a typed tool: the call's arguments come back validated into GetWeather
    called = client.chat.completions.parse(
        model=ex.model,
        messages=[{"role": "user", "content": "Weather in Lisbon?"}],
        tools=[pydantic_function_tool(GetWeather)],
        tool_choice="required",
    )
    print("tool arguments:", repr(called.tool_calls[0].parsed_arguments))

    # vLLM's own constraints, from the builder
    yes_no = (
        client.chat.completions.create()
        .model(ex.model)
        .user("Is water wet?")
        .structured_choice(["yes", "no"])
        .send()
    )
    print("choice:", yes_no.content)

    # a cut-off answer cannot be parsed: a typed error says why
    try:
        client.chat.completions.parse(
            model=ex.model, messages=question, response_format=CityInfo, max_tokens=3
        )
    except LengthFinishReasonError:
        print("max_tokens=3: LengthFinishReasonError")
    except InvalidResponseError as exc:  # a server that stopped for another reason
        print("invalid:", exc.error)
