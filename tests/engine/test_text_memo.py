"""Text deltas that share (or almost share) the bytes of an earlier plain text delta.

The compiled build remembers the bytes around the text of a plain text delta and, for later lines equal to
them but for the text, decodes only the text (see ``_BaseParser._learn_text`` in ``_chat_c.pxi``). These
cases pin the results to what decoding every chunk whole gives - on both builds, and the compiled one
against the pure one where the answer is easier to state that way.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vllm_sdk import StreamError
from vllm_sdk._events import Content, Done, FinishReason, Reasoning, Text
from vllm_sdk._speedups import _sse_py

from .conftest import run_parser, split_every

if TYPE_CHECKING:
    from types import ModuleType

ENV = b'{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m"'
DONE = b"data: [DONE]\n\n"
# vLLM 0.32.0's token chunk after the text (see tests/data/reference/transcripts).
AFTER = b'},"logprobs":null,"finish_reason":null,"token_ids":null}]}'


def raw_token(raw: bytes, index: int = 0) -> bytes:
    """A vLLM-shaped token line whose content is ``raw`` (JSON string body, as the server wrote it)."""
    head = b',"choices":[{"index":%d,"delta":{"content":"' % index
    return b"data: " + ENV + head + raw + b'"' + AFTER + b"\n\n"


def token(text: str, index: int = 0) -> bytes:
    return raw_token(json.dumps(text, ensure_ascii=False)[1:-1].encode(), index)


def parse(engine: ModuleType, body: bytes, **kwargs: Any) -> tuple[Any, list[Any], StreamError | None]:
    parser = engine.ChatStreamParser(**kwargs)
    events, error = run_parser(parser, [body])
    return parser, events, error


def reference(body: bytes, **kwargs: Any) -> tuple[list[Any], str | None, Any]:
    """The pure build's answer (it has no memo): events, error message, snapshot."""
    parser = _sse_py.ChatStreamParser(**kwargs)
    events, error = run_parser(parser, [body])
    return events, None if error is None else str(error), parser.snapshot()


def same_as_reference(engine: ModuleType, chunks: list[bytes], **kwargs: Any) -> list[Any]:
    parser = engine.ChatStreamParser(**kwargs)
    events, error = run_parser(parser, chunks)
    expected_events, expected_error, expected_snapshot = reference(b"".join(chunks), **kwargs)
    assert events == expected_events
    assert (None if error is None else str(error)) == expected_error
    assert parser.snapshot() == expected_snapshot
    return events


def test_repeated_text_deltas(engine: ModuleType) -> None:
    words = ["The", " quick", " brown", " fox", " é", " 日本", " 🎉", " ~probe~"]
    body = b"".join(token(w) for w in words) + DONE
    parser, events, error = parse(engine, body)
    assert error is None
    assert events == [*(Content(w, 0) for w in words), Done()]
    assert parser.snapshot()["choices"][0]["message"]["content"] == "".join(words)


@pytest.mark.parametrize(
    "raw",
    [
        rb"say \"hi\"",  # escaped quote
        rb"back\\slash",  # escaped backslash
        rb"new\nline",  # escape sequence
        rb"\u00e9t\u00e9",  # \u escapes
        rb"\ud83c\udf89",  # a surrogate pair, escaped
        rb"\/",  # an escaped solidus
    ],
)
def test_escaped_texts_after_the_memo_are_decoded_whole(engine: ModuleType, raw: bytes) -> None:
    body = token("a") + token("b") + raw_token(raw) + token("c") + DONE
    events = same_as_reference(engine, [body])
    assert events[2] == Content(json.loads(b'"' + raw + b'"'), 0)
    assert events[3] == Content("c", 0)


@pytest.mark.parametrize("raw", [b"tab\there", b"nul\x00", b"x\x1fy"])
def test_a_raw_control_byte_is_refused_as_without_the_memo(engine: ModuleType, raw: bytes) -> None:
    # JSON forbids unescaped control characters in strings: the memo must not let them through.
    body = token("a") + token("b") + raw_token(raw) + DONE
    events = same_as_reference(engine, [body])
    assert events[:2] == [Content("a", 0), Content("b", 0)]


@pytest.mark.parametrize("raw", [b"x\xffy", b"\xed\xa0\x80", b"\xc3", b"ok\xf0\x9f\x8e"])
def test_invalid_utf8_in_the_text_is_handled_as_without_the_memo(engine: ModuleType, raw: bytes) -> None:
    body = token("a") + token("b") + raw_token(raw) + token("c") + DONE
    events = same_as_reference(engine, [body])
    assert events[0:2] == [Content("a", 0), Content("b", 0)]


def test_an_empty_text_gives_no_event(engine: ModuleType) -> None:
    body = token("a") + token("b") + raw_token(b"") + token("c") + DONE
    _, events, error = parse(engine, body)
    assert error is None
    assert events == [Content("a", 0), Content("b", 0), Content("c", 0), Done()]


def test_think_blocks_through_the_memo(engine: ModuleType) -> None:
    # The first token is content "<", so the choice is still undecided about a "<think>" block: the
    # remembered lines must go through the same think-splitting as decoded ones.
    words = ["<", "think", ">", "pondering", " more", "</", "think>", "answer", " done"]
    body = b"".join(token(w) for w in words) + DONE
    events = same_as_reference(engine, [body])
    assert Reasoning("pondering", 0) in events
    assert events[-2:] == [Content(" done", 0), Done()]


def test_several_choices_take_turns(engine: ModuleType) -> None:
    body = b"".join(token(f"{w}{i}", i) for w in ("a", "b", "c") for i in (0, 1)) + DONE
    parser, events, error = parse(engine, body)
    assert error is None
    assert events[:6] == [Content(f"{w}{i}", i) for w in ("a", "b", "c") for i in (0, 1)]
    contents = [c["message"]["content"] for c in parser.snapshot()["choices"]]
    assert contents == ["a0b0c0", "a1b1c1"]


def test_a_second_data_line_decodes_the_block_whole(engine: ModuleType) -> None:
    # Two data lines are joined with a newline before decoding: here that is malformed JSON, and it must
    # be reported as such (with the bytes received), not as the remembered line's text.
    first = token("b")[: -len(b"\n\n")]
    body = token("a") + token("b") + first + b"\ndata: " + b"{}" + b"\n\n" + DONE
    events = same_as_reference(engine, [body])
    assert events[:2] == [Content("a", 0), Content("b", 0)]


def test_a_second_data_line_completing_the_json(engine: ModuleType) -> None:
    # The remembered shape split over two data lines: the newline between them is JSON whitespace.
    line = token("c")[len(b"data: ") : -len(b"\n\n")]
    cut = line.index(b"}")  # after the delta object: the newline is whitespace there
    body = token("a") + token("b") + b"data: " + line[:cut] + b"\ndata: " + line[cut:] + b"\n\n" + DONE
    _, events, error = parse(engine, body)
    assert error is None
    assert events == [Content("a", 0), Content("b", 0), Content("c", 0), Done()]


@pytest.mark.parametrize(
    "tail",
    [
        # "content" twice in the text's object: JSON's last one wins, and it is not the plain one.
        b',"choices":[{"index":0,"delta":{"content":"%s","\\u0063ontent":"same"}}]}',
        # The same member in another object of the chunk.
        b',"choices":[{"index":0,"delta":{"content":"%s"},"extra":{"content":"same"}}]}',
        # An object after the text with a "content" of its own.
        b',"choices":[{"index":0,"x":{"content":"same"},"delta":{"content":"%s"}}]}',
    ],
)
def test_look_alike_members_never_fool_the_memo(engine: ModuleType, tail: bytes) -> None:
    body = b"".join(b"data: " + ENV + (tail % w) + b"\n\n" for w in (b"same", b"same", b"other", b"x")) + DONE
    same_as_reference(engine, [body])


def test_a_finish_reason_or_logprobs_line_is_not_remembered(engine: ModuleType) -> None:
    finish = b"data: " + ENV + b',"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}\n\n'
    lp = b',"choices":[{"index":0,"delta":{"content":"y"},"logprobs":{"content":[]},"finish_reason":null}]}'
    body = token("a") + finish + b"data: " + ENV + lp + b"\n\n" + token("b") + DONE
    events = same_as_reference(engine, [body])
    assert FinishReason("stop", 0, None) in events


def test_over_the_size_limit_through_the_memo(engine: ModuleType) -> None:
    small = token("a")
    limit = len(small) + 8
    body = small + token("b") + token("c" * 64) + DONE
    _, events, error = parse(engine, body, max_event_size=limit)
    assert events == [Content("a", 0), Content("b", 0)]
    assert isinstance(error, StreamError)
    same_as_reference(engine, [body], max_event_size=limit)


def test_keep_raw_gives_every_chunk(engine: ModuleType) -> None:
    parser, events, error = parse(engine, token("a") + token("b") + token("c") + DONE, keep_raw=True)
    assert error is None
    assert events == [Content("a", 0), Content("b", 0), Content("c", 0), Done()]
    assert [c["choices"][0]["delta"]["content"] for c in parser.take_raw()] == ["a", "b", "c"]


def test_byte_by_byte(engine: ModuleType) -> None:
    body = b"".join(token(w) for w in ["a", "é", "b\\", "c", "日本"]) + DONE
    events = same_as_reference(engine, split_every(body, 1))
    assert events[-2] == Content("日本", 0)


def completion_token(raw: bytes) -> bytes:
    env = b'{"id":"cmpl-1","object":"text_completion","created":1,"model":"m"'
    rest = b',"choices":[{"index":0,"text":"' + raw + b'","logprobs":null,"finish_reason":null}]}'
    return b"data: " + env + rest + b"\n\n"


def test_completions_text_memo(engine: ModuleType) -> None:
    raws = [b"one", b" two", rb" \"three\"", b" four\xff", b"", b" five"]
    body = b"".join(completion_token(r) for r in raws) + DONE
    parser = engine.CompletionStreamParser()
    events, error = run_parser(parser, [body])
    pure = _sse_py.CompletionStreamParser()
    assert (events, error) == run_parser(pure, [body])
    assert parser.snapshot() == pure.snapshot()
    assert events[:3] == [Text("one", 0), Text(" two", 0), Text(' "three"', 0)]
    assert events[-2:] == [Text(" five", 0), Done()]


_texts = st.one_of(
    st.text(max_size=8),
    st.sampled_from(['"', "\\", "\n", "\x00", "~probe~", "<think>", "</think>", "é", "\ud7ff", "🎉"]),
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    words=st.lists(st.tuples(_texts, st.sampled_from([0, 0, 0, 1]), st.booleans()), max_size=12),
    cut=st.integers(min_value=1, max_value=97),
)
def test_property_memo_equals_decoding_whole(engine: ModuleType, words: list[Any], cut: int) -> None:
    # ``escaped``: written with JSON's \u escapes (ensure_ascii) rather than as raw UTF-8.
    lines = []
    for text, index, escaped in words:
        lines.append(raw_token(json.dumps(text, ensure_ascii=escaped)[1:-1].encode(), index))
    body = b"".join(lines) + DONE
    same_as_reference(engine, split_every(body, cut))
