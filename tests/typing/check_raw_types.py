"""Static typing checks of raw responses (run by test_typing.py with ``mypy --strict``; never executed):
``with_raw_response.<method>(...)`` is ``RawResponse[T]`` of the plain method's return type ``T`` (the
overload that ``stream=`` / ``response_format=`` / ``text_format=`` choose), ``parse()`` returns ``T``, and
``with_streaming_response.<method>(...)`` is a context manager giving ``StreamedRawResponse[T]``; the same for
the async client, for generated and hand-written resources and the client's own routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from typing_extensions import assert_type

from vllm_sdk import (
    AnthropicMessage,
    AnthropicMessageStream,
    AsyncAnthropicMessageStream,
    AsyncMessageStream,
    AsyncParsedMessageStream,
    AsyncRawResponse,
    AsyncResponseStream,
    AsyncStreamedRawResponse,
    AsyncStreamedRawResponseManager,
    AsyncTranscriptionStream,
    AsyncVllmClient,
    ChatCompletionResponse,
    CompletionResponse,
    MessageStream,
    MessageTokenCount,
    ParsedChatCompletion,
    ParsedMessageStream,
    ParsedResponse,
    RawResponse,
    Response,
    ResponseStream,
    StreamedRawResponse,
    StreamedRawResponseManager,
    Transcription,
    TranscriptionStream,
    TranscriptionVerbose,
    VllmClient,
)
from vllm_sdk.types import ModelList, TokenizeResponse
from vllm_sdk.types._generated import SleepResponse


class Weather(BaseModel):
    city: str


MSGS: list[Any] = [{"role": "user", "content": "hi"}]


def sync_checks(client: VllmClient) -> None:
    chat = client.chat.completions
    # Sub-resources through the client's views, as in openai-python.
    assert_type(
        client.with_raw_response.chat.completions.create(model="m", messages=MSGS).parse(),
        ChatCompletionResponse,
    )
    assert_type(client.with_streaming_response.models.list(), StreamedRawResponseManager[ModelList])
    raw = chat.with_raw_response.create(model="m", messages=MSGS)
    assert_type(raw, RawResponse[ChatCompletionResponse])
    assert_type(raw.parse(), ChatCompletionResponse)
    assert_type(raw.status_code, int)
    assert_type(
        chat.with_raw_response.create(model="m", messages=MSGS, stream=True), RawResponse[MessageStream]
    )
    assert_type(chat.with_raw_response.create(model="m", messages=MSGS, stream=True).parse(), MessageStream)
    flag: bool = bool(MSGS)
    assert_type(
        chat.with_raw_response.create(model="m", messages=MSGS, stream=flag),
        RawResponse[ChatCompletionResponse | MessageStream],
    )
    chat.with_raw_response.create(model="m", messages=MSGS, temperature="hot")  # type: ignore[call-overload]
    assert_type(
        chat.with_raw_response.parse(model="m", messages=MSGS, response_format=Weather).parse(),
        ParsedChatCompletion[Weather],
    )
    assert_type(
        chat.with_raw_response.parse(model="m", messages=MSGS, response_format=Weather, stream=True).parse(),
        ParsedMessageStream[Weather],
    )
    managed = chat.with_streaming_response.create(model="m", messages=MSGS)
    assert_type(managed, StreamedRawResponseManager[ChatCompletionResponse])
    with managed as streamed:
        assert_type(streamed, StreamedRawResponse[ChatCompletionResponse])
        assert_type(streamed.parse(), ChatCompletionResponse)
    with chat.with_streaming_response.create(model="m", messages=MSGS, stream=True) as streamed_sse:
        assert_type(streamed_sse.parse(), MessageStream)

    assert_type(
        client.completions.with_raw_response.create(model="m", prompt="p").parse(), CompletionResponse
    )
    assert_type(client.models.with_raw_response.list(), RawResponse[ModelList])
    assert_type(client.with_raw_response.tokenize(model="m", prompt="p").parse(), TokenizeResponse)
    assert_type(client.with_raw_response.sleep(level=1).parse(), SleepResponse)
    client.with_raw_response.sleep(level="deep")  # type: ignore[arg-type]
    with client.with_streaming_response.tokenize(model="m", prompt="p") as tok:
        assert_type(tok.parse(), TokenizeResponse)

    responses = client.responses
    assert_type(responses.with_raw_response.create(model="m", input="hi"), RawResponse[Response])
    assert_type(
        responses.with_raw_response.create(model="m", input="hi", stream=True).parse(), ResponseStream[Any]
    )
    assert_type(
        responses.with_raw_response.parse(model="m", input="hi", text_format=Weather).parse(),
        ParsedResponse[Weather],
    )
    assert_type(responses.with_raw_response.retrieve("r").parse(), Response)
    assert_type(responses.with_raw_response.retrieve("r", stream=True).parse(), ResponseStream[Any])
    assert_type(responses.with_raw_response.cancel("r").parse(), Response)
    with responses.with_streaming_response.create(model="m", input="hi") as r:
        assert_type(r, StreamedRawResponse[Response])

    messages = client.messages
    assert_type(messages.with_raw_response.create(model="m", messages=MSGS).parse(), AnthropicMessage)
    assert_type(
        messages.with_raw_response.create(model="m", messages=MSGS, stream=True).parse(),
        AnthropicMessageStream,
    )
    assert_type(messages.with_raw_response.count_tokens(model="m", messages=MSGS).parse(), MessageTokenCount)

    audio = client.audio.transcriptions
    assert_type(audio.with_raw_response.create(file=b"x").parse(), Transcription)
    assert_type(audio.with_raw_response.create(file=b"x", response_format="text").parse(), str)
    assert_type(
        client.audio.translations.with_raw_response.create(file=b"x", response_format="verbose_json").parse(),
        TranscriptionVerbose,
    )
    assert_type(audio.with_raw_response.create(file=b"x", stream=True).parse(), TranscriptionStream)


async def async_checks(client: AsyncVllmClient) -> None:
    sub = await client.with_raw_response.chat.completions.create(model="m", messages=MSGS)
    assert_type(await sub.parse(), ChatCompletionResponse)
    chat = client.chat.completions
    raw = await chat.with_raw_response.create(model="m", messages=MSGS)
    assert_type(raw, AsyncRawResponse[ChatCompletionResponse])
    assert_type(await raw.parse(), ChatCompletionResponse)
    streamed_raw = await chat.with_raw_response.create(model="m", messages=MSGS, stream=True)
    assert_type(await streamed_raw.parse(), AsyncMessageStream)
    assert_type(
        await (await chat.with_raw_response.parse(model="m", messages=MSGS, response_format=Weather)).parse(),
        ParsedChatCompletion[Weather],
    )
    parsed_stream = await chat.with_raw_response.parse(
        model="m", messages=MSGS, response_format=Weather, stream=True
    )
    assert_type(await parsed_stream.parse(), AsyncParsedMessageStream[Weather])
    managed = chat.with_streaming_response.create(model="m", messages=MSGS, stream=True)
    assert_type(managed, AsyncStreamedRawResponseManager[AsyncMessageStream])
    async with managed as streamed:
        assert_type(streamed, AsyncStreamedRawResponse[AsyncMessageStream])
        assert_type(await streamed.parse(), AsyncMessageStream)

    assert_type(await client.models.with_raw_response.list(), AsyncRawResponse[ModelList])
    assert_type(
        await (await client.with_raw_response.tokenize(model="m", prompt="p")).parse(), TokenizeResponse
    )

    rraw = await client.responses.with_raw_response.create(model="m", input="hi", stream=True)
    assert_type(await rraw.parse(), AsyncResponseStream[Any])
    mraw = await client.messages.with_raw_response.create(model="m", messages=MSGS, stream=True)
    assert_type(await mraw.parse(), AsyncAnthropicMessageStream)
    async with client.messages.with_streaming_response.count_tokens(model="m", messages=MSGS) as count:
        assert_type(await count.parse(), MessageTokenCount)
    traw = await client.audio.transcriptions.with_raw_response.create(file=b"x", stream=True)
    assert_type(await traw.parse(), AsyncTranscriptionStream)


def builder_checks(client: VllmClient) -> None:
    builder = client.chat.completions.create().model("m").user("hi")
    assert_type(builder.send_raw(), RawResponse[ChatCompletionResponse])
    assert_type(builder.send_stream_raw().parse(), MessageStream)
    assert_type(client.completions.create().model("m").prompt("p").send_raw().parse(), CompletionResponse)
    assert_type(client.responses.create().model("m").input("hi").send_raw(), RawResponse[Response])
    assert_type(client.responses.create().model("m").send_stream_raw().parse(), ResponseStream[Any])
    assert_type(client.messages.create().model("m").send_raw().parse(), AnthropicMessage)
    assert_type(client.messages.create().model("m").send_stream_raw().parse(), AnthropicMessageStream)


async def async_builder_checks(client: AsyncVllmClient) -> None:
    builder = client.chat.completions.create().model("m").user("hi")
    assert_type(await builder.send_raw(), AsyncRawResponse[ChatCompletionResponse])
    assert_type(await (await builder.send_stream_raw()).parse(), AsyncMessageStream)
    assert_type(
        await client.responses.create().model("m").send_stream_raw(),
        AsyncRawResponse[AsyncResponseStream[Any]],
    )
    messages = await client.messages.create().model("m").send_stream_raw()
    assert_type(await messages.parse(), AsyncAnthropicMessageStream)
