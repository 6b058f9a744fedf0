"""What goes on the wire: URLs, authentication, headers, query, timeouts and request bodies."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vllm_sdk import InvalidResponseError, MissingParameterError, ToolCall, VllmClient
from vllm_sdk._body import encode_body
from vllm_sdk._generated_endpoints import REQUEST_FIELDS, ChatCompletionRequestParams
from vllm_sdk._requester import CallOptions

from .helpers import BASE, Api, chat_body

if TYPE_CHECKING:
    from pathlib import Path

MSGS = [{"role": "user", "content": "你好"}]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20


def chat(api: Api, client: Any, **params: Any) -> Any:
    params.setdefault("model", "m")
    params.setdefault("messages", MSGS)
    return api.run(client.chat.completions.create(**params))


def test_chat_goes_to_the_chat_route_with_json(api: Api) -> None:
    client = api.make()
    chat(api, client)
    request = api.sent[0]
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/chat/completions"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("vllm-python-sdk/")
    assert json.loads(api.bodies[0]) == {"messages": MSGS, "model": "m"}
    assert "你好".encode() in api.bodies[0]  # UTF-8, not \\u escapes


def test_api_key_string_is_sent_as_bearer(api: Api) -> None:
    client = api.make(api_key="sk-1")
    chat(api, client)
    assert api.sent[0].headers["authorization"] == "Bearer sk-1"


def test_no_api_key_means_no_authorization_header(api: Api) -> None:
    client = api.make()
    chat(api, client)
    assert "authorization" not in api.sent[0].headers


def test_api_key_from_environment(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_API_KEY", "sk-env")
    client = api.make()
    chat(api, client)
    assert api.sent[0].headers["authorization"] == "Bearer sk-env"


def test_callable_api_key_is_read_again_for_every_request_and_retry(api: Api) -> None:
    keys = iter(["k1", "k2", "k3"])
    client = api.make(
        httpx.Response(503, json={"error": {"message": "busy"}}),
        httpx.Response(200, json=chat_body()),
        api_key=lambda: next(keys),
    )
    chat(api, client)
    chat(api, client)
    assert [r.headers["authorization"] for r in api.sent] == ["Bearer k1", "Bearer k2", "Bearer k3"]


def test_header_precedence_and_removal(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_CUSTOM_HEADERS", "X-Env: env\nX-Both: env")
    client = api.make(api_key="k", headers={"X-Both": "client", "X-Client": "c"})
    chat(api, client, extra_headers={"x-client": "call", "Authorization": None, "X-Call": "1"})
    headers = api.sent[0].headers
    assert headers["x-env"] == "env"
    assert headers["x-both"] == "client"
    assert headers["x-client"] == "call"
    assert headers["x-call"] == "1"
    assert "authorization" not in headers


def test_extra_query_and_per_call_timeout(api: Api) -> None:
    client = api.make()
    chat(api, client, extra_query={"debug": "1"}, timeout=7)
    request = api.sent[0]
    assert request.url.params["debug"] == "1"
    assert request.extensions["timeout"] == {"connect": 7.0, "read": 7.0, "write": 7.0, "pool": 7.0}


def test_default_timeout_reaches_the_request(api: Api) -> None:
    client = api.make()
    chat(api, client)
    assert api.sent[0].extensions["timeout"] == {"connect": 5.0, "read": 600.0, "write": 600.0, "pool": 600.0}


@pytest.mark.parametrize(
    ("call", "method", "url"),
    [
        (lambda c: c.models.list(), "GET", "http://vllm.test:8000/v1/models"),
        (lambda c: c.tokenize(model="m", prompt="x"), "POST", "http://vllm.test:8000/tokenize"),
        (lambda c: c.detokenize(model="m", tokens=[1]), "POST", "http://vllm.test:8000/detokenize"),
        (lambda c: c.embeddings.create(model="m", input="x"), "POST", "http://vllm.test:8000/v1/embeddings"),
        (
            lambda c: c.score(model="m", queries="q", documents=["d"]),
            "POST",
            "http://vllm.test:8000/v1/score",
        ),
        (
            lambda c: c.rerank(model="m", query="q", documents=["d"]),
            "POST",
            "http://vllm.test:8000/v1/rerank",
        ),
        (lambda c: c.pooling(model="m", input="x"), "POST", "http://vllm.test:8000/pooling"),
        (lambda c: c.classify(model="m", input="x"), "POST", "http://vllm.test:8000/classify"),
        (lambda c: c.version(), "GET", "http://vllm.test:8000/version"),
        (lambda c: c.metrics(), "GET", "http://vllm.test:8000/metrics"),
        (lambda c: c.health(), "GET", "http://vllm.test:8000/health"),
        (
            lambda c: c.completions.create(model="m", prompt="p"),
            "POST",
            "http://vllm.test:8000/v1/completions",
        ),
    ],
)
def test_every_route_resolves_where_vllm_serves_it(api: Api, call: Any, method: str, url: str) -> None:
    client = api.make(httpx.Response(200, json={"version": "0.32.0"}))
    # Only the request matters here: most routes cannot parse the canned body, and say so precisely.
    with contextlib.suppress(InvalidResponseError):
        api.run(call(client))
    assert (api.sent[0].method, str(api.sent[0].url)) == (method, url)


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/models", "http://vllm.test:8000/v1/models"),
        ("models", "http://vllm.test:8000/v1/models"),
        ("/v1/models", "http://vllm.test:8000/v1/models"),
        ("/health", "http://vllm.test:8000/health"),
        ("/tokenize", "http://vllm.test:8000/tokenize"),
        ("/v1/chat/completions/render", "http://vllm.test:8000/v1/chat/completions/render"),
        ("http://other:1/x", "http://other:1/x"),
    ],
)
def test_request_path_resolution(path: str, url: str) -> None:
    with VllmClient(BASE) as client:
        assert client.url_for(path) == url


def test_base_url_without_v1_keeps_paths_relative() -> None:
    with VllmClient("http://proxy/vllm") as client:
        assert client.url_for("/health") == "http://proxy/vllm/health"
        assert client.route_url("models.list") == "http://proxy/vllm/v1/models"


def test_generic_request_has_auth_and_json(api: Api) -> None:
    client = api.make(httpx.Response(200, json={"ok": True}), api_key="k")
    response = api.run(client.request("post", "/chat/completions/render", json={"b": 1, "a": [1]}))
    assert response.json() == {"ok": True}
    assert api.sent[0].method == "POST"
    assert api.sent[0].headers["authorization"] == "Bearer k"
    assert api.bodies[0] == b'{"b":1,"a":[1]}'
    with pytest.raises(ValueError, match="json= or content="):
        api.run(client.request("POST", "/x", json={}, content=b"x"))


# ---------------------------------------------------------------- bodies


PARAM_SETS: list[dict[str, Any]] = [
    {"model": "m", "messages": MSGS},
    {
        "model": "Qwen/Qwen2.5-7B-Instruct",
        "messages": MSGS,
        "temperature": 0.7,
        "top_p": 0.9,
        "top_k": 50,
        "max_tokens": 512,
        "stop": ["END"],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        "tool_choice": "auto",
        "chat_template_kwargs": {"enable_thinking": True},
        "structured_outputs": {"choice": ["a", "b"]},
        "seed": 3,
        "min_p": 0.05,
        "repetition_penalty": 1.1,
        "end_user": "u-1",
    },
]


def _builder_for(client: Any, params: dict[str, Any]) -> Any:
    builder = client.chat.completions.create()
    # Setters in the reverse of schema order: the body order must not depend on the call order.
    for key, value in reversed(list(params.items())):
        builder = getattr(builder, key)(value)
    return builder


def _keyword(params: dict[str, Any]) -> dict[str, Any]:
    return {("user" if k == "end_user" else k): v for k, v in params.items()}


@pytest.mark.parametrize("params", PARAM_SETS)
@pytest.mark.parametrize("stream", [False, True])
def test_builder_and_keyword_bodies_are_byte_identical(
    api: Api, params: dict[str, Any], stream: bool
) -> None:
    reply = httpx.Response(200, json=chat_body())
    if stream:
        reply = httpx.Response(
            200, content=b"data: [DONE]\n\n", headers={"content-type": "text/event-stream"}
        )
    client = api.make(reply)

    async def both_async() -> None:
        s1 = await client.chat.completions.create(stream=True, extra_body={"x_new": 1}, **_keyword(params))
        await s1.aclose()
        s2 = await _builder_for(client, params).extra({"x_new": 1}).send_stream()
        await s2.aclose()

    if not stream:
        api.run(client.chat.completions.create(extra_body={"x_new": 1}, **_keyword(params)))
        api.run(_builder_for(client, params).extra({"x_new": 1}).send())
    elif api.is_async:
        api.run(both_async())
    else:
        client.chat.completions.create(stream=True, extra_body={"x_new": 1}, **_keyword(params)).close()
        _builder_for(client, params).extra({"x_new": 1}).send_stream().close()
    assert len(api.bodies) == 2
    assert api.bodies[0] == api.bodies[1]
    decoded = json.loads(api.bodies[0])
    assert list(decoded)[:2] == ["messages", "model"]  # the schema's order, whatever the call order
    assert list(decoded)[-1] == "x_new"
    assert decoded.get("stream") is (True if stream else None)


def test_body_is_compact_and_ordered() -> None:
    body = encode_body("ChatCompletionRequest", {"top_k": 5, "zzz": 1, "model": "m", "messages": []})
    assert body == b'{"messages":[],"model":"m","top_k":5,"zzz":1}'


def test_extra_merges_nested_objects() -> None:
    with VllmClient(BASE) as client:
        builder = client.chat.completions.create().model("m").user("hi").thinking(False)
        builder = builder.extra({"chat_template_kwargs": {"custom": 1}, "priority": 2})
        assert builder.to_dict()["chat_template_kwargs"] == {"enable_thinking": False, "custom": 1}
        assert builder.to_dict()["priority"] == 2


def test_nan_in_a_body_is_a_clear_value_error(api: Api) -> None:
    client = api.make()
    with pytest.raises(ValueError, match="not valid JSON"):
        chat(api, client, temperature=float("nan"))
    assert api.sent == []


@pytest.mark.parametrize(
    ("params", "missing"),
    [
        ({"messages": MSGS}, "model"),
        ({"model": "m"}, "messages"),
        ({"model": None, "messages": MSGS}, "model"),
    ],
)
def test_missing_parameters_raise_before_any_io(api: Api, params: dict[str, Any], missing: str) -> None:
    client = api.make()
    builder = client.chat.completions.create()
    for key, value in params.items():
        builder = getattr(builder, key)(value)
    with pytest.raises(MissingParameterError) as info:
        api.run(builder.send())
    assert info.value.parameter == missing
    assert isinstance(info.value, ValueError)
    with pytest.raises(MissingParameterError):
        api.run(builder.send_stream())
    with pytest.raises(MissingParameterError):
        api.run(client.chat.completions.create(**params))
    assert api.sent == []


def test_completion_requires_model_and_prompt(api: Api) -> None:
    client = api.make()
    with pytest.raises(MissingParameterError, match="prompt"):
        api.run(client.completions.create().model("m").max_tokens(3).send())
    with pytest.raises(MissingParameterError, match="model"):
        api.run(client.completions.create(prompt="x"))
    assert api.sent == []


def test_extra_body_can_supply_required_fields(api: Api) -> None:
    client = api.make()
    api.run(client.chat.completions.create().extra({"model": "m", "messages": MSGS}).send())
    assert json.loads(api.bodies[0]) == {"messages": MSGS, "model": "m"}


# ---------------------------------------------------------------- builder conveniences


def test_message_appenders_and_tools() -> None:
    with VllmClient(BASE) as client:
        call = ToolCall("c1", "get_weather", '{"city": "Paris"}')
        body = (
            client.chat.completions.create()
            .model("m")
            .system("Be brief.")
            .user("Weather?")
            .assistant(None, tool_calls=[call])
            .add_message(call.result({"temp": 21}))
            .message("user", "thanks", name="bob")
            .tool({"name": "get_weather", "parameters": {"type": "object"}})
            .tool({"type": "function", "function": {"name": "other"}})
            .stream_options(include_usage=True, continuous_usage_stats=False)
            .to_dict()
        )
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "tool", "user"]
    assert body["messages"][2]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
    }
    assert body["messages"][3] == {"role": "tool", "tool_call_id": "c1", "content": '{"temp": 21}'}
    assert body["messages"][4]["name"] == "bob"
    assert [t["function"]["name"] for t in body["tools"]] == ["get_weather", "other"]
    assert all(t["type"] == "function" for t in body["tools"])
    assert body["stream_options"] == {"include_usage": True, "continuous_usage_stats": False}


def test_messages_list_of_the_caller_is_never_mutated() -> None:
    history = [{"role": "user", "content": "a"}]
    with VllmClient(BASE) as client:
        builder = client.chat.completions.create().model("m").messages(history).user("b")
        assert len(builder.to_dict()["messages"]) == 2
    assert history == [{"role": "user", "content": "a"}]


def test_tool_without_a_name_is_refused() -> None:
    with VllmClient(BASE) as client, pytest.raises(ValueError, match="name"):
        client.chat.completions.create().tool({"parameters": {}})


def test_image_from_bytes_path_and_url(tmp_path: Path) -> None:
    jpeg_file = tmp_path / "photo.bin"
    jpeg_file.write_bytes(JPEG)
    with VllmClient(BASE) as client:
        body = (
            client.chat.completions.create()
            .image(PNG, text="what is this?")
            .image(jpeg_file)
            .image("https://example.com/cat.png", detail="low")
            .to_dict()
        )
    first, second, third = (m["content"] for m in body["messages"])
    assert first[0] == {"type": "text", "text": "what is this?"}
    url = first[1]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == PNG
    assert second[0]["image_url"]["url"].startswith("data:image/jpeg;base64,")
    assert third[0] == {
        "type": "image_url",
        "image_url": {"url": "https://example.com/cat.png", "detail": "low"},
    }


def test_image_errors_are_clear(tmp_path: Path) -> None:
    not_image = tmp_path / "notes.txt"
    not_image.write_text("hello")
    with VllmClient(BASE) as client:
        builder = client.chat.completions.create()
        with pytest.raises(FileNotFoundError, match="not found"):
            builder.image(tmp_path / "missing.png")
        with pytest.raises(ValueError, match="not a recognised image"):
            builder.image(not_image)
        with pytest.raises(ValueError, match="not a recognised image"):
            builder.image(b"plain bytes")
        assert "messages" not in builder.to_dict()  # nothing half-added


def test_thinking_sets_chat_template_kwargs() -> None:
    with VllmClient(BASE) as client:
        body = client.chat.completions.create().chat_template_kwargs({"a": 1}).thinking(False).to_dict()
    assert body["chat_template_kwargs"] == {"a": 1, "enable_thinking": False}


def test_completion_builder_body(api: Api) -> None:
    client = api.make(
        httpx.Response(
            200,
            json={
                "id": "c",
                "object": "text_completion",
                "model": "m",
                "choices": [{"index": 0, "text": "ok", "finish_reason": "length"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )
    )
    resp = api.run(client.completions.create().max_tokens(4).prompt("Once").model("m").extra({"x": 1}).send())
    assert (resp.text, resp.finish_reason) == ("ok", "length")
    assert api.bodies[0] == b'{"model":"m","prompt":"Once","max_tokens":4,"x":1}'
    api.run(client.completions.create(max_tokens=4, prompt="Once", model="m", extra_body={"x": 1}))
    assert api.bodies[1] == api.bodies[0]


# ---------------------------------------------------------------- every field, any order


def _setter_name(key: str) -> str:
    return "end_user" if key == "user" else key


CHAT_FIELDS = [k for k in REQUEST_FIELDS["ChatCompletionRequest"] if k != "stream"]
SIMPLE_CHAT_FIELDS = [k for k in CHAT_FIELDS if k not in ("model", "messages", "stream_options")]
COMPLETION_FIELDS = [k for k in REQUEST_FIELDS["CompletionRequest"] if k != "stream"]


def test_every_schema_field_has_a_setter_and_a_keyword() -> None:
    with VllmClient(BASE) as client:
        chat_builder = client.chat.completions.create()
        completion_builder = client.completions.create()
        for key in CHAT_FIELDS:
            assert callable(getattr(chat_builder, _setter_name(key)))
        for key in COMPLETION_FIELDS:
            assert callable(getattr(completion_builder, key))
    keywords = set(ChatCompletionRequestParams.__annotations__)
    assert keywords == set(CHAT_FIELDS)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # (stream_options takes a mapping and the builder's messages() copies: both covered above)
    fields=st.lists(st.sampled_from(SIMPLE_CHAT_FIELDS), unique=True, max_size=12),
    values=st.lists(
        st.one_of(st.integers(-5, 5), st.text(max_size=4), st.booleans()), min_size=12, max_size=12
    ),
    extra=st.dictionaries(st.sampled_from(["x_a", "x_b", "priority"]), st.integers(0, 3), max_size=2),
    stream=st.booleans(),
)
def test_any_fields_in_any_order_give_identical_bodies(
    fields: list[str], values: list[Any], extra: dict[str, int], stream: bool
) -> None:
    params: dict[str, Any] = {"model": "m", "messages": MSGS}
    params.update({key: value for key, value in zip(fields, values[: len(fields)], strict=True)})
    with VllmClient(BASE) as client:
        builder = client.chat.completions.create()
        for key in reversed(list(params)):  # the builder in another order than the keywords
            builder = getattr(builder, _setter_name(key))(params[key])
        builder = builder.extra(extra)
        from_builder = client._route_options(
            "chat.completions.create", builder._body, CallOptions(extra_body=builder._extra), stream=stream
        ).content
        from_keywords = client._route_options(
            "chat.completions.create", params, CallOptions(extra_body=extra), stream=stream
        ).content
    assert from_builder == from_keywords
    assert from_builder is not None
    streamed = {"stream": True, "stream_options": {"include_usage": True}} if stream else {}
    assert json.loads(from_builder) == {**params, **extra, **streamed}
