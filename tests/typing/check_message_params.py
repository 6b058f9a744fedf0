"""Static typing checks of the message, content-part and tool params (run by test_typing.py with
``mypy --strict``; never executed).

Dict literals type-check against the generated TypedDicts wherever a chat call takes them (``messages=``,
``tools=``, ``tool_choice=`` of ``create`` and ``parse``, the builder's ``messages()`` / ``tools()`` /
``tool_choice()`` / ``add_message()``); the SDK's own helpers return those types; a mistyped role, key,
part type or tool choice is an error (each ``# type: ignore[...]`` below must stay needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel
from typing_extensions import assert_type

from vllm_sdk import (
    AsyncVllmClient,
    ChatCompletionResponse,
    ToolCall,
    VllmClient,
    image_part,
    image_url_part,
    pydantic_function_tool,
    text_part,
)
from vllm_sdk.types import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionContentPartImageParam,
    ChatCompletionContentPartParam,
    ChatCompletionContentPartTextParam,
    ChatCompletionMessageParam,
    ChatCompletionNamedToolChoiceParam,
    ChatCompletionToolChoiceOptionParam,
    ChatCompletionToolMessageParam,
    ChatCompletionToolParam,
    ChatCompletionUserMessageParam,
    CustomChatCompletionMessageParam,
)
from vllm_sdk.types._generated import ChatCompletionUserMessageParam as UserMessageModel


class GetWeather(BaseModel):
    city: str


TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
}


def literals_check(client: VllmClient) -> None:
    # Every role, content parts (vLLM's own video_url included), tools and tool_choice as literals.
    resp = client.chat.completions.create(
        model="m",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Rules."}]},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in these?"},
                    {"type": "image_url", "image_url": {"url": "https://x/a.png", "detail": "low"}},
                    {"type": "video_url", "video_url": {"url": "https://x/v.mp4"}},
                    {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
                ],
                "name": "ann",
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "{}"},
            {"role": "function", "name": "f", "content": "{}"},
        ],
        tools=[TOOL, {"type": "function", "function": {"name": "g"}}, pydantic_function_tool(GetWeather)],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    assert_type(resp, ChatCompletionResponse)
    client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], tool_choice="auto"
    )
    client.chat.completions.parse(
        model="m",
        messages=[{"role": "user", "content": "hi"}],
        response_format=GetWeather,
        tool_choice="none",
    )


def helpers_check(client: VllmClient, resp: ChatCompletionResponse, call: ToolCall) -> None:
    # The SDK's helpers return the TypedDicts, so a typed history takes them.
    assert_type(resp.assistant_message(), ChatCompletionAssistantMessageParam)
    assert_type(call.result({"ok": True}), ChatCompletionToolMessageParam)
    assert_type(image_part(b"\x89PNG"), ChatCompletionContentPartImageParam)
    assert_type(image_url_part("https://x/a.png"), ChatCompletionContentPartImageParam)
    assert_type(text_part("hi"), ChatCompletionContentPartTextParam)
    parts: list[ChatCompletionContentPartParam] = [text_part("Compare"), image_part(b"\x89PNG")]
    history: list[ChatCompletionMessageParam] = [{"role": "user", "content": parts}]
    history.append(resp.assistant_message())
    history.append(call.result("42"))
    client.chat.completions.create(model="m", messages=history)
    builder = client.chat.completions.create().model("m").messages(history).add_message(call.result("1"))
    builder.tools([TOOL]).tool_choice("required").add_message(resp.assistant_message())


def models_check(client: VllmClient) -> None:
    # A pydantic message model stays accepted (the body encoder dumps it).
    message = UserMessageModel(role="user", content="hi")
    client.chat.completions.create(model="m", messages=[message, {"role": "user", "content": "and"}])
    client.chat.completions.create().model("m").messages([message]).add_message(message)


def free_role_check(client: VllmClient) -> None:
    # vLLM's free-role message is a type of its own; the builder's message() takes any role.
    custom: CustomChatCompletionMessageParam = {"role": "narrator", "content": "Once upon a time"}
    assert_type(custom["role"], str)
    client.chat.completions.create().model("m").message("narrator", "Once upon a time")


def completion_check(
    user: ChatCompletionUserMessageParam, choice: ChatCompletionToolChoiceOptionParam
) -> None:
    # What an IDE completes: the keys and their types.
    assert_type(user["role"], Literal["user"])
    assert_type(user["content"], str | Sequence[ChatCompletionContentPartParam])
    assert_type(choice, Literal["none", "auto", "required"] | ChatCompletionNamedToolChoiceParam)


def misuse_check(client: VllmClient) -> None:
    client.chat.completions.create(model="m", messages=[{"role": "usr", "content": "hi"}])  # type: ignore[list-item]
    client.chat.completions.create(model="m", messages=[{"role": "user", "contnt": "hi"}])  # type: ignore[list-item]
    client.chat.completions.create(  # type: ignore[call-overload]
        model="m", messages=[{"role": "user", "content": "hi"}], tool_choice="sometimes"
    )
    client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": [{"type": "txt", "text": "a"}]}],  # type: ignore[list-item]
    )
    client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "hi"}],
        tools=[{"type": "function", "function": {"nam": "f"}}],  # type: ignore[list-item]
    )
    client.chat.completions.parse(model="m", messages=[{"role": "usr", "content": "hi"}])  # type: ignore[list-item]
    client.chat.completions.create().messages([{"role": "usr", "content": "hi"}])  # type: ignore[list-item]
    client.chat.completions.create().add_message({"role": "usr", "content": "hi"})  # type: ignore[arg-type]
    client.chat.completions.create().tool_choice("sometimes")  # type: ignore[arg-type]
    client.tokenize(model="m", messages=[{"role": "usr", "content": "hi"}])  # type: ignore[list-item]
    client.pooling(model="m", messages=[{"role": "usr", "content": "hi"}])  # type: ignore[list-item]
    untyped = [{"role": "user", "content": "hi"}]  # inferred list[dict[str, str]], as in openai-python
    client.chat.completions.create(model="m", messages=untyped)  # type: ignore[arg-type]


async def async_check(client: AsyncVllmClient) -> None:
    resp = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert_type(resp, ChatCompletionResponse)
    await client.chat.completions.create(model="m", messages=[{"role": "usr", "content": "hi"}])  # type: ignore[list-item]
    await client.chat.completions.parse(model="m", messages=[{"role": "usr", "content": "hi"}])  # type: ignore[list-item]
