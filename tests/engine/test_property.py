"""Differential property tests: the two builds give identical events and identical errors on random
input cut at random places, and the framing does not depend on where the input is cut."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vllm_sdk import StreamError
from vllm_sdk._events import Error

if TYPE_CHECKING:
    from types import ModuleType

pytestmark = pytest.mark.slow  # a few seconds each; still part of the default run

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Cut-independence is also covered by the agreement tests and the per-case unit tests: fewer examples.
FEWER = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- strategies

EOL = st.sampled_from([b"\n", b"\r", b"\r\n"])
TEXT = st.lists(
    st.sampled_from(
        [
            *'ab <>/\n"\\é你🎉',
            "<think>",
            "</think>",
            "<th",
            "ink>",
            "</",
            "</think",
            "</thi",
            "think",
            ">",
            "<think",
        ]
    ),
    max_size=8,
).map("".join)
FIELD_VALUE = st.sampled_from(
    [
        b"",
        b"15",
        b"7",
        b"0",
        b"1a",
        b"x",
        b"\x00x",
        b"\xff",
        b"\xe4\xbd",
        "é你🎉".encode(),
        b"[DONE]",
        b' "q"',
        b"<think>",
    ]
)
FIELD_LINE = st.one_of(
    st.builds(
        lambda name, sep, value: name + sep + value,
        st.sampled_from(
            [b"data", b"data", b"data", b"event", b"id", b"retry", b"retry", b"", b"x", b"\xef\xbb\xbfdata"]
        ),
        st.sampled_from([b":", b": ", b": ", b"", b":  "]),
        FIELD_VALUE,
    ),
    st.binary(max_size=4),
)


@st.composite
def sse_body(draw: st.DrawFn) -> bytes:
    """Blocks of field lines, each ended by a blank line, with mixed line ends and junk."""
    out = [draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf", b"\xef\xbb"]))]
    for _ in range(draw(st.integers(0, 8))):
        for line in draw(st.lists(FIELD_LINE, min_size=1, max_size=4)):
            out.append(line + draw(EOL))
        out.append(draw(EOL))
    out.append(draw(st.sampled_from([b"", b"data: tail", b"\r", b"id: 9\n"])))
    return b"".join(out)


SSE_PIECES = st.one_of(sse_body(), sse_body(), st.binary(max_size=24))


@st.composite
def cuts(draw: st.DrawFn, body: bytes) -> list[bytes]:
    """``body`` cut at random places (possibly inside CRLF pairs and multi-byte characters)."""
    anywhere = st.integers(0, len(body))
    # Cutting right after a CR (between CR and LF, or before a lone CR's next line) is the tricky spot.
    after_cr = [i + 1 for i, byte in enumerate(body) if byte == 13]
    position = st.one_of(anywhere, st.sampled_from(after_cr)) if after_cr else anywhere
    points = sorted(draw(st.sets(position, max_size=12)))
    pieces, last = [], 0
    for p in points:
        pieces.append(body[last:p])
        last = p
    pieces.append(body[last:])
    return pieces


def fragment(draw: st.DrawFn) -> dict[str, Any]:
    frag: dict[str, Any] = {"index": draw(st.integers(0, 1))}
    if draw(st.booleans()):
        frag["id"] = draw(st.sampled_from(["call-a", "call-b", ""]))
        frag["type"] = "function"
    function: dict[str, Any] = {}
    if draw(st.booleans()):
        function["name"] = draw(st.sampled_from(["f", "g", ""]))
    if draw(st.booleans()):
        function["arguments"] = draw(TEXT)
    if function or draw(st.booleans()):
        frag["function"] = function
    return frag


@st.composite
def chat_chunk(draw: st.DrawFn) -> dict[str, Any]:
    envelope = draw(st.sampled_from(["same", "same", "same", "other", "reordered"]))
    if envelope == "reordered":
        body: dict[str, Any] = {"model": "m", "id": "chatcmpl-1", "object": "chat.completion.chunk"}
    else:
        cid = "chatcmpl-1" if envelope == "same" else "chatcmpl-2"
        body = {"id": cid, "object": "chat.completion.chunk", "created": 1, "model": "m"}
    choices = []
    for _ in range(draw(st.integers(0, 2))):
        delta: dict[str, Any] = {}
        for key in draw(
            st.lists(st.sampled_from(["content", "reasoning", "reasoning_content", "role"]), max_size=3)
        ):
            delta[key] = draw(st.one_of(TEXT, st.none())) if key != "role" else "assistant"
        if draw(st.integers(0, 2)) == 0:
            delta["tool_calls"] = [fragment(draw) for _ in range(draw(st.integers(1, 2)))]
        choice: dict[str, Any] = {"index": draw(st.integers(0, 1)), "delta": delta, "logprobs": None}
        if draw(st.integers(0, 5)) == 0:
            choice["logprobs"] = {"content": [{"token": draw(TEXT), "logprob": -0.5}]}
        finish = draw(st.sampled_from([None, None, None, "stop", "length", "tool_calls"]))
        choice["finish_reason"] = finish
        if finish is not None:
            choice["stop_reason"] = draw(st.sampled_from([None, "END", 151643]))
        choices.append(choice)
    body["choices"] = choices
    if draw(st.integers(0, 4)) == 0:
        details = draw(st.sampled_from([None, {"reasoning_tokens": 2}]))
        body["usage"] = {
            "prompt_tokens": 1,
            "completion_tokens": 2,
            "total_tokens": 3,
            "completion_tokens_details": details,
        }
    if draw(st.integers(0, 6)) == 0:
        body["system_fingerprint"] = "fp"
    return body


@st.composite
def chat_payload(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 59))
    if kind <= 49:
        data = json.dumps(
            draw(chat_chunk()), ensure_ascii=draw(st.booleans()), separators=(",", ":")
        ).encode()
        if draw(st.integers(0, 9)) == 0:  # a stray invalid UTF-8 byte inside a string
            at = data.find(b'"m"')
            data = data[: at + 1] + b"\xff" + data[at + 1 :] if at >= 0 else data
        return data
    if kind <= 51:
        return b"[DONE]"
    if kind <= 53:  # the memoised envelope followed by something broken
        return (
            b'{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":'
            + draw(
                st.sampled_from(
                    [
                        b"[",
                        b"3}",
                        b"[1]}",
                        b'[{"index":"x"}]}',
                        b"[]} x",
                        b'[],"usage":5}',
                        b'[],"error":{"message":"e"}}',
                    ]
                )
            )
        )
    if kind == 54:
        return json.dumps({"error": {"message": draw(TEXT), "type": "E", "code": 500}}).encode()
    if kind <= 56:
        return draw(st.sampled_from([b"", b"{", b"[1,2]", b"nul", b'"s"', b"{}", b'{"choices":null}']))
    if kind <= 58:
        return draw(st.binary(max_size=8))
    return json.dumps({"object": "error", "message": "flat"}).encode()


@st.composite
def chat_body(draw: st.DrawFn) -> bytes:
    out = []
    for payload in draw(st.lists(chat_payload(), max_size=10)):
        eol = draw(EOL)
        if draw(st.integers(0, 9)) == 0:
            out.append(b": comment" + eol)
        comma = payload.find(b',"')  # between two members: strings here never hold a comma and a quote
        if comma > 0 and draw(st.integers(0, 5)) == 0:
            # Multi-line data, joined with LF, which JSON reads as whitespace between tokens.
            out.append(b"data: " + payload[: comma + 1] + eol + b"data:" + payload[comma + 1 :] + eol + eol)
        else:
            out.append(b"data: " + payload.replace(b"\n", b" ").replace(b"\r", b" ") + eol + eol)
    if draw(st.booleans()):
        out.append(b"data: [DONE]\n\n")
    return b"".join(out)


# ---------------------------------------------------------------- drivers


def _norm_error(exc: BaseException | None) -> Any:
    if exc is None:
        return None
    assert isinstance(exc, StreamError), repr(exc)  # anything else is a bug in the parser
    return (
        type(exc).__name__,
        exc.message,
        exc.error_type,
        exc.code,
        exc.param,
        exc.partial_content,
        exc.partial,
    )


def _norm(event: Any) -> Any:
    if isinstance(event, Error):
        return ("Error", _norm_error(event.error))
    return event


def run_decoder(engine: ModuleType, pieces: list[bytes], max_event_size: int) -> tuple[list[Any], Any]:
    decoder = engine.SSEDecoder(max_event_size=max_event_size)
    events: list[Any] = []
    try:
        for piece in pieces:
            events.extend(decoder.decode(piece))
        events.extend(decoder.flush())
        # A failed decoder stays quiet afterwards, identically.
        events.extend(decoder.decode(b"data: after\n\n"))
    except StreamError as exc:
        return events, _norm_error(exc)
    return events, (None, decoder.last_event_id)


def run_chat(engine: ModuleType, pieces: list[bytes], max_event_size: int) -> Any:
    parser = engine.ChatStreamParser(max_event_size=max_event_size, keep_raw=True)
    events: list[Any] = []
    raw: list[Any] = []
    error = None
    try:
        for piece in pieces:
            events.extend(parser.feed(piece))
            raw.extend(parser.take_raw())
        events.extend(parser.close())
    except StreamError as exc:
        error = _norm_error(exc)
    raw.extend(parser.take_raw())
    return (
        [_norm(e) for e in events],
        error,
        parser.snapshot(),
        raw,
        parser.done,
        parser.feed(b"data: [DONE]\n\n"),
    )


# ---------------------------------------------------------------- properties


@SETTINGS
@given(
    data=st.data(),
    body=SSE_PIECES,
    limit=st.sampled_from([12, 40, 1 << 24]),
)
def test_sse_decoders_agree(
    both_engines: tuple[ModuleType, ModuleType], data: st.DataObject, body: bytes, limit: int
) -> None:
    py, c = both_engines
    pieces = data.draw(cuts(body))
    assert run_decoder(c, pieces, limit) == run_decoder(py, pieces, limit)


@FEWER
@given(data=st.data(), body=SSE_PIECES)
def test_sse_framing_independent_of_cuts(engine: ModuleType, data: st.DataObject, body: bytes) -> None:
    pieces = data.draw(cuts(body))
    assert run_decoder(engine, pieces, 1 << 24) == run_decoder(engine, [body], 1 << 24)


@SETTINGS
@given(data=st.data(), body=chat_body(), limit=st.sampled_from([1 << 24, 1 << 24, 300]))
def test_chat_parsers_agree(
    both_engines: tuple[ModuleType, ModuleType], data: st.DataObject, body: bytes, limit: int
) -> None:
    py, c = both_engines
    pieces = data.draw(cuts(body))
    assert run_chat(c, pieces, limit) == run_chat(py, pieces, limit)


@FEWER
@given(data=st.data(), body=chat_body())
def test_chat_events_independent_of_cuts(engine: ModuleType, data: st.DataObject, body: bytes) -> None:
    pieces = data.draw(cuts(body))
    whole = run_chat(engine, [body], 1 << 24)
    cut = run_chat(engine, pieces, 1 << 24)
    # Events, errors, snapshots and raw chunks do not depend on the cuts; only when the deferred error
    # surfaces can move (it is raised by the next call after the events that preceded it).
    assert cut == whole


@SETTINGS
@given(data=st.data(), body=chat_body())
def test_completion_parsers_agree(
    both_engines: tuple[ModuleType, ModuleType], data: st.DataObject, body: bytes
) -> None:
    py, c = both_engines
    body = body.replace(b'"delta":{"content"', b'"text"').replace(b'"delta":{', b'"delta_":{')
    pieces = data.draw(cuts(body))

    def run(engine: ModuleType) -> Any:
        parser = engine.CompletionStreamParser(keep_raw=True)
        events: list[Any] = []
        error = None
        try:
            for piece in pieces:
                events.extend(parser.feed(piece))
            events.extend(parser.close())
        except StreamError as exc:
            error = _norm_error(exc)
        return [_norm(e) for e in events], error, parser.snapshot(), parser.take_raw()

    assert run(c) == run(py)
