"""Issue 16, "Using it": builders are values, the openai migration gaps, usage on streams by default, the
tool helpers and multi-part user messages. Sync and async through ``mode``."""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime
import enum
import json
import sys
from typing import TYPE_CHECKING, Any

import httpx
import pydantic
import pytest
from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from vllm_sdk import ToolCall

from .support import USER, Mode

if TYPE_CHECKING:
    import pathlib

    from vllm_sdk.testing import MockVllmServer


def chat_json(content: str = "hi", **message: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, **message},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }


class Recorder:
    """A MockTransport handler answering ``body`` and keeping the decoded request bodies and requests."""

    def __init__(self, body: Any = None, *, sse: bytes | None = None) -> None:
        self.body = chat_json() if body is None else body
        self.sse = sse
        self.requests: list[httpx.Request] = []

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) if request.content else {} for request in self.requests]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if self.sse is not None:
            return httpx.Response(200, content=self.sse, headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=self.body)


SYSTEM = {"role": "system", "content": "Be brief."}


# ---------------------------------------------------------------- 1. builders are values


async def test_a_kept_builder_sends_its_own_conversation_each_time(mode: Mode) -> None:
    rec = Recorder()
    client = mode.mock_client(rec)
    base = client.chat.completions.create().model("m").system("Be brief.")
    await mode(base.user("A").send())
    await mode(base.user("B").send())
    await mode(base.user("C").send())
    assert [body["messages"] for body in rec.bodies] == [
        [SYSTEM, {"role": "user", "content": "A"}],
        [SYSTEM, {"role": "user", "content": "B"}],
        [SYSTEM, {"role": "user", "content": "C"}],
    ]
    assert base.to_dict() == {"messages": [SYSTEM], "model": "m"}


async def test_every_setter_leaves_the_original_unchanged(mode: Mode) -> None:
    client = mode.mock_client(Recorder())
    base = client.chat.completions.create().model("m").user("hi")
    before = base.to_dict()
    derived = [
        base.temperature(0.1),
        base.extra({"priority": 3}),
        base.stream_options(include_usage=False),
        base.tool({"name": "f", "parameters": {}}),
        base.thinking(True),
        base.add_message({"role": "assistant", "content": "x"}),
        base.messages(USER),
        base.image(b"\x89PNG\r\n\x1a\n0000", "look"),
        base.model("other"),
    ]
    assert all(d is not base for d in derived)
    assert base.to_dict() == before
    assert derived[0].to_dict()["temperature"] == 0.1
    assert derived[1].to_dict()["priority"] == 3
    twice = base.extra({"chat_template_kwargs": {"a": 1}})
    twice.extra({"chat_template_kwargs": {"b": 2}})
    assert twice.to_dict()["chat_template_kwargs"] == {"a": 1}


async def test_to_dict_is_a_copy_and_a_callers_list_does_not_reach_the_builder(mode: Mode) -> None:
    client = mode.mock_client(Recorder())
    messages = [dict(USER[0])]
    builder = client.chat.completions.create().model("m").messages(messages)
    messages.append({"role": "user", "content": "later"})
    messages[0]["content"] = "changed"
    shown = builder.to_dict()
    shown["messages"].append({"role": "user", "content": "mine"})
    assert builder.to_dict()["messages"] == USER


async def test_builders_copy_and_deepcopy(mode: Mode) -> None:
    rec = Recorder()
    client = mode.mock_client(rec)
    base = client.chat.completions.create().model("m").system("Be brief.")
    shallow = copy.copy(base)
    deep = copy.deepcopy(base)  # the client's locks are shared, not copied
    assert shallow.to_dict() == deep.to_dict() == base.to_dict()
    await mode(shallow.user("A").send())
    await mode(deep.user("B").send())
    assert [body["messages"][-1]["content"] for body in rec.bodies] == ["A", "B"]
    assert base.to_dict()["messages"] == [SYSTEM]


async def test_completion_builders_are_values_too(mode: Mode) -> None:
    client = mode.mock_client(Recorder())
    base = client.completions.create().model("m")
    one, two = base.prompt("a"), base.prompt("b")
    assert (one.to_dict()["prompt"], two.to_dict()["prompt"]) == ("a", "b")
    assert "prompt" not in base.to_dict()


# ---------------------------------------------------------------- 2. openai migration gaps

USAGE = {"prompt_tokens": 2, "total_tokens": 2}
LISTS: dict[str, tuple[dict[str, Any], Any]] = {
    "score": (
        {"model": "m", "data": [{"index": 0, "score": 0.5}, {"index": 1, "score": 0.25}], "usage": USAGE},
        lambda client: client.score(model="m", queries="q", documents=["a", "b"]),
    ),
    "rerank": (
        {
            "id": "r",
            "model": "m",
            "results": [
                {"index": 1, "relevance_score": 0.9, "document": {"text": "b"}},
                {"index": 0, "relevance_score": 0.1, "document": {"text": "a"}},
            ],
            "usage": {"prompt_tokens": 2, "total_tokens": 2},
        },
        lambda client: client.rerank(model="m", query="q", documents=["a", "b"]),
    ),
    "classify": (
        {
            "model": "m",
            "data": [
                {"index": 0, "label": "x", "probs": [1.0], "num_classes": 1},
                {"index": 1, "label": "y", "probs": [1.0], "num_classes": 1},
            ],
            "usage": USAGE,
        },
        lambda client: client.classify(model="m", input=["a", "b"]),
    ),
    "pooling": (
        {"model": "m", "data": [{"index": 0, "data": [0.5]}, {"index": 1, "data": [0.25]}], "usage": USAGE},
        lambda client: client.pooling(model="m", input=["a", "b"]),
    ),
    "embeddings": (
        {
            "model": "m",
            "data": [{"index": 0, "embedding": [0.5]}, {"index": 1, "embedding": [0.25]}],
            "usage": USAGE,
        },
        lambda client: client.embeddings.create(model="m", input=["a", "b"]),
    ),
}


async def test_models_list_iterates_over_the_models(mode: Mode, server: MockVllmServer) -> None:
    client = mode.client(server.base_url)
    models = await mode(client.models.list())
    assert [m.id for m in models] == [server.model]
    assert len(models) == 1
    assert models[0].id == server.model
    assert models[-1:][0].id == server.model
    assert models.data is not None
    assert list(models) == models.data
    assert models.model_dump()["object"] == "list"  # the fields are still there


@pytest.mark.parametrize("name", sorted(LISTS))
async def test_every_list_shaped_response_iterates_over_its_items(mode: Mode, name: str) -> None:
    body, call = LISTS[name]
    client = mode.mock_client(Recorder(body))
    resp = await mode(call(client))
    items = body.get("data", body.get("results"))
    assert len(resp) == 2
    assert [item.index for item in resp] == [item["index"] for item in items]
    assert resp[1].index == items[1]["index"]
    assert [item.index for item in resp[:1]] == [items[0]["index"]]
    assert resp  # a response is truthy, whatever its length
    assert resp.raw == body  # and keeps the wire body like the other responses


def test_an_empty_model_list_is_empty_and_still_truthy() -> None:
    from vllm_sdk.types import ModelList

    empty = ModelList.model_validate({"object": "list"})
    assert (list(empty), len(empty), bool(empty)) == ([], 0, True)


async def test_default_headers_and_default_query_reach_every_request(mode: Mode) -> None:
    rec = Recorder()
    client = mode.mock_client(
        rec, default_headers={"X-Team": "a"}, headers={"X-Other": "b"}, default_query={"api-version": "1"}
    )
    await mode(client.chat.completions.create(model="m", messages=USER))
    await mode(client.chat.completions.create(model="m", messages=USER, extra_query={"api-version": "2"}))
    derived = client.with_options(default_headers={"X-Team": "c"}, default_query={"tenant": "t"})
    await mode(derived.models.list())
    first, second, third = rec.requests
    assert (first.headers["x-team"], first.headers["x-other"]) == ("a", "b")
    assert dict(first.url.params) == {"api-version": "1"}
    assert dict(second.url.params) == {"api-version": "2"}  # a call's extra_query wins
    assert third.headers["x-team"] == "c"
    assert dict(third.url.params) == {"api-version": "1", "tenant": "t"}
    assert client.default_query == {"api-version": "1"}
    assert client.default_headers["X-Team"] == "a"


async def test_the_client_builder_takes_default_headers_and_query(mode: Mode) -> None:
    rec = Recorder()
    http = httpx.AsyncClient(transport=httpx.MockTransport(rec)) if mode.is_async else None
    http = http or httpx.Client(transport=httpx.MockTransport(rec))
    builder = mode.cls.builder().base_url("http://vllm.test/v1").http_client(http)
    client = builder.default_headers({"X-A": "1"}).default_query({"q": "v"}).build()
    try:
        await mode(client.models.list())
    finally:
        await mode(client.close())
    assert rec.requests[0].headers["x-a"] == "1"
    assert dict(rec.requests[0].url.params) == {"q": "v"}


@pytest.mark.parametrize("bad", [{"X-A": 1}, ["X-A"]])
def test_bad_default_headers_are_a_clear_type_error(bad: Any) -> None:
    from vllm_sdk import VllmClient

    with pytest.raises(TypeError, match="default_headers"):
        VllmClient("http://vllm.test/v1", default_headers=bad)


def sse(*chunks: dict[str, Any]) -> bytes:
    return (
        b"".join(b"data: " + json.dumps(chunk).encode() + b"\n\n" for chunk in chunks) + b"data: [DONE]\n\n"
    )


def delta(text: str) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }


async def test_chunks_is_the_chunk_style_loop_and_collect_works_after_it(mode: Mode) -> None:
    client = mode.mock_client(Recorder(sse=sse(delta("a"), delta("b"))))
    stream = await mode(client.chat.completions.create(model="m", messages=USER, stream=True))
    texts = [chunk.choices[0].delta.content async for chunk in mode.iterate(stream.chunks())]
    assert texts == ["a", "b"]
    assert (await mode(stream.collect())).content == "ab"


async def test_chunks_after_events_were_read_says_why_it_cannot(mode: Mode) -> None:
    from vllm_sdk import StreamConsumedError, VllmError

    client = mode.mock_client(Recorder(sse=sse(delta("a"), delta("b"))))
    stream = await mode(client.chat.completions.create(model="m", messages=USER, stream=True))
    async for _event in mode.iterate(stream):
        break
    with pytest.raises(StreamConsumedError, match="before the stream's events are read") as info:
        stream.chunks()  # raised at the call, not at the first next()
    assert isinstance(info.value, VllmError)
    assert isinstance(info.value, RuntimeError)
    await mode(stream.close() if not mode.is_async else stream.aclose())


async def test_chunks_twice_raises(mode: Mode) -> None:
    from vllm_sdk import StreamConsumedError

    client = mode.mock_client(Recorder(sse=sse(delta("a"))))
    stream = await mode(client.completions.create(model="m", prompt="p", stream=True))
    stream.chunks()
    async for _event in mode.iterate(stream):
        pass
    with pytest.raises(StreamConsumedError):
        stream.chunks()


# ---------------------------------------------------------------- 3. streams carry usage by default


async def test_streams_ask_for_usage_by_default_and_collect_has_it(
    mode: Mode, server: MockVllmServer
) -> None:
    from vllm_sdk import Usage

    client = mode.client(server.base_url)
    stream = await mode(client.chat.completions.create(model=server.model, messages=USER, stream=True))
    events = await mode.events(stream)
    usage = [event for event in events if isinstance(event, Usage)]
    assert len(usage) == 1
    assert usage[0].total_tokens == usage[0].prompt_tokens + usage[0].completion_tokens
    assert server.requests[-1].json["stream_options"] == {"include_usage": True}
    text = await mode(client.completions.create(model=server.model, prompt="Once", max_tokens=3, stream=True))
    assert (await mode(text.collect())).usage is not None
    assert server.requests[-1].json["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("default", {"include_usage": True}),
        ("keyword", {"continuous_usage_stats": True}),
        ("extra_body", {"include_usage": False}),
        ("builder", {"include_usage": False}),
        ("client_off", None),
        ("with_options_off", None),
        ("not_streamed", None),
    ],
)
async def test_the_callers_stream_options_or_the_client_option_win(
    mode: Mode, how: str, expected: dict[str, Any] | None
) -> None:
    rec = Recorder(sse=sse(delta("a")))
    client = mode.mock_client(rec, stream_usage=how != "client_off")
    if how == "with_options_off":
        client = client.with_options(stream_usage=False)
    create = client.chat.completions.create
    if how == "keyword":
        call = create(model="m", messages=USER, stream=True, stream_options={"continuous_usage_stats": True})
    elif how == "extra_body":
        call = create(
            model="m", messages=USER, stream=True, extra_body={"stream_options": {"include_usage": False}}
        )
    elif how == "builder":
        call = create().model("m").messages(USER).stream_options(include_usage=False).send_stream()
    elif how == "not_streamed":
        rec.sse = None
        call = create(model="m", messages=USER)
    else:
        call = create(model="m", messages=USER, stream=True)
    result = await mode(call)
    if how != "not_streamed":
        await mode.events(result)
    assert rec.bodies[0].get("stream_options") == expected
    assert client.stream_usage is (how not in ("client_off", "with_options_off"))


def test_stream_usage_must_be_a_bool() -> None:
    from vllm_sdk import VllmClient

    with pytest.raises(TypeError, match="stream_usage"):
        VllmClient("http://vllm.test/v1", stream_usage="no")  # type: ignore[arg-type]


# ---------------------------------------------------------------- 4. tool helpers


class WeatherModel(pydantic.BaseModel):
    city: str
    days: int = 1


@dataclasses.dataclass
class WeatherData:
    city: str
    when: datetime.date


class WeatherTD(TypedDict):
    city: str
    days: int


class Colour(enum.Enum):
    RED = "red"


CALL = ToolCall(id="call_1", name="get_weather", arguments='{"city": "Paris", "days": 3}')


@pytest.mark.parametrize(
    ("value", "content"),
    [
        ("plain text", "plain text"),
        ({"temp": 21, "unit": "°C"}, '{"temp": 21, "unit": "°C"}'),
        ([1, 2], "[1, 2]"),
        (WeatherModel(city="Paris", days=2), '{"city": "Paris", "days": 2}'),
        (WeatherData("Paris", datetime.date(2026, 1, 2)), '{"city": "Paris", "when": "2026-01-02"}'),
        (WeatherTD(city="Paris", days=3), '{"city": "Paris", "days": 3}'),
        ({"at": datetime.date(2026, 1, 2), "colour": Colour.RED}, '{"at": "2026-01-02", "colour": "red"}'),
        ([WeatherModel(city="A")], '[{"city": "A", "days": 1}]'),
    ],
)
def test_result_accepts_models_dataclasses_and_typeddicts(value: Any, content: str) -> None:
    message = CALL.result(value)
    assert message == {"role": "tool", "tool_call_id": "call_1", "content": content}


def test_result_of_something_that_is_not_json_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="object"):
        CALL.result(object())


def test_parse_args_as_models_dataclasses_and_typeddicts() -> None:
    assert CALL.parse_args_as(WeatherModel) == WeatherModel(city="Paris", days=3)
    assert CALL.parse_args_as(WeatherTD) == {"city": "Paris", "days": 3}


def test_a_validation_failure_is_a_vllm_error_carrying_pydantics() -> None:
    from vllm_sdk import InvalidResponseError, ToolArgumentsError, VllmError

    bad = ToolCall(id="call_2", name="get_weather", arguments='{"city": 5}')
    with pytest.raises(ToolArgumentsError, match=r"get_weather.*WeatherModel.*city") as info:
        bad.parse_args_as(WeatherModel)
    error = info.value
    assert isinstance(error, VllmError)
    assert isinstance(error, InvalidResponseError)
    assert isinstance(error.validation_error, pydantic.ValidationError)
    assert error.__cause__ is error.validation_error
    assert error.text == '{"city": 5}'
    assert [e["loc"] for e in error.validation_error.errors()] == [("city",)]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="typing.TypedDict works on 3.12+")
def test_a_typing_typeddict_on_old_python_says_to_use_typing_extensions() -> None:
    import typing

    from vllm_sdk import VllmError

    class Old(typing.TypedDict):
        city: str

    with pytest.raises(VllmError, match=r"typing_extensions\.TypedDict"):
        CALL.parse_args_as(Old)


@pytest.mark.skipif(
    sys.version_info < (3, 12), reason="pydantic needs typing_extensions.TypedDict before 3.12"
)
def test_a_typing_typeddict_works_on_new_python() -> None:
    import typing

    class New(typing.TypedDict):
        city: str

    assert CALL.parse_args_as(New) == {"city": "Paris"}


async def test_first_tool_call_on_the_response_and_on_a_collected_stream(mode: Mode) -> None:
    calls = [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}},
        {"id": "c2", "type": "function", "function": {"name": "g", "arguments": "{}"}},
    ]
    client = mode.mock_client(Recorder(chat_json(None, tool_calls=calls)))
    resp = await mode(client.chat.completions.create(model="m", messages=USER))
    assert resp.first_tool_call() == ToolCall("c1", "f", '{"a": 1}')
    plain = await mode(mode.mock_client(Recorder()).chat.completions.create(model="m", messages=USER))
    assert plain.first_tool_call() is None
    chunk = delta("")
    chunk["choices"][0]["delta"] = {"tool_calls": [{"index": 0, **calls[1]}]}
    streamed = mode.mock_client(Recorder(sse=sse(chunk)))
    stream = await mode(streamed.chat.completions.create(model="m", messages=USER, stream=True))
    assert (await mode(stream.collect())).first_tool_call() == ToolCall("c2", "g", "{}")


# ---------------------------------------------------------------- 5. several images in one message

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 8


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_content_part_helpers_are_public_and_sniff_the_mime_type(tmp_path: pathlib.Path) -> None:
    from vllm_sdk import image_part, image_url_part, text_part

    photo = tmp_path / "photo.bin"  # the bytes decide, not the extension
    photo.write_bytes(JPEG)
    assert text_part("hi") == {"type": "text", "text": "hi"}
    assert image_part(PNG) == {"type": "image_url", "image_url": {"url": data_url("image/png", PNG)}}
    assert image_part(photo)["image_url"]["url"] == data_url("image/jpeg", JPEG)
    assert image_part(str(photo), detail="low")["image_url"]["detail"] == "low"
    assert image_part("https://x.test/a.png") == image_url_part("https://x.test/a.png")
    assert image_url_part("https://x.test/a.png", detail="high") == {
        "type": "image_url",
        "image_url": {"url": "https://x.test/a.png", "detail": "high"},
    }


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: __import__("vllm_sdk").image_url_part("x.test/a.png"), ValueError),
        (lambda: __import__("vllm_sdk").image_part(b"not an image"), ValueError),
        (lambda: __import__("vllm_sdk").text_part(3), TypeError),
    ],
)
def test_bad_content_parts_are_clear_errors(call: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        call()


async def test_many_parts_in_one_user_turn(mode: Mode, tmp_path: pathlib.Path) -> None:
    from vllm_sdk import image_part, image_url_part, text_part

    rec = Recorder()
    client = mode.mock_client(rec)
    (tmp_path / "b.jpg").write_bytes(JPEG)
    base = client.chat.completions.create().model("m")
    await mode(base.user("Compare", image_part(PNG), "and", image_url_part("https://x.test/c.png")).send())
    await mode(base.user([text_part("Compare"), image_part(PNG)]).send())
    await mode(base.images([PNG, tmp_path / "b.jpg"], "What differs?", detail="low").send())
    first, second, third = (body["messages"] for body in rec.bodies)
    assert first == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Compare"},
                {"type": "image_url", "image_url": {"url": data_url("image/png", PNG)}},
                {"type": "text", "text": "and"},
                {"type": "image_url", "image_url": {"url": "https://x.test/c.png"}},
            ],
        }
    ]
    assert second[0]["content"] == first[0]["content"][:2]
    assert len(third) == 1
    assert [part["type"] for part in third[0]["content"]] == ["text", "image_url", "image_url"]
    assert third[0]["content"][2]["image_url"] == {"url": data_url("image/jpeg", JPEG), "detail": "low"}


def test_the_multi_part_forms_refuse_what_is_not_a_part() -> None:
    from vllm_sdk import VllmClient

    with VllmClient("http://vllm.test/v1") as client:
        builder = client.chat.completions.create()
        with pytest.raises(TypeError, match="content part"):
            builder.user("a", 3)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="list of images"):
            builder.images(PNG)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="at least one image"):
            builder.images([], "text only")


# ---------------------------------------------------------------- docs: every 5xx is retried (errors.md)


@pytest.mark.parametrize("status", [500, 501, 502, 503, 504, 505, 507, 599])
async def test_every_5xx_status_is_retried(mode: Mode, status: int) -> None:
    from vllm_sdk import InternalServerError

    answers = iter(
        [httpx.Response(status, json={"error": {"message": "x", "type": "E", "code": status}})] * 2
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json=chat_json()))

    client = mode.mock_client(handler)
    resp = await mode(client.chat.completions.create(model="m", messages=USER))
    assert resp.content == "hi"
    assert len(mode.sleeps) == 2  # two retries, then the 200
    assert InternalServerError("x", status_code=status).is_retryable
