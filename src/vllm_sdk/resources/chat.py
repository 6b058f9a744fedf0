"""The chat completion builders: the conveniences a schema cannot say, over the generated route builders.

::

    resp = client.chat.completions.create().model(m).system("Be brief.").user("Hi").send()

The keyword style (``create(model=..., messages=...)``) and the typed setters are generated
(``_generated.py``, ``_generated_builders.py``); both styles encode the body through the same function, so
the same parameters give byte-identical bodies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from typing_extensions import Self

from .._multimodal import ContentPart, ImageSource, content_parts, image_part
from ._builder import BuilderMixin
from ._generated_builders import AsyncChatCompletionsCreateBuilder, ChatCompletionsCreateBuilder

__all__ = ["AsyncChatCompletionBuilder", "ChatCompletionBuilder"]


def _function_tool(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``{"type": "function", "function": {...}}`` from either that shape or a bare function schema."""
    if "function" in schema and isinstance(schema["function"], Mapping):
        return {"type": schema.get("type", "function"), **{k: v for k, v in schema.items() if k != "type"}}
    if "name" not in schema:
        raise ValueError("a tool needs a function name: {'name': ..., 'parameters': {...}}")
    return {"type": "function", "function": dict(schema)}


class _ChatConveniences(BuilderMixin):
    """The chat conveniences shared by the sync and async builders (no I/O)."""

    def messages(self, value: Sequence[Mapping[str, Any]]) -> Self:
        """Set the whole conversation (copied: later changes to your list never reach the builder)."""
        return self._set("messages", tuple(dict(message) for message in value))

    def add_message(self, message: Mapping[str, Any]) -> Self:
        """A new builder with a whole message dict appended, e.g. ``resp.assistant_message()`` or
        ``call.result(value)``."""
        messages = self._body.get("messages") or ()
        return self._set("messages", (*messages, dict(message)))

    def message(self, role: str, content: str | Sequence[Mapping[str, Any]] | None, **fields: Any) -> Self:
        """A new builder with ``{"role": role, "content": content, **fields}`` appended to the messages."""
        return self.add_message({"role": role, "content": content, **fields})

    def system(self, content: str) -> Self:
        """Append a system message."""
        return self.message("system", content)

    def user(self, content: str | Sequence[ContentPart], *more: str | ContentPart) -> Self:
        """Append one user message: text, a list of content parts, or several parts as arguments.

        ::

            .user("Hi")                                                  # content "Hi"
            .user([text_part("Compare"), image_part("a.png")])           # content parts as given
            .user("Compare", image_part("a.png"), image_part("b.png"))   # one turn, three parts

        With more than one argument every string becomes a text part, in order.
        """
        if more:
            first: tuple[str | ContentPart, ...] = (content,) if isinstance(content, str) else tuple(content)
            return self.message("user", content_parts((*first, *more)))
        return self.message("user", content)

    def assistant(self, content: str | None = None, *, tool_calls: Sequence[Any] | None = None) -> Self:
        """Append an assistant message (a previous answer, or a prefill with ``continue_final_message``).

        ``tool_calls`` takes :class:`~vllm_sdk.ToolCall` objects or wire-shaped dicts.
        """
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if tool_calls:
            message["tool_calls"] = [
                call.to_dict() if hasattr(call, "to_dict") else dict(call) for call in tool_calls
            ]
        return self.add_message(message)

    def tool(self, fn_schema: Mapping[str, Any]) -> Self:
        """Add a tool: a function schema ``{"name", "description", "parameters"}`` or the full
        ``{"type": "function", "function": {...}}``."""
        tools = self._body.get("tools")
        tools = list(tools) if tools else []
        tools.append(_function_tool(fn_schema))
        return self._set("tools", tools)

    def image(self, source: ImageSource, text: str | None = None, *, detail: str | None = None) -> Self:
        """Append a user message with an image (and optionally text before it).

        ``source`` is an http(s) or ``data:`` URL, a file path or the image bytes; files and bytes are sent
        as base64 ``data:`` URLs with the MIME type read from the bytes.
        """
        parts: list[dict[str, Any]] = []
        if text is not None:
            parts.append({"type": "text", "text": text})
        parts.append(image_part(source, detail=detail))
        return self.message("user", parts)

    def images(
        self, sources: Sequence[ImageSource], text: str | None = None, *, detail: str | None = None
    ) -> Self:
        """Append one user message with the text (when given) followed by every image of ``sources``
        (each an http(s) or ``data:`` URL, a file path or the image bytes, as in :meth:`image`)."""
        if isinstance(sources, (str, bytes, bytearray, memoryview)):
            raise TypeError("images() takes a list of images; use image() for a single one")
        parts: list[dict[str, Any]] = [] if text is None else [{"type": "text", "text": text}]
        parts.extend(image_part(source, detail=detail) for source in sources)
        if len(parts) == (0 if text is None else 1):
            raise ValueError("images() needs at least one image")
        return self.message("user", parts)

    def thinking(self, enabled: bool = True) -> Self:
        """Turn the model's thinking on or off (``chat_template_kwargs.enable_thinking``, Qwen3-style)."""
        kwargs = dict(self._body.get("chat_template_kwargs") or {})
        kwargs["enable_thinking"] = enabled
        return self._set("chat_template_kwargs", kwargs)


class ChatCompletionBuilder(_ChatConveniences, ChatCompletionsCreateBuilder):
    """A chat completion request being built; ``send()`` or ``send_stream()`` sends it.

    Made by ``client.chat.completions.create()``. Every request field of vLLM's schema has a typed setter
    (``model``, ``messages``, ``temperature``, ``top_k``, ``structured_outputs``, ...; the ``user`` field is
    ``end_user()`` because ``user()`` appends a user message). ``send()`` raises
    :class:`~vllm_sdk.MissingParameterError` without model or messages, before any I/O; ``send_stream()``
    returns a :class:`~vllm_sdk.MessageStream` (retries apply until the server answers 2xx, never after).
    """


class AsyncChatCompletionBuilder(_ChatConveniences, AsyncChatCompletionsCreateBuilder):
    """The async twin of :class:`ChatCompletionBuilder`: ``await builder.send()`` / ``send_stream()``."""
