"""The extra generation and pooling routes of the mock server: batch chat, render, generative scoring and
Cohere's ``/v2/embed``.

Shapes from vLLM 0.32.0's source (``vllm/entrypoints/...``):

* ``POST /v1/chat/completions/batch``: ``openai/chat_completion/batch_serving.py`` (one
  ``ChatCompletionResponse`` whose choice ``i`` answers conversation ``i``, usage summed) and the
  ``check_batch_mode`` validator of ``openai/chat_completion/protocol.py`` (no ``n > 1``, no beam search);
* ``POST /v1/chat/completions/render`` and ``POST /v1/completions/render``:
  ``scale_out/render/api_router.py`` and ``serving.py`` (a ``GenerateRequest`` of
  ``scale_out/token_in_token_out/protocol.py``; completions answer a JSON array, one per prompt). A real
  server serves them only with ``--enable-scale-out`` and otherwise answers every one of them with a 403
  ``PermissionDeniedError`` before looking at the request (``scale_out/factories.py``, transcripts A50,
  A51); the mock serves them unless it was made with ``enable_scale_out=False``;
* ``POST /v1/messages/render`` and ``POST /v1/responses/render``: the same router; Messages are converted
  to a chat request first, as ``/v1/messages`` does; Responses refuse ``previous_response_id`` (the render
  endpoint is stateless); errors keep the OpenAI error shape (the router returns ``ErrorResponse``);
* ``POST /generative_scoring``: ``generate/generative_scoring/serving.py`` (the probability of the first
  label token after query + item, softmaxed over the label tokens unless ``apply_softmax`` is false; one
  completion token per item);
* ``POST /v2/embed``: ``pooling/embed/protocol.py`` and ``serving.py`` (``embeddings_by_type``, the
  bit-packed ``binary`` / ``ubinary`` and little-endian float32 ``base64`` encodings, ``meta.billed_units``,
  ``None`` fields left out).

The mock's numbers are deterministic functions of the token ids, like the rest of its pooling routes.
"""

from __future__ import annotations

import base64
import json
import math
import random
import struct
import time
from typing import TYPE_CHECKING, Any

from . import _tokenizer as tok
from ._as_chat import message_tools_as_chat, messages_as_chat, response_tools_as_chat, responses_as_chat
from ._chat import CHAT
from ._completions import COMPLETIONS
from ._generation import request_seed
from ._http import chat_prompt, hex16, json_response, resolve_model, state_of
from ._pooling import unit_vector
from ._validation import (
    RequestRejected,
    bad_request,
    check_context,
    check_sampling,
    coerce_fields,
    parse_json_body,
    validation_error,
)
from ._wire import dumps, error_body

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aiohttp import web

    from ._state import ServerState

__all__ = ["add_extra_routes"]


async def _body(request: web.Request) -> dict[str, Any]:
    return parse_json_body(await request.read(), request.content_type if request.body_exists else "")


def _request_id(request: web.Request, prefix: str, sep: str = "-") -> str:
    given = request.headers.get("X-Request-Id")
    return f"{prefix}{sep}{given or hex16()}"


# ------------------------------------------------------------------------------------ batch chat


def _batch_checks(body: dict[str, Any]) -> list[list[Any]]:
    """``BatchChatCompletionRequest``'s validation: a non-empty list of non-empty conversations."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise validation_error(
            "too_short", "body.messages", "List should have at least 1 item after validation, not 0", messages
        )
    for i, conversation in enumerate(messages):
        if not isinstance(conversation, list) or not conversation:
            raise validation_error(
                "too_short",
                f"body.messages.{i}",
                "List should have at least 1 item after validation, not 0",
                conversation,
            )
    if body.get("use_beam_search"):
        raise bad_request(
            "Batch chat completions do not support beam search. Please set `use_beam_search` to False.",
            "use_beam_search",
        )
    n = body.get("n", 1)
    if n is not None and n != 1:
        raise bad_request("Batch chat completions do not support `n > 1`. Please set `n` to 1.", "n")
    return messages


async def _batch_chat(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    coerce_fields(body, required=("messages",), logprobs_is_int=False)
    conversations = _batch_checks(body)
    model = resolve_model(state, body)
    check_sampling(body, max_model_len=state.max_model_len, logprobs_key="top_logprobs")
    choices: list[Any] = []
    prompt_tokens = completion_tokens = 0
    for i, conversation in enumerate(conversations):
        # Each conversation is planned as the single-conversation route would (batch_serving.py builds one
        # ChatCompletionRequest per conversation), then renumbered.
        single = {k: v for k, v in body.items() if k not in ("messages", "stream", "stream_options")}
        single["messages"] = conversation
        planned = CHAT.plan(CHAT.check(single), single, model, state)
        answer = json.loads(planned.body(model))
        choice = answer["choices"][0]
        choice["index"] = i
        choices.append(choice)
        prompt_tokens += answer["usage"]["prompt_tokens"]
        completion_tokens += answer["usage"]["completion_tokens"]
    out = {
        "id": _request_id(request, "chatcmpl"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
        "service_tier": None,
        "system_fingerprint": None,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "completion_tokens": completion_tokens,
            "prompt_tokens_details": None,
        },
        "prompt_logprobs": None,
        "prompt_token_ids": None,
        "kv_transfer_params": None,
    }
    return json_response(dumps(out).encode())


# ---------------------------------------------------------------------------------------- render


def _sampling_params(body: dict[str, Any], max_tokens: int) -> dict[str, Any]:
    """The ``SamplingParams`` fields a rendered request carries (vLLM's defaults where the body is silent)."""
    stop = body.get("stop") or []
    return {
        "n": body.get("n") or 1,
        "presence_penalty": body.get("presence_penalty") or 0.0,
        "frequency_penalty": body.get("frequency_penalty") or 0.0,
        "repetition_penalty": body.get("repetition_penalty") or 1.0,
        "temperature": body.get("temperature") if body.get("temperature") is not None else 1.0,
        "top_p": body.get("top_p") if body.get("top_p") is not None else 1.0,
        "top_k": body.get("top_k") or 0,
        "min_p": body.get("min_p") or 0.0,
        "seed": body.get("seed"),
        "stop": [stop] if isinstance(stop, str) else list(stop),
        "stop_token_ids": list(body.get("stop_token_ids") or []),
        "ignore_eos": bool(body.get("ignore_eos")),
        "max_tokens": max_tokens,
        "min_tokens": body.get("min_tokens") or 0,
        "logprobs": None,
        "prompt_logprobs": None,
        "detokenize": True,
        "skip_special_tokens": body.get("skip_special_tokens") is not False,
        "spaces_between_special_tokens": True,
        "include_stop_str_in_output": bool(body.get("include_stop_str_in_output")),
        "output_kind": 2,
    }


def _rendered(
    request_id: str, ids: list[int], body: dict[str, Any], model: str, state: ServerState
) -> dict[str, Any]:
    given = body.get("max_completion_tokens") or body.get("max_tokens")
    max_tokens = given if isinstance(given, int) else state.max_model_len - len(ids)
    stream = bool(body.get("stream"))
    return {
        "request_id": request_id,
        "token_ids": ids,
        "token_offsets": None,
        "features": None,
        "content_parts": None,
        "sampling_params": _sampling_params(body, max_tokens),
        "model": model,
        "reasoning_ended": None,
        "reasoning_parser_kwargs": None,
        "return_token_ids": None,
        "output_mode": "tokens",
        "stream": stream,
        "stream_options": body.get("stream_options") if stream else None,
        "cache_salt": body.get("cache_salt"),
        "priority": body.get("priority") or 0,
        "kv_transfer_params": None,
        "ec_transfer_params": None,
    }


#: vLLM's answer to a render route of a server started without ``--enable-scale-out``.
_SCALE_OUT_DISABLED = error_body(
    "Scale-out endpoints are disabled. Restart vllm serve with --enable-scale-out to enable them.",
    "PermissionDeniedError",
    403,
)


def _scale_out(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """``handler``, or vLLM's 403 when the server has scale-out disabled. vLLM mounts a stub without
    parameters in place of the route, so neither the body nor the model is looked at."""

    async def route(request: web.Request) -> web.StreamResponse:
        if not state_of(request).enable_scale_out:
            return json_response(_SCALE_OUT_DISABLED, status=403)
        return await handler(request)

    return route


async def _render_chat(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    coerce_fields(body, required=CHAT.required, logprobs_is_int=CHAT.logprobs_is_int)
    model = resolve_model(state, body)
    CHAT.check(body)  # the chat route's own checks: a non-empty conversation, valid tools
    ids = tok.encode(chat_prompt(body["messages"], body.get("tools")))
    check_context(len(ids), body.get("max_completion_tokens") or body.get("max_tokens"), state.max_model_len)
    out = _rendered(_request_id(request, "chatcmpl"), ids, body, model, state)
    return json_response(dumps(out).encode())


async def _render_completions(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    coerce_fields(body, required=COMPLETIONS.required, logprobs_is_int=COMPLETIONS.logprobs_is_int)
    model = resolve_model(state, body)
    prompts = COMPLETIONS.check(body)  # (text, pieces, token ids) of each prompt, as the route checks them
    base = _request_id(request, "cmpl")
    for _text, _pieces, ids in prompts:
        check_context(len(ids), body.get("max_tokens"), state.max_model_len)
    out = [_rendered(f"{base}-{i}", ids, body, model, state) for i, (_t, _p, ids) in enumerate(prompts)]
    return json_response(dumps(out).encode())


async def _render_messages(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    model = resolve_model(state, body)
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise validation_error("int_type", "body.max_tokens", "Input should be a valid integer", max_tokens)
    ids = tok.encode(chat_prompt(messages_as_chat(body), message_tools_as_chat(body.get("tools"))))
    check_context(len(ids), max_tokens, state.max_model_len)
    # The chat request /v1/messages would make of it (AnthropicServingMessages.to_chat_completion_request).
    chat = {
        "max_tokens": max_tokens,
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "top_k": body.get("top_k"),
        "stop": body.get("stop_sequences") or [],
        "stream": body.get("stream"),
    }
    out = _rendered(_request_id(request, "chatcmpl"), ids, chat, model, state)
    return json_response(dumps(out).encode())


async def _render_responses(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    model = resolve_model(state, body)
    if body.get("previous_response_id") is not None:
        message = "previous_response_id is not supported by the stateless render endpoint."
        raise RequestRejected(400, error_body(message, "invalid_request_error", 400, "previous_response_id"))
    ids = tok.encode(chat_prompt(responses_as_chat(body, []), response_tools_as_chat(body.get("tools"))))
    max_tokens = body.get("max_output_tokens")
    check_context(len(ids), max_tokens, state.max_model_len)
    chat = {
        "max_tokens": max_tokens,
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "top_k": body.get("top_k"),
        "stream": body.get("stream"),
    }
    out = _rendered(body.get("request_id") or f"resp_{hex16()}", ids, chat, model, state)
    return json_response(dumps(out).encode())


# ---------------------------------------------------------------------------- generative scoring


def _token_ids(value: Any, loc: str) -> list[int]:
    if isinstance(value, str):
        return tok.encode(value)
    if isinstance(value, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in value):
        return list(value)
    raise validation_error("list_type", loc, "Input should be a valid string or a list of token ids", value)


def _label_logprobs(ids: list[int], labels: list[int]) -> list[float]:
    """Deterministic next-token log-probabilities of ``labels`` after ``ids`` (a softmax over the vocab)."""
    rng = random.Random(request_seed("generative-scoring", ids))
    # Logits for the labels plus the log-sum of the rest of the vocabulary, so that probabilities over the
    # full vocab stay below 1 and the softmax over the labels alone differs from them.
    logits = {label: rng.gauss(0.0, 2.0) for label in labels}
    rest = math.log(tok.VOCAB_SIZE - len(set(labels))) + rng.gauss(0.0, 1.0)
    total = math.log(sum(math.exp(v) for v in logits.values()) + math.exp(rest))
    return [logits[label] - total for label in labels]


async def _generative_scoring(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    for field in ("query", "items", "label_token_ids"):
        if field not in body:
            raise validation_error("missing", f"body.{field}", "Field required", body)
    model = resolve_model(state, body)
    labels = body["label_token_ids"]
    if not isinstance(labels, list) or not all(
        isinstance(x, int) and not isinstance(x, bool) for x in labels
    ):
        raise validation_error("list_type", "body.label_token_ids", "Input should be a valid list", labels)
    for token_id in labels:
        if token_id < 0 or token_id >= tok.VOCAB_SIZE:
            raise bad_request(
                f"label_token_id {token_id} is out of vocabulary range [0, {tok.VOCAB_SIZE}). "
                "Please provide valid token IDs."
            )
    if not labels:
        raise bad_request("label_token_ids must contain at least one token ID.")
    items = body["items"]
    if not isinstance(items, list):
        raise validation_error("list_type", "body.items", "Input should be a valid list", items)
    if not items:
        raise bad_request("items must contain at least one item.")
    query = _token_ids(body["query"], "body.query")
    apply_softmax = body.get("apply_softmax", True) is not False
    data = []
    prompt_tokens = 0
    for i, item in enumerate(items):
        item_ids = _token_ids(item, f"body.items.{i}")
        ids = item_ids + query if body.get("item_first") else query + item_ids
        prompt_tokens += len(ids)
        logprobs = _label_logprobs(ids, labels)
        if apply_softmax:
            top = max(logprobs)
            weights = [math.exp(lp - top) for lp in logprobs]
            score = weights[0] / sum(weights)
        else:
            score = math.exp(logprobs[0])
        data.append({"index": i, "object": "score", "score": score})
    completion_tokens = len(items)  # one forward step per item
    out = {
        "id": _request_id(request, "generative-scoring"),
        "object": "list",
        "created": int(time.time()),
        "model": model,
        "data": data,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "completion_tokens": completion_tokens,
            "prompt_tokens_details": None,
        },
    }
    return json_response(dumps(out).encode())


# ---------------------------------------------------------------------------------- /v2/embed

_EMBEDDING_TYPES = ("float", "binary", "ubinary", "base64")


def _packed(vectors: list[list[float]], signed: bool) -> list[list[int]]:
    """Bit-pack embeddings MSB first (positive: 1), as vLLM's ``_pack_binary_embeddings``."""
    out = []
    for vec in vectors:
        if len(vec) % 8:
            raise bad_request(
                f"Embedding dimension must be a multiple of 8 for binary embedding types, but got {len(vec)}."
            )
        row = []
        for start in range(0, len(vec), 8):
            byte = 0
            for value in vec[start : start + 8]:
                byte = (byte << 1) | (1 if value >= 0 else 0)
            row.append(byte - 128 if signed else byte)
        out.append(row)
    return out


def _embed_inputs(body: dict[str, Any]) -> tuple[list[list[int]], bool]:
    """Token ids of each input (``texts``, ``images`` or ``inputs``) and whether any input is an image."""
    given = [name for name in ("texts", "images", "inputs") if body.get(name) is not None]
    if len(given) != 1 or not body[given[0]]:
        raise validation_error(
            "value_error",
            "body",
            "Value error, Exactly one of texts, images, or inputs must be provided, and it must be non-empty",
            body,
        )
    field = given[0]
    values = body[field]
    if not isinstance(values, list):
        raise validation_error("list_type", f"body.{field}", "Input should be a valid list", values)
    if field == "texts":
        return [tok.encode(str(text)) or [tok.EOS_ID] for text in values], False
    if field == "images":
        # An image's tokens: the mock derives them from the URL (a real model from the pixels).
        return [tok.encode(str(url))[:16] or [tok.EOS_ID] for url in values], True
    ids_list: list[list[int]] = []
    has_image = False
    for i, item in enumerate(values):
        parts = item.get("content") if isinstance(item, dict) else None
        if not isinstance(parts, list):
            raise validation_error("missing", f"body.inputs.{i}.content", "Field required", item)
        ids: list[int] = []
        for part in parts:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text" and isinstance(part.get("text"), str):
                ids += tok.encode(part["text"])
            elif (
                kind == "image_url"
                and isinstance(part.get("image_url"), dict)
                and part["image_url"].get("url")
            ):
                has_image = True
                ids += tok.encode(str(part["image_url"]["url"]))[:16]
            else:
                raise validation_error(
                    "value_error",
                    f"body.inputs.{i}.content",
                    "Value error, CohereEmbedContent needs type 'text' with text or 'image_url' with "
                    "image_url.url",
                    part,
                )
        ids_list.append(ids or [tok.EOS_ID])
    return ids_list, has_image


async def _cohere_embed(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    model = resolve_model(state, body, param=None, aliases=False)
    types = body.get("embedding_types") or ["float"]
    if not isinstance(types, list) or any(t not in _EMBEDDING_TYPES for t in types):
        raise validation_error(
            "literal_error",
            "body.embedding_types",
            "Input should be 'float', 'binary', 'ubinary' or 'base64'",
            types,
        )
    if body.get("output_dimension") is not None:
        # The tiny embedding model is not Matryoshka-trained: vLLM refuses any other dimension the same way
        # as `dimensions` of /v1/embeddings.
        raise bad_request(
            f"Model '{model}' does not support Matryoshka embeddings; dimensions must be unset "
            f"(received dimensions={body['output_dimension']})."
        )
    inputs, has_image = _embed_inputs(body)
    vectors = [unit_vector(ids, state.embedding_dim) for ids in inputs]
    embeddings: dict[str, Any] = {}
    for kind in types:
        if kind == "float":
            embeddings["float"] = vectors
        elif kind in ("binary", "ubinary"):
            embeddings[kind] = _packed(vectors, signed=kind == "binary")
        else:
            embeddings["base64"] = [
                base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode("ascii") for v in vectors
            ]
    total = sum(len(ids) for ids in inputs)
    image_tokens = total if has_image else 0
    out: dict[str, Any] = {
        "id": _request_id(request, "embd"),
        "embeddings": embeddings,
        "meta": {
            "api_version": {"version": "2"},
            "billed_units": {"input_tokens": total - image_tokens, "image_tokens": image_tokens},
        },
        "response_type": "embeddings_by_type",
    }
    if body.get("texts") is not None:  # model_dump(exclude_none=True): texts only when given
        out["texts"] = body["texts"]
    return json_response(dumps(out).encode())


def add_extra_routes(app: web.Application) -> None:
    """Mount batch chat, the four render routes, generative scoring and ``/v2/embed``."""
    app.router.add_post("/v1/chat/completions/batch", _batch_chat)
    app.router.add_post("/v1/chat/completions/render", _scale_out(_render_chat))
    app.router.add_post("/v1/completions/render", _scale_out(_render_completions))
    app.router.add_post("/v1/messages/render", _scale_out(_render_messages))
    app.router.add_post("/v1/responses/render", _scale_out(_render_responses))
    app.router.add_post("/generative_scoring", _generative_scoring)
    app.router.add_post("/v2/embed", _cohere_embed)
