"""The typed message params at run time: exported from ``vllm_sdk.types``, plain dicts on the wire, and the
keyword types of ``create`` / ``parse`` / the builder are the generated ones.

(What mypy says about them is ``tests/typing/check_message_params.py``.)
"""

from __future__ import annotations

import json
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from typing_extensions import is_typeddict

import vllm_sdk.types
from vllm_sdk import ToolCall, image_part, pydantic_function_tool, text_part
from vllm_sdk._generated_endpoints import ChatCompletionRequestBuilderBase, ChatCompletionRequestParams
from vllm_sdk.resources import _inputs
from vllm_sdk.types import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionResponse,
    ChatCompletionToolChoiceOptionParam,
    ChatCompletionToolMessageParam,
    ChatCompletionToolParam,
    ChatCompletionToolsParam,
    ChatCompletionUserMessageParam,
)
from vllm_sdk.types import _generated as models
from vllm_sdk.types import _generated_params as params

from .helpers import Api, chat_body

ROLES = {"system", "developer", "user", "assistant", "tool", "function"}


def _sent(api: Api) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(api.bodies[-1])
    return body


def test_every_params_name_is_exported_from_vllm_sdk_types() -> None:
    exported = set(vllm_sdk.types.__all__)
    assert set(params.__all__) <= exported
    assert list(vllm_sdk.types.__all__) == sorted(set(vllm_sdk.types.__all__))
    for name in params.__all__:
        assert getattr(vllm_sdk.types, name) is getattr(params, name)
        value = getattr(params, name)
        if isinstance(value, type):  # (an alias's docstring is source only)
            assert value.__doc__, f"{name} has no docstring"


def test_the_param_names_are_typeddicts_not_the_request_models() -> None:
    # openai-python's meaning: ``*Param`` is a TypedDict; the generated pydantic model stays in _generated.
    assert is_typeddict(ChatCompletionUserMessageParam)
    assert not is_typeddict(models.ChatCompletionUserMessageParam)
    assert issubclass(models.ChatCompletionUserMessageParam, BaseModel)
    assert ChatCompletionToolParam is ChatCompletionToolsParam


def test_message_union_is_the_six_roles_with_their_required_keys() -> None:
    members = typing.get_args(ChatCompletionMessageParam)
    roles = {typing.get_args(typing.get_type_hints(m)["role"])[0]: m for m in members}
    assert set(roles) == ROLES
    assert roles["user"].__required_keys__ == frozenset({"role", "content"})
    assert roles["tool"].__required_keys__ == frozenset({"role", "content", "tool_call_id"})
    assert roles["assistant"].__required_keys__ == frozenset({"role"})
    assert (
        typing.get_args(ChatCompletionToolChoiceOptionParam)[0] == typing.Literal["none", "auto", "required"]
    )


def test_the_keyword_and_builder_types_are_the_params_types() -> None:
    hints = typing.get_type_hints(ChatCompletionRequestParams)
    assert hints["messages"] == Sequence[_inputs.ChatMessageInput]
    assert hints["tools"] == Sequence[_inputs.ChatToolInput] | None
    assert hints["tool_choice"] == _inputs.ChatToolChoiceInput | None
    assert "messages" in ChatCompletionRequestParams.__required_keys__
    setter = typing.get_type_hints(ChatCompletionRequestBuilderBase.messages)["value"]
    assert setter == hints["messages"]


def test_typeddicts_are_plain_dicts_on_the_wire(api: Api) -> None:
    client = api.make(chat_body(), chat_body())
    message = ChatCompletionUserMessageParam(
        role="user", content=[text_part("hi"), image_part(b"\x89PNG\r\n\x1a\n" + b"\0" * 8)]
    )
    api.run(client.chat.completions.create(model="m", messages=[message], tool_choice="auto"))
    typed = _sent(api)
    api.run(
        client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": [dict(part) for part in message["content"]]}],
            tool_choice="auto",
        )
    )
    assert typed == _sent(api)
    assert typed["messages"][0]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")


def test_pydantic_message_models_are_sent_without_unset_fields(api: Api) -> None:
    client = api.make(chat_body(), chat_body())
    model = models.ChatCompletionUserMessageParam(role="user", content="hi")
    api.run(client.chat.completions.create(model="m", messages=[model]))
    assert _sent(api)["messages"] == [{"role": "user", "content": "hi"}]
    # The builder keeps the model (dict(model) would send the unset optional fields as null).
    api.run(client.chat.completions.create().model("m").messages([model]).add_message(model).send())
    assert _sent(api)["messages"] == [{"role": "user", "content": "hi"}] * 2


def test_helpers_round_trip_through_a_typed_history(api: Api) -> None:
    call = ToolCall(id="c1", name="f", arguments="{}")
    client = api.make(
        chat_body(
            None, tool_calls=[{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
        ),
        chat_body(),
    )
    first = api.run(client.chat.completions.create(model="m", messages=[{"role": "user", "content": "go"}]))
    assert isinstance(first, ChatCompletionResponse)
    assistant: ChatCompletionAssistantMessageParam = first.assistant_message()
    result: ChatCompletionToolMessageParam = call.result({"ok": True})
    history: list[ChatCompletionMessageParam] = [{"role": "user", "content": "go"}, assistant, result]
    api.run(client.chat.completions.create(model="m", messages=history))
    sent = _sent(api)["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assert sent[1]["tool_calls"][0]["function"] == {"name": "f", "arguments": "{}"}
    assert sent[2] == {"role": "tool", "tool_call_id": "c1", "content": result["content"]}


class City(BaseModel):
    name: str


def test_parse_sends_the_typed_keywords_as_create_does(api: Api) -> None:
    client = api.make(chat_body('{"name": "Paris"}'), chat_body('{"name": "Paris"}'))
    tool = pydantic_function_tool(City)
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "a city"}]
    api.run(
        client.chat.completions.parse(
            model="m", messages=messages, tools=[tool], tool_choice="none", response_format=City, top_k=3
        )
    )
    parsed_body = _sent(api)
    assert parsed_body["messages"] == [{"role": "user", "content": "a city"}]
    assert parsed_body["tools"][0]["function"]["name"] == "City"
    assert parsed_body["tool_choice"] == "none"
    assert parsed_body["top_k"] == 3
    # Left out, they stay out of the body (NOT_GIVEN), and None is sent as None, as before.
    api.run(client.chat.completions.parse(model="m", messages=messages, tools=None, response_format=City))
    body = _sent(api)
    assert "tool_choice" not in body
    assert body.get("tools") is None
