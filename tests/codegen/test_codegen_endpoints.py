"""The endpoints generator: input-type mapping, rendering rules, and the committed route table."""

from __future__ import annotations

import ast
import inspect
from typing import Any

import pytest
from codegen.endpoints import EndpointsError, EndpointsRenderer, TypeMapper, read_routes
from codegen.routes import ROUTE_SPECS
from pydantic import BaseModel

from vllm_sdk import _generated_endpoints as ep

REF = "#/components/schemas/"

SCHEMAS: dict[str, Any] = {
    "Obj": {"type": "object", "properties": {"a": {"type": "string"}}},
    "Color": {"type": "string", "enum": ["red", "green"]},
    "Alias": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string"}, "str"),
        ({"type": "integer"}, "int"),
        ({"type": "number"}, "float"),
        ({"type": "boolean"}, "bool"),
        ({"anyOf": [{"type": "number"}, {"type": "null"}]}, "float | None"),
        ({"type": ["string", "null"]}, "str | None"),
        ({"$ref": REF + "Obj"}, "Mapping[str, Any]"),
        ({"$ref": REF + "Color"}, "Literal['red', 'green']"),
        ({"$ref": REF + "Alias"}, "int | str"),
        ({"type": "array", "items": {"$ref": REF + "Obj"}}, "Sequence[Mapping[str, Any]]"),
        ({"type": "array", "items": {"type": "integer"}}, "Sequence[int]"),
        ({"type": "object", "additionalProperties": {"type": "number"}}, "Mapping[str, float]"),
        ({"type": "object", "additionalProperties": True}, "Mapping[str, Any]"),
        (
            {
                "anyOf": [
                    {"const": "none", "type": "string"},
                    {"const": "auto", "type": "string"},
                    {"$ref": REF + "Obj"},
                    {"type": "null"},
                ]
            },
            "Literal['none', 'auto'] | Mapping[str, Any] | None",
        ),
        ({"enum": ["a", None]}, "Literal['a'] | None"),
        ({"anyOf": [{}, {"type": "null"}]}, "Any"),
        ({}, "Any"),
    ],
)
def test_input_types(schema: dict[str, Any], expected: str) -> None:
    assert TypeMapper(SCHEMAS).annotation(schema) == expected


def test_dangling_ref_is_an_error() -> None:
    with pytest.raises(EndpointsError, match="Nope"):
        TypeMapper(SCHEMAS).annotation({"$ref": REF + "Nope"})


def _doc(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "paths": {
            "/v1/things": {
                "post": {
                    "x-sdk-route": "things.create",
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": REF + "ThingRequest"}}}
                    },
                    "responses": {"200": {}},
                }
            }
        },
        "components": {
            "schemas": {
                "ThingRequest": {"type": "object", "properties": props, "required": required or []},
            }
        },
    }


def test_rendering_rules_on_a_small_schema() -> None:
    tricky = 'Use """quotes""" and a regex like \\d+ and end with a "quote"'
    doc = _doc(
        {
            "model": {"type": "string"},
            "stream": {"type": "boolean"},
            "user": {"type": "string", "description": tricky},
            "class": {"type": "integer", "deprecated": True},
        },
        ["model"],
    )
    text = EndpointsRenderer(doc, ".models", {"*": {"user": "end_user"}}).render()
    tree = ast.parse(text)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    builder = classes["ThingRequestBuilderBase"]
    methods = {n.name: n for n in builder.body if isinstance(n, ast.FunctionDef)}
    assert list(methods) == [
        "model",
        "end_user",
        "class_",
    ]  # stream excluded, rename applied, keyword escaped
    assert ast.get_docstring(methods["end_user"], clean=True) == tricky
    assert (ast.get_docstring(methods["class_"]) or "").startswith("Deprecated by the server.")
    assert "REQUEST_FIELDS" in text
    fields = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "REQUEST_FIELDS"
    )
    assert isinstance(fields, ast.Call)
    assert ast.literal_eval(fields.args[0]) == {"ThingRequest": ("model", "stream", "user", "class")}
    # `class` cannot be a class-syntax TypedDict key: the functional form is used instead
    assert "ThingRequestParams = TypedDict(" in text
    namespace: dict[str, Any] = {}
    params_src = text[text.index("ThingRequestParams = TypedDict(") : text.index("__all__")]
    exec(
        "from typing import Any, Literal\nfrom collections.abc import Mapping, Sequence\n"
        "from typing_extensions import Required, TypedDict\n" + params_src,
        namespace,
    )
    params = namespace["ThingRequestParams"]
    assert params.__required_keys__ == frozenset({"model"})
    assert params.__optional_keys__ == frozenset({"user", "class"})


def test_read_routes_rejects_inline_bodies() -> None:
    doc = _doc({"model": {"type": "string"}})
    doc["paths"]["/v1/things"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
        "anyOf": [{"type": "object"}]
    }
    with pytest.raises(EndpointsError, match="not a \\$ref"):
        read_routes(doc)


# ---------------------------------------------------------------------------- the committed module


def test_route_table_covers_every_supported_route() -> None:
    assert sorted(ep.ROUTES) == sorted(spec.name for spec in ROUTE_SPECS)
    for spec in ROUTE_SPECS:
        route = ep.ROUTES[spec.name]
        assert route.name == spec.name
        assert route.method == spec.method.upper()
        assert route.path == spec.path
        assert route.streams is (spec.stream_response is not None)
        # A bare JSON array (completions.render) or a free-keyed object (kv_event_sources) is a type alias,
        # not a model: the table holds None and the resource validates it with its configured class.
        aliases = ("GenerateRequestList", "KvEventSourcesResponse")
        expected = None if spec.response in aliases else spec.response
        assert (route.response_model.__name__ if route.response_model else None) == expected
        stream = route.stream_response_model
        assert (stream.__name__ if stream else None) == spec.stream_response
        if route.request_model is not None:
            assert route.request_variants[0] is route.request_model
            assert all(issubclass(m, BaseModel) for m in route.request_variants)
    chat = ep.ROUTES["chat.completions.create"]
    assert chat.request_model is not None
    assert chat.request_model.__name__ == "ChatCompletionRequest"
    assert ep.ROUTES["health"].request_model is None
    with pytest.raises(TypeError):
        ep.ROUTES["x"] = chat  # type: ignore[index]


def test_request_fields_follow_the_model_field_order() -> None:
    for route in ep.ROUTES.values():
        for model in route.request_variants:
            fields = ep.REQUEST_FIELDS[model.__name__]
            aliases = [info.alias or name for name, info in model.model_fields.items()]
            assert list(fields) == aliases


def test_every_request_model_has_a_builder_and_params() -> None:
    for route in ep.ROUTES.values():
        for model in route.request_variants:
            builder_cls = getattr(ep, f"{model.__name__}BuilderBase")
            params = getattr(ep, f"{model.__name__}Params")
            assert issubclass(builder_cls, ep.BuilderBase)
            keys = [k for k in ep.REQUEST_FIELDS[model.__name__] if k != "stream"]
            assert list(params.__annotations__) == keys
            required = {n for n, info in model.model_fields.items() if info.is_required()}
            assert params.__required_keys__ == frozenset(required)
            for name, member in inspect.getmembers(builder_cls, inspect.isfunction):
                if not name.startswith("_"):
                    assert member.__doc__, f"{builder_cls.__name__}.{name} has no docstring"


def test_chat_builder_sets_json_keys_and_renames_user() -> None:
    builder = ep.ChatCompletionRequestBuilderBase()
    same = builder.model("m").messages([{"role": "user", "content": "hi"}]).temperature(0.5).end_user("u-1")
    assert same is builder
    assert builder._body == {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.5,
        "user": "u-1",
    }
    assert not hasattr(builder, "user")
    assert not hasattr(builder, "stream")
    assert "user" in ep.ChatCompletionRequestParams.__annotations__
    assert "stream" not in ep.ChatCompletionRequestParams.__annotations__
    doc = ep.ChatCompletionRequestBuilderBase.reasoning_effort.__doc__ or ""
    assert doc.startswith("Constrains effort on reasoning")  # the schema's description


def test_completions_builder_has_vllm_sampling_knobs() -> None:
    builder = ep.CompletionRequestBuilderBase().model("m").prompt("Hello").max_tokens(8).top_k(5).min_p(0.1)
    assert builder._body == {"model": "m", "prompt": "Hello", "max_tokens": 8, "top_k": 5, "min_p": 0.1}


def test_clashing_setter_names_are_rejected() -> None:
    doc = _doc({"a-b": {"type": "string"}, "a_b": {"type": "string"}})
    with pytest.raises(EndpointsError, match="setter_renames"):
        EndpointsRenderer(doc, ".models").render()
    # the rename table resolves it
    text = EndpointsRenderer(doc, ".models", {"ThingRequest": {"a-b": "a_dash_b"}}).render()
    assert "def a_dash_b(self" in text
    assert "def a_b(self" in text
