"""Static typing checks of structured outputs and the Responses API (run by test_typing.py with
``mypy --strict``; never executed): ``parse()`` carries the model type through, and the Responses overloads
pick the response or the stream from ``stream=``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from typing_extensions import assert_type

from vllm_sdk import (
    AsyncResponseStream,
    AsyncVllmClient,
    ParsedChatCompletion,
    ParsedMessageStream,
    ParsedResponse,
    ParsedToolCall,
    Response,
    ResponseStream,
    ToolCall,
    VllmClient,
)

if TYPE_CHECKING:
    from vllm_sdk.types import ChatCompletionMessageParam


class Weather(BaseModel):
    city: str


def sync_checks(client: VllmClient) -> None:
    msgs: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
    parsed = client.chat.completions.parse(model="m", messages=msgs, response_format=Weather)
    assert_type(parsed, ParsedChatCompletion[Weather])
    assert_type(parsed.parsed, Weather | None)
    assert_type(parsed.tool_calls, list[ParsedToolCall])
    assert_type(parsed.tool_calls[0].parsed_arguments, Any)
    calls: list[ToolCall] = list(parsed.tool_calls)  # still ToolCall values
    assert_type(calls, list[ToolCall])
    stream = client.chat.completions.parse(model="m", messages=msgs, response_format=Weather, stream=True)
    assert_type(stream, ParsedMessageStream[Weather])
    assert_type(stream.collect(), ParsedChatCompletion[Weather])
    built = client.chat.completions.create().model("m").user("hi").tool(Weather).parse(Weather)
    assert_type(built, ParsedChatCompletion[Weather])

    resp = client.responses.create(model="m", input="hi")
    assert_type(resp, Response)
    assert_type(resp.output_text, str)
    assert_type(client.responses.create(model="m", input="hi", stream=True), ResponseStream[Any])
    assert_type(client.responses.create().model("m").input("hi").send(), Response)
    assert_type(client.responses.parse(model="m", input="hi", text_format=Weather), ParsedResponse[Weather])
    assert_type(client.responses.retrieve("r"), Response)
    assert_type(client.responses.retrieve("r", stream=True), ResponseStream[Any])
    assert_type(client.responses.cancel("r"), Response)


async def async_checks(client: AsyncVllmClient) -> None:
    msgs: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
    parsed = await client.chat.completions.parse(model="m", messages=msgs, response_format=Weather)
    assert_type(parsed, ParsedChatCompletion[Weather])
    assert_type(await client.responses.create(model="m", input="hi"), Response)
    assert_type(await client.responses.create(model="m", input="hi", stream=True), AsyncResponseStream[Any])
    assert_type(await client.responses.retrieve("r"), Response)
    assert_type(
        await client.responses.parse(model="m", input="hi", text_format=Weather), ParsedResponse[Weather]
    )
