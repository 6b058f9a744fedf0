"""``with_raw_response`` / ``with_streaming_response`` of the hand-written resources that had none (Messages,
audio transcriptions and translations) and the typed views' runtime, against the embedded mock server."""

from __future__ import annotations

import asyncio
import io
import wave
from typing import TYPE_CHECKING

import pytest

from vllm_sdk import (
    AnthropicMessage,
    AnthropicMessageStream,
    AsyncRawResponse,
    AsyncVllmClient,
    BadRequestError,
    MessageTokenCount,
    MissingParameterError,
    RawResponse,
    StreamedRawResponse,
    Transcription,
    VllmClient,
)
from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import Iterator

HELLO = [{"role": "user", "content": "Hello"}]


def _wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x00\x01" * 8000)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


def test_raw_messages_create_stream_and_count(server: MockVllmServer) -> None:
    with VllmClient(server.base_url, max_retries=0) as client:
        plain = client.messages.create(model=server.model, messages=HELLO, max_tokens=8)
        raw = client.messages.with_raw_response.create(model=server.model, messages=HELLO, max_tokens=8)
        assert isinstance(raw, RawResponse)
        assert raw.status_code == 200
        assert raw.headers["content-type"].startswith("application/json")
        message = raw.parse()
        assert isinstance(message, AnthropicMessage)
        assert message.content == plain.content
        assert raw.json()["type"] == "message"

        sraw = client.messages.with_raw_response.create(
            model=server.model, messages=HELLO, max_tokens=8, stream=True
        )
        with sraw.parse() as stream:
            assert isinstance(stream, AnthropicMessageStream)
            assert stream.collect().content == plain.content

        count = client.messages.with_raw_response.count_tokens(model=server.model, messages=HELLO)
        assert isinstance(count.parse(), MessageTokenCount)
        assert count.parse().input_tokens > 0

        with client.messages.with_streaming_response.create(
            model=server.model, messages=HELLO, max_tokens=8, stream=True
        ) as streamed:
            assert isinstance(streamed, StreamedRawResponse)
            events = [line for line in streamed.iter_lines() if line.startswith("event:")]
        assert events[0] == "event: message_start"
        assert events[-1] == "event: message_stop"


def test_raw_transcriptions_and_translations(server: MockVllmServer) -> None:
    with VllmClient(server.base_url, max_retries=0) as client:
        plain = client.audio.transcriptions.create(file=_wav(), model=server.model)
        raw = client.audio.transcriptions.with_raw_response.create(file=_wav(), model=server.model)
        assert raw.http_response.request.url.path == "/v1/audio/transcriptions"
        assert isinstance(raw.parse(), Transcription)
        assert raw.parse().text == plain.text
        text = client.audio.transcriptions.with_raw_response.create(
            file=_wav(), model=server.model, response_format="text"
        )
        assert text.parse() == client.audio.transcriptions.create(
            file=_wav(), model=server.model, response_format="text"
        )
        # The view keeps the route of the resource it came from.
        translated = client.audio.translations.with_raw_response.create(file=_wav(), model=server.model)
        assert translated.http_response.request.url.path == "/v1/audio/translations"
        with client.audio.transcriptions.with_streaming_response.create(
            file=_wav(), model=server.model, stream=True
        ) as streamed:
            with streamed.parse() as stream:
                assert "".join(stream.text_stream) == plain.text
        with pytest.raises(BadRequestError, match="response_format"):
            client.audio.transcriptions.with_raw_response.create(
                file=_wav(),
                model=server.model,
                response_format="srt",  # type: ignore[call-overload]
            )


def test_async_raw_messages_and_audio(server: MockVllmServer) -> None:
    async def main() -> None:
        async with AsyncVllmClient(server.base_url, max_retries=0) as client:
            raw = await client.messages.with_raw_response.create(
                model=server.model, messages=HELLO, max_tokens=8
            )
            assert isinstance(raw, AsyncRawResponse)
            assert isinstance(await raw.parse(), AnthropicMessage)
            async with client.messages.with_streaming_response.count_tokens(
                model=server.model, messages=HELLO
            ) as count:
                assert (await count.parse()).input_tokens > 0
            traw = await client.audio.translations.with_raw_response.create(file=_wav(), model=server.model)
            assert traw.http_response.request.url.path == "/v1/audio/translations"
            assert (await traw.parse()).text

    asyncio.run(main())


# ---------------------------------------------------------------- builders: send_raw / send_stream_raw


def test_builders_send_raw_and_send_stream_raw(server: MockVllmServer) -> None:
    with VllmClient(server.base_url, max_retries=0) as client:
        builder = client.chat.completions.create().model(server.model).user("Hello").max_tokens(8)
        raw = builder.send_raw(extra_headers={"x-trace": "1"})
        assert isinstance(raw, RawResponse)
        assert raw.http_response.request.headers["x-trace"] == "1"
        assert raw.http_response.request.url.path == "/v1/chat/completions"
        assert raw.parse().content == builder.send().content  # the builder is unchanged and reusable
        sraw = builder.send_stream_raw()
        assert sraw.headers["content-type"].startswith("text/event-stream")
        with sraw.parse() as stream:
            assert stream.collect_content() == raw.parse().content

        rb = client.responses.create().model(server.model).input("Hello")
        rraw = rb.send_raw()
        assert rraw.parse().output_text == rb.send().output_text
        with rb.send_stream_raw().parse() as rstream:
            assert rstream.collect().output_text == rraw.parse().output_text

        mb = client.messages.create().model(server.model).user("Hello").max_tokens(8)
        assert mb.send_raw().parse().content == mb.send().content
        with mb.send_stream_raw().parse() as mstream:
            assert mstream.collect().content == mb.send().content

        bare = client.chat.completions.create()
        with pytest.raises(MissingParameterError):  # checked before any I/O, as send() does
            bare.send_raw()


def test_async_builders_send_raw(server: MockVllmServer) -> None:
    async def main() -> None:
        async with AsyncVllmClient(server.base_url, max_retries=0) as client:
            builder = client.chat.completions.create().model(server.model).user("Hello").max_tokens(8)
            raw = await builder.send_raw()
            assert isinstance(raw, AsyncRawResponse)
            assert (await raw.parse()).content == (await builder.send()).content
            sraw = await builder.send_stream_raw()
            stream = await sraw.parse()
            assert await stream.collect_content() == (await raw.parse()).content
            rraw = await client.responses.create().model(server.model).input("Hello").send_raw()
            assert (await rraw.parse()).output_text
            mraw = (
                await client.messages.create().model(server.model).user("Hi").max_tokens(8).send_stream_raw()
            )
            assert (await (await mraw.parse()).collect()).content

    asyncio.run(main())
