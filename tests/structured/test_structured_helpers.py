"""The I/O-free structured-output helpers: strict schemas, tool definitions, validation errors."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
from typing import Literal

import pydantic
import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict

from vllm_sdk import (
    FunctionTool,
    InvalidResponseError,
    LengthFinishReasonError,
    VllmError,
    pydantic_function_tool,
)
from vllm_sdk._structured import (
    parse_arguments,
    parse_content,
    response_format_from_type,
    strict_json_schema,
    text_format_from_type,
    tool_models,
)


class Address(BaseModel):
    street: str
    number: int = 1


class Person(BaseModel):
    """A person and where they live."""

    name: str
    kind: Literal["a", "b"]
    address: Address
    tags: list[str] = []


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Movie(TypedDict):
    title: str
    year: int


def _objects(node: object) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found += _objects(value)
    elif isinstance(node, list):
        for item in node:
            found += _objects(item)
    return found


@pytest.mark.parametrize("tp", [Person, Point, Movie])
def test_strict_schema_closes_every_object_and_requires_every_property(tp: type) -> None:
    schema = strict_json_schema(tp)
    objects = _objects(schema)
    assert objects, "the top level is an object"
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert obj["required"] == list(obj["properties"])  # type: ignore[call-overload]


def test_nested_models_stay_as_defs() -> None:
    schema = strict_json_schema(Person)
    assert schema["properties"]["address"] == {"$ref": "#/$defs/Address"}
    assert schema["$defs"]["Address"]["required"] == ["street", "number"]


@pytest.mark.parametrize("tp", [int, list[int], str])
def test_a_type_that_is_not_an_object_is_refused(tp: type) -> None:
    with pytest.raises(TypeError, match="JSON object"):
        strict_json_schema(tp)


def test_response_format_shape() -> None:
    fmt = response_format_from_type(Point)
    assert fmt == {
        "type": "json_schema",
        "json_schema": {"name": "Point", "schema": strict_json_schema(Point), "strict": True},
    }
    ready = {"type": "json_object"}
    assert response_format_from_type(ready) == ready
    assert response_format_from_type(ready) is not ready


def test_text_format_shape_is_flat() -> None:
    fmt = text_format_from_type(Movie)
    assert fmt == {
        "format": {
            "type": "json_schema",
            "name": "Movie",
            "schema": strict_json_schema(Movie),
            "strict": True,
        }
    }


def test_parse_content_validates_into_each_kind_of_type() -> None:
    assert parse_content(Point, '{"x": 1, "y": 2}', finish_reason="stop") == Point(1, 2)
    assert parse_content(Movie, '{"title": "Up", "year": 2009}', finish_reason="stop") == {
        "title": "Up",
        "year": 2009,
    }
    person = parse_content(
        Person, '{"name":"A","kind":"a","address":{"street":"S","number":2},"tags":[]}', finish_reason=None
    )
    assert isinstance(person, Person)
    assert person.address.number == 2


def test_invalid_content_raises_invalid_response_error_carrying_the_validation_error() -> None:
    with pytest.raises(InvalidResponseError) as info:
        parse_content(Point, '{"x": "no"}', finish_reason="stop")
    assert isinstance(info.value.error, pydantic.ValidationError)
    assert info.value.__cause__ is info.value.error
    assert "Point" in str(info.value)
    assert isinstance(info.value, VllmError)


def test_missing_content_is_an_invalid_response() -> None:
    with pytest.raises(InvalidResponseError, match="no content"):
        parse_content(Point, None, finish_reason="stop")


def test_length_finish_reason_wins_over_validation() -> None:
    with pytest.raises(LengthFinishReasonError) as info:
        parse_content(Point, '{"x": 1', finish_reason="length", response="the response")
    assert info.value.response == "the response"
    assert not info.value.is_retryable


def test_long_bad_content_is_quoted_trimmed() -> None:
    with pytest.raises(InvalidResponseError) as info:
        parse_content(Point, "x" * 10_000, finish_reason="stop")
    assert len(str(info.value)) < 1_000


def test_pydantic_function_tool_definition() -> None:
    tool = pydantic_function_tool(Person)
    assert tool == {
        "type": "function",
        "function": {
            "name": "Person",
            "description": "A person and where they live.",
            "parameters": strict_json_schema(Person),
            "strict": True,
        },
    }
    assert tool.model is Person
    json.dumps(tool)  # plain JSON on the wire


def test_pydantic_function_tool_name_and_description_overrides_and_no_inherited_docstring() -> None:
    tool = pydantic_function_tool(Address, name="find_address", description="Look it up.")
    assert tool["function"]["name"] == "find_address"
    assert tool["function"]["description"] == "Look it up."
    assert (
        "description" not in pydantic_function_tool(Address)["function"]
    )  # BaseModel's doc is not Address's
    assert "description" not in pydantic_function_tool(Point)["function"]  # nor a dataclass's signature


def test_function_tool_survives_copy_and_pickle() -> None:
    tool = pydantic_function_tool(Point)
    for clone in (copy.copy(tool), copy.deepcopy(tool), pickle.loads(pickle.dumps(tool))):
        assert isinstance(clone, FunctionTool)
        assert clone == tool
        assert clone.model is Point


def test_tool_models_only_maps_typed_tools() -> None:
    plain = {"type": "function", "function": {"name": "plain", "parameters": {}}}
    assert tool_models([plain, pydantic_function_tool(Point, name="p")]) == {"p": Point}
    assert tool_models(None) == {}


def test_parse_arguments() -> None:
    assert parse_arguments(Point, "p", '{"x": 1, "y": 2}') == Point(1, 2)
    with pytest.raises(InvalidResponseError, match="tool call 'p'") as info:
        parse_arguments(Point, "p", '{"x": 1}')
    assert isinstance(info.value.error, pydantic.ValidationError)


def test_exceptions_pickle() -> None:
    err = pickle.loads(pickle.dumps(InvalidResponseError("bad")))
    assert str(err) == "bad"
    assert err.error is None
    length = pickle.loads(pickle.dumps(LengthFinishReasonError("cut")))
    assert str(length) == "cut"


def test_generated_chat_resources_have_the_hand_written_parse_base() -> None:
    from vllm_sdk.resources import AsyncChatCompletions, ChatCompletions
    from vllm_sdk.resources._parsing import AsyncChatCompletionsParsing, ChatCompletionsParsing

    assert issubclass(ChatCompletions, ChatCompletionsParsing)
    assert issubclass(AsyncChatCompletions, AsyncChatCompletionsParsing)
