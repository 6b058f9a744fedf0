"""``POST /v1/chat/completions``: the chat route's checks, choice planning and wire format."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from . import _tokenizer as tok
from ._generate import GenerationRoute, Planned, sampling_fields, structured_outputs
from ._generation import GenParams, plan_choices
from ._http import chat_prompt, text_of
from ._validation import bad_request, check_context, check_tools, json_schema_of
from ._wire import chat_body, chat_stream_head, chat_stream_suffixes, dumps

if TYPE_CHECKING:
    from ._state import ServerState

__all__ = ["CHAT"]


class _ChatRequest(NamedTuple):
    messages: list[Any]
    schema: Any  # json_schema_of(body)


def _check(body: dict[str, Any]) -> _ChatRequest:
    messages = body["messages"]
    if not messages:
        raise bad_request(
            "Cannot apply chat template to an empty conversation. Provide at least one message."
        )
    check_tools(body)
    return _ChatRequest(messages, json_schema_of(body))


def _plan(checked: _ChatRequest, body: dict[str, Any], model: str, state: ServerState) -> Planned:
    messages, schema = checked
    prompt_ids = tok.encode(chat_prompt(messages, body.get("tools")))
    prompt_tokens = len(prompt_ids)
    wanted_ids = prompt_ids if body.get("return_token_ids") else None
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    check_context(prompt_tokens, max_tokens, state.max_model_len)
    top_logprobs = (body.get("top_logprobs") or 0) if body.get("logprobs") else None
    kwargs = body.get("chat_template_kwargs") or {}
    last = messages[-1] if isinstance(messages[-1], dict) else {}
    so = structured_outputs(body)
    params = GenParams(
        seed_material=dumps([model, messages, body.get("seed"), body.get("tools"), schema, so]),
        n=body.get("n") or 1,
        max_tokens=max_tokens or (state.max_model_len - prompt_tokens),
        **sampling_fields(body),
        top_logprobs=top_logprobs,
        thinking=kwargs.get("enable_thinking") is True,
        include_reasoning=body.get("include_reasoning") is not False,
        tools=body.get("tools") or (),
        tool_choice=body.get("tool_choice"),
        parallel_tool_calls=body.get("parallel_tool_calls") is not False,
        last_user_text=text_of(last.get("content")) if last.get("role") == "user" else None,
        json_schema=schema,
        choice=so.get("choice") if isinstance(so.get("choice"), list) else None,
        echo_prefix=(
            text_of(last.get("content")) or None
            if body.get("echo") and last.get("role") == "assistant"
            else None
        ),
    )
    plans = plan_choices(params)
    return Planned(
        prompt_tokens,
        plans,
        stream_events=lambda include_usage, continuous_usage: chat_stream_suffixes(
            plans,
            prompt_tokens,
            include_usage=include_usage,
            continuous_usage=continuous_usage,
            top_logprobs=top_logprobs,
            reasoning_parser=params.thinking,
            prompt_ids=wanted_ids,
        ),
        body=lambda model: chat_body(
            "", 0, model, plans, prompt_tokens, top_logprobs, params.thinking, wanted_ids
        ),
    )


CHAT: GenerationRoute[_ChatRequest] = GenerationRoute(
    name="chat",
    id_prefix="chatcmpl",
    object="chat.completion",
    required=("messages",),
    logprobs_is_int=False,
    logprobs_key="top_logprobs",
    check=_check,
    plan=_plan,
    stream_head=chat_stream_head,
)
