"""``client.audio``: file inputs (path, bytes, file object, tuple), MIME sniffing, response formats and
streams over a scripted transport (sync and async) and against the mock server (sync)."""

from __future__ import annotations

import io
import json
import wave
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from upload_files import CountingFile
from vllm_sdk import (
    BadRequestError,
    Content,
    Done,
    MissingParameterError,
    Transcription,
    TranscriptionStream,
    TranscriptionVerbose,
    VllmClient,
    VllmError,
)
from vllm_sdk._file_source import CHUNK_SIZE
from vllm_sdk._multipart import encode_multipart, read_file_input, sniff_type
from vllm_sdk.testing import MockVllmServer

from .helpers import BASE, Api

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def _wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x00\x01" * 8000)
    return buffer.getvalue()


def _form(request: httpx.Request) -> dict[str, Any]:
    """The parts of a multipart request: name -> text, or (filename, content type, bytes) for files."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.content)
    out: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        filename = part.get_filename()
        out[str(name)] = (filename, part.get_content_type(), payload) if filename else payload.decode()
    return out


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("a.wav", b"", "audio/wav"),
        ("a.MP3", b"", "audio/mpeg"),
        ("a.m4a", b"", "audio/mp4"),
        ("upload", b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"),
        ("upload", b"fLaC\x00", "audio/flac"),
        ("upload", b"OggS\x00", "audio/ogg"),
        ("upload", b"ID3\x04", "audio/mpeg"),
        ("upload", b"\x00\x00\x00\x18ftypM4A ", "audio/mp4"),
        ("upload", b"\x00\x01\x02", "application/octet-stream"),
    ],
)
def test_sniff_type(name: str, head: bytes, expected: str) -> None:
    assert sniff_type(name, head) == expected


def test_file_inputs(tmp_path: Path) -> None:
    wav = _wav()
    path = tmp_path / "talk.wav"
    path.write_bytes(wav)
    assert read_file_input(path) == ("talk.wav", wav, "audio/wav")
    assert read_file_input(str(path)) == ("talk.wav", wav, "audio/wav")
    assert read_file_input(wav) == ("upload.wav", wav, "audio/wav")
    with path.open("rb") as handle:
        assert read_file_input(handle) == ("talk.wav", wav, "audio/wav")
    assert read_file_input(io.BytesIO(wav)) == ("upload.wav", wav, "audio/wav")
    assert read_file_input(("x.bin", wav, "audio/x-custom")) == ("x.bin", wav, "audio/x-custom")
    with pytest.raises(VllmError, match="upload limit"):
        read_file_input(path, max_bytes=10)
    with pytest.raises(VllmError, match="upload limit"):
        read_file_input(io.BytesIO(wav), max_bytes=10)
    with path.open("r", encoding="latin-1") as text_handle, pytest.raises(VllmError, match="binary mode"):
        read_file_input(text_handle)  # type: ignore[arg-type]
    with pytest.raises(VllmError, match="must be a path"):
        read_file_input(42)  # type: ignore[arg-type]


def test_encode_multipart_is_parseable_and_exact() -> None:
    content = b"\r\n--not-a-boundary\r\n" + bytes(range(256))
    upload = encode_multipart(
        [("model", "m"), ("skip", None), ("g", ["word", "segment"]), ("stream", True)],
        "file",
        'we"ird.wav',
        content,
        "audio/wav",
    )
    request = httpx.Request(
        "POST", BASE, content=upload.content, headers={"content-type": upload.content_type}
    )
    head = f"Content-Type: {upload.content_type}\r\n\r\n".encode()
    parts = list(BytesParser(policy=HTTP).parsebytes(head + upload.content).iter_parts())
    names = [p.get_param("name", header="content-disposition") for p in parts]
    assert names == ["model", "g", "g", "stream", "file"]
    assert parts[-1].get_payload(decode=True) == content
    assert _form(request)["stream"] == "true"


def test_create_sends_multipart_and_parses_each_format(api: Api, tmp_path: Path) -> None:
    path = tmp_path / "talk.wav"
    path.write_bytes(_wav())
    verbose = {
        "text": "hi",
        "language": "en",
        "duration": 1.0,
        "segments": [{"id": 0, "start": 0, "end": 1, "text": "hi"}],
    }
    client = api.make(
        httpx.Response(200, json={"text": "hi", "usage": {"type": "duration", "seconds": 1}}),
        httpx.Response(200, json={"text": "hi", "usage": {"type": "duration", "seconds": 1}}),
        httpx.Response(200, text="hi plain", headers={"content-type": "text/plain"}),
        httpx.Response(200, json=verbose),
    )
    result = api.run(client.audio.transcriptions.create(file=path, model="whisper", language="en"))
    assert isinstance(result, Transcription)
    assert result.text == "hi"
    sent = api.sent[0]
    assert str(sent.url) == f"{BASE}/audio/transcriptions"
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    form = _form(sent)
    assert form["file"] == ("talk.wav", "audio/wav", path.read_bytes())
    assert form["model"] == "whisper"
    assert form["language"] == "en"
    # vLLM answers response_format=text with JSON; a plain-text body (OpenAI's) is returned as is.
    assert api.run(client.audio.translations.create(file=b"RIFF", model="w", response_format="text")) == "hi"
    assert str(api.sent[1].url) == f"{BASE}/audio/translations"
    assert api.run(client.audio.transcriptions.create(file=b"x", response_format="text")) == "hi plain"
    result = api.run(client.audio.transcriptions.create(file=b"x", response_format="verbose_json"))
    assert isinstance(result, TranscriptionVerbose)
    assert result.segments is not None
    assert result.segments[0].text == "hi"
    api.close(client)


def test_missing_file_raises_before_any_io(api: Api) -> None:
    client = api.make()
    with pytest.raises(MissingParameterError, match="file"):
        client.audio.transcriptions.create(model="w")  # type: ignore[call-overload]
    assert api.sent == []
    api.close(client)


def test_stream_sets_stream_fields(api: Api) -> None:
    chunks = [
        {
            "id": "t",
            "object": "transcription.chunk",
            "created": 1,
            "model": "w",
            "choices": [{"delta": {"content": "Hel"}}],
        },
        {
            "id": "t",
            "object": "transcription.chunk",
            "created": 1,
            "model": "w",
            "choices": [{"delta": {"content": "lo"}, "finish_reason": "stop"}],
        },
        {
            "id": "t",
            "object": "transcription.chunk",
            "created": 1,
            "model": "w",
            "choices": [],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        },
    ]
    body = b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"
    client = api.make(httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))
    stream = api.run(client.audio.transcriptions.create(file=b"x", model="w", stream=True))
    form = _form(api.sent[0])
    assert form["stream"] == "true"
    assert form["stream_include_usage"] == "true"
    if api.is_async:

        async def consume() -> tuple[list[Any], Transcription]:
            return [e async for e in stream], await stream.collect()

        events, final = api.run(consume())
    else:
        assert isinstance(stream, TranscriptionStream)
        events, final = list(stream), stream.collect()
    assert [e for e in events if type(e) is Content] == [Content("Hel", 0), Content("lo", 0)]
    assert type(events[-1]) is Done
    assert final.text == "Hello"
    api.close(client)


@pytest.fixture(scope="module")
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


def test_mock_sync_formats_and_stream(server: MockVllmServer) -> None:
    with VllmClient(server.base_url, max_retries=0) as client:
        plain = client.audio.transcriptions.create(file=_wav(), model=server.model)
        assert plain.text
        assert plain.usage == {"type": "duration", "seconds": 1}
        with client.audio.transcriptions.create(file=_wav(), model=server.model, stream=True) as stream:
            assert "".join(stream.text_stream) == plain.text
        with pytest.raises(BadRequestError, match="streaming"):
            client.audio.transcriptions.create(
                file=_wav(),
                model=server.model,
                response_format="verbose_json",
                stream=True,  # type: ignore[call-overload]
            )
        with pytest.raises(BadRequestError, match="response_format"):
            client.audio.transcriptions.create(file=_wav(), model=server.model, response_format="srt")  # type: ignore[call-overload]


def test_mock_sync_streams_a_file_from_disk_and_again_on_a_retry(
    server: MockVllmServer, tmp_path: Path
) -> None:
    server.reset()
    audio = _wav() * 40  # 640 kB: several chunks of the upload
    assert len(audio) > 2 * CHUNK_SIZE
    handle = CountingFile(audio)
    big = tmp_path / "talk.wav"
    big.write_bytes(_wav() + b"\x00" * (2 * CHUNK_SIZE))
    server.faults = "status=503:1"
    try:
        with VllmClient(server.base_url, max_retries=1) as client:
            assert client.audio.transcriptions.create(file=handle, model=server.model).text
            assert client.audio.transcriptions.create(file=big, model=server.model).text
        uploads = [r for r in server.requests if r.path.endswith("/audio/transcriptions")]
        assert len(uploads) == 3  # the first one answered 503, then resent whole
        assert [audio in r.body for r in uploads[:2]] == [True, True]
        assert big.read_bytes() in uploads[2].body
        assert all(r.headers["content-length"] == str(len(r.body)) for r in uploads)
        assert all("transfer-encoding" not in r.headers for r in uploads)
        assert max(handle.reads) <= CHUNK_SIZE
        assert sum(handle.reads) >= 2 * len(audio)
    finally:
        server.reset()
