"""WHATWG event-stream framing: every rule of the spec's "interpreting an event stream", on both builds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from vllm_sdk import StreamError
from vllm_sdk.sse import ServerSentEvent

from .conftest import decode_all, split_every

if TYPE_CHECKING:
    from types import ModuleType


def sse(data: str, event: str = "message", id: str = "", retry: int | None = None) -> ServerSentEvent:
    return ServerSentEvent(event=event, data=data, id=id, retry=retry)


def decode(engine: ModuleType, *chunks: bytes) -> list[ServerSentEvent]:
    return decode_all(engine.SSEDecoder(), chunks)


@pytest.mark.parametrize("eol", [b"\n", b"\r", b"\r\n"], ids=["LF", "CR", "CRLF"])
def test_line_endings(engine: ModuleType, eol: bytes) -> None:
    body = b"data: a" + eol + b"data: b" + eol + eol + b"data: c" + eol + eol
    assert decode(engine, body) == [sse("a\nb"), sse("c")]


def test_mixed_line_endings(engine: ModuleType) -> None:
    body = b"data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r"
    assert decode(engine, body) == [sse("a\nb\nc"), sse("d")]


def test_cr_at_end_of_chunk_and_lf_at_start_of_next(engine: ModuleType) -> None:
    # CR ends the line at once; the LF that follows in the next chunk belongs to it (no extra blank line).
    events = decode(engine, b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n")
    assert events == [sse("a\nb")]


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        # the LF completing a split CRLF is followed by a field line, not by a blank line
        ((b"data: a\r", b"\ndata: b\n\n"), [sse("a\nb")]),
        ((b"data: a\r", b"\n", b"data: b\n\n"), [sse("a\nb")]),
        ((b"data: a\r", b"\nid: 7\n\n"), [sse("a", id="7")]),
        ((b"data: a\r", b"\n: comment\n\n"), [sse("a")]),
        # after a CR at the end of a read, a byte that is not LF is kept (not swallowed)
        ((b"data: a\r", b"data: b\r\r"), [sse("a\nb")]),
        ((b"data: a\r", b"\n", b"\n"), [sse("a")]),
    ],
    ids=["field", "lf-alone-then-field", "id-field", "comment", "no-lf", "lf-then-blank"],
)
def test_split_crlf_followed_by_a_line(
    engine: ModuleType, chunks: tuple[bytes, ...], expected: object
) -> None:
    assert decode(engine, *chunks) == expected


@pytest.mark.parametrize("cut", range(1, len(b"data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n")))
def test_every_cut_of_a_crlf_stream_decodes_the_same(engine: ModuleType, cut: int) -> None:
    body = b"data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n"
    assert decode(engine, body[:cut], body[cut:]) == [sse("a\nb"), sse("c")]


def test_cr_then_cr_is_two_line_ends(engine: ModuleType) -> None:
    assert decode(engine, b"data: a\r", b"\r") == [sse("a")]


def test_bom_stripped_once(engine: ModuleType) -> None:
    body = b"\xef\xbb\xbfdata: a\n\n\xef\xbb\xbfdata: b\n\n"
    # The second BOM is not at the start of the stream: it is part of a field name, which is unknown.
    assert decode(engine, body) == [sse("a")]


def test_bom_split_across_chunks(engine: ModuleType) -> None:
    assert decode(engine, b"\xef", b"\xbb", b"\xbfdata: a\n\n") == [sse("a")]


def test_partial_bom_is_data(engine: ModuleType) -> None:
    # Two bytes of a BOM followed by something else: not a BOM; the bytes start an (unknown) field name.
    assert decode(engine, b"\xef\xbb", b"data: a\n\n") == []
    assert decode(engine, b"\xef\xbbx\ndata: b\n\n") == [sse("b")]


def test_comments_ignored(engine: ModuleType) -> None:
    assert decode(engine, b": hello\n:\ndata: a\n: between\n\n") == [sse("a")]


def test_comment_only_block_not_dispatched(engine: ModuleType) -> None:
    assert decode(engine, b": keep-alive\n\n") == []


def test_field_without_colon(engine: ModuleType) -> None:
    # "data" with no colon is a data field with an empty value: it still makes the block dispatch.
    assert decode(engine, b"data\n\n") == [sse("")]
    assert decode(engine, b"data\ndata\n\n") == [sse("\n")]
    assert decode(engine, b"event\ndata: x\n\n") == [sse("x")]


def test_one_leading_space_stripped(engine: ModuleType) -> None:
    assert decode(engine, b"data:a\n\ndata: a\n\ndata:  a\n\n") == [sse("a"), sse("a"), sse(" a")]


def test_multiline_data_joined_with_lf(engine: ModuleType) -> None:
    assert decode(engine, b"data: one\ndata:\ndata: three\n\n") == [sse("one\n\nthree")]


def test_empty_data_dispatches_empty_string(engine: ModuleType) -> None:
    assert decode(engine, b"data:\n\n") == [sse("")]


def test_block_without_data_not_dispatched(engine: ModuleType) -> None:
    assert decode(engine, b"event: x\nid: 1\nretry: 5\n\n") == []


def test_event_type(engine: ModuleType) -> None:
    events = decode(engine, b"event: add\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n")
    assert events == [sse("1", event="add"), sse("2"), sse("3")]


def test_unknown_fields_ignored(engine: ModuleType) -> None:
    assert decode(engine, b"foo: bar\nDATA: no\ndata: yes\n\n") == [sse("yes")]


def test_id_carried_across_events(engine: ModuleType) -> None:
    decoder = engine.SSEDecoder()
    events = decoder.decode(b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n")
    assert events == [sse("a", id="1"), sse("b", id="1"), sse("c", id="")]
    assert decoder.last_event_id == ""


def test_last_event_id_updated_at_blank_line(engine: ModuleType) -> None:
    decoder = engine.SSEDecoder()
    assert decoder.last_event_id == ""
    assert decoder.decode(b"id: 7\n") == []
    assert decoder.last_event_id == ""  # the buffer is set; the event source's ID only at the blank line
    assert decoder.decode(b"\n") == []  # no data: nothing dispatched, but the ID is now in force
    assert decoder.last_event_id == "7"
    assert decoder.decode(b"data: x\n\n") == [sse("x", id="7")]


def test_id_with_nul_ignored(engine: ModuleType) -> None:
    assert decode(engine, b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n") == [
        sse("a", id="1"),
        sse("b", id="1"),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(b"1000", 1000), (b"0", 0), (b"", None), (b"10a", None), (b" 10", 10), (b"-1", None), (b"1.5", None)],
)
def test_retry_only_ascii_digits(engine: ModuleType, value: bytes, expected: int | None) -> None:
    # "retry: 10" strips the one leading space; "retry:  10" would keep a space and be ignored.
    assert decode(engine, b"retry:" + value + b"\ndata: a\n\n") == [sse("a", retry=expected)]


def test_retry_non_ascii_digits_ignored(engine: ModuleType) -> None:
    # U+0661 ARABIC-INDIC DIGIT ONE is a digit to str.isdigit but not an ASCII digit.
    assert decode(engine, "retry: \u0661\ndata: a\n\n".encode()) == [sse("a")]


def test_retry_only_on_its_own_block(engine: ModuleType) -> None:
    assert decode(engine, b"retry: 5\ndata: a\n\ndata: b\n\n") == [sse("a", retry=5), sse("b")]


def test_unterminated_last_block_discarded(engine: ModuleType) -> None:
    assert decode(engine, b"data: a\n\ndata: b\n") == [sse("a")]
    assert decode(engine, b"data: a\n\ndata: b") == [sse("a")]


def test_flush_resets_for_a_new_stream(engine: ModuleType) -> None:
    decoder = engine.SSEDecoder()
    assert decoder.decode(b"id: 3\n\ndata: part") == []
    assert decoder.flush() == []
    assert decoder.decode(b"data: new\n\n") == [sse("new", id="3")]


def test_multibyte_character_split_across_chunks(engine: ModuleType) -> None:
    body = "data: 你好, мир 🎉\n\n".encode()
    for size in (1, 2, 3, 5):
        assert decode_all(engine.SSEDecoder(), split_every(body, size)) == [sse("你好, мир 🎉")]


def test_invalid_utf8_becomes_replacement_character(engine: ModuleType) -> None:
    body = b"data: a\xffb\xe4\xbd\n\nevent: \xc3(\ndata: \xf0\x9f\x8e\n\n"
    assert decode(engine, body) == [sse("a\ufffdb\ufffd"), sse("\ufffd", event="\ufffd(")]


def test_invalid_utf8_split_across_chunks_keeps_neighbours(engine: ModuleType) -> None:
    body = b"data: x\xe4\xbdy\xe4\xbd\xa0z\n\n"
    assert decode_all(engine.SSEDecoder(), split_every(body, 1)) == [sse("x\ufffdy你z")]


def test_same_result_for_every_split(engine: ModuleType) -> None:
    body = b"\xef\xbb\xbf: c\r\nid: 9\r\nevent: e\rdata: 1\n\ndata: \xe4\xbd\xa0\r\n\r\nretry: 3\ndata:x\n\n"
    expected = decode(engine, body)
    assert expected == [sse("1", event="e", id="9"), sse("你", id="9"), sse("x", id="9", retry=3)]
    for size in range(1, 12):
        assert decode_all(engine.SSEDecoder(), split_every(body, size)) == expected


def test_max_event_size_bounds_data(engine: ModuleType) -> None:
    decoder = engine.SSEDecoder(max_event_size=64)
    with pytest.raises(StreamError, match="max_event_size"):
        decoder.decode(b"data: " + b"x" * 40 + b"\ndata: " + b"y" * 40 + b"\n")


def test_max_event_size_bounds_a_line_without_newline(engine: ModuleType) -> None:
    decoder = engine.SSEDecoder(max_event_size=100)
    decoder.decode(b"data: " + b"x" * 50)
    decoder.decode(b"x" * 40)
    with pytest.raises(StreamError, match="max_event_size"):
        decoder.decode(b"x" * 40)


def test_events_before_an_oversized_event_are_not_lost(engine: ModuleType) -> None:
    decoder = engine.SSEDecoder(max_event_size=32)
    assert decoder.decode(b"data: ok\n\ndata: " + b"z" * 64) == [sse("ok")]
    with pytest.raises(StreamError):
        decoder.decode(b"more")
    assert decoder.decode(b"data: late\n\n") == []


def test_max_event_size_must_be_positive(engine: ModuleType) -> None:
    with pytest.raises(ValueError, match="positive"):
        engine.SSEDecoder(max_event_size=0)


def test_accepts_bytearray_and_memoryview(engine: ModuleType) -> None:
    decoder = engine.SSEDecoder()
    assert decoder.decode(bytearray(b"data: a\n")) == []
    assert decoder.decode(memoryview(b"\n")) == [sse("a")]


def test_server_sent_event_value() -> None:
    event = ServerSentEvent(data='{"a": 1}')
    assert event == sse('{"a": 1}')
    assert event != ("message", '{"a": 1}', "", None)
    assert event.json() == {"a": 1}
    assert repr(event) == "ServerSentEvent(event='message', data='{\"a\": 1}', id='', retry=None)"
    with pytest.raises(AttributeError):
        event.data = "x"  # type: ignore[misc]
