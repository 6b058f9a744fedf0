"""Event values and ToolCall: immutable, compared by type and fields, readable, cheap, matchable."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pydantic
import pytest
from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

import vllm_sdk
from vllm_sdk import JsonError, StreamError
from vllm_sdk._events import (
    Content,
    Done,
    Error,
    FinishReason,
    Reasoning,
    Text,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
)
from vllm_sdk._tool_call import ToolCall

ALL = [
    Content("hi", 0),
    Reasoning("hmm", 1),
    Text("t", 2),
    ToolCallDelta(0, "id", "f", "{", 0),
    ToolCallComplete(ToolCall("id", "f", "{}"), 0),
    FinishReason("stop", 0, "END"),
    Usage(1, 2, 3),
    Done(),
    Error(StreamError("boom")),
]


@pytest.mark.parametrize("event", ALL, ids=lambda e: type(e).__name__)
def test_immutable_truthy_and_copyable(event: object) -> None:
    assert event
    for name in type(event)._fields:  # type: ignore[attr-defined]
        with pytest.raises(AttributeError):
            setattr(event, name, None)
    with pytest.raises(AttributeError):
        event.extra = 1  # type: ignore[attr-defined]
    assert copy.copy(event) == event
    if not isinstance(event, Error):  # exceptions compare by identity
        assert pickle.loads(pickle.dumps(event)) == event
        assert hash(pickle.loads(pickle.dumps(event))) == hash(event)


def test_equality_is_by_type_and_fields() -> None:
    assert Content("a", 0) == Content("a", 0)
    assert Content("a", 0) != Content("a", 1)
    assert Content("a", 0) != Reasoning("a", 0)
    assert Content("a", 0) != Text("a", 0)
    assert Content("a", 0) != ("a", 0)
    assert (Content("a", 0) != Content("a", 0)) is False  # __ne__ itself is under test
    assert len({Content("a", 0), Content("a", 0), Reasoning("a", 0)}) == 2


def test_defaults_and_keywords() -> None:
    assert Content("a") == Content(text="a", index=0)
    assert FinishReason("stop") == FinishReason(reason="stop", index=0, stop_reason=None)
    assert ToolCallDelta(1) == ToolCallDelta(index=1, id=None, name=None, arguments="", choice=0)


def test_repr() -> None:
    assert repr(Content("a", 0)) == "Content(text='a', index=0)"
    assert repr(Done()) == "Done()"
    assert repr(FinishReason("stop", 1, 7)) == "FinishReason(reason='stop', index=1, stop_reason=7)"


def test_pattern_matching() -> None:
    seen = []
    for event in ALL:
        match event:
            case Content(text=text):
                seen.append(("content", text))
            case Reasoning(text, index):
                seen.append(("reasoning", f"{text}@{index}"))
            case ToolCallComplete(tool_call=ToolCall(name=name)):
                seen.append(("call", name))
            case FinishReason(reason=reason, stop_reason=stop):
                seen.append(("finish", f"{reason}/{stop}"))
            case Done():
                seen.append(("done", ""))
    assert seen == [
        ("content", "hi"),
        ("reasoning", "hmm@1"),
        ("call", "f"),
        ("finish", "stop/END"),
        ("done", ""),
    ]


def test_usage_details_read_only_and_to_dict() -> None:
    usage = Usage(1, 2, 3, None, {"reasoning_tokens": 1})
    with pytest.raises(TypeError):
        usage.completion_tokens_details["reasoning_tokens"] = 5  # type: ignore[index]
    assert usage == Usage(1, 2, 3, None, {"reasoning_tokens": 1})
    assert usage.to_dict() == {
        "prompt_tokens": 1,
        "completion_tokens": 2,
        "total_tokens": 3,
        "completion_tokens_details": {"reasoning_tokens": 1},
    }


def test_exported_from_the_package() -> None:
    for name in (
        "Content",
        "Reasoning",
        "ToolCallDelta",
        "ToolCallComplete",
        "FinishReason",
        "Usage",
        "Done",
        "Error",
        "Text",
        "StreamEvent",
        "CompletionStreamEvent",
        "ToolCall",
    ):
        assert name in vllm_sdk.__all__
        assert getattr(vllm_sdk, name) is not None


# ---------------------------------------------------------------- ToolCall


def test_tool_call_value() -> None:
    call = ToolCall("c1", "get_weather", '{"city": "Paris"}')
    assert call.type == "function"
    assert call == ToolCall("c1", "get_weather", '{"city": "Paris"}', "function")
    assert call != ToolCall("c2", "get_weather", '{"city": "Paris"}')
    assert hash(call) == hash(ToolCall("c1", "get_weather", '{"city": "Paris"}'))
    assert repr(call) == "ToolCall(id='c1', name='get_weather', arguments='{\"city\": \"Paris\"}')"
    with pytest.raises(AttributeError):
        call.name = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del call.name
    assert pickle.loads(pickle.dumps(call)) == call


def test_parse_args() -> None:
    assert ToolCall("c", "f", '{"a": [1, 2]}').parse_args() == {"a": [1, 2]}
    assert ToolCall("c", "f", "").parse_args() == {}
    with pytest.raises(JsonError, match="not valid JSON") as info:
        ToolCall("c", "f", '{"a": ').parse_args()
    assert info.value.text == '{"a": '
    with pytest.raises(JsonError, match="not a JSON object"):
        ToolCall("c", "f", "[1]").parse_args()


class Args(pydantic.BaseModel):
    city: str
    days: int = 1


class ArgsDict(TypedDict):
    city: str


@dataclasses.dataclass
class ArgsData:
    city: str


def test_parse_args_as() -> None:
    call = ToolCall("c", "f", '{"city": "Oslo", "days": 3}')
    assert call.parse_args_as(Args) == Args(city="Oslo", days=3)
    assert ToolCall("c", "f", '{"city": "Oslo"}').parse_args_as(ArgsDict) == {"city": "Oslo"}
    assert ToolCall("c", "f", '{"city": "Oslo"}').parse_args_as(ArgsData) == ArgsData("Oslo")
    with pytest.raises(vllm_sdk.ToolArgumentsError) as info:
        ToolCall("c", "f", '{"town": "Oslo"}').parse_args_as(Args)
    assert isinstance(info.value.validation_error, pydantic.ValidationError)
    assert isinstance(info.value, vllm_sdk.VllmError)
    with pytest.raises(JsonError):
        ToolCall("c", "f", "{").parse_args_as(Args)


def test_result_message() -> None:
    call = ToolCall("c9", "f", "{}")
    assert call.result("sunny") == {"role": "tool", "tool_call_id": "c9", "content": "sunny"}
    assert call.result({"t": 21, "sky": "晴"}) == {
        "role": "tool",
        "tool_call_id": "c9",
        "content": '{"t": 21, "sky": "晴"}',
    }


def test_wire_shape_round_trip() -> None:
    call = ToolCall("c", "f", '{"x": 1}')
    wire = {"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}
    assert call.to_dict() == wire
    assert ToolCall.from_dict(wire) == call
    assert ToolCall.from_dict({"function": {"name": "g", "arguments": {"y": 2}}}) == ToolCall(
        "", "g", '{"y": 2}'
    )
    assert ToolCall.from_dict({"id": "z", "function": {"name": "h"}}) == ToolCall("z", "h", "")
