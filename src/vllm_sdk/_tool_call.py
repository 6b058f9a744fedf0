"""``ToolCall``: one function call the model asked for, with helpers to read its arguments and answer it."""

from __future__ import annotations

import functools
import json
import sys
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ._exceptions import JsonError, ToolArgumentsError, VllmError

if TYPE_CHECKING:
    import builtins
    from collections.abc import Mapping

    import pydantic

    from .types._generated_params import ChatCompletionToolMessageParam

__all__ = ["ToolCall"]

T = TypeVar("T")

#: How much of bad arguments JSON an error message quotes.
_MAX_QUOTED = 200


def _trimmed(text: str) -> str:
    return text if len(text) <= _MAX_QUOTED else text[:_MAX_QUOTED] + "…"


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or repr(tp)


def _first_error(exc: pydantic.ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "(the arguments)"
    return f"{where}: {error['msg']}"


@functools.lru_cache(maxsize=256)
def _cached_adapter(tp: Any) -> pydantic.TypeAdapter[Any]:
    import pydantic

    try:
        return pydantic.TypeAdapter(tp)
    except pydantic.PydanticUserError as exc:
        if exc.code == "typed-dict-version":
            raise VllmError(
                f"{_type_name(tp)} is a typing.TypedDict, which pydantic cannot validate on Python "
                f"{sys.version_info.major}.{sys.version_info.minor}: define it with "
                "typing_extensions.TypedDict instead (from typing_extensions import TypedDict)"
            ) from exc
        raise


def _adapter(tp: Any) -> pydantic.TypeAdapter[Any]:
    """The ``TypeAdapter`` of ``tp``, made once per hashable type (making one costs more than using it)."""
    try:
        hash(tp)
    except TypeError:  # an unhashable annotation: made each time
        return _cached_adapter.__wrapped__(tp)
    return _cached_adapter(tp)


def _jsonable(value: object) -> Any:
    """``json.dumps``'s fallback: models, dataclasses, datetimes, ... through pydantic's serialiser."""
    import pydantic
    import pydantic_core

    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    try:
        return pydantic_core.to_jsonable_python(value)
    except pydantic_core.PydanticSerializationError:
        raise TypeError(f"a tool result of type {type(value).__name__} is not JSON serialisable") from None


def _to_json(value: object) -> str:
    # json.dumps for plain values (the same text as before for dicts and lists); pydantic for the rest.
    return json.dumps(value, ensure_ascii=False, default=_jsonable)


class ToolCall:
    """A tool (function) call: ``id``, ``type`` (``"function"``), ``name`` and ``arguments`` (a JSON string).

    Immutable and compared by value. Read the arguments with :meth:`parse_args` (a dict) or
    :meth:`parse_args_as` (validated into your own type), and answer with :meth:`result`::

        for call in resp.tool_calls:
            args = call.parse_args_as(WeatherArgs)
            messages.append(call.result(get_weather(args.city)))
    """

    __slots__ = ("arguments", "id", "name", "type")

    id: str
    type: str
    name: str
    arguments: str

    def __init__(self, id: str, name: str, arguments: str = "", type: str = "function") -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "arguments", arguments)
        object.__setattr__(self, "type", type)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"ToolCall is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"ToolCall is immutable (cannot delete {name!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ToolCall):
            return NotImplemented
        return (self.id, self.type, self.name, self.arguments) == (
            other.id,
            other.type,
            other.name,
            other.arguments,
        )

    def __hash__(self) -> int:
        return hash((self.id, self.type, self.name, self.arguments))

    def __repr__(self) -> str:
        return f"ToolCall(id={self.id!r}, name={self.name!r}, arguments={self.arguments!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (ToolCall, (self.id, self.name, self.arguments, self.type))

    def parse_args(self) -> dict[str, Any]:
        """The arguments decoded from JSON; an empty string counts as ``{}``.

        Raises :class:`~vllm_sdk.JsonError` when they are not valid JSON or not a JSON object (weak models
        do produce broken arguments, so handle it when the model is small).
        """
        text = self.arguments
        if not text.strip():
            return {}
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise JsonError(
                f"arguments of tool call {self.name!r} ({self.id}) are not valid JSON: {exc}",
                text=_trimmed(text),
            ) from exc
        if not isinstance(value, dict):
            raise JsonError(
                f"arguments of tool call {self.name!r} ({self.id}) are not a JSON object",
                text=_trimmed(text),
            )
        return value

    @overload
    def parse_args_as(self, tp: builtins.type[T]) -> T: ...
    @overload
    def parse_args_as(self, tp: Any) -> Any: ...
    def parse_args_as(self, tp: Any) -> Any:
        """The arguments validated into ``tp``: a pydantic model, a TypedDict, a dataclass, ...

        Uses pydantic's ``TypeAdapter`` (made once per type). Raises :class:`~vllm_sdk.JsonError` on bad
        JSON and :class:`~vllm_sdk.ToolArgumentsError` (a :class:`~vllm_sdk.VllmError`; pydantic's
        ``ValidationError`` is its ``validation_error``) when the JSON does not fit ``tp``. On Python 3.10
        and 3.11 a TypedDict must come from ``typing_extensions`` (pydantic's rule): a ``typing.TypedDict``
        raises a :class:`~vllm_sdk.VllmError` that says so.
        """
        import pydantic

        adapter = _adapter(tp)
        try:
            return adapter.validate_python(self.parse_args())
        except pydantic.ValidationError as exc:
            raise ToolArgumentsError(
                f"arguments of tool call {self.name!r} ({self.id}) do not fit {_type_name(tp)}: "
                f"{exc.error_count()} error(s), first: {_first_error(exc)}",
                validation_error=exc,
                text=_trimmed(self.arguments),
            ) from exc

    def result(self, value: Any) -> ChatCompletionToolMessageParam:
        """The ``role: tool`` message answering this call.

        A string is sent as it is; anything else as JSON: dicts and lists, TypedDicts, pydantic models,
        dataclasses, and what pydantic can serialise inside them (datetimes, UUIDs, enums, sets, ...).
        A value that cannot be JSON raises ``TypeError`` naming its type.
        """
        content = value if isinstance(value, str) else _to_json(value)
        return {"role": "tool", "tool_call_id": self.id, "content": content}

    def to_dict(self) -> dict[str, Any]:
        """The call in the OpenAI wire shape, ready to put in an assistant message's ``tool_calls``."""
        function = {"name": self.name, "arguments": self.arguments}
        return {"id": self.id, "type": self.type, "function": function}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ToolCall:
        """Build from the wire shape ``{"id", "type", "function": {"name", "arguments"}}``.

        Missing parts become ``""`` (``type`` defaults to ``"function"``); ``arguments`` given as an object
        (some servers do that) is serialised to a JSON string.
        """
        function = data.get("function") or {}
        arguments = function.get("arguments")
        if arguments is None:
            arguments = ""
        elif not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False)
        return cls(
            id=data.get("id") or "",
            name=function.get("name") or "",
            arguments=arguments,
            type=data.get("type") or "function",
        )
