"""``POST /v1/completions``: the completions route's checks (the prompts), choice planning and wire format.

A request may carry several prompts (strings or token ids); each gets ``n`` choices, choice ``i``
answering prompt ``i // n``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _tokenizer as tok
from ._generate import GenerationRoute, Planned, sampling_fields, structured_outputs
from ._generation import ChoicePlan, GenParams, plan_choices
from ._validation import bad_request, check_context, json_schema_of, validation_error
from ._wire import completion_body, completion_stream_head, completion_stream_suffixes, dumps

if TYPE_CHECKING:
    from ._state import ServerState

__all__ = ["COMPLETIONS"]

#: Bound on prompts x n in one completions request (the mock keeps all output in memory).
_MAX_COMPLETION_CHOICES = 1024

#: One prompt: its text, the tokenizer's pieces of it, its token ids.
_Prompt = tuple[str, list[str], list[int]]


def _prompts_of(body: dict[str, Any]) -> list[_Prompt]:
    prompt = body.get("prompt")
    items: list[Any]
    token_list = isinstance(prompt, list) and prompt and all(isinstance(x, int) for x in prompt)
    if isinstance(prompt, str) or token_list:
        items = [prompt]
    elif isinstance(prompt, list):
        items = list(prompt)
    else:
        items = []
    out: list[_Prompt] = []
    for item in items:
        if isinstance(item, str):
            out.append((item, tok.split_pieces(item), tok.encode(item)))
        elif isinstance(item, list) and all(isinstance(x, int) for x in item):
            try:
                text = tok.decode(item)
            except IndexError:
                raise bad_request("Token id out of vocabulary (parameter=prompt)", "prompt") from None
            out.append((text, tok.split_pieces(text), list(item)))
        else:
            raise validation_error("string_type", "body.prompt", "Input should be a valid string", item)
    if not out or not any(text or ids for text, _, ids in out):
        raise bad_request(
            "Either prompt or prompt_embeds must be provided and non-empty. (parameter=prompt)", "prompt"
        )
    return out


def _check(body: dict[str, Any]) -> list[_Prompt]:
    prompts = _prompts_of(body)
    if len(prompts) * (body.get("n") or 1) > _MAX_COMPLETION_CHOICES:
        raise bad_request(
            f"At most {_MAX_COMPLETION_CHOICES} choices (prompts x n) per request on the mock server.",
            "prompt",
        )
    return prompts


def _plan(prompts: list[_Prompt], body: dict[str, Any], model: str, state: ServerState) -> Planned:
    n = body.get("n") or 1
    max_tokens = body.get("max_tokens") or 16
    for _, _, ids in prompts:
        check_context(len(ids), max_tokens, state.max_model_len)
    logprobs = body.get("logprobs")
    so = structured_outputs(body)
    schema = json_schema_of(body)
    plans: list[ChoicePlan] = []
    for text, _, _ in prompts:
        params = GenParams(
            seed_material=dumps(["completion", model, text, body.get("seed"), schema, so]),
            space_first=bool(text) and not text[-1].isspace() and schema is None and not so,
            n=n,
            max_tokens=max_tokens,
            **sampling_fields(body),
            top_logprobs=logprobs,
            json_schema=schema,
            choice=so.get("choice") if isinstance(so.get("choice"), list) else None,
        )
        plans.extend(plan_choices(params))
    echo = bool(body.get("echo"))
    return Planned(
        sum(len(ids) for _, _, ids in prompts) * n,
        plans,
        stream_events=lambda include_usage, continuous_usage: completion_stream_suffixes(
            plans,
            prompts,
            n,
            echo=echo,
            include_usage=include_usage,
            continuous_usage=continuous_usage,
            logprobs=logprobs,
        ),
        body=lambda model: completion_body("", 0, model, plans, prompts, n, echo=echo, logprobs=logprobs),
    )


COMPLETIONS: GenerationRoute[list[_Prompt]] = GenerationRoute(
    name="completions",
    id_prefix="cmpl",
    object="text_completion",
    required=(),
    logprobs_is_int=True,
    logprobs_key="logprobs",
    check=_check,
    plan=_plan,
    stream_head=completion_stream_head,
)
