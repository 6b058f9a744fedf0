"""The Messages and Responses requests as chat messages and chat tools, for the planner and the prompt.

Both generation routes (``/v1/messages``, ``/v1/responses``) and their render twins (``_extra``) turn a
request into the chat conversation vLLM would build from it (``AnthropicServingMessages`` /
``OpenAIServingResponses`` convert to chat first), so the conversion lives here, once, for all of them.
"""

from __future__ import annotations

from typing import Any

from ._http import text_of
from ._validation import bad_request

__all__ = ["message_tools_as_chat", "messages_as_chat", "response_tools_as_chat", "responses_as_chat"]


# ------------------------------------------------------------------------------ Messages (Anthropic)


def messages_as_chat(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The request as chat messages for the planner (system first, tool results as tool messages)."""
    messages: list[dict[str, Any]] = []
    system = body.get("system")
    if system is not None:
        messages.append({"role": "system", "content": text_of(system)})
    given = body.get("messages")
    if not isinstance(given, list) or not given:
        raise bad_request("messages must be a non-empty list", "messages")
    for message in given:
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise bad_request("each message needs a role of 'user' or 'assistant'", "messages")
        content = message.get("content")
        if isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    messages.append({"role": "tool", "content": text_of(block.get("content") or "")})
            content = [b for b in content if isinstance(b, dict) and b.get("type") == "text"]
        messages.append({"role": message["role"], "content": text_of(content)})
    return messages


def message_tools_as_chat(tools: Any) -> list[dict[str, Any]]:
    """Messages tools (``name``, ``description``, ``input_schema``) as chat tools, for the planner."""
    out = []
    for tool in tools or ():
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise bad_request("each tool needs a name", "tools")
        function = {"name": tool["name"], "parameters": tool.get("input_schema") or {"type": "object"}}
        if tool.get("description"):
            function["description"] = tool["description"]
        out.append({"type": "function", "function": function})
    return out


# ------------------------------------------------------------------------------------------ Responses


def responses_as_chat(body: dict[str, Any], history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat messages for the planner: the stored conversation, instructions, then the input items."""
    messages = list(history)
    if isinstance(body.get("instructions"), str):
        messages.insert(0, {"role": "system", "content": body["instructions"]})
    given = body.get("input")
    if isinstance(given, str):
        messages.append({"role": "user", "content": given})
    elif isinstance(given, list):
        for item in given:
            if not isinstance(item, dict):
                raise bad_request("input items must be objects", "input")
            kind = item.get("type", "message")
            if kind == "message":
                content = item.get("content")
                if isinstance(content, list):
                    content = "".join(
                        str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
                    )
                messages.append({"role": item.get("role", "user"), "content": text_of(content)})
            elif kind == "function_call_output":
                messages.append({"role": "tool", "content": str(item.get("output", ""))})
            elif kind == "function_call":
                messages.append({"role": "assistant", "content": str(item.get("arguments", ""))})
    elif given is not None:
        raise bad_request("input must be a string or a list of input items", "input")
    if not messages:
        raise bad_request("input is required", "input")
    return messages


def response_tools_as_chat(tools: Any) -> list[dict[str, Any]]:
    """Responses function tools (flat) as chat tools, for the planner."""
    out = []
    for tool in tools or ():
        if isinstance(tool, dict) and tool.get("type") == "function":
            fn = {k: v for k, v in tool.items() if k != "type"}
            out.append({"type": "function", "function": fn})
    return out
