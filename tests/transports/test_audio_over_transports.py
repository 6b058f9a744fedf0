"""Audio uploads (multipart) through both async transports (httpx's and the aiohttp transport) against the
mock server: the form arrives intact (fields, filename, MIME type, bytes) and every response format works."""

from __future__ import annotations

import asyncio
import io
import wave
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

from upload_files import CountingFile
from vllm_sdk import AsyncVllmClient, Content, Done, Transcription, TranscriptionVerbose, Usage
from vllm_sdk._file_source import CHUNK_SIZE
from vllm_sdk._transports import TRANSPORT_ENV, AiohttpTransport
from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path


def _wav(seconds: float = 1.5, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x01\x00" * int(seconds * rate))
    return buffer.getvalue()


@pytest.fixture
async def srv() -> AsyncIterator[MockVllmServer]:
    async with MockVllmServer() as server:
        yield server


@pytest.fixture
async def client(
    srv: MockVllmServer, transport_name: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AsyncVllmClient]:
    monkeypatch.setenv(TRANSPORT_ENV, transport_name)
    c = AsyncVllmClient(srv.base_url, max_retries=0, timeout=10.0)
    assert isinstance(c.http_client._transport, AiohttpTransport) is (transport_name in ("aiohttp", "wire"))
    async with c:
        yield c


async def test_every_response_format(client: AsyncVllmClient, srv: MockVllmServer, tmp_path: Path) -> None:
    path = tmp_path / "talk.wav"
    path.write_bytes(_wav(1.5))
    audio = client.audio.transcriptions
    result = await audio.create(file=path, model=srv.model)
    assert isinstance(result, Transcription)
    assert result.text
    assert result.usage == {"type": "duration", "seconds": 2}
    text = await audio.create(file=path.read_bytes(), model=srv.model, response_format="text")
    assert text == result.text  # same bytes, same transcript
    with path.open("rb") as handle:
        verbose = await audio.create(
            file=handle, model=srv.model, response_format="verbose_json", language="en"
        )
    assert isinstance(verbose, TranscriptionVerbose)
    assert verbose.duration == pytest.approx(1.5)
    assert verbose.language == "en"
    assert verbose.segments is not None
    assert verbose.segments[0].text == result.text
    translated = await client.audio.translations.create(file=("talk.wav", _wav(1.5)), model=srv.model)
    assert translated.text
    assert translated.usage is None  # vLLM reports no usage for translations


async def test_stream(client: AsyncVllmClient, srv: MockVllmServer) -> None:
    stream = await client.audio.transcriptions.create(file=_wav(), model=srv.model, stream=True)
    async with stream:
        events = [event async for event in stream]
        final = await stream.collect()
    assert {type(e) for e in events} >= {Content, Usage, Done}
    assert "".join(e.text for e in events if type(e) is Content) == final.text
    plain = await client.audio.transcriptions.create(file=_wav(), model=srv.model)
    assert final.text == plain.text


async def test_the_form_arrives_intact(transport_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A bare aiohttp server that echoes the parsed form: what each transport actually put on the wire.
    received: dict[str, object] = {}
    done = asyncio.Event()

    async def echo(request: web.Request) -> web.Response:
        form = await request.post()
        for key in form:
            values = form.getall(key)
            received[key] = [
                (v.filename, v.content_type, v.file.read()) if isinstance(v, web.FileField) else v
                for v in values
            ]
        done.set()
        return web.json_response({"text": "ok"})

    app = web.Application()
    app.router.add_post("/v1/audio/transcriptions", echo)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    monkeypatch.setenv(TRANSPORT_ENV, transport_name)
    audio = b"fLaC" + bytes(range(256)) * 8  # binary, incl. CR/LF bytes
    try:
        async with AsyncVllmClient(f"http://127.0.0.1:{port}/v1", max_retries=0) as c:
            result = await c.audio.transcriptions.create(
                file=("clip", audio),
                model="whisper",
                temperature=0.2,
                timestamp_granularities=["word", "segment"],
                extra_body={"vllm_xargs": "x"},
            )
        await done.wait()
    finally:
        await runner.cleanup()
    assert result.text == "ok"
    assert received["file"] == [("clip", "audio/flac", audio)]
    assert received["model"] == ["whisper"]
    assert received["temperature"] == ["0.2"]
    assert received["timestamp_granularities"] == ["word", "segment"]
    assert received["vllm_xargs"] == ["x"]
    assert "response_format" not in received  # None fields are left out


async def test_a_file_streams_from_disk_with_its_length_and_again_on_a_retry(
    srv: MockVllmServer, transport_name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(TRANSPORT_ENV, transport_name)
    audio = _wav(20.0, 16000)  # 640 kB: several chunks
    assert len(audio) > 2 * CHUNK_SIZE
    handle = CountingFile(audio)
    srv.faults = "status=503:1"  # the first attempt fails: the body must be sent whole again
    async with AsyncVllmClient(srv.base_url, max_retries=1, timeout=10.0) as c:
        result = await c.audio.transcriptions.create(file=handle, model=srv.model)
    assert result.text
    uploads = [r for r in srv.requests if r.path.endswith("/audio/transcriptions")]
    assert len(uploads) == 2
    for request in uploads:
        assert request.headers["content-length"] == str(len(request.body))
        assert "transfer-encoding" not in request.headers
        assert audio in request.body
    assert max(handle.reads) <= CHUNK_SIZE  # never read whole
    assert sum(handle.reads) >= 2 * len(audio)  # read again for the retry
    path = tmp_path / "talk.wav"
    path.write_bytes(audio)
    srv.reset()
    async with AsyncVllmClient(srv.base_url, max_retries=0, timeout=10.0) as c:
        assert (await c.audio.transcriptions.create(file=path, model=srv.model)).text == result.text
    (upload,) = srv.requests
    assert upload.headers["content-length"] == str(len(upload.body))
    assert audio in upload.body
