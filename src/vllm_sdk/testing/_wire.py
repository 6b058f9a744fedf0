"""vLLM 0.32.0's bytes: response bodies, SSE chunks and error bodies, with its key order and separators.

Stream chunks are assembled from string templates, not by serialising a dict per chunk: every event of
a stream is ``head + suffix`` where the per-request ``head`` holds the id, created time and model
(``data: {"id":...,"choices":[``) and the ``suffix`` list depends only on the generated plan, so it can
be cached and reused for identical requests.
"""

from __future__ import annotations

import json
import random
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ._generation import CONTENT, REASONING, TOOL_ARGS, TOOL_START, ChoicePlan, Token, request_seed
from ._tokenizer import CONTENT_WORDS, encode

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "DONE",
    "SYSTEM_FINGERPRINT",
    "VLLM_VERSION",
    "chat_body",
    "chat_stream_head",
    "chat_stream_suffixes",
    "completion_body",
    "completion_stream_head",
    "completion_stream_suffixes",
    "dumps",
    "error_body",
    "tool_calls_of",
]

VLLM_VERSION = "0.32.0"
SYSTEM_FINGERPRINT = f"vllm-{VLLM_VERSION}-6d6f636b"
DONE = b"data: [DONE]\n\n"


def dumps(obj: Any) -> str:
    """JSON the way vLLM's responses are written: compact separators, UTF-8 kept as is."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=16384)
def _js(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def error_body(message: str, err_type: str, code: int, param: str | None = None) -> bytes:
    """vLLM's ``{"error": {"message", "type", "param", "code"}}``."""
    return dumps({"error": {"message": message, "type": err_type, "param": param, "code": code}}).encode()


def tool_calls_of(plan: ChoicePlan) -> list[tuple[str, str, str]]:
    """(id, name, arguments) of the tool calls that made it into the tokens (max_tokens may cut them)."""
    out: list[tuple[str, str, str]] = []
    args: dict[int, list[str]] = {}
    for t in plan.tokens:
        if t.kind == TOOL_START:
            args[t.tool_index] = []
        elif t.kind == TOOL_ARGS:
            args.setdefault(t.tool_index, []).append(t.text)
    for i, call in enumerate(plan.tool_calls):
        if i in args:
            out.append((call.id, call.name, "".join(args[i])))
    return out


def _usage_dict(prompt: int, completion: int, reasoning: int | None, *, details: bool) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "total_tokens": prompt + completion,
        "completion_tokens": completion,
    }
    if details:
        usage["prompt_tokens_details"] = None
    if details or reasoning is not None:
        usage["completion_tokens_details"] = None if reasoning is None else {"reasoning_tokens": reasoning}
    return usage


# ---------------------------------------------------------------------------------------------- chat


def chat_stream_head(request_id: str, created: int, model: str) -> bytes:
    """The per-request start of every chunk, up to and including ``"choices":[``."""
    return (
        f'data: {{"id":{_js(request_id)},"object":"chat.completion.chunk","created":{created},'
        f'"model":{_js(model)},"choices":['
    ).encode()


def _chat_delta(t: Token, calls: Sequence[Any]) -> str:
    if t.kind == CONTENT:
        return f'{{"content":{_js(t.text)}}}'
    if t.kind == REASONING:
        return f'{{"reasoning":{_js(t.text)}}}'
    if t.kind == TOOL_START:
        call_id = calls[t.tool_index].id
        return (
            f'{{"content":null,"tool_calls":[{{"id":"{call_id}","type":"function","index":{t.tool_index},'
            f'"function":{{"name":{_js(t.text)}}}}}]}}'
        )
    return (
        f'{{"content":null,"tool_calls":[{{"index":{t.tool_index},'
        f'"function":{{"arguments":{_js(t.text)}}}}}]}}'
    )


@lru_cache(maxsize=16384)
def _plain_tail(kind: int, text: str, tool_index: int) -> bytes:
    """The part of a token chunk after ``{"index":N,`` when it carries no logprobs, usage or ids."""
    delta = _chat_delta(Token(kind, text, tool_index), ())
    return f'"delta":{delta},"logprobs":null,"finish_reason":null,"token_ids":null}}]}}\n\n'.encode()


def _chat_logprob_entry(text: str, lp: float, tops: list[tuple[str, float]], k: int) -> dict[str, Any]:
    return {
        "token": text,
        "logprob": lp,
        "bytes": list(text.encode("utf-8")),
        "top_logprobs": [{"token": a, "logprob": b, "bytes": list(a.encode("utf-8"))} for a, b in tops[:k]],
    }


def chat_stream_suffixes(
    plans: list[ChoicePlan],
    prompt_tokens: int,
    *,
    include_usage: bool,
    continuous_usage: bool,
    top_logprobs: int | None,
    reasoning_parser: bool = False,
    prompt_ids: list[int] | None = None,
) -> list[bytes]:
    """Every chunk of a chat stream after the head (``[DONE]`` excluded), choices interleaved.

    ``reasoning_parser`` says whether usage reports ``reasoning_tokens`` (vLLM does so only when it runs
    a reasoning parser; the mock acts as one when thinking is enabled). ``prompt_ids`` (``return_token_ids``)
    fills ``prompt_token_ids`` on the first chunk of each choice and ``token_ids`` on every token chunk.
    """
    prompt_ids_json = "null" if prompt_ids is None else dumps(prompt_ids)
    fp = f',"system_fingerprint":"{SYSTEM_FINGERPRINT}"'
    done_tokens = 0
    reasoning_done = 0

    def usage_part() -> str:
        if not continuous_usage:
            return ""
        return (
            f',"usage":{{"prompt_tokens":{prompt_tokens},"total_tokens":{prompt_tokens + done_tokens},'
            f'"completion_tokens":{done_tokens},"completion_tokens_details":'
            + (f'{{"reasoning_tokens":{reasoning_done}}}}}' if reasoning_parser else "null}")
        )

    out: list[bytes] = []
    for i in range(len(plans)):
        out.append(
            (
                f'{{"index":{i},"delta":{{"role":"assistant","content":""}},"logprobs":null,"finish_reason":null}}]'
                f'{usage_part()},"prompt_token_ids":{prompt_ids_json},"prompt_text":null}}\n\n'
            ).encode()
        )
    positions = [0] * len(plans)
    finished = [False] * len(plans)
    end_fp = "" if include_usage else fp
    # The common case (no per-chunk usage, logprobs or token ids) reuses cached chunk tails.
    plain = not continuous_usage and top_logprobs is None and prompt_ids is None
    index_prefix = [f'{{"index":{i},'.encode() for i in range(len(plans))]
    while not all(finished):
        for i, plan in enumerate(plans):
            if finished[i]:
                continue
            pos = positions[i]
            if pos < len(plan.tokens):
                t = plan.tokens[pos]
                positions[i] = pos + 1
                done_tokens += 1
                if t.kind == REASONING:
                    reasoning_done += 1
                last = pos + 1 == len(plan.tokens)
                if plain and t.kind != TOOL_START and not (last and plan.finish_reason == "length"):
                    out.append(index_prefix[i] + _plain_tail(t.kind, t.text, t.tool_index))
                    continue
                lp = "null"
                if plan.logprobs is not None and top_logprobs is not None:
                    lp_val, tops = plan.logprobs[pos]
                    lp = dumps({"content": [_chat_logprob_entry(t.text, lp_val, tops, top_logprobs)]})
                delta = _chat_delta(t, plan.tool_calls)
                ids = "null" if prompt_ids is None else dumps(encode(t.text))
                if last and plan.finish_reason == "length":
                    finished[i] = True
                    out.append(
                        (
                            f'{{"index":{i},"delta":{delta},"logprobs":{lp},"finish_reason":"length",'
                            f'"stop_reason":null,"token_ids":{ids}}}]{usage_part()}{end_fp}}}\n\n'
                        ).encode()
                    )
                else:
                    out.append(
                        (
                            f'{{"index":{i},"delta":{delta},"logprobs":{lp},"finish_reason":null,'
                            f'"token_ids":{ids}}}]{usage_part()}}}\n\n'
                        ).encode()
                    )
            else:
                finished[i] = True
                stop = "null" if plan.stop_reason is None else dumps(plan.stop_reason)
                out.append(
                    (
                        f'{{"index":{i},"delta":{{}},"logprobs":null,"finish_reason":"{plan.finish_reason}",'
                        f'"stop_reason":{stop},"token_ids":null}}]{usage_part()}{end_fp}}}\n\n'
                    ).encode()
                )
    if include_usage:
        reasoning = sum(p.reasoning_tokens for p in plans) if reasoning_parser else None
        usage = _usage_dict(prompt_tokens, done_tokens, reasoning, details=False)
        out.append(f'],"usage":{dumps(usage)}{fp}}}\n\n'.encode())
    return out


def _chat_message(plan: ChoicePlan) -> dict[str, Any]:
    calls = tool_calls_of(plan)
    content: str | None = plan.content
    if calls and not plan.content.strip():
        # Only whitespace besides the tool calls: vLLM reports no content.
        content = None if plan.tool_mode == "auto" else ""
    elif not calls and not content and plan.reasoning_tokens:
        content = None  # cut off while still reasoning
    msg: dict[str, Any] = {
        "role": "assistant",
        "content": content,
        "refusal": None,
        "annotations": None,
        "audio": None,
        "function_call": None,
    }
    if calls:
        msg["tool_calls"] = [
            {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}
            for cid, name, args in calls
        ]
    reasoning = plan.reasoning
    msg["reasoning"] = reasoning or None
    return msg


def chat_body(
    request_id: str,
    created: int,
    model: str,
    plans: list[ChoicePlan],
    prompt_tokens: int,
    top_logprobs: int | None,
    reasoning_parser: bool = False,
    prompt_ids: list[int] | None = None,
) -> bytes:
    """A non-streaming chat completion body (``reasoning_parser`` as for :func:`chat_stream_suffixes`)."""
    choices = []
    for i, plan in enumerate(plans):
        logprobs = None
        if plan.logprobs is not None and top_logprobs is not None:
            logprobs = {
                "content": [
                    _chat_logprob_entry(t.text, lp, tops, top_logprobs)
                    for t, (lp, tops) in zip(plan.tokens, plan.logprobs, strict=False)
                ]
            }
        choices.append(
            {
                "index": i,
                "message": _chat_message(plan),
                "logprobs": logprobs,
                "finish_reason": plan.finish_reason,
                "stop_reason": plan.stop_reason,
                "token_ids": None if prompt_ids is None else [i for t in plan.tokens for i in encode(t.text)],
                "routed_experts": None,
            }
        )
    completion = sum(len(p.tokens) for p in plans)
    body = {
        "id": request_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": choices,
        "service_tier": None,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "usage": _usage_dict(
            prompt_tokens,
            completion,
            sum(p.reasoning_tokens for p in plans) if reasoning_parser else None,
            details=True,
        ),
        "prompt_logprobs": None,
        "prompt_token_ids": prompt_ids,
        "prompt_text": None,
        "kv_transfer_params": None,
        "ec_transfer_params": None,
        "metrics": None,
    }
    return dumps(body).encode()


# ----------------------------------------------------------------------------------------- completions

#: vLLM reports a natural end of a completion as stop_reason = the EOS token id.
EOS_TOKEN = "<|endoftext|>"


def completion_stream_head(request_id: str, created: int, model: str) -> bytes:
    """The per-request start of every completion chunk, up to and including ``"choices":[``."""
    return (
        f'data: {{"id":{_js(request_id)},"object":"text_completion","created":{created},'
        f'"model":{_js(model)},"choices":['
    ).encode()


def _completion_logprobs(
    texts: Sequence[str],
    lps: Sequence[float | None],
    tops: Sequence[list[tuple[str, float]] | None],
    offset: int,
    k: int,
) -> dict[str, Any]:
    offsets = []
    for t in texts:
        offsets.append(offset)
        offset += len(t) if t != EOS_TOKEN else 0
    return {
        "text_offset": offsets,
        "token_logprobs": list(lps),
        "tokens": list(texts),
        "top_logprobs": [None if tp is None else dict(tp[: max(k, 1)]) for tp in tops],
    }


def prompt_logprobs(pieces: Sequence[str], k: int) -> list[tuple[float, list[tuple[str, float]]] | None]:
    """Deterministic logprobs of a prompt's pieces (None for the first, which has no context)."""
    rng = random.Random(request_seed("prompt-logprobs", list(pieces)))
    out: list[tuple[float, list[tuple[str, float]]] | None] = [None] if pieces else []
    for piece in pieces[1:]:
        lp = -(rng.random() ** 2) * 3.0
        tops = [(piece, lp)]
        worst = lp
        while len(tops) < max(k, 1):
            worst -= 0.5 + rng.random() * 4.0
            alt = " " + CONTENT_WORDS[rng.randrange(len(CONTENT_WORDS))]
            if all(alt != a for a, _ in tops):
                tops.append((alt, worst))
        out.append((lp, tops))
    return out


def _prompt_logprobs_field(
    pieces: Sequence[str], plp: list[tuple[float, list[tuple[str, float]]] | None]
) -> list[Any]:
    """vLLM's ``prompt_logprobs``: per position, {token id: {logprob, rank, decoded_token}}."""
    out: list[Any] = []
    for entry in plp:
        if entry is None:
            out.append(None)
            continue
        out.append(
            {
                str(encode(text)[0]): {"logprob": lp, "rank": rank, "decoded_token": text}
                for rank, (text, lp) in enumerate(entry[1], start=1)
            }
        )
    return out


def _eos_logprob(plan: ChoicePlan) -> tuple[float, list[tuple[str, float]]]:
    lp = -0.002 - 0.001 * (len(plan.tokens) % 7)
    return lp, [(EOS_TOKEN, lp), ("<|im_end|>", lp - 7.5)]


def completion_stream_suffixes(
    plans: list[ChoicePlan],
    prompts: list[tuple[str, list[str], list[int]]],
    n: int,
    *,
    echo: bool,
    include_usage: bool,
    continuous_usage: bool,
    logprobs: int | None,
) -> list[bytes]:
    """Every chunk of a completions stream after the head (``[DONE]`` excluded).

    ``prompts`` holds (text, pieces, token ids) per prompt; choice ``i`` answers prompt ``i // n``.
    """
    fp = f',"system_fingerprint":"{SYSTEM_FINGERPRINT}"'
    end_fp = "" if include_usage else fp
    prompt_total = sum(len(ids) for _, _, ids in prompts) * n
    done_tokens = 0

    def usage_part() -> str:
        if not continuous_usage:
            return ""
        return (
            f',"usage":{{"prompt_tokens":{prompt_total},"total_tokens":{prompt_total + done_tokens},'
            f'"completion_tokens":{done_tokens}}}'
        )

    out: list[bytes] = []
    positions = [0] * len(plans)
    offsets = [0] * len(plans)
    finished = [False] * len(plans)
    while not all(finished):
        for i, plan in enumerate(plans):
            if finished[i]:
                continue
            pos = positions[i]
            ptext, ppieces, pids = prompts[i // n]
            if pos < len(plan.tokens):
                t = plan.tokens[pos]
                positions[i] = pos + 1
                done_tokens += 1
                text = t.text
                lp = "null"
                prompt_ids = "null"
                if pos == 0 and echo:
                    text = ptext + text
                    prompt_ids = dumps(pids)
                if logprobs is not None and plan.logprobs is not None:
                    lp_val, tops = plan.logprobs[pos]
                    if pos == 0 and echo:
                        plp = prompt_logprobs(ppieces, logprobs)
                        lp_obj = _completion_logprobs(
                            [*ppieces, t.text],
                            [*(None if e is None else e[0] for e in plp), lp_val],
                            [*(None if e is None else e[1] for e in plp), tops],
                            0,
                            logprobs,
                        )
                    else:
                        lp_obj = _completion_logprobs([t.text], [lp_val], [tops], offsets[i], logprobs)
                    lp = dumps(lp_obj)
                offsets[i] += len(text)
                last = pos + 1 == len(plan.tokens)
                if last and plan.finish_reason == "length":
                    finished[i] = True
                    out.append(
                        (
                            f'{{"index":{i},"text":{_js(text)},"logprobs":{lp},"finish_reason":"length",'
                            f'"stop_reason":null,"prompt_token_ids":{prompt_ids},"token_ids":null}}]'
                            f"{usage_part()}{end_fp}}}\n\n"
                        ).encode()
                    )
                else:
                    out.append(
                        (
                            f'{{"index":{i},"text":{_js(text)},"logprobs":{lp},"finish_reason":null,'
                            f'"stop_reason":null,"prompt_token_ids":{prompt_ids},"token_ids":null}}]'
                            f"{usage_part()}}}\n\n"
                        ).encode()
                    )
            else:
                finished[i] = True
                lp = "null"
                stop: str = "0" if plan.stop_reason is None else dumps(plan.stop_reason)
                if plan.stop_reason is None:
                    done_tokens += 1  # the EOS token counts, as in vLLM's usage
                    if logprobs is not None:
                        lp_val, tops = _eos_logprob(plan)
                        lp = dumps(_completion_logprobs([EOS_TOKEN], [lp_val], [tops], offsets[i], logprobs))
                out.append(
                    (
                        f'{{"index":{i},"text":"","logprobs":{lp},"finish_reason":"{plan.finish_reason}",'
                        f'"stop_reason":{stop},"prompt_token_ids":null,"token_ids":null}}]{usage_part()}{end_fp}}}\n\n'
                    ).encode()
                )
    if include_usage:
        usage = {
            "prompt_tokens": prompt_total,
            "total_tokens": prompt_total + done_tokens,
            "completion_tokens": done_tokens,
        }
        out.append(f'],"usage":{dumps(usage)}{fp}}}\n\n'.encode())
    return out


def completion_body(
    request_id: str,
    created: int,
    model: str,
    plans: list[ChoicePlan],
    prompts: list[tuple[str, list[str], list[int]]],
    n: int,
    *,
    echo: bool,
    logprobs: int | None,
) -> bytes:
    """A non-streaming completion body."""
    choices = []
    completion_tokens = 0
    for i, plan in enumerate(plans):
        ptext, ppieces, _ = prompts[i // n]
        text = plan.content
        completion_tokens += len(plan.tokens)
        natural = plan.finish_reason == "stop" and plan.stop_reason is None
        lp_obj = None
        prompt_lp: list[Any] | None = None
        if logprobs is not None and plan.logprobs is not None:
            texts = [t.text for t in plan.tokens]
            lps: list[float | None] = [lp for lp, _ in plan.logprobs]
            tops: list[list[tuple[str, float]] | None] = [tp for _, tp in plan.logprobs]
            if natural:
                eos_lp, eos_tops = _eos_logprob(plan)
                texts.append(EOS_TOKEN)
                lps.append(eos_lp)
                tops.append(eos_tops)
            if echo:
                plp = prompt_logprobs(ppieces, logprobs)
                texts = [*ppieces, *texts]
                lps = [*(None if e is None else e[0] for e in plp), *lps]
                tops = [*(None if e is None else e[1] for e in plp), *tops]
                prompt_lp = _prompt_logprobs_field(ppieces, plp)
            lp_obj = _completion_logprobs(texts, lps, tops, 0, logprobs)
        if natural:
            completion_tokens += 1  # the EOS token counts, as in vLLM's usage
        choices.append(
            {
                "index": i,
                "text": (ptext + text) if echo else text,
                "logprobs": lp_obj,
                "finish_reason": plan.finish_reason,
                "stop_reason": 0 if natural else plan.stop_reason,
                "token_ids": None,
                "prompt_logprobs": prompt_lp,
                "prompt_token_ids": None,
                "routed_experts": None,
            }
        )
    prompt_total = sum(len(ids) for _, _, ids in prompts) * n
    body = {
        "id": request_id,
        "object": "text_completion",
        "created": created,
        "model": model,
        "choices": choices,
        "service_tier": None,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "usage": {
            "prompt_tokens": prompt_total,
            "total_tokens": prompt_total + completion_tokens,
            "completion_tokens": completion_tokens,
            "prompt_tokens_details": None,
            "completion_tokens_details": None,
        },
        "kv_transfer_params": None,
        "ec_transfer_params": None,
        "metrics": None,
    }
    return dumps(body).encode()
