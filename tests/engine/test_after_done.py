"""Whatever follows ``data: [DONE]`` in the same read is ignored, on both builds (issue 16 item 17).

vLLM ends every stream with ``[DONE]``; a proxy or a buggy server may append more (another chunk, junk, an
error event) in the same TCP read. None of it may become an event, raise, or change the snapshot. Unit
tests per case and per build, then a property test with the important cases pinned as ``@example``s.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vllm_sdk._events import Content, Done, FinishReason, Text

from .chunks import chunk, contents, delta, sse

if TYPE_CHECKING:
    from types import ModuleType

DONE = b"data: [DONE]\n\n"
BEFORE = sse(*contents("Hi"), chunk([delta(0, finish_reason="stop")]))
EXPECTED = [Content("Hi", 0), FinishReason("stop", 0, None), Done()]

TAILS = {
    "another-chunk": sse(*contents(" there")),
    "another-finish": sse(chunk([delta(0, finish_reason="length")])),
    "second-done": DONE,
    "broken-json": b"data: {not json\n\n",
    "not-an-object": b"data: [1, 2]\n\n",
    "error-event": sse({"error": {"message": "late", "type": "InternalServerError", "code": 500}}),
    "invalid-utf8": b"data: \xff\xfe\n\n",
    "partial-event": b'data: {"id":"chatcmpl-1","choices":[',
    "oversized": b"data: " + b"x" * 4096 + b"\n\n",
    "comment-and-junk": b": ping\n\n\x00\x01garbage\r\n",
}


def run(
    engine: ModuleType, reads: list[bytes], **options: Any
) -> tuple[list[Any], Any, list[Any], list[Any]]:
    """Feed ``reads`` then close a fresh chat parser: (events, snapshot, raw chunks, later feeds)."""
    parser = engine.ChatStreamParser(keep_raw=True, **options)
    events: list[Any] = []
    for piece in reads:
        events.extend(parser.feed(piece))
    events.extend(parser.close())
    later = [parser.feed(sse(*contents("late"))), parser.feed(b"data: {broken\n\n"), parser.close()]
    assert parser.done
    return events, parser.snapshot(), parser.take_raw(), later


@pytest.mark.parametrize("tail", list(TAILS), ids=list(TAILS))
def test_chat_ignores_what_follows_done_in_the_same_read(engine: ModuleType, tail: str) -> None:
    events, snapshot, raw, later = run(engine, [BEFORE + DONE + TAILS[tail]], max_event_size=1024)
    assert events == EXPECTED
    assert snapshot["choices"][0]["message"]["content"] == "Hi"
    assert snapshot["choices"][0]["finish_reason"] == "stop"
    assert len(raw) == 2  # the two chunks before [DONE], nothing after
    assert later == [[], [], []]


@pytest.mark.parametrize("tail", list(TAILS), ids=list(TAILS))
def test_chat_ignores_it_when_done_ends_a_read_and_the_tail_comes_next(engine: ModuleType, tail: str) -> None:
    events, snapshot, _, _ = run(engine, [BEFORE + DONE, TAILS[tail]], max_event_size=1024)
    assert events == EXPECTED
    assert snapshot["choices"][0]["message"]["content"] == "Hi"


def test_chat_done_inside_a_read_that_also_starts_the_stream(engine: ModuleType) -> None:
    # The whole stream, [DONE] and a tail in one read, the tail carrying a chunk that would add content.
    whole = BEFORE + DONE + sse(*contents("X")) + DONE
    events, snapshot, _, _ = run(engine, [whole])
    assert [e.text for e in events if isinstance(e, Content)] == ["Hi"]
    assert snapshot["choices"][0]["message"]["content"] == "Hi"


@pytest.mark.parametrize("tail", list(TAILS), ids=list(TAILS))
def test_completion_ignores_what_follows_done(engine: ModuleType, tail: str) -> None:
    first = {"id": "cmpl-1", "object": "text_completion", "created": 1, "model": "tiny"}
    body = sse({**first, "choices": [{"index": 0, "text": "Once", "logprobs": None, "finish_reason": None}]})
    extra = TAILS[tail].replace(b'"delta": {"content": " there"}', b'"text": " there"')
    parser = engine.CompletionStreamParser(max_event_size=1024)
    events = parser.feed(body + DONE + extra) + parser.close()
    assert events == [Text("Once", 0), Done()]
    assert parser.snapshot()["choices"][0]["text"] == "Once"
    assert parser.feed(extra) == []


# ---------------------------------------------------------------- property, with pinned examples


def _tail_bytes(items: list[Any]) -> bytes:
    out = []
    for item in items:
        out.append(item if isinstance(item, bytes) else f"data: {json.dumps(item)}\n\n".encode())
    return b"".join(out)


TAIL_ITEM = st.one_of(
    st.sampled_from(list(TAILS.values())),
    st.builds(lambda t: chunk([delta(0, content=t)]), st.text(max_size=6)),
    st.binary(max_size=16),
)


@given(tail=st.lists(TAIL_ITEM, max_size=4).map(_tail_bytes), cut=st.integers(0, 200))
@example(tail=TAILS["another-chunk"], cut=0)
@example(tail=TAILS["another-chunk"], cut=len(BEFORE + DONE))  # [DONE] ends the first read exactly
@example(tail=TAILS["another-chunk"], cut=len(BEFORE + DONE) - 1)  # [DONE]'s blank line split off
@example(tail=TAILS["broken-json"], cut=len(BEFORE) + 3)  # a cut inside "data: [DONE]"
@example(tail=TAILS["error-event"], cut=0)
@example(tail=TAILS["second-done"] + TAILS["another-chunk"], cut=0)
@example(tail=TAILS["oversized"], cut=0)
def test_nothing_after_done_counts_wherever_the_reads_are_cut(
    engine: ModuleType, tail: bytes, cut: int
) -> None:
    body = BEFORE + DONE + tail
    cut = min(cut, len(body))
    events, snapshot, _, later = run(engine, [body[:cut], body[cut:]], max_event_size=1024)
    assert events == EXPECTED
    assert snapshot["choices"][0]["message"]["content"] == "Hi"
    assert later == [[], [], []]


def test_ci_runs_hypothesis_derandomized() -> None:
    # tests/conftest.py selects the profile; under CI the draws must not depend on the run.
    if os.environ.get("CI"):
        assert settings().derandomize
        assert settings().database is None
    else:
        assert settings.get_profile("ci").derandomize
