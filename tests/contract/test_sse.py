"""API.md §6 (vllm_sdk.sse), against both decoder builds."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from vllm_sdk import StreamError, _speedups
from vllm_sdk.sse import CSSEDecoder, PySSEDecoder, ServerSentEvent, SSEDecoder

BUILDS = [pytest.param(PySSEDecoder, id="py")]
if CSSEDecoder is not None:
    BUILDS.append(pytest.param(CSSEDecoder, id="c"))


@pytest.fixture(params=BUILDS)
def decoder_cls(request: pytest.FixtureRequest) -> type[PySSEDecoder]:
    cls: type[PySSEDecoder] = request.param
    return cls


def test_server_sent_event_defaults() -> None:
    ev = ServerSentEvent(data="x")
    assert (ev.event, ev.data, ev.id, ev.retry) == ("message", "x", "", None)
    assert ServerSentEvent() == ServerSentEvent(event="message", data="", id="", retry=None)


def test_implementation_and_selection() -> None:
    assert _speedups.IMPLEMENTATION in ("c", "python")
    if _speedups.IMPLEMENTATION == "c":
        assert SSEDecoder is CSSEDecoder
    else:
        assert SSEDecoder is PySSEDecoder
        assert CSSEDecoder is None


def test_no_extensions_env_gives_python_build() -> None:
    code = (
        "import vllm_sdk.sse as s, vllm_sdk._speedups as sp;"
        "print(sp.IMPLEMENTATION, s.CSSEDecoder is None, s.SSEDecoder is s.PySSEDecoder)"
    )
    env = {**os.environ, "VLLM_SDK_NO_EXTENSIONS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["python", "True", "True"]


def test_decode_dispatches_on_blank_line(decoder_cls: type[PySSEDecoder]) -> None:
    d = decoder_cls()
    assert d.decode(b"event: add\ndata: a\ndata: b\n") == []
    assert d.decode(b"\n") == [ServerSentEvent("add", "a\nb", "", None)]


def test_id_is_last_event_id_at_dispatch(decoder_cls: type[PySSEDecoder]) -> None:
    d = decoder_cls()
    events = d.decode(b"data: a\n\nid: 7\ndata: b\n\ndata: c\n\nid\ndata: d\n\n")
    assert [e.id for e in events] == ["", "7", "7", ""]
    assert d.last_event_id == ""
    d.decode(b"id: 9\n\n")  # no data: not dispatched, but the id sticks
    assert d.last_event_id == "9"
    assert d.decode(b"data: e\n\n")[0].id == "9"


def test_retry_only_on_its_block(decoder_cls: type[PySSEDecoder]) -> None:
    d = decoder_cls()
    events = d.decode(b"retry: 1500\ndata: a\n\ndata: b\n\nretry: 1x\ndata: c\n\n")
    assert [e.retry for e in events] == [1500, None, None]


def test_line_ends_and_split_crlf(decoder_cls: type[PySSEDecoder]) -> None:
    d = decoder_cls()
    events = d.decode(b"data: a\r\n\r")
    events += d.decode(b"\ndata: b\r\rdata: c\n\n")
    assert [e.data for e in events] == ["a", "b", "c"]


def test_bom_comments_no_colon_and_one_space(decoder_cls: type[PySSEDecoder]) -> None:
    d = decoder_cls()
    events = d.decode(b"\xef\xbb\xbf: comment\ndata\n\ndata:  two spaces\n\n")
    assert [e.data for e in events] == ["", " two spaces"]


def test_multibyte_split_and_invalid_utf8(decoder_cls: type[PySSEDecoder]) -> None:
    d = decoder_cls()
    raw = "data: 你好\n\n".encode()
    events = [e for i in range(len(raw)) for e in d.decode(raw[i : i + 1])]
    assert [e.data for e in events] == ["你好"]
    assert d.decode(b"data: a\xffb\n\n")[0].data == "a\ufffdb"


def test_flush_discards_unterminated_block(decoder_cls: type[PySSEDecoder]) -> None:
    d = decoder_cls()
    assert d.decode(b"data: done\n\ndata: half") == [ServerSentEvent(data="done")]
    assert d.flush() == []


def test_max_event_size(decoder_cls: type[PySSEDecoder]) -> None:
    d = decoder_cls(max_event_size=64)
    with pytest.raises(StreamError):
        d.decode(b"data: " + b"x" * 200 + b"\n\n")
