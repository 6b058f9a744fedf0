"""Structured outputs without I/O: JSON schemas from Python types, tool definitions from models, and
validation of the model's text (or tool arguments) into those types.

Shared by the chat and Responses ``parse()`` methods, their streams and the builders. A "type" here is
anything pydantic's ``TypeAdapter`` accepts that describes a JSON object: a pydantic model class, a
dataclass or a ``TypedDict``.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any, TypeVar

from ._exceptions import InvalidResponseError, LengthFinishReasonError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "FunctionTool",
    "parse_arguments",
    "parse_content",
    "pydantic_function_tool",
    "response_format_from_type",
    "strict_json_schema",
    "text_format_from_type",
    "tool_models",
    "type_name",
]

T = TypeVar("T")

#: How much of text that failed to validate an error message quotes.
_MAX_QUOTED = 200


def type_name(tp: Any) -> str:
    """The schema name of ``tp`` as OpenAI-style APIs accept it (``[a-zA-Z0-9_-]``, at most 64 characters)."""
    name = getattr(tp, "__name__", None) or "Output"
    return re.sub(r"[^a-zA-Z0-9_-]", "_", str(name))[:64]


def _adapter(tp: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(tp)


def _strict(node: Any) -> Any:
    """Make every object schema of ``node`` closed (``additionalProperties: false``) with every property
    required: what a strict ``json_schema`` means, so guided decoding never stops short of a field the
    type will ask for (a field with a default is still generated, and validates)."""
    if isinstance(node, dict):
        out = {key: _strict(value) for key, value in node.items()}
        if out.get("type") == "object" and isinstance(out.get("properties"), dict):
            out.setdefault("additionalProperties", False)
            out["required"] = list(out["properties"])
        return out
    if isinstance(node, list):
        return [_strict(item) for item in node]
    return node


def strict_json_schema(tp: Any) -> dict[str, Any]:
    """The strict JSON schema of ``tp`` (a pydantic model, dataclass or TypedDict): closed objects, every
    property required, ``$defs`` kept for nested types.

    Raises ``TypeError`` when ``tp`` does not describe a JSON object (structured outputs need one at the top).
    """
    try:
        schema = _adapter(tp).json_schema()
    except Exception as exc:  # pydantic raises several types for types it cannot describe
        raise TypeError(f"cannot build a JSON schema from {tp!r}: {exc}") from exc
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise TypeError(
            f"{tp!r} does not describe a JSON object: use a pydantic model, a dataclass or a TypedDict"
        )
    strict: dict[str, Any] = _strict(schema)
    return strict


def response_format_from_type(tp: Any) -> dict[str, Any]:
    """Chat's ``response_format`` for ``tp``: ``{"type": "json_schema", "json_schema": {"name", "schema",
    "strict": true}}``. A mapping is taken as a ready ``response_format`` and returned as a copy."""
    if isinstance(tp, dict):
        return copy.deepcopy(tp)
    return {
        "type": "json_schema",
        "json_schema": {"name": type_name(tp), "schema": strict_json_schema(tp), "strict": True},
    }


def text_format_from_type(tp: Any) -> dict[str, Any]:
    """The Responses API's ``text`` parameter for ``tp``: ``{"format": {"type": "json_schema", "name",
    "schema", "strict": true}}`` (the Responses API flattens the chat shape one level)."""
    return {
        "format": {
            "type": "json_schema",
            "name": type_name(tp),
            "schema": strict_json_schema(tp),
            "strict": True,
        }
    }


def _quoted(text: str) -> str:
    return text if len(text) <= _MAX_QUOTED else text[:_MAX_QUOTED] + "…"


def parse_content(tp: Any, content: str | None, *, finish_reason: str | None, response: Any = None) -> Any:
    """``content`` (the model's JSON text) validated into ``tp``.

    Raises :class:`~vllm_sdk.LengthFinishReasonError` when the output was cut off (``finish_reason ==
    "length"``: the JSON is incomplete) and :class:`~vllm_sdk.InvalidResponseError` carrying the error
    when there is no content or it does not validate.
    """
    if finish_reason == "length":
        raise LengthFinishReasonError(
            "the output was cut off by the token limit (finish_reason 'length'), so it cannot be parsed:"
            " raise max_tokens",
            response=response,
        )
    if content is None:
        raise InvalidResponseError(f"the response has no content to parse into {type_name(tp)}")
    import pydantic

    try:
        return _adapter(tp).validate_json(content)
    except pydantic.ValidationError as exc:
        raise InvalidResponseError(
            f"the content does not validate into {type_name(tp)}: {exc.error_count()} error(s), first:"
            f" {exc.errors()[0]['msg']}; content: {_quoted(content)!r}",
            error=exc,
        ) from exc


def parse_arguments(tp: Any, name: str, arguments: str) -> Any:
    """The arguments of a call of tool ``name`` validated into ``tp``; raises
    :class:`~vllm_sdk.InvalidResponseError` carrying the error when they do not validate."""
    import pydantic

    try:
        return _adapter(tp).validate_json(arguments or "{}")
    except pydantic.ValidationError as exc:
        raise InvalidResponseError(
            f"the arguments of tool call {name!r} do not validate into {type_name(tp)}: {exc.error_count()}"
            f" error(s), first: {exc.errors()[0]['msg']}; arguments: {_quoted(arguments)!r}",
            error=exc,
        ) from exc


class FunctionTool(dict[str, Any]):
    """A function tool definition (the wire dict ``{"type": "function", "function": {...}}``) that
    remembers the type its arguments are parsed into (``model``). Made by :func:`pydantic_function_tool`;
    send it like any tool dict."""

    model: Any

    def __init__(self, definition: Mapping[str, Any], model: Any) -> None:
        super().__init__(definition)
        self.model = model

    def __reduce__(self) -> tuple[Any, ...]:
        return (FunctionTool, (dict(self), self.model))

    def __copy__(self) -> FunctionTool:
        return FunctionTool(dict(self), self.model)

    def __deepcopy__(self, memo: dict[int, Any]) -> FunctionTool:
        return FunctionTool(copy.deepcopy(dict(self), memo), self.model)


def pydantic_function_tool(
    model: Any, *, name: str | None = None, description: str | None = None
) -> FunctionTool:
    """A strict function tool whose parameters are the JSON schema of ``model`` (a pydantic model,
    dataclass or TypedDict).

    The name defaults to the class name and the description to its docstring. Pass the result in ``tools``
    of ``parse()`` and the calls of that tool come back with ``parsed_arguments`` validated into ``model``::

        class GetWeather(BaseModel):
            \"\"\"Current weather of a city.\"\"\"
            city: str

        tools = [pydantic_function_tool(GetWeather)]
        resp = client.chat.completions.parse(model=m, messages=msgs, tools=tools)
        args = resp.tool_calls[0].parsed_arguments      # a GetWeather
    """
    function: dict[str, Any] = {"name": name or type_name(model)}
    doc = description if description is not None else _docstring(model)
    if doc:
        function["description"] = doc
    function["parameters"] = strict_json_schema(model)
    function["strict"] = True
    return FunctionTool({"type": "function", "function": function}, model)


def _docstring(model: Any) -> str | None:
    """The class's own docstring (not one inherited from ``BaseModel``), cleaned."""
    import inspect

    doc = vars(model).get("__doc__") if isinstance(model, type) else None
    # A dataclass without a docstring gets a generated signature as __doc__: not a description.
    if not isinstance(doc, str) or not doc.strip() or doc.startswith(f"{getattr(model, '__name__', '')}("):
        return None
    return inspect.cleandoc(doc)


def tool_models(tools: Iterable[Any] | None) -> dict[str, Any]:
    """``{tool name: argument type}`` of the tools made by :func:`pydantic_function_tool`."""
    out: dict[str, Any] = {}
    for tool in tools or ():
        if isinstance(tool, FunctionTool):
            function = tool.get("function")
            name = function.get("name") if isinstance(function, dict) else tool.get("name")
            if isinstance(name, str):
                out[name] = tool.model
    return out
