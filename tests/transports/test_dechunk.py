"""HTTP/1.1 chunked de-framing, both builds (``_speedups/_dechunk_py.py`` and ``_dechunk_c.pyx``): the body
bytes of any cut of a valid body, the strict grammar, the caps, and a differential property test that holds
the compiled build to the pure one on arbitrary bytes (issue 13 item 6)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from vllm_sdk._speedups import NO_EXTENSIONS, ChunkedError
from vllm_sdk._speedups._dechunk_py import MAX_CHUNK_LINE, MAX_TRAILERS

if TYPE_CHECKING:
    from types import ModuleType


def _compiled(config: pytest.Config) -> ModuleType:
    if config.getoption("--no-c-extensions") or NO_EXTENSIONS:
        pytest.skip("compiled build disabled (--no-c-extensions / VLLM_SDK_NO_EXTENSIONS)")
    try:
        return importlib.import_module("vllm_sdk._speedups._dechunk_c")
    except ImportError:
        pytest.skip("compiled build not available (run: python setup.py build_ext --inplace)")


@pytest.fixture(scope="session", params=[pytest.param("python", id="py"), pytest.param("c", id="c")])
def build(request: pytest.FixtureRequest) -> ModuleType:
    """``_dechunk_py`` or ``_dechunk_c`` (same names)."""
    if request.param == "python":
        return importlib.import_module("vllm_sdk._speedups._dechunk_py")
    return _compiled(request.config)


@pytest.fixture(scope="session")
def both(request: pytest.FixtureRequest) -> tuple[ModuleType, ModuleType]:
    """The pure and the compiled build together (skips without the compiled one)."""
    return importlib.import_module("vllm_sdk._speedups._dechunk_py"), _compiled(request.config)


def _framed(pieces: list[bytes], last: bytes = b"0\r\n\r\n") -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + last


def _feed_cut(decoder: object, wire: bytes, cuts: list[int]) -> bytes:
    out = []
    start = 0
    for point in [*sorted({c for c in cuts if 0 < c < len(wire)}), len(wire)]:
        out.append(decoder.feed(wire[start:point]))  # type: ignore[attr-defined]
        start = point
    return b"".join(out)


def test_one_chunk_per_read_is_returned_without_a_copy(build: ModuleType) -> None:
    decoder = build.ChunkedDecoder()
    data = b"x" * 100
    assert decoder.feed(b"64\r\n") == b""
    assert decoder.feed(data) is data  # the read itself: nothing copied
    assert decoder.feed(b"\r\n0\r\n\r\n") == b""
    assert decoder.done
    assert not decoder.extra


def test_several_chunks_in_one_read_come_back_as_one_piece(build: ModuleType) -> None:
    decoder = build.ChunkedDecoder()
    assert (
        decoder.feed(_framed([b"data: a\n\n", b"data: b\n\n", b"c"], last=b"")) == b"data: a\n\ndata: b\n\nc"
    )
    assert not decoder.done


@given(
    pieces=st.lists(st.binary(min_size=1, max_size=300), min_size=0, max_size=8),
    cuts=st.lists(st.integers(min_value=1, max_value=3000), max_size=20),
    extension=st.sampled_from([b"", b";a=b", b' ; name="q"', b"\t;x"]),
    trailers=st.sampled_from([b"", b"T: 1\r\n", b"Checksum: abc\r\nX: y\r\n"]),
)
@example(pieces=[b"hello"], cuts=list(range(1, 40)), extension=b";e", trailers=b"T: 1\r\n")
def test_any_cut_of_a_valid_body_gives_its_bytes(
    build: ModuleType, pieces: list[bytes], cuts: list[int], extension: bytes, trailers: bytes
) -> None:
    wire = (
        b"".join(b"%X%s\r\n%s\r\n" % (len(p), extension, p) for p in pieces) + b"0\r\n" + trailers + b"\r\n"
    )
    decoder = build.ChunkedDecoder()
    assert _feed_cut(decoder, wire, cuts) == b"".join(pieces)
    assert decoder.done
    assert not decoder.extra


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        (b"zz\r\n", "invalid chunk size b'zz'"),
        (b"0x5\r\n", "invalid chunk size"),
        (b"+5\r\n", "invalid chunk size"),
        (b"-1\r\n", "invalid chunk size"),
        (b"\r\n", "invalid chunk size"),
        (b"; only-an-extension\r\n", "invalid chunk size"),
        (b"12345678901234567\r\n", "invalid chunk size"),
        (b"5 5\r\n", "invalid chunk size"),
        (b"5\n", "chunk line not ended by CRLF"),
        (b"5\r\nhelloX\r\n", "chunk data not followed by CRLF"),
        (b"5\r\nhello\rX", "chunk data not followed by CRLF"),
        (b"5\r\nhello\n\r", "chunk data not followed by CRLF"),
        (b"0\r\nT: 1\n", "chunk line not ended by CRLF"),
    ],
)
def test_framing_errors_are_named(build: ModuleType, wire: bytes, message: str) -> None:
    decoder = build.ChunkedDecoder()
    with pytest.raises(ChunkedError, match=message.replace("+", r"\+")):
        decoder.feed(wire)
    # The same bytes one at a time fail the same way.
    with pytest.raises(ChunkedError, match=message.replace("+", r"\+")):
        _feed_cut(build.ChunkedDecoder(), wire, list(range(1, len(wire))))


def test_the_largest_size_is_sixteen_hex_digits(build: ModuleType) -> None:
    decoder = build.ChunkedDecoder()
    assert (
        decoder.feed(b"FFFFFFFFFFFFFFFF\r\nabc") == b"abc"
    )  # 2**64 - 1 bytes announced: streamed as they come


def test_size_lines_and_trailers_are_capped(build: ModuleType) -> None:
    endless = b"5;" + b"e" * (MAX_CHUNK_LINE * 4)  # never a newline: the buffered line must stop growing
    with pytest.raises(ChunkedError, match="chunk line longer"):
        _feed_cut(build.ChunkedDecoder(), endless, list(range(100, len(endless), 100)))
    decoder = build.ChunkedDecoder()
    with pytest.raises(ChunkedError, match="chunk line longer"):
        decoder.feed(b"5;" + b"e" * MAX_CHUNK_LINE + b"\r\n")
    decoder = build.ChunkedDecoder()
    with pytest.raises(ChunkedError, match="trailer lines"):
        decoder.feed(b"0\r\n" + b"T: v\r\n" * (MAX_TRAILERS + 1))
    small = build.ChunkedDecoder(max_line=8, max_trailers=1)
    with pytest.raises(ChunkedError, match="longer than 8"):
        small.feed(b"5;123456789\r\n")


def test_bytes_after_the_end_are_flagged(build: ModuleType) -> None:
    decoder = build.ChunkedDecoder()
    assert decoder.feed(b"2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK") == b"ok"
    assert decoder.done
    assert decoder.extra
    later = build.ChunkedDecoder()
    later.feed(b"0\r\n\r\n")
    assert not later.extra
    assert later.feed(b"x") == b""
    assert later.extra


@given(data=st.binary(max_size=200), cuts=st.lists(st.integers(min_value=1, max_value=200), max_size=6))
@example(data=b"5\r\nhello\r\n0\r\n\r\n", cuts=[1, 4, 9, 10, 11])
@example(data=b"A;x\r\n0123456789\r\n0\r\nT: 1\r\n\r\n", cuts=[3])
def test_the_builds_agree_on_any_bytes(
    both: tuple[ModuleType, ModuleType], data: bytes, cuts: list[int]
) -> None:
    results = []
    for module in both:
        decoder = module.ChunkedDecoder(max_line=64, max_trailers=3)
        try:
            body = _feed_cut(decoder, data, cuts)
        except ChunkedError as exc:
            results.append(("error", str(exc)))
        else:
            results.append(("ok", body, decoder.done, decoder.extra))
    assert results[0] == results[1]


@given(
    pieces=st.lists(st.binary(min_size=1, max_size=40), max_size=4),
    at=st.integers(min_value=0, max_value=400),
    byte=st.sampled_from([b"\r", b"\n", b";", b" ", b"0", b"f", b"G", b"\x00"]),
    cuts=st.lists(st.integers(min_value=1, max_value=400), max_size=6),
)
def test_the_builds_agree_on_a_valid_body_with_one_byte_changed(
    both: tuple[ModuleType, ModuleType], pieces: list[bytes], at: int, byte: bytes, cuts: list[int]
) -> None:
    wire = _framed(pieces, last=b"0\r\nT: 1\r\n\r\n")
    at %= len(wire)
    data = wire[:at] + byte + wire[at + 1 :]
    results = []
    for module in both:
        decoder = module.ChunkedDecoder()
        try:
            body = _feed_cut(decoder, data, cuts)
        except ChunkedError as exc:
            results.append(("error", str(exc)))
        else:
            results.append(("ok", body, decoder.done, decoder.extra))
    assert results[0] == results[1]
