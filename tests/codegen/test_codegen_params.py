"""``codegen/params.py``: the schema's request-side objects → TypedDicts, union aliases, field overrides."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

import pytest
from codegen.generate import render_params, render_type_exports
from codegen.params import ParamsError, ParamsRenderer, ParamsSpec

if TYPE_CHECKING:
    from codegen.config import CodegenConfig


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _schema() -> dict[str, Any]:
    """A miniature of vLLM's chat request: two role messages, a free-role one and a non-chat one."""
    text_part = {
        "type": "object",
        "properties": {"type": {"const": "text", "type": "string"}, "text": {"type": "string"}},
        "required": ["type", "text"],
    }
    return {
        "components": {
            "schemas": {
                "Request": {
                    "type": "object",
                    "properties": {
                        "messages": {
                            "type": "array",
                            "items": {"anyOf": [_ref("UserMsgParam"), _ref("Free"), _ref("Harmony")]},
                        },
                        "choice": {
                            "anyOf": [{"const": "auto", "type": "string"}, _ref("Named"), {"type": "null"}]
                        },
                    },
                },
                "UserMsgParam": {
                    "type": "object",
                    "description": "A user turn.",
                    "properties": {
                        "role": {"const": "user", "type": "string"},
                        "content": {
                            "anyOf": [{"type": "string"}, {"type": "array", "items": _ref("TextPart")}]
                        },
                        "name": {"type": "string", "description": "Who speaks."},
                        "image": _ref("ImageURL"),
                    },
                    "required": ["role", "content"],
                },
                "Free": {
                    "type": "object",
                    "properties": {
                        "role": {"type": "string"},
                        "content": {
                            "anyOf": [{"type": "string"}, {"type": "array", "items": _ref("TextPart")}]
                        },
                    },
                    "required": ["role"],
                },
                "Harmony": {"type": "object", "properties": {"author": {"type": "string"}}},
                "TextPart": text_part,
                "ImageURL": {
                    "type": "object",
                    "properties": {
                        "url": {"type": "string"},
                        "detail": {"enum": ["auto", "low"], "type": "string"},
                        "extra": {"type": "object", "additionalProperties": {"type": "integer"}},
                    },
                    "required": ["url"],
                },
                "Named": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "ids": {"type": "array", "items": {"type": "integer"}},
                    },
                    "required": ["name"],
                },
            }
        }
    }


def _spec(**overrides: Any) -> ParamsSpec:
    table: dict[str, Any] = {
        "roots": ["Named"],
        "unions": {
            "MessageParam": {
                "from": "Request.messages",
                "exclude": ["Free", "Harmony"],
                "doc": "One message.",
            },
            "ChoiceParam": {"from": "Request.choice"},
            "PartParam": {"from": "Free.content"},
        },
        "aliases": {"NamedAlias": "NamedParam"},
        **overrides,
    }
    return ParamsSpec.from_table(table)


def _classes(text: str) -> dict[str, ast.ClassDef]:
    return {node.name: node for node in ast.parse(text).body if isinstance(node, ast.ClassDef)}


def _fields(cls: ast.ClassDef) -> dict[str, str]:
    return {
        node.target.id: ast.unparse(node.annotation)
        for node in cls.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }


def test_objects_become_typeddicts_with_required_keys_and_literal_consts() -> None:
    text = ParamsRenderer(_schema(), _spec()).render()
    compile(text, "<params>", "exec", dont_inherit=True)
    classes = _classes(text)
    # Reached from the roots and union members, transitively; "Param" added where the name lacks it.
    assert set(classes) == {"UserMsgParam", "TextPartParam", "ImageURLParam", "NamedParam"}
    user = _fields(classes["UserMsgParam"])
    assert user["role"] == "Required[Literal['user']]"
    assert user["content"] == "Required[str | Sequence[TextPartParam]]"
    assert user["name"] == "str"  # optional: not in the schema's required list
    assert user["image"] == "ImageURLParam"
    image = _fields(classes["ImageURLParam"])
    assert image["detail"] == "Literal['auto', 'low']"
    assert image["extra"] == "Mapping[str, int]"
    assert ast.get_docstring(classes["UserMsgParam"]) == "A user turn."
    assert "TypedDict" in ast.unparse(classes["UserMsgParam"].bases[0])


def test_unions_are_read_off_the_schema_minus_the_excluded_members() -> None:
    text = ParamsRenderer(_schema(), _spec()).render()
    aliases = {
        node.target.id: ast.unparse(node.value)
        for node in ast.parse(text).body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    assert aliases["MessageParam"] == "UserMsgParam"
    assert aliases["ChoiceParam"] == "Literal['auto'] | NamedParam"  # null dropped
    assert aliases["PartParam"] == "TextPartParam"  # the array member of str | list[part]
    assert aliases["NamedAlias"] == "NamedParam"
    namespace: dict[str, Any] = {}
    exec(compile(text, "<params>", "exec", dont_inherit=True), namespace)
    assert sorted(namespace["__all__"]) == namespace["__all__"]
    assert {"MessageParam", "ChoiceParam", "PartParam", "NamedAlias", "UserMsgParam"} <= set(
        namespace["__all__"]
    )
    assert namespace["UserMsgParam"].__required_keys__ == frozenset({"role", "content"})
    assert namespace["UserMsgParam"](role="user", content="hi") == {"role": "user", "content": "hi"}


def test_an_override_replaces_a_field_type_and_its_references() -> None:
    spec = _spec(overrides={"UserMsgParam.image": "str"})
    renderer = ParamsRenderer(_schema(), spec)
    assert "ImageURL" not in renderer.components  # only the overridden field referenced it
    assert _fields(_classes(renderer.render())["UserMsgParam"])["image"] == "str"


def test_renames_and_shadowed_components() -> None:
    renderer = ParamsRenderer(_schema(), _spec(renames={"ImageURL": "PictureParam"}))
    assert "PictureParam" in _classes(renderer.render())
    # Components whose own name the TypedDict takes: the exports list the TypedDict under that name.
    assert renderer.shadowed_components() == {"UserMsgParam"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"unions": {"X": {"from": "Request.nope"}}}, "no such property"),
        ({"unions": {"X": {"from": "Request.messages", "exclude": ["Named"]}}}, "not members"),
        ({"roots": ["Missing"]}, "not a component"),
        ({"renames": {"ImageURL": "NamedParam"}}, "share the name"),
        ({"aliases": {"A": "Nothing"}}, "not rendered"),
        ({"overrides": {"Harmony.author": "str"}}, "not rendered"),
        ({"renames": {"ImageURL": "class"}}, "identifier"),
    ],
)
def test_configuration_errors_are_named(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        ParamsRenderer(_schema(), _spec(**overrides))


def test_the_repository_messages_union_is_the_six_roles(repo_config: CodegenConfig) -> None:
    rendered = render_params(repo_config, repo_config.schema)
    assert rendered is not None
    path, text = rendered
    assert path == repo_config.params_output
    assert text.startswith("# DO NOT EDIT")
    namespace: dict[str, Any] = {}
    exec(compile(text, str(path), "exec", dont_inherit=True), namespace)
    roles = {
        member.__annotations__["role"]: member.__name__
        for member in namespace["ChatCompletionMessageParam"].__args__
    }
    assert set(roles.values()) == {
        f"ChatCompletion{role}MessageParam"
        for role in ("System", "Developer", "User", "Assistant", "Tool", "Function")
    }
    # The free-role message is exported, but is no member (a mistyped role must be an error).
    assert "CustomChatCompletionMessageParam" in namespace["__all__"]
    assert namespace["ChatCompletionToolParam"] is namespace["ChatCompletionToolsParam"]


def test_exports_take_the_typeddict_in_place_of_the_request_model(repo_config: CodegenConfig) -> None:
    from codegen.generate import params_renderer

    params = params_renderer(repo_config, repo_config.schema)
    models_text = (
        "class ChatCompletionUserMessageParam(BaseModel):\n    pass\nclass ModelCard(BaseModel):\n    pass\n"
    )
    exports = render_type_exports(repo_config, models_text, params)
    assert exports is not None
    imported: dict[str, list[str]] = {}
    for node in ast.parse(exports[1]).body:
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            imported.setdefault(node.module, []).extend(alias.name for alias in node.names)
    assert imported["_generated"] == ["ModelCard"]
    assert "ChatCompletionUserMessageParam" in imported["_generated_params"]
    assert "ChatCompletionMessageParam" in imported["_generated_params"]


def test_a_key_that_is_no_identifier_uses_the_functional_form() -> None:
    doc = _schema()
    doc["components"]["schemas"]["Named"]["properties"]["x-trace"] = {"type": "string"}
    namespace: dict[str, Any] = {}
    exec(compile(ParamsRenderer(doc, _spec()).render(), "<params>", "exec", dont_inherit=True), namespace)
    assert namespace["NamedParam"].__required_keys__ == frozenset({"name"})
    assert "x-trace" in namespace["NamedParam"].__optional_keys__


def test_types_that_refer_to_each_other_are_refused() -> None:
    doc = _schema()
    doc["components"]["schemas"]["Named"]["properties"]["self"] = _ref("Named")
    doc["components"]["schemas"]["Named"]["properties"]["other"] = _ref("ImageURL")
    doc["components"]["schemas"]["ImageURL"]["properties"]["back"] = _ref("Named")
    with pytest.raises(ParamsError, match="cycle"):
        ParamsRenderer(doc, _spec()).render()


def test_request_fields_type_the_setters_and_params_and_must_exist(committed_schema: dict[str, Any]) -> None:
    from codegen.endpoints import EndpointsError, EndpointsRenderer

    fields = {"ChatCompletionRequest.messages": "Sequence[ChatCompletionMessageParam]"}
    text = EndpointsRenderer(committed_schema, ".types._generated", field_types=fields).render()
    assert "    def messages(self, value: Sequence[ChatCompletionMessageParam]) -> Self:" in text
    assert "    messages: Required[Sequence[ChatCompletionMessageParam]]" in text
    with pytest.raises(EndpointsError, match=r"ChatCompletionRequest\.mesages"):
        EndpointsRenderer(
            committed_schema, ".types._generated", field_types={"ChatCompletionRequest.mesages": "X"}
        )
