"""Static typing checks (run by test_typing.py with ``mypy --strict``; never executed): the clients' raw
views reach the hand-written resources typed (``client.with_raw_response.responses.create(...)`` is
``RawResponse[Response]``), ``health()`` / ``version()`` are ``RawResponse[bool]`` / ``RawResponse[str]``,
and the builders' ``parse_raw()`` / ``parse_stream_raw()`` / ``count_tokens_raw()`` wrap what the plain
methods return."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from typing_extensions import assert_type

from vllm_sdk import (
    AnthropicMessage,
    AnthropicMessageStream,
    AsyncParsedMessageStream,
    AsyncRawResponse,
    AsyncResponseStream,
    AsyncStreamedRawResponseManager,
    AsyncTranscriptionStream,
    AsyncVllmClient,
    MessageTokenCount,
    ParsedChatCompletion,
    ParsedMessageStream,
    ParsedResponse,
    RawResponse,
    Response,
    ResponseStream,
    StreamedRawResponseManager,
    Transcription,
    TranscriptionVerbose,
    VllmClient,
)
from vllm_sdk.types import GenerateRequest

MSGS: list[Any] = [{"role": "user", "content": "hi"}]


class City(BaseModel):
    name: str


def client_views(client: VllmClient) -> None:
    raw = client.with_raw_response
    assert_type(raw.responses.create(model="m", input="hi"), RawResponse[Response])
    assert_type(raw.responses.create(model="m", input="hi", stream=True).parse(), ResponseStream[Any])
    assert_type(raw.responses.parse(model="m", input="hi", text_format=City).parse(), ParsedResponse[City])
    assert_type(raw.responses.retrieve("r").parse(), Response)
    assert_type(raw.responses.cancel("r"), RawResponse[Response])
    assert_type(raw.responses.render(model="m", input="hi").parse(), GenerateRequest)
    assert_type(raw.messages.create(model="m", messages=MSGS).parse(), AnthropicMessage)
    assert_type(raw.messages.create(model="m", messages=MSGS, stream=True).parse(), AnthropicMessageStream)
    assert_type(raw.messages.count_tokens(model="m", messages=MSGS), RawResponse[MessageTokenCount])
    assert_type(raw.messages.render(model="m", messages=MSGS).parse(), GenerateRequest)
    assert_type(raw.audio.transcriptions.create(file=b"x").parse(), Transcription)
    assert_type(
        raw.audio.translations.create(file=b"x", response_format="verbose_json").parse(), TranscriptionVerbose
    )
    assert_type(raw.health(), RawResponse[bool])
    assert_type(raw.health(timeout=1.0).parse(), bool)
    assert_type(raw.version().parse(), str)
    raw.health(timeout="soon")  # type: ignore[arg-type]
    raw.version(1.0)  # type: ignore[call-arg]

    streaming = client.with_streaming_response
    assert_type(streaming.responses.create(model="m", input="hi"), StreamedRawResponseManager[Response])
    counted = streaming.messages.count_tokens(model="m", messages=MSGS)
    assert_type(counted, StreamedRawResponseManager[MessageTokenCount])
    assert_type(streaming.audio.transcriptions.create(file=b"x"), StreamedRawResponseManager[Transcription])
    assert_type(streaming.health(), StreamedRawResponseManager[bool])
    with streaming.version() as version:
        assert_type(version.parse(), str)


async def async_client_views(client: AsyncVllmClient) -> None:
    raw = client.with_raw_response
    created = await raw.responses.create(model="m", input="hi", stream=True)
    assert_type(created, AsyncRawResponse[AsyncResponseStream[Any]])
    assert_type(await (await raw.messages.create(model="m", messages=MSGS)).parse(), AnthropicMessage)
    assert_type(await (await raw.messages.render(model="m", messages=MSGS)).parse(), GenerateRequest)
    transcribed = await raw.audio.transcriptions.create(file=b"x", stream=True)
    assert_type(await transcribed.parse(), AsyncTranscriptionStream)
    assert_type(await raw.health(), AsyncRawResponse[bool])
    assert_type(await (await raw.version()).parse(), str)
    streaming = client.with_streaming_response
    assert_type(streaming.health(), AsyncStreamedRawResponseManager[bool])
    assert_type(streaming.responses.create(model="m", input="hi"), AsyncStreamedRawResponseManager[Response])
    async with streaming.audio.translations.create(file=b"x") as translated:
        assert_type(await translated.parse(), Transcription)


def builders(client: VllmClient) -> None:
    chat = client.chat.completions.create().model("m").user("hi")
    assert_type(chat.parse_raw(City), RawResponse[ParsedChatCompletion[City]])
    assert_type(chat.parse_raw(City).parse().choices[0].message.parsed, City | None)
    assert_type(chat.parse_stream_raw(City).parse(), ParsedMessageStream[City])
    assert_type(
        client.responses.create().model("m").input("hi").parse_raw(City), RawResponse[ParsedResponse[City]]
    )
    assert_type(client.messages.create().model("m").count_tokens_raw(), RawResponse[MessageTokenCount])
    chat.parse_raw(City, max_retries="3")  # type: ignore[arg-type]


async def async_builders(client: AsyncVllmClient) -> None:
    chat = client.chat.completions.create().model("m").user("hi")
    assert_type(await chat.parse_raw(City), AsyncRawResponse[ParsedChatCompletion[City]])
    assert_type(await (await chat.parse_stream_raw(City)).parse(), AsyncParsedMessageStream[City])
    parsed = await client.responses.create().model("m").parse_raw(City)
    assert_type(await parsed.parse(), ParsedResponse[City])
    count = await client.messages.create().model("m").count_tokens_raw()
    assert_type(count, AsyncRawResponse[MessageTokenCount])
