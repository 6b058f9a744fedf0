"""The client's raw views reach the hand-written resources (``client.with_raw_response.responses``,
``.messages``, ``.audio.transcriptions`` / ``.translations``) and answer typed ``health()`` / ``version()``;
builders' ``parse_raw()`` / ``parse_stream_raw()`` (chat), ``parse_raw()`` (Responses) and
``count_tokens_raw()`` (Messages). Against the embedded mock server, and a scripted transport for the
error statuses of ``health()``."""

from __future__ import annotations

import asyncio
import io
import wave
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from pydantic import BaseModel

from vllm_sdk import (
    AnthropicMessage,
    AsyncRawResponse,
    AsyncVllmClient,
    HttpError,
    InternalServerError,
    MessageTokenCount,
    ParsedChatCompletion,
    ParsedMessageStream,
    ParsedResponse,
    RawResponse,
    Response,
    StreamedRawResponse,
    Transcription,
    VllmClient,
)
from vllm_sdk.testing import MockVllmServer
from vllm_sdk.types import GenerateRequest

from .helpers import BASE, Script

if TYPE_CHECKING:
    from collections.abc import Iterator

HELLO: list[Any] = [{"role": "user", "content": "Hello"}]


class City(BaseModel):
    name: str
    population: int


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


# ---------------------------------------------------------------- the client's views


def test_the_clients_raw_view_reaches_responses_messages_and_audio(server: MockVllmServer) -> None:
    with VllmClient(server.base_url, max_retries=0) as client:
        raw = client.with_raw_response.responses.create(model=server.model, input="Hello")
        assert isinstance(raw, RawResponse)
        assert raw.http_response.request.url.path == "/v1/responses"
        assert isinstance(raw.parse(), Response)
        plain = client.responses.create(model=server.model, input="Hello")
        assert raw.parse().output_text == plain.output_text

        parsed = client.with_raw_response.responses.parse(
            model=server.model, input="a city", text_format=City
        )
        assert isinstance(parsed.parse().output_parsed, City)

        message = client.with_raw_response.messages.create(model=server.model, messages=HELLO, max_tokens=8)
        assert message.http_response.request.url.path == "/v1/messages"
        assert isinstance(message.parse(), AnthropicMessage)
        count = client.with_raw_response.messages.count_tokens(model=server.model, messages=HELLO)
        assert count.http_response.request.url.path == "/v1/messages/count_tokens"
        assert count.parse().input_tokens > 0

        transcribed = client.with_raw_response.audio.transcriptions.create(file=_wav(), model=server.model)
        assert transcribed.http_response.request.url.path == "/v1/audio/transcriptions"
        assert isinstance(transcribed.parse(), Transcription)
        # Each audio view keeps its own route.
        translated = client.with_raw_response.audio.translations.create(file=_wav(), model=server.model)
        assert translated.http_response.request.url.path == "/v1/audio/translations"
        assert translated.parse().text

        with client.with_streaming_response.responses.create(
            model=server.model, input="Hello", stream=True
        ) as streamed:
            assert isinstance(streamed, StreamedRawResponse)
            events = [line for line in streamed.iter_lines() if line.startswith("event:")]
        assert events[-1] == "event: response.completed"
        with client.with_streaming_response.messages.count_tokens(model=server.model, messages=HELLO) as sc:
            assert isinstance(sc.parse(), MessageTokenCount)
        with client.with_streaming_response.audio.translations.create(file=_wav(), model=server.model) as st:
            assert st.http_response.request.url.path == "/v1/audio/translations"


def test_raw_render_of_responses_and_messages_is_typed_and_sent(server: MockVllmServer) -> None:
    with VllmClient(server.base_url, max_retries=0) as client:
        raw = client.with_raw_response.responses.render(model=server.model, input="Hello")
        assert raw.http_response.request.url.path == "/v1/responses/render"
        assert isinstance(raw.parse(), GenerateRequest)
        mraw = client.messages.with_raw_response.render(model=server.model, messages=HELLO, max_tokens=8)
        assert mraw.http_response.request.url.path == "/v1/messages/render"
        assert mraw.parse().token_ids


def test_raw_health_and_version(server: MockVllmServer) -> None:
    with VllmClient(server.base_url, max_retries=0) as client:
        health = client.with_raw_response.health()
        assert isinstance(health, RawResponse)
        assert health.status_code == 200
        assert health.http_response.request.url.path == "/health"
        assert health.parse() is True
        version = client.with_raw_response.version()
        assert version.http_response.request.url.path == "/version"
        assert version.parse() == client.version()
        with client.with_streaming_response.version() as streamed:
            assert streamed.parse() == client.version()


def _scripted(*replies: Any) -> tuple[VllmClient, Script]:
    script = Script(list(replies))
    return VllmClient(BASE, http_client=httpx.Client(transport=httpx.MockTransport(script))), script


def test_raw_health_raises_the_typed_error_of_an_unhealthy_server_without_retrying() -> None:
    client, script = _scripted(httpx.Response(503, json={"error": {"message": "draining"}}))
    assert client.health() is False  # the plain call answers False...
    with pytest.raises(InternalServerError, match="draining") as caught:
        client.with_raw_response.health()  # ...the raw one has no 2xx to wrap: the typed error
    assert caught.value.status_code == 503
    assert len(script.sent) == 2  # one each: health is never retried


def test_raw_health_of_an_unreachable_server_is_an_http_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = VllmClient(BASE, http_client=httpx.Client(transport=httpx.MockTransport(refuse)))
    assert client.health() is False
    with pytest.raises(HttpError):
        client.with_raw_response.health()


def test_async_client_views_reach_the_hand_written_resources(server: MockVllmServer) -> None:
    async def main() -> None:
        async with AsyncVllmClient(server.base_url, max_retries=0) as client:
            raw = await client.with_raw_response.responses.create(model=server.model, input="Hello")
            assert isinstance(raw, AsyncRawResponse)
            assert isinstance(await raw.parse(), Response)
            message = await client.with_raw_response.messages.create(
                model=server.model, messages=HELLO, max_tokens=8
            )
            assert isinstance(await message.parse(), AnthropicMessage)
            translated = await client.with_raw_response.audio.translations.create(
                file=_wav(), model=server.model
            )
            assert translated.http_response.request.url.path == "/v1/audio/translations"
            health = await client.with_raw_response.health()
            assert await health.parse() is True
            version = await client.with_raw_response.version()
            assert await version.parse() == await client.version()
            async with client.with_streaming_response.health() as streamed:
                assert streamed.status_code == 200
            async with client.with_streaming_response.audio.transcriptions.create(
                file=_wav(), model=server.model
            ) as st:
                assert isinstance(await st.parse(), Transcription)

    asyncio.run(main())


def test_async_raw_health_raises_for_an_error_status() -> None:
    async def main() -> None:
        script = Script([httpx.Response(500, json={"error": {"message": "down"}})])
        transport = httpx.MockTransport(script)
        async with AsyncVllmClient(BASE, http_client=httpx.AsyncClient(transport=transport)) as client:
            assert await client.health() is False
            with pytest.raises(InternalServerError, match="down"):
                await client.with_raw_response.health()
        assert len(script.sent) == 2

    asyncio.run(main())


# ---------------------------------------------------------------- builders


def test_builders_parse_raw_and_count_tokens_raw(server: MockVllmServer) -> None:
    with VllmClient(server.base_url, max_retries=0) as client:
        chat = client.chat.completions.create().model(server.model).user("a city")
        raw = chat.parse_raw(City, extra_headers={"x-trace": "1"})
        assert isinstance(raw, RawResponse)
        assert raw.http_response.request.headers["x-trace"] == "1"
        assert raw.http_response.request.url.path == "/v1/chat/completions"
        assert raw.json()["choices"]
        parsed = raw.parse()
        assert isinstance(parsed, ParsedChatCompletion)
        assert isinstance(parsed.choices[0].message.parsed, City)
        assert parsed.choices[0].message.parsed == chat.parse(City).choices[0].message.parsed
        # The request carries the strict json_schema of the model, as parse() sends it.
        sent = raw.http_response.request.read()
        assert b'"json_schema"' in sent
        assert b'"City"' in sent

        sraw = chat.parse_stream_raw(City)
        assert sraw.headers["content-type"].startswith("text/event-stream")
        with sraw.parse() as stream:
            assert isinstance(stream, ParsedMessageStream)
            assert isinstance(stream.collect().choices[0].message.parsed, City)

        rb = client.responses.create().model(server.model).input("a city")
        rraw = rb.parse_raw(City)
        assert rraw.http_response.request.url.path == "/v1/responses"
        assert isinstance(rraw.parse(), ParsedResponse)
        assert isinstance(rraw.parse().output_parsed, City)

        mb = client.messages.create().model(server.model).messages(HELLO).max_tokens(8)
        craw = mb.count_tokens_raw(max_retries=0)
        assert craw.http_response.request.url.path == "/v1/messages/count_tokens"
        assert isinstance(craw.parse(), MessageTokenCount)
        assert craw.parse().input_tokens == mb.count_tokens().input_tokens


def test_async_builders_parse_raw_and_count_tokens_raw(server: MockVllmServer) -> None:
    async def main() -> None:
        async with AsyncVllmClient(server.base_url, max_retries=0) as client:
            chat = client.chat.completions.create().model(server.model).user("a city")
            raw = await chat.parse_raw(City)
            assert isinstance(raw, AsyncRawResponse)
            assert isinstance((await raw.parse()).choices[0].message.parsed, City)
            sraw = await chat.parse_stream_raw(City)
            async with await sraw.parse() as stream:
                assert isinstance((await stream.collect()).choices[0].message.parsed, City)
            rraw = await client.responses.create().model(server.model).input("a city").parse_raw(City)
            assert isinstance((await rraw.parse()).output_parsed, City)
            mb = client.messages.create().model(server.model).messages(HELLO).max_tokens(8)
            craw = await mb.count_tokens_raw()
            assert (await craw.parse()).input_tokens == (await mb.count_tokens()).input_tokens

    asyncio.run(main())
