"""``/v1/messages`` and ``/v1/messages/count_tokens``: the Anthropic-style Messages API of the mock.

Wire shapes follow vLLM 0.32.0:

* the message object and the event sequence of the transcripts in ``tests/data/messages/``:
  ``A53_anthropic_messages`` (non-streamed), ``A53b_anthropic_messages_stream`` (plain text) and
  ``B21_anthropic_messages_reasoning_stream`` (a ``thinking`` block with a ``signature_delta``, then a
  ``text`` block); every event is framed ``event: <type>`` + ``data: <json>``, and there is no ``[DONE]``;
* ``tool_use`` blocks (``content_block_start`` with an empty ``input``, ``input_json_delta`` fragments,
  ``content_block_stop``) and ``stop_reason`` ``"tool_use"``: vLLM's
  ``entrypoints/anthropic/serving.py`` (the streaming converter and ``_map_stop_reason``);
* errors: ``{"type": "error", "error": {"type", "message"}}`` with the status of the underlying error
  (``translate_error_response`` in ``entrypoints/anthropic/api_router.py``), and an in-stream ``error``
  event of type ``internal_error`` (the same file's generator wrapper);
* ``count_tokens``: ``{"input_tokens": n}`` (``AnthropicCountTokensResponse`` in ``protocol.py``).

Generation reuses the chat planner (:func:`._generation.plan_choices`): the same deterministic text, tool
calls and, with ``thinking`` ``{"type": "enabled"}``, reasoning (sent as a ``thinking`` block, as vLLM
does with a reasoning parser). The request header ``x-mock-messages-error`` (any value) makes a stream
end with an ``error`` event after its first text delta.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import _tokenizer as tok
from ._as_chat import message_tools_as_chat, messages_as_chat
from ._generation import CONTENT, REASONING, TOOL_ARGS, TOOL_START, GenParams, plan_choices
from ._http import chat_prompt, hex16, json_response, resolve_model, state_of
from ._validation import RequestRejected, bad_request, check_context, parse_json_body
from ._wire import dumps

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ._generation import ChoicePlan
    from ._state import ServerState

__all__ = ["add_messages_routes"]

#: Chat finish reasons as Anthropic stop reasons (vLLM's ``_map_stop_reason``).
_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}

#: The request header that asks for an in-stream ``error`` event (mock only).
ERROR_HEADER = "x-mock-messages-error"


def _anthropic_error(exc: RequestRejected) -> RequestRejected:
    """``exc`` (vLLM's OpenAI error body) in the Anthropic shape, as vLLM's ``translate_error_response``."""
    try:
        error = json.loads(exc.body).get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    body = {
        "type": "error",
        "error": {"type": str(error.get("type") or "error"), "message": str(error.get("message") or "")},
    }
    return RequestRejected(exc.status, dumps(body).encode(), exc.headers)


def _anthropic_errors(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except RequestRejected as exc:
            raise _anthropic_error(exc) from None

    return wrapped


def _tool_choice(body: dict[str, Any]) -> Any:
    choice = body.get("tool_choice")
    if not isinstance(choice, dict):
        return None
    kind = choice.get("type")
    if kind == "tool" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    return {"any": "required", "none": "none", "auto": "auto"}.get(str(kind))


def _thinking(body: dict[str, Any]) -> bool:
    thinking = body.get("thinking")
    return isinstance(thinking, dict) and thinking.get("type") == "enabled"


def _prompt_tokens(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> int:
    return len(tok.encode(chat_prompt(messages, tools)))


def _blocks(plan: ChoicePlan) -> list[dict[str, Any]]:
    """The content blocks of a finished plan, in the order the stream sends them."""
    blocks: list[dict[str, Any]] = []
    if plan.reasoning:
        blocks.append({"type": "thinking", "thinking": plan.reasoning, "signature": hex16() + hex16()})
    if plan.content:
        blocks.append({"type": "text", "text": plan.content})
    calls: dict[int, dict[str, Any]] = {}
    arguments: dict[int, str] = {}
    for token in plan.tokens:
        if token.kind == TOOL_START:
            calls[token.tool_index] = {"type": "tool_use", "id": f"toolu_{hex16()}", "name": token.text}
            arguments[token.tool_index] = ""
        elif token.kind == TOOL_ARGS and token.tool_index in calls:
            arguments[token.tool_index] += token.text
    for index in sorted(calls):
        try:
            value = json.loads(arguments[index]) if arguments[index] else {}
        except ValueError:  # cut off by max_tokens
            value = {}
        calls[index]["input"] = value if isinstance(value, dict) else {}
        blocks.append(calls[index])
    if not blocks:
        blocks.append({"type": "text", "text": ""})
    return blocks


def _event(kind: str, **fields: Any) -> bytes:
    return f"event: {kind}\ndata: {dumps({'type': kind, **fields})}\n\n".encode()


def _stream_events(message: dict[str, Any], plan: ChoicePlan, prompt_tokens: int, fail: bool) -> list[bytes]:
    """The SSE frames of a streamed message (transcripts A53b / B21; tool_use from serving.py)."""
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None}
    start["usage"] = {"input_tokens": prompt_tokens, "output_tokens": 0}
    frames = [_event("message_start", message=start)]
    index = -1
    open_kind: int | None = None
    tool_blocks = [b for b in message["content"] if b["type"] == "tool_use"]
    signature = next((b["signature"] for b in message["content"] if b["type"] == "thinking"), "")

    def close() -> None:
        if open_kind == REASONING:
            frames.append(
                _event(
                    "content_block_delta",
                    delta={"type": "signature_delta", "signature": signature},
                    index=index,
                )
            )
        frames.append(_event("content_block_stop", index=index))

    for token in plan.tokens:
        kind = token.kind
        if kind == TOOL_START or (kind in (CONTENT, REASONING) and kind != open_kind):
            if open_kind is not None:
                close()
            index += 1
            open_kind = kind
            if kind == CONTENT:
                block: dict[str, Any] = {"type": "text", "text": ""}
            elif kind == REASONING:
                block = {"type": "thinking", "thinking": ""}
            else:
                tool = tool_blocks[token.tool_index] if token.tool_index < len(tool_blocks) else {}
                block = {"type": "tool_use", "id": tool.get("id", ""), "name": token.text, "input": {}}
            frames.append(_event("content_block_start", content_block=block, index=index))
            if kind == TOOL_START:
                continue
        if kind == CONTENT:
            delta = {"type": "text_delta", "text": token.text}
        elif kind == REASONING:
            delta = {"type": "thinking_delta", "thinking": token.text}
        else:
            delta = {"type": "input_json_delta", "partial_json": token.text}
        frames.append(_event("content_block_delta", delta=delta, index=index))
        if fail and kind == CONTENT:
            frames.append(
                _event("error", error={"type": "internal_error", "message": "mock failure mid-stream"})
            )
            return frames
    if open_kind is not None:
        close()
    usage = message["usage"]
    frames.append(
        _event(
            "message_delta",
            delta={"stop_reason": message["stop_reason"], "stop_sequence": None},
            usage=usage,
        )
    )
    frames.append(_event("message_stop"))
    return frames


async def _create(request: web.Request) -> web.StreamResponse:
    state: ServerState = state_of(request)
    raw = await request.read()
    body = parse_json_body(raw, request.content_type if request.body_exists else "")
    model = resolve_model(state, body)
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise bad_request("max_tokens is required and must be a positive integer", "max_tokens")
    messages = messages_as_chat(body)
    tools = message_tools_as_chat(body.get("tools"))
    prompt_tokens = _prompt_tokens(messages, tools)
    check_context(prompt_tokens, max_tokens, state.max_model_len)
    temperature = body.get("temperature", 1.0)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or temperature < 0:
        raise bad_request("temperature must be a number >= 0", "temperature")
    params = GenParams(
        seed_material=dumps([model, messages, body.get("tools"), body.get("thinking")]),
        max_tokens=max_tokens,
        stop=tuple(body.get("stop_sequences") or ()),
        temperature=float(temperature),
        thinking=_thinking(body),
        tools=tools,
        tool_choice=_tool_choice(body),
        last_user_text=messages[-1]["content"] if messages[-1].get("role") == "user" else None,
    )
    plan = plan_choices(params)[0]
    tool_used = any(t.kind == TOOL_START for t in plan.tokens)
    stop_reason = "tool_use" if tool_used else _STOP_REASONS.get(plan.finish_reason, "end_turn")
    if plan.finish_reason == "length":
        stop_reason = "max_tokens"
    message = {
        "id": f"chatcmpl-{hex16()}",
        "type": "message",
        "role": "assistant",
        "content": _blocks(plan),
        "model": model,
        "stop_reason": stop_reason,
        "usage": {"input_tokens": prompt_tokens, "output_tokens": len(plan.tokens)},
    }
    if not body.get("stream"):
        return json_response(dumps(message).encode())
    out = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8"})
    await out.prepare(request)
    for frame in _stream_events(message, plan, prompt_tokens, ERROR_HEADER in request.headers):
        await out.write(frame)
    await out.write_eof()
    return out


async def _count_tokens(request: web.Request) -> web.StreamResponse:
    state: ServerState = state_of(request)
    raw = await request.read()
    body = parse_json_body(raw, request.content_type if request.body_exists else "")
    resolve_model(state, body)
    messages = messages_as_chat(body)
    tools = message_tools_as_chat(body.get("tools"))
    return json_response(dumps({"input_tokens": _prompt_tokens(messages, tools)}).encode())


def add_messages_routes(app: web.Application) -> None:
    """Register ``POST /v1/messages`` and ``POST /v1/messages/count_tokens``."""
    app.router.add_post("/v1/messages", _anthropic_errors(_create))
    app.router.add_post("/v1/messages/count_tokens", _anthropic_errors(_count_tokens))
