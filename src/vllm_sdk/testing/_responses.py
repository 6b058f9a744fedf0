"""``/v1/responses``: the Responses API of the mock (create, streamed create, retrieve, cancel).

Wire shapes follow vLLM 0.32.0: the response object and the event sequence of the transcripts in
``tests/data/responses/`` (plain and reasoning, streamed and not), and for function calls vLLM's own
``entrypoints/openai/responses/streaming_events.py`` (``output_item.added`` with an empty ``arguments``,
``function_call_arguments.delta`` / ``.done``, ``output_item.done``). The stream has no ``[DONE]``.

Generation reuses the chat planner (:func:`._generation.plan_choices`): the same deterministic text,
reasoning (with ``reasoning`` set or ``chat_template_kwargs.enable_thinking``), tool calls and
schema-valid JSON for ``text.format`` ``json_schema``. Unlike vLLM (which stores responses only with
``VLLM_ENABLE_RESPONSES_API_STORE=1``), the mock always stores the last responses, so
``previous_response_id``, ``retrieve`` and ``cancel`` work. A ``background`` request is answered
``queued`` (vLLM's shape); it counts as finished from the first ``retrieve`` on, and until then ``cancel``
turns it ``cancelled``. Cancelling a finished response is vLLM's 400 "Cannot cancel a synchronous response."
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import _tokenizer as tok
from ._as_chat import response_tools_as_chat, responses_as_chat
from ._generation import CONTENT, REASONING, TOOL_ARGS, TOOL_START, GenParams, plan_choices
from ._http import chat_prompt, hex16, json_response, resolve_model, state_of
from ._validation import RequestRejected, bad_request, check_context, parse_json_body
from ._wire import dumps, error_body

if TYPE_CHECKING:
    from ._generation import ChoicePlan
    from ._state import ServerState

__all__ = ["add_responses_routes"]

#: How many responses the mock keeps for retrieve / previous_response_id (oldest dropped first).
MAX_STORED = 256

#: response id -> [response, its stream events, the conversation so far, still queued (background)]
_STORE_KEY: web.AppKey[dict[str, list[Any]]] = web.AppKey("responses_store")


def _schema(body: dict[str, Any]) -> Any:
    text = body.get("text")
    fmt = text.get("format") if isinstance(text, dict) else None
    if isinstance(fmt, dict):
        if fmt.get("type") == "json_schema":
            return fmt.get("schema") or {}
        if fmt.get("type") == "json_object":
            return True
    return None


def _tool_choice(body: dict[str, Any]) -> Any:
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function" and "name" in choice:
        return {"type": "function", "function": {"name": choice["name"]}}
    return choice


def _output_items(plan: ChoicePlan) -> list[dict[str, Any]]:
    """The output items of a finished plan, in the order the stream sends them."""
    items: list[dict[str, Any]] = []
    reasoning = plan.reasoning
    if reasoning:
        items.append(
            {
                "id": f"rs_{hex16()}",
                "summary": [],
                "type": "reasoning",
                "content": [{"text": reasoning, "type": "reasoning_text"}],
                "encrypted_content": None,
                "status": None,
            }
        )
    calls: dict[int, dict[str, Any]] = {}
    for token in plan.tokens:
        if token.kind == TOOL_START:
            calls[token.tool_index] = {
                "arguments": "",
                "call_id": f"call_{hex16()}",
                "name": token.text,
                "type": "function_call",
                "id": f"fc_{hex16()}",
                "status": "completed",
            }
        elif token.kind == TOOL_ARGS and token.tool_index in calls:
            calls[token.tool_index]["arguments"] += token.text
    content = plan.content
    if content or not calls:
        items.append(
            {
                "id": f"msg_{hex16()}",
                "content": [{"annotations": [], "text": content, "type": "output_text", "logprobs": None}],
                "role": "assistant",
                "status": "completed",
                "type": "message",
                "phase": None,
            }
        )
    items.extend(calls[i] for i in sorted(calls))
    return items


def _response(
    rid: str, body: dict[str, Any], model: str, status: str, output: list[dict[str, Any]], usage: Any
) -> dict[str, Any]:
    return {
        "id": rid,
        "created_at": int(time.time()),
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        "instructions": body.get("instructions"),
        "metadata": body.get("metadata"),
        "model": model,
        "object": "response",
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "temperature": body.get("temperature", 1.0),
        "tool_choice": body.get("tool_choice", "auto" if body.get("tools") else "none"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "background": bool(body.get("background")),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": None,
        "previous_response_id": body.get("previous_response_id"),
        "prompt": None,
        "reasoning": body.get("reasoning"),
        "service_tier": "auto",
        "status": status,
        "text": body.get("text"),
        "top_logprobs": None,
        "truncation": "disabled",
        "usage": usage,
        "user": None,
    }


def _events(response: dict[str, Any], plan: ChoicePlan, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stream events of ``response`` (sequence numbers from 0)."""
    head = {**response, "output": [], "status": "in_progress", "usage": None, "incomplete_details": None}
    events: list[dict[str, Any]] = [
        {"response": head, "type": "response.created"},
        {"response": head, "type": "response.in_progress"},
    ]
    reasoning_pieces = [t.text for t in plan.tokens if t.kind == REASONING]
    content_pieces = [t.text for t in plan.tokens if t.kind == CONTENT]
    args: dict[int, list[str]] = {}
    for token in plan.tokens:
        if token.kind == TOOL_ARGS:
            args.setdefault(token.tool_index, []).append(token.text)
    call_number = 0
    for index, item in enumerate(items):
        iid = item["id"]
        if item["type"] == "reasoning":
            text = item["content"][0]["text"]
            events.append(
                {
                    "item": {**item, "content": None, "status": "in_progress"},
                    "output_index": index,
                    "type": "response.output_item.added",
                }
            )
            events.append(
                {
                    "content_index": 0,
                    "item_id": iid,
                    "output_index": index,
                    "part": {"text": "", "type": "reasoning_text"},
                    "type": "response.content_part.added",
                }
            )
            events += [
                {
                    "content_index": 0,
                    "delta": piece,
                    "item_id": iid,
                    "output_index": index,
                    "type": "response.reasoning_text.delta",
                }
                for piece in reasoning_pieces
            ]
            events.append(
                {
                    "content_index": 0,
                    "item_id": iid,
                    "output_index": index,
                    "text": text,
                    "type": "response.reasoning_text.done",
                }
            )
            events.append(
                {
                    "content_index": 0,
                    "item_id": iid,
                    "output_index": index,
                    "part": {"text": text, "type": "reasoning_text"},
                    "type": "response.content_part.done",
                }
            )
            events.append(
                {
                    "item": {**item, "status": "completed"},
                    "output_index": index,
                    "type": "response.output_item.done",
                }
            )
        elif item["type"] == "message":
            text = item["content"][0]["text"]
            events.append(
                {
                    "item": {**item, "content": [], "status": "in_progress"},
                    "output_index": index,
                    "type": "response.output_item.added",
                }
            )
            events.append(
                {
                    "content_index": 0,
                    "item_id": iid,
                    "output_index": index,
                    "part": {"annotations": [], "text": "", "type": "output_text", "logprobs": []},
                    "type": "response.content_part.added",
                }
            )
            events += [
                {
                    "content_index": 0,
                    "delta": piece,
                    "item_id": iid,
                    "logprobs": [],
                    "output_index": index,
                    "type": "response.output_text.delta",
                }
                for piece in content_pieces
            ]
            events.append(
                {
                    "content_index": 0,
                    "item_id": iid,
                    "logprobs": [],
                    "output_index": index,
                    "text": text,
                    "type": "response.output_text.done",
                }
            )
            events.append(
                {
                    "content_index": 0,
                    "item_id": iid,
                    "output_index": index,
                    "part": item["content"][0],
                    "type": "response.content_part.done",
                }
            )
            events.append({"item": item, "output_index": index, "type": "response.output_item.done"})
        else:
            events.append(
                {
                    "item": {**item, "arguments": "", "status": "in_progress"},
                    "output_index": index,
                    "type": "response.output_item.added",
                }
            )
            events += [
                {
                    "delta": piece,
                    "item_id": iid,
                    "output_index": index,
                    "type": "response.function_call_arguments.delta",
                }
                for piece in args.get(call_number, [])
            ]
            events.append(
                {
                    "arguments": item["arguments"],
                    "item_id": iid,
                    "name": item["name"],
                    "output_index": index,
                    "type": "response.function_call_arguments.done",
                }
            )
            events.append({"item": item, "output_index": index, "type": "response.output_item.done"})
            call_number += 1
    events.append(
        {
            "response": response,
            "type": "response.completed" if response["status"] == "completed" else "response.incomplete",
        }
    )
    return [{**event, "sequence_number": n} for n, event in enumerate(events)]


def _store(request: web.Request) -> dict[str, list[Any]]:
    return request.app[_STORE_KEY]


def _remember(
    request: web.Request,
    response: dict[str, Any],
    events: list[dict[str, Any]],
    conversation: list[dict[str, Any]],
) -> None:
    store = _store(request)
    store[response["id"]] = [response, events, conversation, bool(response.get("background"))]
    while len(store) > MAX_STORED:
        store.pop(next(iter(store)))


def _not_found(response_id: str) -> RequestRejected:
    return RequestRejected(
        404,
        error_body(
            f"Response with id '{response_id}' not found.", "invalid_request_error", 404, "response_id"
        ),
    )


def _sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(f"event: {event['type']}\ndata: {dumps(event)}\n\n".encode() for event in events)


async def _send_events(request: web.Request, events: list[dict[str, Any]]) -> web.StreamResponse:
    out = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8"})
    await out.prepare(request)
    for event in events:
        await out.write(_sse([event]))
    await out.write_eof()
    return out


def _temperature(body: dict[str, Any]) -> float:
    value = body.get("temperature")
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise bad_request("temperature must be a number >= 0", "temperature")
    return float(value)


async def _create(request: web.Request) -> web.StreamResponse:
    state: ServerState = state_of(request)
    raw = await request.read()
    body = parse_json_body(raw, request.content_type if request.body_exists else "")
    model = resolve_model(state, body)
    history: list[dict[str, Any]] = []
    previous = body.get("previous_response_id")
    if previous is not None:
        stored = _store(request).get(str(previous))
        if stored is None:
            raise _not_found(str(previous))
        history = stored[2]
    messages = responses_as_chat(body, history)
    tools = response_tools_as_chat(body.get("tools"))
    prompt_tokens = len(tok.encode(chat_prompt(messages, tools)))
    max_tokens = body.get("max_output_tokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise bad_request("max_output_tokens must be a positive integer", "max_output_tokens")
    check_context(prompt_tokens, max_tokens, state.max_model_len)
    kwargs = body.get("chat_template_kwargs") or {}
    schema = _schema(body)
    params = GenParams(
        seed_material=dumps([model, messages, body.get("tools"), schema, body.get("seed")]),
        max_tokens=max_tokens or (state.max_model_len - prompt_tokens),
        temperature=_temperature(body),
        thinking=body.get("reasoning") is not None or kwargs.get("enable_thinking") is True,
        tools=tools,
        tool_choice=_tool_choice(body),
        parallel_tool_calls=body.get("parallel_tool_calls") is not False,
        last_user_text=messages[-1]["content"] if messages[-1].get("role") == "user" else None,
        json_schema=schema,
    )
    plan = plan_choices(params)[0]
    items = _output_items(plan)
    output_tokens = len(plan.tokens)
    usage = {
        "input_tokens": prompt_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": plan.reasoning_tokens, "tool_output_tokens": 0},
        "total_tokens": prompt_tokens + output_tokens,
    }
    status = "incomplete" if plan.finish_reason == "length" else "completed"
    rid = f"resp_{hex16()}"
    response = _response(rid, body, model, status, items, usage)
    events = _events(response, plan, items)
    answer_messages = [
        {"role": "assistant", "content": item["content"][0]["text"]}
        for item in items
        if item["type"] == "message"
    ]
    _remember(request, response, events, messages + answer_messages)
    if body.get("stream"):
        return await _send_events(request, events)
    if body.get("background"):
        queued = {**response, "status": "queued", "output": [], "usage": None, "incomplete_details": None}
        return json_response(dumps(queued).encode())
    return json_response(dumps(response).encode())


async def _retrieve(request: web.Request) -> web.StreamResponse:
    response_id = request.match_info["response_id"]
    stored = _store(request).get(response_id)
    if stored is None:
        raise _not_found(response_id)
    response, events = stored[0], stored[1]
    stored[3] = False  # a background response has finished by the time it is polled
    if request.query.get("stream", "false").lower() == "true":
        after = request.query.get("starting_after")
        try:
            start = -1 if after is None else int(after)
        except ValueError:
            raise bad_request("starting_after must be an integer", "starting_after") from None
        return await _send_events(request, [e for e in events if e["sequence_number"] > start])
    return json_response(dumps(response).encode())


async def _cancel(request: web.Request) -> web.StreamResponse:
    response_id = request.match_info["response_id"]
    stored = _store(request).get(response_id)
    if stored is None:
        raise _not_found(response_id)
    if not stored[3]:
        raise bad_request("Cannot cancel a synchronous response.", "response_id")
    cancelled = {**stored[0], "status": "cancelled", "output": [], "usage": None, "incomplete_details": None}
    stored[0], stored[1], stored[3] = cancelled, [], False
    return json_response(dumps(cancelled).encode())


def add_responses_routes(app: web.Application) -> None:
    """Register ``/v1/responses`` (create), ``GET /v1/responses/{id}`` and ``POST .../{id}/cancel``."""
    app[_STORE_KEY] = {}
    app.router.add_post("/v1/responses", _create)
    app.router.add_get("/v1/responses/{response_id}", _retrieve)
    app.router.add_post("/v1/responses/{response_id}/cancel", _cancel)
