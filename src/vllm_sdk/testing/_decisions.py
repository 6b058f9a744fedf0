"""The mock server's structured decisions route, ``POST /v1/systemone``.

Shapes from vLLM 0.32.0's ``vllm/entrypoints/generate/structured_decisions``: the request is
``StructuredDecisionRequest`` (``state`` and ``questions`` required; ``images`` / ``audio`` / ``videos`` only
for models that take them), each question is ``{"type", "instructions", "criteria"}`` with no other field,
and one read per question answers it from the probabilities of the option labels (``question_types.py``):

* ``choice``: ``criteria`` maps option names to a description or null; options are labelled ``A``..``Z``;
  the answer is ``{"type", "choice", "probabilities": {name: p}, "confidence"}``;
* ``noul``: yes or no, ``criteria`` null or ``{"true": ..., "false": ...}``; the answer is
  ``{"type", "noul": p_yes, "probabilities": {"yes", "no"}, "confidence"}``;
* ``score``: ``criteria`` an ordered list of at least two levels labelled ``0``..``9``; the answer is
  ``{"type", "score": expected level, "legend", "probabilities", "confidence"}``.

Invalid questions are 400s with vLLM's messages (``serving.py`` checks the questions, then the media, then
the read refuses ``enable_thinking``). The mock reads like a text-only model (no media) with vLLM's limits
for such models (64 questions, 26 options); its probabilities are deterministic functions of the prompt's
token ids, like the rest of its scoring routes.
"""

from __future__ import annotations

import json
import math
import random
import string
import time
import uuid
from typing import TYPE_CHECKING, Any

from . import _tokenizer as tok
from ._generation import request_seed
from ._http import json_response, resolve_model, state_of
from ._validation import bad_request, parse_json_body, validation_error
from ._wire import dumps

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["add_decision_routes"]

_MAX_QUESTIONS = 64
_CHOICE_LABELS = tuple(string.ascii_uppercase)
_SCORE_LABELS = tuple(string.digits)
_QUESTION_FIELDS = frozenset({"type", "instructions", "criteria"})
_TYPES = ("choice", "noul", "score")


def _options(qid: str, kind: str, criteria: Any) -> tuple[list[str], tuple[str, ...]]:
    """The option names of one question and their labels, or vLLM's 400 for bad criteria."""
    if kind == "choice":
        if not isinstance(criteria, dict) or not criteria:
            raise bad_request(
                f"question {qid!r}: choice criteria must map option names to a description or null"
            )
        names, labels = [str(name) for name in criteria], _CHOICE_LABELS
    elif kind == "noul":
        if criteria is not None and (
            not isinstance(criteria, dict) or not criteria.keys() <= {"true", "false"}
        ):
            raise bad_request(f"question {qid!r}: noul criteria must be an object with true and false")
        names, labels = ["yes", "no"], ("yes", "no")
    else:
        if not isinstance(criteria, list) or len(criteria) < 2:
            raise bad_request(f"question {qid!r}: score criteria must be an ordered list of levels")
        names, labels = [str(level) for level in criteria], _SCORE_LABELS
    if len(set(names)) != len(names):
        raise bad_request(f"question {qid!r}: duplicate option names")
    if len(names) > len(labels):
        raise bad_request(f"question {qid!r}: at most {len(labels)} options for this model")
    return names, labels[: len(names)]


def _shown(value: Any) -> str:
    """How vLLM's validation message shows an input: containers by size, scalars as text."""
    if isinstance(value, (list, dict)):
        return f"<{type(value).__name__} of {len(value)} items>"
    return str(value)


def _check_shapes(raw: Any) -> dict[str, dict[str, Any]]:
    """FastAPI's validation of ``questions`` (before the model check): an object of ``QuestionSpec``."""
    if not isinstance(raw, dict):
        raise validation_error(
            "dict_type", "body.questions", "Input should be a valid dictionary", _shown(raw)
        )
    for qid, spec in raw.items():
        if not isinstance(spec, dict):
            raise validation_error(
                "model_type",
                f"body.questions.{qid}",
                "Input should be a valid dictionary or instance of QuestionSpec",
                _shown(spec),
            )
        if "type" not in spec:
            raise validation_error("missing", f"body.questions.{qid}.type", "Field required", _shown(spec))
        if not isinstance(spec["type"], str):
            raise validation_error(
                "string_type",
                f"body.questions.{qid}.type",
                "Input should be a valid string",
                _shown(spec["type"]),
            )
    return raw


def _questions(raw: dict[str, dict[str, Any]]) -> list[tuple[str, str, Any, list[str]]]:
    """``(id, type, instructions, option names)`` per question, in request order (``serving.py``'s checks)."""
    if not raw:
        raise bad_request("questions: needs at least one question")
    if len(raw) > _MAX_QUESTIONS:
        raise bad_request(f"questions: at most {_MAX_QUESTIONS} for this model")
    out = []
    for qid, spec in raw.items():
        if extra := sorted(spec.keys() - _QUESTION_FIELDS):
            raise bad_request(f"question {qid!r}: unknown field(s) {extra}")
        if not qid:
            raise bad_request("question ids must be non-empty")
        kind = spec["type"]
        if kind not in _TYPES:
            raise bad_request(f"unknown question type {kind!r}; supported: {sorted(_TYPES)}")
        names, _labels = _options(qid, kind, spec.get("criteria"))
        out.append((qid, kind, spec.get("instructions", ""), names))
    return out


def _read(prompt_ids: list[int], count: int) -> tuple[list[float], float]:
    """Deterministic label probabilities (summing to 1) and the labels' mass over the vocabulary."""
    rng = random.Random(request_seed("structured-decision", prompt_ids))
    logits = [rng.gauss(0.0, 2.0) for _ in range(count)]
    top = max(logits)
    weights = [math.exp(v - top) for v in logits]
    total = sum(weights)
    return [w / total for w in weights], 0.5 + 0.5 * rng.random()


def _answer(kind: str, names: list[str], probs: list[float], mass: float) -> dict[str, Any]:
    top = max(range(len(probs)), key=probs.__getitem__)
    if kind == "choice":
        return {
            "type": kind,
            "choice": names[top],
            "probabilities": dict(zip(names, probs, strict=True)),
            "confidence": probs[top] * mass,
        }
    if kind == "noul":
        return {
            "type": kind,
            "noul": probs[0],
            "probabilities": {"yes": probs[0], "no": probs[1]},
            "confidence": max(probs) * mass,
        }
    return {
        "type": kind,
        "score": sum(i * p for i, p in enumerate(probs)),
        "legend": {str(i): name for i, name in enumerate(names)},
        "probabilities": {str(i): p for i, p in enumerate(probs)},
        "confidence": probs[top] * mass,
    }


async def _structured_decision(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    body = parse_json_body(await request.read(), request.content_type if request.body_exists else "")
    for field in ("state", "questions"):
        if field not in body:
            raise validation_error("missing", f"body.{field}", "Field required", body)
    shaped = _check_shapes(body["questions"])
    model = resolve_model(state, body)
    questions = _questions(shaped)
    media = [
        name for key, name in (("images", "image"), ("audio", "audio"), ("videos", "video")) if body.get(key)
    ]
    if media:
        raise bad_request(f"this model does not take {', '.join(sorted(media))} inputs")
    if (body.get("chat_template_kwargs") or {}).get("enable_thinking"):
        raise bad_request("a read is the reply's first token, so thinking must be off")
    subject = (
        body["state"] if isinstance(body["state"], str) else json.dumps(body["state"], ensure_ascii=False)
    )
    context = body.get("instructions") or ""
    answers: dict[str, Any] = {}
    diagnostics: dict[str, Any] = {}
    input_tokens = 0
    for qid, kind, instructions, names in questions:
        prompt_ids = tok.encode(f"{context}\n{subject}\nQuestion: {instructions}\n" + "\n".join(names))
        input_tokens += len(prompt_ids)
        probs, mass = _read(prompt_ids, len(names))
        answers[qid] = _answer(kind, names, probs, mass)
        diagnostics[qid] = {"label_mass": mass, "argmax_is_label": mass > 0.5}
    base = request.headers.get("X-Request-Id") or uuid.uuid4().hex
    out = {
        "id": f"decision-{base}",
        "object": "structured_decision",
        "created": int(time.time()),
        "model": model,
        "answers": answers,
        "usage": {"input_tokens": input_tokens, "output_tokens": len(questions)},  # one read token each
        "diagnostics": diagnostics,
    }
    return json_response(dumps(out).encode())


def add_decision_routes(app: web.Application) -> None:
    """Mount ``POST /v1/systemone``."""
    app.router.add_post("/v1/systemone", _structured_decision)
