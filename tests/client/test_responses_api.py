"""``client.responses``: create (keyword and builder), streams, parse, retrieve, cancel, a tool round trip;
sync and async, over a scripted transport and end to end against the mock server."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import httpx
import pytest
from pydantic import BaseModel

from vllm_sdk import (
    AsyncResponseStream,
    AsyncVllmClient,
    Content,
    Done,
    Error,
    InvalidResponseError,
    LengthFinishReasonError,
    MissingParameterError,
    NotFoundError,
    Reasoning,
    Response,
    ResponseStream,
    StreamError,
    ToolCallComplete,
    Usage,
    VllmClient,
)
from vllm_sdk.testing import MockVllmServer

from .helpers import BASE, Api

if TYPE_CHECKING:
    from collections.abc import Iterator

DATA = Path(__file__).resolve().parents[1] / "data" / "responses"


def _body(name: str) -> bytes:
    raw = (DATA / f"{name}.http").read_bytes()
    return raw[raw.index(b"\r\n\r\n") + 4 :]


def _json_reply(name: str) -> httpx.Response:
    return httpx.Response(200, content=_body(name), headers={"content-type": "application/json"})


def _stream_reply(name: str) -> httpx.Response:
    return httpx.Response(200, content=_body(name), headers={"content-type": "text/event-stream"})


def _sent(api: Api, i: int = -1) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(api.bodies[i])
    return body


class Sky(BaseModel):
    sky: Literal["clear", "cloudy"]


def test_builder_setters_return_new_builders(api: Api) -> None:
    # Copy-on-write, as the chat builders: a half-built request can be kept and sent many times.
    client = api.make(_json_reply("A52_responses_nonstream"))
    base = client.responses.create().model("tiny").instructions("Be brief.")
    first = base.input("A").extra({"x": {"a": 1}})
    second = base.input("B").tool({"type": "function", "name": "f", "parameters": {}})
    assert base.to_dict() == {"model": "tiny", "instructions": "Be brief."}
    assert first.to_dict() == {"model": "tiny", "instructions": "Be brief.", "input": "A", "x": {"a": 1}}
    assert second.to_dict()["input"] == "B"
    assert "x" not in second.to_dict()
    assert len(second.to_dict()["tools"]) == 1
    assert base.add_input({"role": "user", "content": "C"}).to_dict()["input"] == [
        {"role": "user", "content": "C"}
    ]
    assert "input" not in base.to_dict()
    deep = copy.deepcopy(first)
    assert deep.to_dict() == first.to_dict()
    assert deep is not first
    assert copy.copy(second).to_dict() == second.to_dict()
    api.run(first.send())
    api.run(first.send())
    assert _sent(api, 0) == _sent(api, 1)


def test_create_keyword_and_builder_send_the_same_body(api: Api) -> None:
    client = api.make(_json_reply("A52_responses_nonstream"))
    resp = api.run(client.responses.create(model="tiny", input="Hello", max_output_tokens=40, temperature=0))
    assert isinstance(resp, Response)
    built = client.responses.create().model("tiny").input("Hello").max_output_tokens(40).temperature(0)
    assert api.run(built.send()).id == resp.id
    assert (
        _sent(api, 0)
        == _sent(api, 1)
        == {"model": "tiny", "input": "Hello", "max_output_tokens": 40, "temperature": 0}
    )
    assert [r.url.path for r in api.sent] == ["/v1/responses", "/v1/responses"]
    assert resp.id == "resp_99f590c9cf206f9f"
    assert resp.output_text == "\n\nHello! I am a tiny test model. How can I help you today?"
    assert resp.reasoning_content == "\nThe user greets me. I will greet back.\n"
    assert resp.usage is not None
    assert (resp.usage.input_tokens, resp.usage.output_tokens, resp.usage.total_tokens) == (12, 31, 43)
    assert resp.tool_calls == []
    assert resp.raw["id"] == resp.id


def test_reasoning_parser_items(api: Api) -> None:
    client = api.make(_json_reply("B20_responses_reasoning_nonstream"))
    resp = api.run(client.responses.create(model="tiny", input="Hello"))
    assert resp.reasoning_content == "\nThe user greets me. I will greet back.\n"
    assert resp.output_text == "\n\nHello! I am a tiny test model. How can I help you today?"


def test_missing_model_or_input_fails_before_io(api: Api) -> None:
    client = api.make()
    with pytest.raises(MissingParameterError, match="input") as info:
        api.run(client.responses.create(model="tiny"))
    assert info.value.parameter == "input"
    with pytest.raises(MissingParameterError, match="model") as info:
        api.run(client.responses.create().input("x").send())
    assert info.value.parameter == "model"
    assert api.sent == []


def _stream_events(api: Api, client: Any, **kwargs: Any) -> tuple[list[Any], Response]:
    if api.is_async:

        async def run() -> tuple[list[Any], Response]:
            stream = await client.responses.create(stream=True, **kwargs)
            assert isinstance(stream, AsyncResponseStream)
            async with stream:
                events = [e async for e in stream]
                return events, await stream.collect()

        return asyncio.run(run())
    stream = client.responses.create(stream=True, **kwargs)
    assert isinstance(stream, ResponseStream)
    with stream:
        return list(stream), stream.collect()


def test_stream_yields_the_chat_event_family(api: Api) -> None:
    client = api.make(_stream_reply("B20b_responses_reasoning_stream"))
    events, final = _stream_events(api, client, model="tiny", input="Hello")
    assert _sent(api)["stream"] is True
    kinds = [type(e) for e in events]
    assert kinds[0] is Reasoning
    assert kinds[-2:] == [Usage, Done]
    assert "".join(e.text for e in events if type(e) is Content) == final.output_text
    assert "".join(e.text for e in events if type(e) is Reasoning) == final.reasoning_content
    assert final.status == "completed"
    assert final.usage is not None
    assert final.usage.total_tokens == events[-2].total_tokens


def test_truncated_stream_raises_on_collect(api: Api) -> None:
    body = _body("A52b_responses_stream")
    cut = body[: body.index(b"event: response.completed")]
    client = api.make(httpx.Response(200, content=cut, headers={"content-type": "text/event-stream"}))
    with pytest.raises(StreamError, match=r"response\.completed"):
        _stream_events(api, client, model="tiny", input="Hello")


def test_error_event_in_stream(api: Api) -> None:
    body = b'event: error\ndata: {"type":"error","code":"x","message":"bad thing","sequence_number":0}\n\n'
    client = api.make(httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))
    if api.is_async:

        async def run() -> list[Any]:
            stream = await client.responses.create(model="tiny", input="Hello", stream=True)
            async with stream:
                return [e async for e in stream]

        events = asyncio.run(run())
    else:
        with client.responses.create(model="tiny", input="Hello", stream=True) as stream:
            events = list(stream)
            with pytest.raises(StreamError, match="bad thing"):
                stream.collect()
    assert [type(e) for e in events] == [Error]


def test_raw_events_are_typed() -> None:
    script = Api("sync")
    client = script.make(_stream_reply("A52b_responses_stream"))
    with client.responses.create(model="tiny", input="Hello", stream=True) as stream:
        raw = list(stream.raw_events())
        final = stream.collect()
    assert raw[0].type == "response.created"
    assert raw[-1].type == "response.completed"
    assert raw[4].type == "response.output_text.delta"
    assert raw[4].delta == "<think>"  # type: ignore[attr-defined]  # extra fields kept
    assert final.status == "completed"


def test_retrieve_and_cancel_paths(api: Api) -> None:
    client = api.make(_json_reply("A52_responses_nonstream"))
    api.run(client.responses.retrieve("resp_1"))
    api.run(client.responses.cancel("resp/1"))
    assert [(r.method, r.url.raw_path.decode()) for r in api.sent] == [
        ("GET", "/v1/responses/resp_1"),
        ("POST", "/v1/responses/resp%2F1/cancel"),
    ]
    with pytest.raises(MissingParameterError) as info:
        api.run(client.responses.retrieve(""))
    assert info.value.parameter == "response_id"


def test_retrieve_stream_resumes_with_starting_after(api: Api) -> None:
    client = api.make(_stream_reply("A52b_responses_stream"))
    if api.is_async:

        async def run() -> Response:
            stream = await client.responses.retrieve("resp_1", stream=True, starting_after=3)
            async with stream:
                return await stream.collect()

        final = asyncio.run(run())
    else:
        with client.responses.retrieve("resp_1", stream=True, starting_after=3) as stream:
            final = stream.collect()
    request = api.sent[-1]
    assert request.method == "GET"
    assert dict(request.url.params) == {"stream": "true", "starting_after": "3"}
    assert request.content == b""
    assert final.status == "completed"


def _reply(text: str, status: str = "completed") -> dict[str, Any]:
    return {
        "id": "resp_2",
        "object": "response",
        "status": status,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        "output": [
            {
                "type": "message",
                "id": "m",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text}],
            }
        ],
    }


def test_parse_sends_a_text_format_and_returns_output_parsed(api: Api) -> None:
    client = api.make(_reply('{"sky": "clear"}'))
    resp = api.run(client.responses.parse(model="tiny", input="Sky?", text_format=Sky))
    assert resp.output_parsed == Sky(sky="clear")
    assert resp.parsed == resp.output_parsed
    fmt = _sent(api)["text"]["format"]
    assert (fmt["type"], fmt["name"], fmt["strict"]) == ("json_schema", "Sky", True)
    assert fmt["schema"]["properties"]["sky"]["enum"] == ["clear", "cloudy"]


def test_parse_errors(api: Api) -> None:
    client = api.make(_reply('{"sky": "green"}'), _reply('{"sky": "cl', "incomplete"))
    with pytest.raises(InvalidResponseError):
        api.run(client.responses.parse(model="tiny", input="Sky?", text_format=Sky))
    with pytest.raises(LengthFinishReasonError):
        api.run(client.responses.parse(model="tiny", input="Sky?", text_format=Sky))


def test_function_tools_are_sent_flat(api: Api) -> None:
    client = api.make(_reply("ok"))
    chat_style = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    api.run(client.responses.create(model="tiny", input="x", tools=[Sky, chat_style]))
    tools = _sent(api)["tools"]
    assert tools[0]["type"] == "function"
    assert tools[0]["name"] == "Sky"
    assert tools[0]["strict"] is True
    assert tools[1] == {"type": "function", "name": "f", "parameters": {"type": "object"}}


# ---------------------------------------------------------------- end to end (mock server)


@pytest.fixture(scope="module")
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


class GetWeather(BaseModel):
    """Weather of a city."""

    city: str


def test_mock_tool_round_trip_through_previous_response_id(server: MockVllmServer) -> None:
    with VllmClient(server.base_url) as client:
        first = client.responses.create(
            model=server.model, input="Weather in Paris?", tools=[GetWeather], tool_choice="required"
        )
        (call,) = first.tool_calls
        assert call.name == "GetWeather"
        assert call.parse_args_as(GetWeather).city
        outputs = first.function_call_outputs({call.id: {"temperature": 21}})
        second = client.responses.create(model=server.model, previous_response_id=first.id, input=outputs)
        assert second.output_text
        assert second.previous_response_id == first.id
        assert client.responses.retrieve(second.id).output_text == second.output_text
        with pytest.raises(NotFoundError):
            client.responses.retrieve("resp_missing")


def test_mock_streamed_tool_call_and_parse(server: MockVllmServer) -> None:
    with VllmClient(server.base_url) as client:
        with client.responses.create(
            model=server.model, input="Weather?", tools=[GetWeather], tool_choice="required", stream=True
        ) as stream:
            events = list(stream)
        completes = [e for e in events if type(e) is ToolCallComplete]
        assert len(completes) == 1
        assert completes[0].tool_call.name == "GetWeather"
        parsed = client.responses.create().model(server.model).input("Sky?").parse(Sky)
        assert isinstance(parsed.output_parsed, Sky)
        with client.responses.parse(model=server.model, input="Sky?", text_format=Sky, stream=True) as stream:
            assert isinstance(stream.collect().output_parsed, Sky)  # type: ignore[attr-defined]


async def test_mock_async_reasoning_stream(server: MockVllmServer) -> None:
    async with AsyncVllmClient(server.base_url) as client:
        stream = await client.responses.create(
            model=server.model, input="Hi", reasoning={"effort": "low"}, stream=True
        )
        async with stream:
            kinds = {type(e) async for e in stream}
            final = await stream.collect()
        assert {Reasoning, Content, Usage, Done} <= kinds
        assert final.reasoning_content
        again = await client.responses.retrieve(final.id, stream=True, starting_after=0)
        async with again:
            assert (await again.collect()).id == final.id


def test_base_is_used(api: Api) -> None:
    client = api.make(_json_reply("A52_responses_nonstream"))
    api.run(client.responses.create(model="tiny", input="x"))
    assert str(api.sent[0].url) == f"{BASE}/responses"


def test_mock_background_response_retrieve_and_cancel(server: MockVllmServer) -> None:
    from vllm_sdk import BadRequestError

    with VllmClient(server.base_url) as client:
        queued = client.responses.create(model=server.model, input="Hi", background=True)
        assert queued.status == "queued"
        assert queued.output == []
        cancelled = client.responses.cancel(queued.id)
        assert cancelled.status == "cancelled"
        done = client.responses.create(model=server.model, input="Hi", background=True)
        assert client.responses.retrieve(done.id).status == "completed"  # finished once polled
        with pytest.raises(BadRequestError, match="synchronous"):
            client.responses.cancel(done.id)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "mock", "input": "hi", "temperature": "hot"}, "temperature"),
        ({"model": "mock", "input": "hi", "max_output_tokens": 0}, "max_output_tokens"),
        ({"model": "mock", "input": 3}, "input"),
        ({"model": "mock"}, "input"),
    ],
)
def test_mock_rejects_bad_requests_like_vllm(
    server: MockVllmServer, body: dict[str, Any], param: str
) -> None:
    response = httpx.post(f"{server.base_url}/responses", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
