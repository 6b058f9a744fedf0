"""The events a stream yields: small immutable values, one class per kind.

Chat streams yield :data:`StreamEvent` (``Content``, ``Reasoning``, ``ToolCallDelta``, ``ToolCallComplete``,
``FinishReason``, ``Usage``, ``Done``, ``Error``); legacy completion streams yield
:data:`CompletionStreamEvent` (``Text`` instead of the chat-only kinds). Use them with ``match``::

    for event in stream:
        match event:
            case Content(text=text):
                print(text, end="")
            case ToolCallComplete(tool_call=call):
                run(call.name, call.parse_args())
            case FinishReason(reason=reason):
                print("\\nfinished:", reason)

Why tuples: one event is built per delta on the hot path of every stream, and a tuple subclass is the
cheapest immutable object CPython can build (the parsers call ``tuple.__new__(Content, (text, index))``
directly, skipping any Python-level ``__init__``). The tuple base is an implementation detail: equality
is by type *and* fields (``Content("a", 0) != Reasoning("a", 0) != ("a", 0)``), every event is truthy,
and fields are read-only properties.
"""

from __future__ import annotations

from operator import itemgetter
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._exceptions import VllmError
    from ._tool_call import ToolCall

__all__ = [
    "CompletionStreamEvent",
    "Content",
    "Done",
    "Error",
    "FinishReason",
    "Reasoning",
    "StreamEvent",
    "Text",
    "ToolCallComplete",
    "ToolCallDelta",
    "Usage",
]

_tuple_new = tuple.__new__
_tuple_eq = tuple.__eq__
_tuple_ne = tuple.__ne__


class _Event(tuple):  # type: ignore[type-arg]
    """Base of every event: an immutable tuple of the fields named by ``_fields``."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and _tuple_eq(self, other)

    def __ne__(self, other: object) -> bool:
        return type(self) is not type(other) or _tuple_ne(self, other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self)))

    def __bool__(self) -> bool:
        # An event is a value, never "empty": Done() has no fields but must still be truthy.
        return True

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True))
        return f"{type(self).__name__}({args})"

    def __getnewargs__(self) -> tuple[Any, ...]:
        # Pickle/copy call ``cls.__new__(cls, *fields)``, not tuple's ``cls.__new__(cls, iterable)``.
        return tuple(self)

    def __copy__(self) -> _Event:
        return self

    def __deepcopy__(self, memo: object) -> _Event:
        return self


class Content(_Event):
    """A piece of the assistant's answer for choice ``index``."""

    __slots__ = ()
    _fields = ("text", "index")
    __match_args__ = ("text", "index")

    if TYPE_CHECKING:
        text: str
        index: int  # type: ignore[assignment]  # shadows tuple.index on purpose
    else:
        text = property(itemgetter(0), doc="The text of this delta.")
        index = property(itemgetter(1), doc="The choice this text belongs to (0 unless n > 1).")

    def __new__(cls, text: str, index: int = 0) -> Content:
        return _tuple_new(cls, (text, index))


class Reasoning(_Event):
    """A piece of the model's reasoning (``reasoning``/``reasoning_content`` or ``<think>...</think>``)."""

    __slots__ = ()
    _fields = ("text", "index")
    __match_args__ = ("text", "index")

    if TYPE_CHECKING:
        text: str
        index: int  # type: ignore[assignment]  # shadows tuple.index on purpose
    else:
        text = property(itemgetter(0), doc="The reasoning text of this delta.")
        index = property(itemgetter(1), doc="The choice this text belongs to (0 unless n > 1).")

    def __new__(cls, text: str, index: int = 0) -> Reasoning:
        return _tuple_new(cls, (text, index))


class Text(_Event):
    """A piece of generated text of a legacy completion, for choice ``index``."""

    __slots__ = ()
    _fields = ("text", "index")
    __match_args__ = ("text", "index")

    if TYPE_CHECKING:
        text: str
        index: int  # type: ignore[assignment]  # shadows tuple.index on purpose
    else:
        text = property(itemgetter(0), doc="The text of this delta.")
        index = property(itemgetter(1), doc="The choice this text belongs to (0 unless n > 1).")

    def __new__(cls, text: str, index: int = 0) -> Text:
        return _tuple_new(cls, (text, index))


class ToolCallDelta(_Event):
    """One tool-call fragment exactly as it arrived.

    ``index`` is the tool call's position in the message, ``choice`` the choice it belongs to. ``id`` and
    ``name`` are set on the fragment that carries them (usually the first) and ``None`` otherwise;
    ``arguments`` is this fragment's piece of the JSON arguments string (``""`` when it carries none).
    Wait for :class:`ToolCallComplete` to get the whole call.
    """

    __slots__ = ()
    _fields = ("index", "id", "name", "arguments", "choice")
    __match_args__ = ("index", "id", "name", "arguments", "choice")

    if TYPE_CHECKING:
        index: int  # type: ignore[assignment]  # shadows tuple.index on purpose
        id: str | None
        name: str | None
        arguments: str
        choice: int
    else:
        index = property(itemgetter(0), doc="Position of the tool call in the message.")
        id = property(itemgetter(1), doc="The call id, on the fragment that carries it.")
        name = property(itemgetter(2), doc="The function name, on the fragment that carries it.")
        arguments = property(itemgetter(3), doc="This fragment's piece of the arguments JSON.")
        choice = property(itemgetter(4), doc="The choice this tool call belongs to.")

    def __new__(
        cls,
        index: int,
        id: str | None = None,
        name: str | None = None,
        arguments: str = "",
        choice: int = 0,
    ) -> ToolCallDelta:
        return _tuple_new(cls, (index, id, name, arguments, choice))


class ToolCallComplete(_Event):
    """A tool call that can no longer change, with its complete arguments; sent once per call."""

    __slots__ = ()
    _fields = ("tool_call", "choice")
    __match_args__ = ("tool_call", "choice")

    if TYPE_CHECKING:
        tool_call: ToolCall
        choice: int
    else:
        tool_call = property(itemgetter(0), doc="The complete :class:`~vllm_sdk.ToolCall`.")
        choice = property(itemgetter(1), doc="The choice this tool call belongs to.")

    def __new__(cls, tool_call: ToolCall, choice: int = 0) -> ToolCallComplete:
        return _tuple_new(cls, (tool_call, choice))


class FinishReason(_Event):
    """Choice ``index`` finished: ``reason`` is ``"stop"``, ``"length"``, ``"tool_calls"``, ...

    ``stop_reason`` is vLLM's detail: ``None`` (end of sequence), the stop string that matched, or the
    integer id of the stop token.
    """

    __slots__ = ()
    _fields = ("reason", "index", "stop_reason")
    __match_args__ = ("reason", "index", "stop_reason")

    if TYPE_CHECKING:
        reason: str
        index: int  # type: ignore[assignment]  # shadows tuple.index on purpose
        stop_reason: str | int | None
    else:
        reason = property(itemgetter(0), doc="Why the choice finished.")
        index = property(itemgetter(1), doc="The choice that finished.")
        stop_reason = property(itemgetter(2), doc="The matched stop string or stop token id, if any.")

    def __new__(cls, reason: str, index: int = 0, stop_reason: str | int | None = None) -> FinishReason:
        return _tuple_new(cls, (reason, index, stop_reason))


def _frozen(details: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if details is None or isinstance(details, MappingProxyType):
        return details
    return MappingProxyType(dict(details))


class Usage(_Event):
    """Token counts: the final usage chunk, or every chunk under ``continuous_usage_stats``.

    ``prompt_tokens_details`` / ``completion_tokens_details`` are read-only mappings when the server
    sent them (e.g. ``{"reasoning_tokens": 11}``), else ``None``.
    """

    __slots__ = ()
    _fields = (
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "prompt_tokens_details",
        "completion_tokens_details",
    )
    __match_args__ = (
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "prompt_tokens_details",
        "completion_tokens_details",
    )

    if TYPE_CHECKING:
        prompt_tokens: int
        completion_tokens: int
        total_tokens: int
        prompt_tokens_details: Mapping[str, Any] | None
        completion_tokens_details: Mapping[str, Any] | None
    else:
        prompt_tokens = property(itemgetter(0), doc="Tokens in the prompt.")
        completion_tokens = property(itemgetter(1), doc="Tokens generated so far.")
        total_tokens = property(itemgetter(2), doc="prompt_tokens + completion_tokens.")
        prompt_tokens_details = property(itemgetter(3), doc="Prompt token breakdown, when sent.")
        completion_tokens_details = property(itemgetter(4), doc="Completion token breakdown, when sent.")

    def __new__(
        cls,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        total_tokens: int = 0,
        prompt_tokens_details: Mapping[str, Any] | None = None,
        completion_tokens_details: Mapping[str, Any] | None = None,
    ) -> Usage:
        return _tuple_new(
            cls,
            (
                prompt_tokens,
                completion_tokens,
                total_tokens,
                _frozen(prompt_tokens_details),
                _frozen(completion_tokens_details),
            ),
        )

    def __hash__(self) -> int:
        # MappingProxyType is not hashable; hash the counts and the details' items instead.
        details = tuple(None if d is None else tuple(sorted(d.items(), key=repr)) for d in self[3:])
        return hash(("Usage", self[0], self[1], self[2], details))

    def to_dict(self) -> dict[str, Any]:
        """The usage in the wire shape of the API (details included only when sent)."""
        out: dict[str, Any] = {
            "prompt_tokens": self[0],
            "completion_tokens": self[1],
            "total_tokens": self[2],
        }
        if self[3] is not None:
            out["prompt_tokens_details"] = dict(self[3])
        if self[4] is not None:
            out["completion_tokens_details"] = dict(self[4])
        return out


class Done(_Event):
    """The stream ended cleanly (``data: [DONE]``); always the last event of a successful stream."""

    __slots__ = ()
    _fields = ()
    __match_args__ = ()

    def __new__(cls) -> Done:
        return _tuple_new(cls, ())


class Error(_Event):
    """The server sent an error inside the stream; ``error`` is a :class:`~vllm_sdk.StreamError`.

    Nothing follows it: the stream has ended.
    """

    __slots__ = ()
    _fields = ("error",)
    __match_args__ = ("error",)

    if TYPE_CHECKING:
        error: VllmError
    else:
        error = property(itemgetter(0), doc="The error the server reported.")

    def __new__(cls, error: VllmError) -> Error:
        return _tuple_new(cls, (error,))


#: Everything a chat stream can yield.
StreamEvent = Content | Reasoning | ToolCallDelta | ToolCallComplete | FinishReason | Usage | Done | Error

#: Everything a legacy completion stream can yield.
CompletionStreamEvent = Text | FinishReason | Usage | Done | Error
