"""Deterministic "generation" for the mock server: what each choice says, independent of the wire format.

A request is reduced to a seed (a hash of the model, the conversation or prompt, the sampling seed and the
choice index when temperature > 0), and a ``random.Random`` with that seed picks word-ish tokens from a
small vocabulary. The same request therefore always produces the same tokens. The result is a
:class:`ChoicePlan` per choice: the token list (content, reasoning, tool-call pieces), the finish reason
and stop reason, and optionally per-token logprobs. :mod:`._wire` turns plans into vLLM's bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from . import _tokenizer as tok
from ._schema_values import prefer_mentioned, value_for_schema

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = [
    "CONTENT",
    "REASONING",
    "TOOL_ARGS",
    "TOOL_START",
    "ChoicePlan",
    "GenParams",
    "Token",
    "ToolCallPlan",
    "plan_choices",
    "request_seed",
]

CONTENT = 0
REASONING = 1
TOOL_START = 2
TOOL_ARGS = 3


class Token(NamedTuple):
    """One generated token: ``kind`` is CONTENT, REASONING, TOOL_START (text = function name) or TOOL_ARGS.

    A named tuple rather than a dataclass: the mock creates one per streamed token, so it must be cheap.
    """

    kind: int
    text: str
    tool_index: int = 0


@dataclass(frozen=True)
class ToolCallPlan:
    """A tool call a choice makes."""

    id: str
    name: str
    arguments: str


@dataclass
class ChoicePlan:
    """Everything one choice says, in order, and how it ends."""

    tokens: list[Token]
    finish_reason: str
    stop_reason: str | int | None = None
    tool_calls: list[ToolCallPlan] = field(default_factory=list)
    #: Per token: (logprob, [(alternative, logprob), ...]) with the chosen token first; None if not asked.
    logprobs: list[tuple[float, list[tuple[str, float]]]] | None = None
    #: Tool-call choice mode: "auto" (content null when only tools), "forced" (content ""), or None.
    tool_mode: str | None = None

    @property
    def content(self) -> str:
        """The concatenated content tokens."""
        return "".join(t.text for t in self.tokens if t.kind == CONTENT)

    @property
    def reasoning(self) -> str:
        """The concatenated reasoning tokens."""
        return "".join(t.text for t in self.tokens if t.kind == REASONING)

    @property
    def reasoning_tokens(self) -> int:
        """How many reasoning tokens the choice generated."""
        return sum(1 for t in self.tokens if t.kind == REASONING)


@dataclass
class GenParams:
    """The request fields that shape generation (already validated)."""

    seed_material: str
    n: int = 1
    max_tokens: int = 2048
    min_tokens: int = 0
    ignore_eos: bool = False
    stop: Sequence[str] = ()
    include_stop_str_in_output: bool = False
    stop_token_ids: frozenset[int] = frozenset()
    temperature: float = 1.0
    top_logprobs: int | None = None  # None: no logprobs
    thinking: bool = False
    include_reasoning: bool = True  # False: reasoning is generated but not sent
    tools: Sequence[dict[str, Any]] = ()
    tool_choice: Any = None
    parallel_tool_calls: bool = True
    last_user_text: str | None = None
    json_schema: Any = None  # a schema dict, or True for json_object
    choice: Sequence[str] | None = None  # structured_outputs.choice
    echo_prefix: str | None = None  # chat ``echo``: the final assistant message, repeated first
    space_first: bool = False  # the text continues a prompt: start with a space


def request_seed(*parts: Any) -> int:
    """A stable 64-bit seed from JSON-serialisable parts."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(blob, digest_size=8).digest(), "big")


_WORDS = tok.CONTENT_WORDS

# A tiny grammar, so the mock's answers read like sentences (handy in demos) yet stay deterministic.
_DET = ("the", "a", "every", "this", "one")
_ADJ = (
    "small",
    "quick",
    "lazy",
    "bright",
    "quiet",
    "curious",
    "tiny",
    "happy",
    "old",
    "new",
    "clever",
    "gentle",
    "brave",
    "simple",
    "naïve",
)
_NOUN = (
    "model",
    "server",
    "fox",
    "dog",
    "cat",
    "bird",
    "river",
    "mountain",
    "city",
    "garden",
    "robot",
    "token",
    "stream",
    "story",
    "idea",
    "answer",
    "cloud",
    "engine",
    "library",
    "question",
    "café",
)
_VERB_PAST = (
    "found",
    "built",
    "followed",
    "answered",
    "watched",
    "crossed",
    "explained",
    "visited",
    "carried",
    "opened",
    "remembered",
    "described",
)
_VERB = (
    "find",
    "build",
    "follow",
    "answer",
    "watch",
    "cross",
    "explain",
    "visit",
    "carry",
    "open",
    "remember",
    "describe",
)
_PREP = ("near", "across", "under", "over", "behind", "beside", "inside", "around")
_ADV = ("today", "quickly", "again", "slowly", "carefully", "together", "at last")
_PRON = ("I", "We", "They", "You", "It")
_AUX = ("will", "can", "could", "should", "might")
_TAIL = (" 🙂", " 🚀", " — 日本", " (你好 世界)")


def _pick(rng: random.Random, options: tuple[str, ...]) -> str:
    return options[rng.randrange(len(options))]


def _lower_pronoun(word: str) -> str:
    return word if word == "I" else word.lower()


def _sentence(rng: random.Random, first: bool) -> list[str]:
    pattern = rng.randrange(3)
    if pattern == 0:
        words = [
            _pick(rng, _DET),
            _pick(rng, _ADJ),
            _pick(rng, _NOUN),
            _pick(rng, _VERB_PAST),
            _pick(rng, _DET),
            _pick(rng, _ADJ),
            _pick(rng, _NOUN),
            _pick(rng, _PREP),
            "the",
            _pick(rng, _NOUN),
        ]
    elif pattern == 1:
        words = [
            _pick(rng, _PRON),
            _pick(rng, _AUX),
            _pick(rng, _VERB),
            "the",
            _pick(rng, _NOUN),
            *_pick(rng, _ADV).split(),
        ]
    else:
        words = [
            _pick(rng, _DET),
            _pick(rng, _NOUN),
            _pick(rng, _VERB_PAST),
            _pick(rng, _DET),
            _pick(rng, _NOUN),
            ",",
            "and",
            _lower_pronoun(_pick(rng, _PRON)),
            _pick(rng, _VERB_PAST),
            "the",
            _pick(rng, _NOUN),
            *_pick(rng, _ADV).split(),
        ]
    for i in range(len(words) - 1):
        if words[i] in ("a", "A") and words[i + 1][0] in "aeiou":
            words[i] += "n"
    words[0] = words[0][0].upper() + words[0][1:]
    out = []
    for i, w in enumerate(words):
        out.append(w if w == "," or (i == 0 and first) else " " + w)
    out.append("." if rng.random() < 0.8 else _pick(rng, ("!", "?")))
    if rng.random() < 0.08:
        out.extend(tok.split_pieces(_pick(rng, _TAIL)))
    return out


#: Sentences made once at import (each as pieces, with a leading space): generation then costs one
#: random draw per sentence instead of one per word, which keeps the mock fast under benchmarks.
_SENTENCE_POOL: tuple[tuple[str, ...], ...] = tuple(
    tuple(_sentence(random.Random(k), False)) for k in range(1024)
)


def _prose(rng: random.Random, target: int, min_tokens: int, endless: bool) -> Iterator[str]:
    """Sentences until at least ``target`` (and ``min_tokens``) pieces, or forever when ``endless``."""
    produced = 0
    pool = _SENTENCE_POOL
    sentence = pool[rng.randrange(len(pool))]
    yield sentence[0][1:]  # the answer's first word has no leading space
    yield from sentence[1:]
    produced = len(sentence)
    goal = max(target, min_tokens)
    while endless or produced < goal:
        sentence = pool[rng.randrange(len(pool))]
        yield from sentence
        produced += len(sentence)


_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        (
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        )
    )
}
_COUNT_RE = re.compile(r"\bcount\b(?:\s+\w+)*?\s+to\s+(\d+|[a-z]+)", re.IGNORECASE)


def _count_request(text: str | None) -> int | None:
    """N when the user asks to "count to N" (digits or a number word up to twenty): a predictable answer."""
    if not text:
        return None
    m = _COUNT_RE.search(text)
    if m is None:
        return None
    word = m.group(1).lower()
    n = int(word) if word.isdigit() else _NUMBER_WORDS.get(word)
    return n if n is not None and 1 <= n <= 1000 else None


def _counting(limit: int, min_tokens: int, endless: bool) -> Iterator[str]:
    """ "1, 2, 3, ..., N." as pieces (and on past N under ignore_eos / min_tokens)."""
    produced = 0
    i = 1
    while True:
        pieces = tok.split_pieces(("" if i == 1 else ", ") + str(i))
        yield from pieces
        produced += len(pieces)
        if i >= limit and not endless and produced >= min_tokens:
            yield "."
            return
        i += 1


def _reasoning(rng: random.Random) -> list[str]:
    pieces = [
        "\n",
        "The",
        " user",
        " asks",
        " about",
        " the",
        " " + _pick(rng, _ADJ),
        " " + _pick(rng, _NOUN),
    ]
    pieces += [".", " I", " will", " " + _pick(rng, _VERB), " the", " " + _pick(rng, _NOUN)]
    pieces += [" " + w for w in _pick(rng, _ADV).split()]
    pieces.append(".\n")
    return pieces


def _tool_name(t: dict[str, Any]) -> str:
    fn = t.get("function") if isinstance(t, dict) else None
    return str(fn.get("name", "")) if isinstance(fn, dict) else ""


def _tool_params(t: dict[str, Any]) -> Any:
    fn = t.get("function") if isinstance(t, dict) else None
    params = fn.get("parameters") if isinstance(fn, dict) else None
    return params if isinstance(params, dict) else {"type": "object", "properties": {}}


def _chosen_tools(p: GenParams) -> tuple[list[dict[str, Any]], str | None]:
    """Which tools a choice calls, and the mode ("auto" / "forced" / "named")."""
    if not p.tools or p.tool_choice == "none":
        return [], None
    if isinstance(p.tool_choice, dict):
        fn = p.tool_choice.get("function")
        wanted = fn.get("name") if isinstance(fn, dict) else None
        return [t for t in p.tools if _tool_name(t) == wanted][:1], "named"
    mentioned: list[tuple[int, dict[str, Any]]] = []
    if p.last_user_text is not None:
        text = p.last_user_text.lower()
        for t in p.tools:
            name = _tool_name(t).lower()
            pos = text.find(name) if name else -1
            if pos >= 0:
                mentioned.append((pos, t))
    mentioned.sort(key=lambda x: x[0])
    calls = [t for _, t in mentioned]
    if not p.parallel_tool_calls:
        calls = calls[:1]
    if p.tool_choice == "required":
        return (calls or [p.tools[0]]), "forced"
    return calls, "auto"


def _raw_tokens(
    p: GenParams, rng: random.Random, choice_seed: int, choice_index: int
) -> tuple[Iterator[Token], list[ToolCallPlan], str | None]:
    """The untruncated token stream of one choice, its tool calls and tool mode."""
    tools, mode = _chosen_tools(p)
    reasoning = [Token(REASONING, s) for s in _reasoning(rng)] if p.thinking else []
    calls: list[ToolCallPlan] = []
    if tools:
        for i, t in enumerate(tools):
            params = _tool_params(t)
            args = value_for_schema(params, random.Random(choice_seed + 7919 * (i + 1)))
            args = prefer_mentioned(args, params, p.last_user_text)
            # Ids are unique per choice and call, and stable for the same request.
            id_rng = random.Random(request_seed(choice_seed, choice_index, i, "tool-id"))
            call_id = f"chatcmpl-tool-{id_rng.getrandbits(64):016x}"
            calls.append(ToolCallPlan(call_id, _tool_name(t), json.dumps(args, ensure_ascii=False)))

        def tool_stream() -> Iterator[Token]:
            yield from reasoning
            if reasoning:
                # vLLM's parser passes the blank line after </think> on as content.
                yield Token(CONTENT, "\n\n")
            for i, c in enumerate(calls):
                yield Token(TOOL_START, c.name, i)
                for piece in tok.split_pieces(c.arguments):
                    yield Token(TOOL_ARGS, piece, i)

        return tool_stream(), calls, ("named" if mode == "named" else mode)

    if p.choice:
        body_pieces: Iterator[str] = iter(tok.split_pieces(p.choice[rng.randrange(len(p.choice))]))
    elif p.json_schema is not None:
        schema = (
            p.json_schema
            if isinstance(p.json_schema, dict)
            else {
                "type": "object",
                "properties": {"answer": {"type": "string"}, "confidence": {"type": "number"}},
                "required": ["answer", "confidence"],
            }
        )
        text = json.dumps(value_for_schema(schema, rng), ensure_ascii=False)
        body_pieces = iter(tok.split_pieces(text))
    elif (limit := _count_request(p.last_user_text)) is not None:
        body_pieces = _counting(limit, p.min_tokens, p.ignore_eos)
    else:
        body_pieces = _prose(rng, rng.randint(12, 40), p.min_tokens, p.ignore_eos)

    def content_stream() -> Iterator[Token]:
        yield from reasoning
        if p.echo_prefix:
            yield Token(CONTENT, p.echo_prefix)
        first = True
        for piece in body_pieces:
            if first and (p.echo_prefix or p.space_first) and not piece[:1].isspace():
                piece = " " + piece
            if first and p.thinking:
                yield Token(CONTENT, "\n\n")
            first = False
            yield Token(CONTENT, piece)

    return content_stream(), calls, None


def _find_stop(text: str, stops: Sequence[str], start: int) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for s in stops:
        pos = text.find(s, start)
        if pos >= 0 and (best is None or pos < best[0]):
            best = (pos, s)
    return best


def _truncate(stream: Iterator[Token], p: GenParams) -> tuple[list[Token], str | None, str | int | None]:
    """Apply max_tokens and stop strings: (tokens, "length"/"stop"/None for natural end, stop string)."""
    if not p.stop and not p.stop_token_ids:
        # Fast path: only the length limit applies.
        head = list(itertools.islice(stream, p.max_tokens + 1))
        if len(head) > p.max_tokens:
            return head[: p.max_tokens], "length", None
        return head, None, None
    out: list[Token] = []
    stops = [s for s in p.stop if s]
    longest = max((len(s) for s in stops), default=0)
    content = ""
    content_starts: list[int] = []  # index into out of each content token, for trimming
    for t in stream:
        if len(out) >= p.max_tokens:
            return out, "length", None
        if p.stop_token_ids and t.kind == CONTENT:
            ids = tok.encode(t.text)
            if len(ids) == 1 and ids[0] in p.stop_token_ids:
                return out, "stop", ids[0]
        if t.kind == CONTENT and stops:
            before = len(content)
            content += t.text
            hit = _find_stop(content, stops, max(0, before - longest + 1))
            if hit is not None:
                pos, s = hit
                end = pos + len(s) if p.include_stop_str_in_output else pos
                if end >= before:
                    if end > before:
                        out.append(Token(CONTENT, content[before:end]))
                else:
                    # The stop string began inside earlier tokens: trim them back to ``end``.
                    acc = before
                    while content_starts and acc > end:
                        idx = content_starts.pop()
                        acc -= len(out[idx].text)
                        if acc >= end:
                            del out[idx]
                        else:
                            out[idx] = Token(CONTENT, out[idx].text[: end - acc])
                            acc = end
                return out, "stop", s
            content_starts.append(len(out))
        out.append(t)
    return out, None, None


def _logprobs(tokens: list[Token], k: int, seed: int) -> list[tuple[float, list[tuple[str, float]]]]:
    rng = random.Random(seed ^ 0x5EED)
    out: list[tuple[float, list[tuple[str, float]]]] = []
    for t in tokens:
        lp = -(rng.random() ** 4) * 2.0
        tops = [(t.text, lp)]
        worst = lp
        while len(tops) < k:
            worst -= 0.5 + rng.random() * 4.0
            alt = " " + _WORDS[rng.randrange(len(_WORDS))]
            if all(alt != a for a, _ in tops):
                tops.append((alt, worst))
        out.append((lp, tops))
    return out


def plan_choices(p: GenParams) -> list[ChoicePlan]:
    """Generate every choice of a request."""
    base = request_seed(p.seed_material)
    plans: list[ChoicePlan] = []
    for i in range(p.n):
        # Greedy decoding (temperature 0) gives identical choices, as a real server does.
        choice_seed = base if p.temperature == 0 else request_seed(base, i)
        rng = random.Random(choice_seed)
        stream, calls, mode = _raw_tokens(p, rng, choice_seed, i)
        tokens, cut, stop_str = _truncate(stream, p)
        if not p.include_reasoning:
            tokens = [t for t in tokens if t.kind != REASONING]
        if cut == "length":
            finish = "length"
        elif calls:
            finish = "stop" if mode == "named" else "tool_calls"
        else:
            finish = "stop"
        plan = ChoicePlan(
            tokens,
            finish,
            stop_str,
            calls,
            tool_mode=("auto" if mode == "auto" else "forced") if calls else None,
        )
        if p.top_logprobs is not None:
            plan.logprobs = _logprobs(tokens, max(p.top_logprobs, 0), choice_seed)
        plans.append(plan)
    return plans
