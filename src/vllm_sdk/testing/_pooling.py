"""Pooling-style routes of the mock server: embeddings, pooling, score, rerank, classify, (de)tokenize.

A real vLLM serves these only with a pooling model (``--runner pooling``); the mock serves them next to
generation so one server covers every client method. Vectors are deterministic unit vectors derived
from the input's token ids, so equal inputs embed equally; scores are cosine similarities of those
vectors.
"""

from __future__ import annotations

import base64
import math
import random
import struct
import time
from typing import TYPE_CHECKING, Any

from . import _tokenizer as tok
from ._generation import request_seed
from ._http import chat_prompt, hex16, json_response, resolve_model, state_of
from ._validation import bad_request, coerce_fields, parse_json_body, validation_error
from ._wire import dumps

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["add_pooling_routes", "unit_vector"]

_LABELS = ("negative", "positive")


def unit_vector(ids: list[int], dim: int) -> list[float]:
    """The deterministic embedding of a token sequence (unit length, float32 values)."""
    rng = random.Random(request_seed("embedding", ids))
    vec = [rng.gauss(0.0, 1.0) for _ in range(dim)]
    norm = math.sqrt(sum(x * x for x in vec)) or 1.0
    # Round-trip through float32 so the float and base64 encodings carry the same numbers.
    return list(struct.unpack(f"<{dim}f", struct.pack(f"<{dim}f", *(x / norm for x in vec))))


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


async def _body(request: web.Request) -> dict[str, Any]:
    return parse_json_body(await request.read(), request.content_type if request.body_exists else "")


def _ids_of(item: Any) -> list[int]:
    if isinstance(item, str):
        ids = tok.encode(item)
    elif isinstance(item, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in item):
        ids = list(item)
    else:
        raise bad_request("input must be a string, a list of strings, or token ids")
    if not ids:
        raise bad_request("The decoder prompt cannot be empty")
    return ids


def _inputs(inp: Any) -> list[list[int]]:
    """Token ids of each input: a string, token ids, or a list of either."""
    if isinstance(inp, str) or (isinstance(inp, list) and inp and all(isinstance(x, int) for x in inp)):
        return [_ids_of(inp)]
    if isinstance(inp, list) and inp:
        return [_ids_of(x) for x in inp]
    raise bad_request("The decoder prompt cannot be empty")


def _usage(prompt_tokens: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "total_tokens": prompt_tokens,
        "completion_tokens": 0,
        "prompt_tokens_details": None,
        "completion_tokens_details": None,
    }


def _envelope(prefix: str, model: str, data: list[dict[str, Any]], prompt_tokens: int) -> web.Response:
    out = {
        "id": f"{prefix}-{hex16()}",
        "object": "list",
        "created": int(time.time()),
        "model": model,
        "data": data,
        "usage": _usage(prompt_tokens),
    }
    return json_response(dumps(out).encode())


async def _embeddings(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    coerce_fields(body, required=("input",), logprobs_is_int=True)
    model = resolve_model(state, body, param=None, aliases=False)
    fmt = body.get("encoding_format") or "float"
    if fmt not in ("float", "base64"):
        raise validation_error(
            "literal_error",
            "body.encoding_format",
            "Input should be 'float' or 'base64'",
            fmt,
            {"expected": "'float' or 'base64'"},
        )
    if body.get("dimensions") is not None:
        raise bad_request(
            f"Model '{model}' does not support Matryoshka embeddings; dimensions must be unset "
            f"(received dimensions={body['dimensions']})."
        )
    inputs = _inputs(body["input"])
    data = []
    for i, ids in enumerate(inputs):
        vec = unit_vector(ids, state.embedding_dim)
        emb: Any = vec
        if fmt == "base64":
            emb = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()
        data.append({"index": i, "object": "embedding", "embedding": emb})
    return _envelope("embd", model, data, sum(len(ids) for ids in inputs))


async def _pooling(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    model = resolve_model(state, body, param=None, aliases=False)
    if isinstance(body.get("messages"), list):
        inputs = [tok.encode(chat_prompt(body["messages"], None))]
    elif "input" in body:
        inputs = _inputs(body["input"])
    else:
        raise validation_error("missing", "body.input", "Field required", f"<dict of {len(body)} items>")
    data = [
        {"index": i, "object": "pooling", "data": unit_vector(ids, state.embedding_dim)}
        for i, ids in enumerate(inputs)
    ]
    return _envelope("pooling", model, data, sum(len(ids) for ids in inputs))


def _texts(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(x, str) for x in value):
        return list(value)
    if isinstance(value, dict) and isinstance(value.get("content"), list):
        return [str(part.get("text", "")) for part in value["content"] if isinstance(part, dict)]
    raise validation_error("string_type", f"body.{field}", "Input should be a valid string", value)


def _pairs(body: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(queries, documents) of a score request, in any of its shapes (text_1/text_2, queries/documents...)."""
    for q_key, d_key in (
        ("text_1", "text_2"),
        ("queries", "documents"),
        ("queries", "items"),
        ("data_1", "data_2"),
    ):
        if q_key in body or d_key in body:
            return _texts(body.get(q_key), q_key), _texts(body.get(d_key), d_key)
    raise validation_error("missing", "body.text_1", "Field required", f"<dict of {len(body)} items>")


async def _score(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    model = resolve_model(state, body, param=None, aliases=False)
    queries, docs = _pairs(body)
    if len(queries) != 1 and len(queries) != len(docs):
        raise bad_request("text_1 and text_2 must have the same length, or text_1 must have length 1.")
    dim = state.embedding_dim
    data = []
    tokens = 0
    for i, doc in enumerate(docs):
        query = queries[0] if len(queries) == 1 else queries[i]
        q_ids, d_ids = _ids_of(query), _ids_of(doc)
        tokens += len(q_ids) + len(d_ids)
        score = _cosine(unit_vector(q_ids, dim), unit_vector(d_ids, dim))
        data.append({"index": i, "object": "score", "score": score})
    return _envelope("score", model, data, tokens)


async def _rerank(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    model = resolve_model(state, body, param=None, aliases=False)
    if "query" not in body or "documents" not in body:
        missing = "query" if "query" not in body else "documents"
        raise validation_error("missing", f"body.{missing}", "Field required", f"<dict of {len(body)} items>")
    query = _texts(body["query"], "query")[0]
    docs = _texts(body["documents"], "documents")
    dim = state.embedding_dim
    q_ids = _ids_of(query)
    q_vec = unit_vector(q_ids, dim)
    tokens = 0
    scored: list[tuple[float, int, str]] = []
    for i, doc in enumerate(docs):
        d_ids = _ids_of(doc)
        tokens += len(q_ids) + len(d_ids)
        scored.append((_cosine(q_vec, unit_vector(d_ids, dim)), i, doc))
    scored.sort(key=lambda r: -r[0])
    results = [{"index": i, "document": {"text": doc}, "relevance_score": score} for score, i, doc in scored]
    top_n = body.get("top_n")
    if isinstance(top_n, int) and top_n > 0:
        results = results[:top_n]
    out = {
        "id": f"rerank-{hex16()}",
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        "results": results,
    }
    return json_response(dumps(out).encode())


async def _classify(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    model = resolve_model(state, body, param=None, aliases=False)
    if "input" not in body:
        raise validation_error("missing", "body.input", "Field required", f"<dict of {len(body)} items>")
    inputs = _inputs(body["input"])
    data = []
    for i, ids in enumerate(inputs):
        p = 1.0 / (1.0 + math.exp(-4.0 * unit_vector(ids, state.embedding_dim)[0]))
        probs = [1.0 - p, p]
        data.append({"index": i, "label": _LABELS[probs.index(max(probs))], "probs": probs, "num_classes": 2})
    return _envelope("classify", model, data, sum(len(ids) for ids in inputs))


async def _tokenize(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    resolve_model(state, body)
    if isinstance(body.get("messages"), list):
        text = chat_prompt(body["messages"], body.get("tools"))
        if body.get("add_generation_prompt") is False:
            text = text[: -len("<|im_start|>assistant\n")]
    elif isinstance(body.get("prompt"), str):
        text = body["prompt"]
    else:
        raise validation_error("missing", "body.prompt", "Field required", f"<dict of {len(body)} items>")
    ids = tok.encode(text)
    strs = [tok.token_str(i) for i in ids] if body.get("return_token_strs") else None
    out = {"count": len(ids), "max_model_len": state.max_model_len, "tokens": ids, "token_strs": strs}
    return json_response(dumps(out).encode())


async def _detokenize(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = await _body(request)
    resolve_model(state, body)
    tokens = body.get("tokens")
    if not isinstance(tokens, list) or not all(
        isinstance(t, int) and not isinstance(t, bool) for t in tokens
    ):
        raise validation_error("list_type", "body.tokens", "Input should be a valid list", tokens)
    try:
        text = tok.decode(tokens)
    except IndexError as exc:
        raise bad_request(
            f"Token id {exc.args[0]} is out of vocabulary (parameter=tokens)", "tokens"
        ) from None
    return json_response(dumps({"prompt": text}).encode())


def add_pooling_routes(app: web.Application) -> None:
    """Register the pooling-style and tokenizer routes on ``app``."""
    app.router.add_post("/v1/embeddings", _embeddings)
    app.router.add_post("/pooling", _pooling)
    for path in ("/score", "/v1/score"):
        app.router.add_post(path, _score)
    for path in ("/rerank", "/v1/rerank", "/v2/rerank"):
        app.router.add_post(path, _rerank)
    app.router.add_post("/classify", _classify)
    app.router.add_post("/tokenize", _tokenize)
    app.router.add_post("/detokenize", _detokenize)
