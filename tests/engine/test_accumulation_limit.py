"""The bound on what a stream parser accumulates for ``snapshot()`` (``max_accumulated``) and the joining
of many small pieces (memory follows the text, not the token count), on both builds.

Issue 13: a server streaming content forever (never ``[DONE]``) grew the client's memory without limit.
"""

from __future__ import annotations

import gc
import json
import random
import tracemalloc
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vllm_sdk import Content, Done, Reasoning, StreamError, Text
from vllm_sdk._body_read import DEFAULT_MAX_RESPONSE_SIZE
from vllm_sdk._speedups._anthropic import AnthropicStreamParser
from vllm_sdk._speedups._common import (
    COMPACT_PIECES,
    DEFAULT_MAX_ACCUMULATED,
    accumulation_limit,
    compact,
)
from vllm_sdk._speedups._responses import ResponsesStreamParser

from .chunks import chunk, delta, sse, stream, tool
from .conftest import run_parser

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import ModuleType

ROLE = chunk([delta(role="assistant", content="")])


def content_stream(texts: list[str], *, done: bool = True) -> bytes:
    payloads = [ROLE, *(chunk([delta(content=t)]) for t in texts)]
    return stream(*payloads) if done else sse(*payloads)


def text_of(events: list[Any], kind: type = Content) -> str:
    return "".join(e.text for e in events if type(e) is kind)


# ---------------------------------------------------------------------------------------------- the bound


def test_default_is_the_clients_max_response_size() -> None:
    assert DEFAULT_MAX_ACCUMULATED == DEFAULT_MAX_RESPONSE_SIZE


@pytest.mark.parametrize("parser", ["ChatStreamParser", "CompletionStreamParser"])
@pytest.mark.parametrize(
    ("value", "error"),
    [(0, ValueError), (-1, ValueError), (True, TypeError), (1.5, TypeError), ("10", TypeError)],
)
def test_bad_values_are_refused(engine: ModuleType, parser: str, value: object, error: type) -> None:
    with pytest.raises(error, match="max_accumulated must be"):
        getattr(engine, parser)(max_accumulated=value)


def test_accumulation_limit_maps_none_to_no_bound() -> None:
    assert accumulation_limit(None) > 2**62
    assert accumulation_limit(5) == 5


def test_a_bound_past_a_c_integer_is_no_bound(engine: ModuleType) -> None:
    parser = engine.ChatStreamParser(max_accumulated=2**80)
    assert run_parser(parser, [content_stream(["abc"])])[1] is None


@pytest.mark.parametrize("slack", [0, 1, 100])
def test_a_stream_within_the_bound_collects(engine: ModuleType, slack: int) -> None:
    texts = ["abcd"] * 50 + ["é€😀"]
    size = sum(map(len, texts))  # characters, not bytes
    parser = engine.ChatStreamParser(max_accumulated=size + slack)
    events, error = run_parser(parser, [content_stream(texts)])
    assert error is None
    assert type(events[-1]) is Done
    assert parser.snapshot()["choices"][0]["message"]["content"] == "".join(texts)


def test_one_character_past_the_bound_fails_after_the_events_before_it(engine: ModuleType) -> None:
    texts = ["abcd"] * 50
    parser = engine.ChatStreamParser(max_accumulated=199)
    events = parser.feed(content_stream(texts))
    # The first 49 deltas (196 characters) come back; the 50th would make 200.
    assert text_of(events) == "abcd" * 49
    with pytest.raises(StreamError, match=r"exceeds 199 characters \(max_accumulated\)") as info:
        parser.feed(b"")
    assert info.value.partial_content == "abcd" * 49
    assert info.value.partial["choices"][0]["message"]["content"] == "abcd" * 49
    assert parser.feed(content_stream(["more"])) == []  # nothing more is read
    assert parser.close() == []


def test_the_failing_delta_alone_raises_at_once(engine: ModuleType) -> None:
    parser = engine.ChatStreamParser(max_accumulated=10)
    assert text_of(parser.feed(content_stream(["0123456789"], done=False))) == "0123456789"
    with pytest.raises(StreamError, match="max_accumulated"):
        parser.feed(sse(chunk([delta(content="x")])))


def test_every_kind_of_text_and_every_choice_count_together(engine: ModuleType) -> None:
    payloads = [
        chunk([delta(0, reasoning="r" * 10)]),
        chunk([delta(1, content="c" * 10)]),
        chunk([delta(0, tool_calls=[tool(0, id="call_1", name="n" * 5, arguments="a" * 5)])]),
    ]
    body = sse(*payloads)
    events, error = run_parser(engine.ChatStreamParser(max_accumulated=30), [body], close=False)
    assert error is None
    assert len(events) == 3
    parser = engine.ChatStreamParser(max_accumulated=29)
    events, error = run_parser(parser, [body])
    assert len(events) == 2
    assert error is not None
    assert "max_accumulated" in str(error)


def test_think_tags_in_content_count_as_received(engine: ModuleType) -> None:
    # The bound counts the text the deltas carried (an upper bound on what is kept).
    texts = ["<think>", "why", "</think>", "ok"]
    size = sum(map(len, texts))
    assert run_parser(engine.ChatStreamParser(max_accumulated=size), [content_stream(texts)])[1] is None
    _, error = run_parser(engine.ChatStreamParser(max_accumulated=size - 1), [content_stream(texts)])
    assert error is not None
    assert "max_accumulated" in str(error)


def test_completion_text_is_bounded(engine: ModuleType) -> None:
    payloads = [
        {"id": "cmpl-1", "object": "text_completion", "created": 1, "model": "tiny", "choices": [c]}
        for c in ({"index": 0, "text": "abc"}, {"index": 1, "text": "de"}, {"index": 0, "text": "f"})
    ]
    parser = engine.CompletionStreamParser(max_accumulated=5)
    events, error = run_parser(parser, [stream(*payloads)])
    assert [e.text for e in events if type(e) is Text] == ["abc", "de"]
    assert error is not None
    assert "exceeds 5 characters" in str(error)
    events, error = run_parser(engine.CompletionStreamParser(max_accumulated=6), [stream(*payloads)])
    assert error is None


def test_none_means_no_bound(engine: ModuleType) -> None:
    texts = ["x" * 1000] * 100
    parser = engine.ChatStreamParser(max_accumulated=None)
    _, error = run_parser(parser, [content_stream(texts)])
    assert error is None
    assert len(parser.snapshot()["choices"][0]["message"]["content"]) == 100_000


def test_the_default_bound_is_on(engine: ModuleType) -> None:
    # A parser built without the keyword stops at 64 Mi characters (events stay under max_event_size).
    piece = "x" * (8 * 1024 * 1024)
    event = sse(chunk([delta(content=piece)]))
    parser = engine.ChatStreamParser()
    for _ in range(8):
        assert len(parser.feed(event)) == 1
    with pytest.raises(StreamError, match=f"exceeds {DEFAULT_MAX_ACCUMULATED} characters"):
        parser.feed(sse(chunk([delta(content="x")])))
    del parser, event
    gc.collect()


# ------------------------------------------------------------------------------------- typed-event parsers


def typed_sse(*events: dict[str, Any]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def test_responses_text_is_bounded(engine: ModuleType) -> None:
    deltas = [
        {"type": "response.output_text.delta", "delta": "abcd", "output_index": 0},
        {"type": "response.reasoning_text.delta", "delta": "ef", "output_index": 0},
        {"type": "response.function_call_arguments.delta", "delta": "gh", "output_index": 1},
    ]
    parser = ResponsesStreamParser(decoder_cls=engine.SSEDecoder, max_accumulated=7)
    events = parser.feed(typed_sse(*deltas))
    assert [type(e) for e in events] == [Content, Reasoning]
    with pytest.raises(StreamError, match=r"exceeds 7 characters \(max_accumulated\)"):
        parser.feed(b"")
    parser = ResponsesStreamParser(decoder_cls=engine.SSEDecoder, max_accumulated=8)
    assert len(parser.feed(typed_sse(*deltas))) == 3


def test_messages_text_is_bounded(engine: ModuleType) -> None:
    def text(value: str) -> dict[str, Any]:
        return {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": value}}

    parser = AnthropicStreamParser(decoder_cls=engine.SSEDecoder, max_accumulated=6)
    events = parser.feed(typed_sse(text("Hel"), text("lo!"), text("?")))
    assert text_of(events) == "Hello!"
    with pytest.raises(StreamError, match="max_accumulated"):
        parser.feed(b"")
    parser = AnthropicStreamParser(decoder_cls=engine.SSEDecoder, max_accumulated=None)
    assert text_of(parser.feed(typed_sse(text("Hel"), text("lo!"), text("?")))) == "Hello!?"


def test_selected_typed_parsers_take_the_keyword() -> None:
    from vllm_sdk import _speedups

    for cls in (_speedups.ResponsesStreamParser, _speedups.AnthropicStreamParser):
        with pytest.raises(ValueError, match="max_accumulated must be"):
            cls(max_accumulated=0)


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(0, 9), max_size=40), limit=st.integers(1, 200))
def test_the_bound_fires_exactly_where_the_total_passes_it(
    engine: ModuleType, sizes: list[int], limit: int
) -> None:
    texts = ["y" * n for n in sizes]
    events, error = run_parser(engine.ChatStreamParser(max_accumulated=limit), [content_stream(texts)])
    totals = [sum(sizes[: i + 1]) for i in range(len(sizes))]
    kept = [t for t, total in zip(texts, totals, strict=True) if total <= limit and t]
    if totals and totals[-1] > limit:
        assert error is not None
        assert "max_accumulated" in str(error)
        passed = next(i for i, total in enumerate(totals) if total > limit)
        kept = [t for t in texts[:passed] if t]
    else:
        assert error is None
    assert [e.text for e in events if type(e) is Content] == kept


# ---------------------------------------------------------------------------------------------- compaction


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(0, 5), max_size=60), rounds=st.integers(1, 4))
def test_compact_keeps_the_join(sizes: list[int], rounds: int) -> None:
    pieces: list[str] = []
    expected: list[str] = []
    limit = COMPACT_PIECES
    counter = 0
    for _ in range(rounds):
        for n in [*sizes, *[1] * COMPACT_PIECES]:
            text = str(counter % 10) * n
            counter += 1
            pieces.append(text)
            expected.append(text)
            if len(pieces) > limit:
                limit = compact(pieces, limit)
                assert len(pieces) == limit - COMPACT_PIECES
        assert "".join(pieces) == "".join(expected)
    assert len(pieces) <= rounds + COMPACT_PIECES + len(sizes)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32), count=st.integers(1, 3 * COMPACT_PIECES + 50))
def test_compaction_keeps_the_snapshot(engine: ModuleType, seed: int, count: int) -> None:
    rng = random.Random(seed)
    alphabet = "ab é€😀<>"
    pieces = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(count)]
    reasoning = [f"r{i % 7}" for i in range(count)]
    chat = [ROLE]
    for i in range(count):
        chat.append(chunk([delta(0, reasoning=reasoning[i]), delta(1, content=pieces[i])]))
        chat.append(chunk([delta(2, tool_calls=[tool(0, id="c" if i == 0 else None, arguments=pieces[i])])]))
    parser = engine.ChatStreamParser(max_accumulated=None)
    _, error = run_parser(parser, [stream(*chat)])
    assert error is None
    choices = parser.snapshot()["choices"]
    assert choices[0]["message"]["reasoning"] == "".join(reasoning)
    assert choices[1]["message"]["content"] == "".join(pieces)
    assert choices[2]["message"]["tool_calls"][0]["function"]["arguments"] == "".join(pieces)

    # Think-split content (a <think> block opening the content) goes through the same joining.
    think = ["<think>", *reasoning, "</think>", *pieces]
    parser = engine.ChatStreamParser(max_accumulated=None)
    assert run_parser(parser, [content_stream(think)])[1] is None
    message = parser.snapshot()["choices"][0]["message"]
    assert (message["reasoning"], message["content"]) == ("".join(reasoning), "".join(pieces))

    completion = [
        {
            "id": "c",
            "object": "text_completion",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "text": p}],
        }
        for p in pieces
    ]
    parser = engine.CompletionStreamParser(max_accumulated=None)
    assert run_parser(parser, [stream(*completion)])[1] is None
    assert parser.snapshot()["choices"][0]["text"] == "".join(pieces)


# ------------------------------------------------------------------------------------------------- memory

TOKENS_PER_FEED = 1000
FEEDS = 200  # 200k token events in all


def endless(engine: ModuleType, parser: Any) -> Iterator[int]:
    """Feed the same 1,000 four-character token events again and again; yield the events per feed."""
    body = sse(*(chunk([delta(content=f"t{i % 10:02d} ")]) for i in range(TOKENS_PER_FEED)))
    parser.feed(sse(ROLE))
    for _ in range(FEEDS):
        yield len(parser.feed(body))


def peak_while(run: Any) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_endless_stream_stops_at_the_bound_in_bounded_memory(engine: ModuleType) -> None:
    parser = engine.ChatStreamParser(max_accumulated=100_000)
    fed: list[int] = []

    def run() -> None:
        feeds = endless(engine, parser)
        with pytest.raises(StreamError, match="max_accumulated"):
            fed.extend(feeds)

    peak = peak_while(run)
    assert sum(fed) == 25_000  # 100,000 characters of four-character tokens, then the error
    assert peak < 2_000_000


def test_memory_follows_the_text_not_the_token_count(engine: ModuleType) -> None:
    # 200k tokens, 800k characters: kept as one str per token this costs ~60 bytes each (12 MB); joined,
    # about the text itself (ASCII: one byte a character).
    parser = engine.ChatStreamParser(max_accumulated=None)
    peak = peak_while(lambda: sum(endless(engine, parser)))
    assert len(parser.snapshot()["choices"][0]["message"]["content"]) == 4 * TOKENS_PER_FEED * FEEDS
    assert peak < 3_000_000
