"""Chunk JSON decoding without orjson behaves like with it (the fallback of a --no-deps install)."""

from __future__ import annotations

import pytest

from vllm_sdk import StreamError
from vllm_sdk._speedups import _common

orjson = pytest.importorskip("orjson")

SAMPLES = [b'{"a": 1}', b"[1, 2.5, null]", b'"\\u00e9\xc3\xa9"', b"  {}  ", b'{"a": {"b": [true, false]}}']
BAD = [b"{", b"[DONE]", b"", b"\xff", b'{"a": 1} x', b"nul", b"[" * 2000 + b"]" * 2000]


@pytest.mark.parametrize("raw", SAMPLES)
def test_same_values(raw: bytes) -> None:
    assert _common._json_loads(raw) == orjson.loads(raw)


@pytest.mark.parametrize("raw", BAD)
def test_both_refuse(raw: bytes) -> None:
    with pytest.raises(ValueError):
        orjson.loads(raw)
    with pytest.raises(ValueError):
        _common._json_loads(raw)


def test_fallback_is_lenient_where_json_is_and_typed_where_it_is_not() -> None:
    # What orjson refuses but json accepts (invalid UTF-8 → U+FFFD, NaN) decodes the same either way.
    assert _common.loads_fallback(b'{"t": "a\xffb"}') == {"t": "a\ufffdb"}
    assert _common.loads_fallback(b'{"x": NaN}')["x"] != 0
    with pytest.raises(StreamError, match="malformed JSON"):
        _common.loads_fallback(b"[" * 100_000)
