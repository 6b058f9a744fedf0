"""Deterministic generation: request fields honoured, structured outputs valid, tokenizer and embeddings."""

from __future__ import annotations

import base64
import json
import math
import random
import struct
from typing import TYPE_CHECKING, Any

import httpx
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vllm_sdk.testing import MockVllmServer
from vllm_sdk.testing import _tokenizer as tok
from vllm_sdk.testing._schema_values import value_for_schema

if TYPE_CHECKING:
    from collections.abc import Iterator

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city"],
        },
    },
}
TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {
            "type": "object",
            "properties": {"timezone": {"type": "string"}},
            "required": ["timezone"],
        },
    },
}


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with MockVllmServer() as srv, httpx.Client(base_url=srv.base_url, timeout=10) as client:
        yield client


def chat(http: httpx.Client, **body: Any) -> dict[str, Any]:
    body.setdefault("model", "mock")
    body.setdefault("messages", [{"role": "user", "content": "Hello"}])
    resp = http.post("/chat/completions", json=body)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def stream_events(http: httpx.Client, **body: Any) -> list[dict[str, Any]]:
    body.setdefault("model", "mock")
    body.setdefault("messages", [{"role": "user", "content": "Hello"}])
    body["stream"] = True
    resp = http.post("/chat/completions", json=body)
    assert resp.status_code == 200, resp.text
    blocks = [b[len("data: ") :] for b in resp.text.split("\n\n") if b]
    assert blocks[-1] == "[DONE]"
    return [json.loads(b) for b in blocks[:-1]]


def streamed_content(events: list[dict[str, Any]], index: int = 0) -> str:
    return "".join(
        ev["choices"][0]["delta"].get("content") or ""
        for ev in events
        if ev["choices"] and ev["choices"][0]["index"] == index
    )


# ------------------------------------------------------------------------------------- determinism


def test_same_request_same_tokens(http: httpx.Client) -> None:
    a = chat(http, messages=[{"role": "user", "content": "Tell me a story"}])
    b = chat(http, messages=[{"role": "user", "content": "Tell me a story"}])
    assert a["choices"][0]["message"]["content"] == b["choices"][0]["message"]["content"]
    assert a["id"] != b["id"]
    c = chat(http, messages=[{"role": "user", "content": "Tell me another story"}])
    assert c["choices"][0]["message"]["content"] != a["choices"][0]["message"]["content"]


def test_stream_and_non_stream_say_the_same(http: httpx.Client) -> None:
    body = {"messages": [{"role": "user", "content": "Same words?"}], "seed": 5}
    full = chat(http, **body)["choices"][0]["message"]["content"]
    assert streamed_content(stream_events(http, **body)) == full


def test_seed_changes_output(http: httpx.Client) -> None:
    a = chat(http, seed=1)["choices"][0]["message"]["content"]
    b = chat(http, seed=2)["choices"][0]["message"]["content"]
    assert a != b
    assert chat(http, seed=1)["choices"][0]["message"]["content"] == a


def test_n_choices_greedy_identical_sampled_distinct(http: httpx.Client) -> None:
    greedy = chat(http, n=2, temperature=0)
    assert [c["index"] for c in greedy["choices"]] == [0, 1]
    assert greedy["choices"][0]["message"] == greedy["choices"][1]["message"]
    sampled = chat(http, n=3, temperature=1.0, seed=9)
    contents = {c["message"]["content"] for c in sampled["choices"]}
    assert len(contents) == 3
    assert sampled["usage"]["completion_tokens"] > 0


def test_multibyte_text_appears_and_survives(http: httpx.Client) -> None:
    seen = ""
    for i in range(30):
        seen += chat(http, messages=[{"role": "user", "content": f"q{i}"}], ignore_eos=True, max_tokens=60)[
            "choices"
        ][0]["message"]["content"]
    assert any(ord(ch) > 0x7F for ch in seen)


# ---------------------------------------------------------------------------------- length and stop


def test_max_tokens_finish_length_on_last_token(http: httpx.Client) -> None:
    events = stream_events(http, max_tokens=3, ignore_eos=True)
    tokens = [
        ev
        for ev in events
        if "content" in ev["choices"][0]["delta"] and "role" not in ev["choices"][0]["delta"]
    ]
    assert len(tokens) == 3
    assert tokens[-1]["choices"][0]["finish_reason"] == "length"
    assert events[-1] is tokens[-1]
    body = chat(http, max_tokens=3, ignore_eos=True)
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 3


def test_ignore_eos_gives_exactly_max_tokens(http: httpx.Client) -> None:
    events = stream_events(http, max_tokens=250, ignore_eos=True, stream_options={"include_usage": True})
    assert events[-1]["usage"]["completion_tokens"] == 250
    assert len(events) == 1 + 250 + 1  # role, tokens (the last one finishing), usage


def test_natural_stop_and_min_tokens(http: httpx.Client) -> None:
    body = chat(http, max_tokens=2000)
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["choices"][0]["stop_reason"] is None
    longer = chat(http, max_tokens=2000, min_tokens=120)
    assert longer["usage"]["completion_tokens"] >= 120


def test_stop_string(http: httpx.Client) -> None:
    full = chat(http, seed=3, max_tokens=200)["choices"][0]["message"]["content"]
    word = full.split()[3]
    stop = " " + word
    cut = chat(http, seed=3, max_tokens=200, stop=[stop, "never-there"])
    choice = cut["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["stop_reason"] == stop
    assert choice["message"]["content"] == full[: full.index(stop)]
    kept = chat(http, seed=3, max_tokens=200, stop=stop, include_stop_str_in_output=True)
    assert kept["choices"][0]["message"]["content"] == full[: full.index(stop) + len(stop)]
    events = stream_events(http, seed=3, max_tokens=200, stop=[stop])
    assert streamed_content(events) == choice["message"]["content"]
    assert events[-1]["choices"][0]["stop_reason"] == stop


def test_stop_string_spanning_tokens(http: httpx.Client) -> None:
    full = chat(http, seed=4, max_tokens=200)["choices"][0]["message"]["content"]
    words = full.split(" ")
    stop = words[2][-2:] + " " + words[3][:2]  # starts inside one token, ends inside the next
    cut = chat(http, seed=4, max_tokens=200, stop=[stop])["choices"][0]
    assert cut["message"]["content"] == full[: full.index(stop)]


# ----------------------------------------------------------------------------------------- logprobs


def test_chat_logprobs(http: httpx.Client) -> None:
    body = chat(http, logprobs=True, top_logprobs=3, max_tokens=5, ignore_eos=True)
    entries = body["choices"][0]["logprobs"]["content"]
    assert len(entries) == 5
    assert "".join(e["token"] for e in entries) == body["choices"][0]["message"]["content"]
    for e in entries:
        assert list(e) == ["token", "logprob", "bytes", "top_logprobs"]
        assert e["bytes"] == list(e["token"].encode())
        assert len(e["top_logprobs"]) == 3
        assert e["top_logprobs"][0]["token"] == e["token"]
        lps = [t["logprob"] for t in e["top_logprobs"]]
        assert lps == sorted(lps, reverse=True)
        assert all(lp <= 0 for lp in lps)
    events = stream_events(http, logprobs=True, top_logprobs=1, max_tokens=4, ignore_eos=True)
    streamed = [ev["choices"][0]["logprobs"] for ev in events[1:]]
    assert all(len(lp["content"]) == 1 and len(lp["content"][0]["top_logprobs"]) == 1 for lp in streamed)


def test_completions_logprobs_and_echo(http: httpx.Client) -> None:
    resp = http.post(
        "/completions",
        json={"model": "mock", "prompt": "The quick brown fox", "max_tokens": 5, "echo": True, "logprobs": 2},
    )
    choice = resp.json()["choices"][0]
    assert choice["text"].startswith("The quick brown fox")
    lp = choice["logprobs"]
    assert lp["token_logprobs"][0] is None
    assert lp["top_logprobs"][0] is None
    assert "".join(t for t in lp["tokens"] if t != "<|endoftext|>") == choice["text"]
    assert lp["text_offset"] == sorted(lp["text_offset"])


def test_completions_stream_and_prompts(http: httpx.Client) -> None:
    resp = http.post(
        "/completions",
        json={
            "model": "mock",
            "prompt": ["one", "two"],
            "n": 2,
            "max_tokens": 4,
            "stream": True,
            "temperature": 0,
        },
    )
    events = [json.loads(b[6:]) for b in resp.text.split("\n\n") if b and b != "data: [DONE]"]
    texts: dict[int, str] = {}
    for ev in events:
        for c in ev["choices"]:
            texts[c["index"]] = texts.get(c["index"], "") + c["text"]
    assert sorted(texts) == [0, 1, 2, 3]
    assert texts[0] == texts[1]
    assert texts[0] != texts[2]
    tokens_prompt = http.post(
        "/completions", json={"model": "mock", "prompt": tok.encode("one"), "max_tokens": 4, "temperature": 0}
    )
    assert tokens_prompt.json()["choices"][0]["text"] == texts[0]


# ------------------------------------------------------------------------------------ tools, thinking


def test_tool_call_when_user_names_the_tool(http: httpx.Client) -> None:
    body = chat(
        http,
        messages=[{"role": "user", "content": "Please call get_weather for me"}],
        tools=[WEATHER_TOOL, TIME_TOOL],
    )
    call = body["choices"][0]["message"]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather"
    jsonschema.validate(json.loads(call["function"]["arguments"]), WEATHER_TOOL["function"]["parameters"])
    # After the tool result, the model answers in words.
    follow = chat(
        http,
        messages=[
            {"role": "user", "content": "Please call get_weather for me"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": '{"temp": 21}'},
        ],
        tools=[WEATHER_TOOL, TIME_TOOL],
    )
    assert follow["choices"][0]["finish_reason"] == "stop"
    assert follow["choices"][0]["message"]["content"]
    assert "tool_calls" not in follow["choices"][0]["message"]


def test_tool_choice_required_named_none(http: httpx.Client) -> None:
    required = chat(http, tools=[WEATHER_TOOL, TIME_TOOL], tool_choice="required")
    assert required["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"
    named = chat(
        http,
        tools=[WEATHER_TOOL, TIME_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_time"}},
    )
    call = named["choices"][0]["message"]["tool_calls"][0]
    assert call["function"]["name"] == "get_time"
    assert named["choices"][0]["finish_reason"] == "stop"
    none = chat(
        http, messages=[{"role": "user", "content": "get_weather"}], tools=[WEATHER_TOOL], tool_choice="none"
    )
    assert "tool_calls" not in none["choices"][0]["message"]
    single = chat(
        http,
        messages=[{"role": "user", "content": "get_weather then get_time"}],
        tools=[WEATHER_TOOL, TIME_TOOL],
        parallel_tool_calls=False,
    )
    assert len(single["choices"][0]["message"]["tool_calls"]) == 1


def test_thinking_then_tool_call_stream(http: httpx.Client) -> None:
    events = stream_events(
        http,
        messages=[{"role": "user", "content": "get_time in Tokyo"}],
        tools=[TIME_TOOL],
        chat_template_kwargs={"enable_thinking": True},
    )
    deltas = [ev["choices"][0]["delta"] for ev in events]
    first_tool = next(i for i, d in enumerate(deltas) if "tool_calls" in d)
    assert any("reasoning" in d for d in deltas[:first_tool])
    assert not any("reasoning" in d for d in deltas[first_tool:])


def test_thinking_disabled_has_no_reasoning(http: httpx.Client) -> None:
    body = chat(http, chat_template_kwargs={"enable_thinking": False})
    assert body["choices"][0]["message"]["reasoning"] is None
    assert body["usage"]["completion_tokens_details"] is None


# --------------------------------------------------------------------------------- structured output

SCHEMAS: list[dict[str, Any]] = [
    {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 12},
            "age": {"type": "integer", "minimum": 0, "maximum": 120},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}, "maxItems": 3},
        },
        "required": ["name", "age", "tags"],
        "additionalProperties": False,
    },
    {
        "type": "object",
        "$defs": {
            "point": {
                "type": "object",
                "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                "required": ["x", "y"],
            }
        },
        "properties": {
            "points": {
                "type": "array",
                "items": {"$ref": "#/$defs/point"},
                "minItems": 2,
                "uniqueItems": True,
            },
            "kind": {"enum": ["line", "polygon"]},
            "closed": {"type": "boolean"},
            "label": {"anyOf": [{"type": "string", "minLength": 3}, {"type": "null"}]},
            "id": {"type": "string", "format": "uuid"},
            "when": {"type": "string", "format": "date-time"},
            "score": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "step": {"type": "integer", "multipleOf": 5, "minimum": 7, "maximum": 40},
        },
        "required": ["points", "kind", "closed", "label", "id", "when", "score", "step"],
    },
    {"type": "array", "items": {"type": ["integer", "null"], "minimum": -3, "maximum": 3}, "minItems": 1},
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 2},
        "minItems": 3,
        "maxItems": 3,
        "uniqueItems": True,
    },
    {"type": "array", "items": {"type": "string", "maxLength": 3}, "minItems": 4, "uniqueItems": True},
    {
        "allOf": [
            {"type": "object", "properties": {"a": {"const": 1}}, "required": ["a"]},
            {"properties": {"b": {"type": "string"}}, "required": ["b"]},
        ]
    },
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_json_schema_response_validates(http: httpx.Client, schema: dict[str, Any]) -> None:
    for seed in range(3):
        body = chat(
            http,
            seed=seed,
            response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}},
        )
        jsonschema.validate(json.loads(body["choices"][0]["message"]["content"]), schema)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), idx=st.integers(0, len(SCHEMAS) - 1))
def test_schema_values_validate(seed: int, idx: int) -> None:
    schema = SCHEMAS[idx]
    jsonschema.validate(value_for_schema(schema, random.Random(seed)), schema)


def test_json_object_and_choice(http: httpx.Client) -> None:
    obj = chat(http, response_format={"type": "json_object"})
    assert isinstance(json.loads(obj["choices"][0]["message"]["content"]), dict)
    choice = chat(http, structured_outputs={"choice": ["yes", "no", "maybe"]})
    assert choice["choices"][0]["message"]["content"] in {"yes", "no", "maybe"}
    so_json = chat(http, structured_outputs={"json": SCHEMAS[0]})
    jsonschema.validate(json.loads(so_json["choices"][0]["message"]["content"]), SCHEMAS[0])


def test_json_schema_stream_with_thinking(http: httpx.Client) -> None:
    events = stream_events(
        http,
        response_format={"type": "json_schema", "json_schema": {"name": "p", "schema": SCHEMAS[0]}},
        chat_template_kwargs={"enable_thinking": True},
    )
    content = streamed_content(events)
    jsonschema.validate(json.loads(content), SCHEMAS[0])
    assert any("reasoning" in ev["choices"][0]["delta"] for ev in events)


# ------------------------------------------------------------------------------- tokenizer, embeddings


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=60))
def test_tokenizer_round_trip(text: str) -> None:
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert all(0 <= i < tok.VOCAB_SIZE for i in ids)


def test_tokenize_detokenize_endpoints(http: httpx.Client) -> None:
    root = str(http.base_url).removesuffix("/v1/")
    prompt = "Hello world! café 日本 🙂 1, 2"
    tokens = httpx.post(
        f"{root}/tokenize", json={"model": "mock", "prompt": prompt, "return_token_strs": True}
    ).json()
    assert tokens["count"] == len(tokens["tokens"]) == len(tokens["token_strs"])
    assert tokens["max_model_len"] == 2048
    back = httpx.post(f"{root}/detokenize", json={"model": "mock", "tokens": tokens["tokens"]}).json()
    assert back == {"prompt": prompt}
    chat_tokens = httpx.post(
        f"{root}/tokenize", json={"model": "mock", "messages": [{"role": "user", "content": "Hi"}]}
    )
    assert chat_tokens.json()["token_strs"] is None
    # Usage reports the same prompt length as /tokenize.
    assert (
        chat(http, messages=[{"role": "user", "content": "Hi"}])["usage"]["prompt_tokens"]
        == chat_tokens.json()["count"]
    )
    bad = httpx.post(f"{root}/detokenize", json={"model": "mock", "tokens": [999999]})
    assert bad.status_code == 400


def test_embeddings(http: httpx.Client) -> None:
    one = http.post("/embeddings", json={"model": "mock", "input": "Hello world"}).json()
    assert list(one) == ["id", "object", "created", "model", "data", "usage"]
    assert one["id"].startswith("embd-")
    vec = one["data"][0]["embedding"]
    assert len(vec) == 128
    assert math.isclose(math.sqrt(sum(x * x for x in vec)), 1.0, rel_tol=1e-5)
    again = http.post("/embeddings", json={"model": "mock", "input": ["Hello world", "other"]}).json()
    assert again["data"][0]["embedding"] == vec
    assert again["data"][1]["embedding"] != vec
    assert again["usage"]["prompt_tokens"] == again["usage"]["total_tokens"] > one["usage"]["prompt_tokens"]
    by_ids = http.post("/embeddings", json={"model": "mock", "input": tok.encode("Hello world")}).json()
    assert by_ids["data"][0]["embedding"] == vec
    b64 = http.post(
        "/embeddings", json={"model": "mock", "input": "Hello world", "encoding_format": "base64"}
    ).json()
    raw = base64.b64decode(b64["data"][0]["embedding"])
    assert list(struct.unpack(f"<{len(raw) // 4}f", raw)) == vec
    unknown = http.post("/embeddings", json={"model": "nope", "input": "x"})
    assert unknown.status_code == 404
    assert unknown.json()["error"] == {
        "message": "The model `nope` does not exist.",
        "type": "NotFoundError",
        "param": None,
        "code": 404,
    }
    assert (
        http.post("/embeddings", json={"model": "mock", "input": "x", "encoding_format": "hex"}).status_code
        == 400
    )


def test_stop_token_ids(http: httpx.Client) -> None:
    full = chat(http, seed=8, max_tokens=200)["choices"][0]["message"]["content"]
    pieces = tok.split_pieces(full)
    target = next(p for p in pieces[2:] if len(tok.encode(p)) == 1)
    target_id = tok.encode(target)[0]
    cut = chat(http, seed=8, max_tokens=200, stop_token_ids=[target_id])["choices"][0]
    assert cut["finish_reason"] == "stop"
    assert cut["stop_reason"] == target_id
    assert cut["message"]["content"] == "".join(pieces[: pieces.index(target)])


def test_reasoning_cut_by_max_tokens_and_include_reasoning(http: httpx.Client) -> None:
    thinking = {"enable_thinking": True}
    cut = chat(http, max_tokens=3, chat_template_kwargs=thinking)["choices"][0]
    assert cut["finish_reason"] == "length"
    assert cut["message"]["content"] is None
    assert cut["message"]["reasoning"]
    hidden = chat(http, chat_template_kwargs=thinking, include_reasoning=False)["choices"][0]["message"]
    shown = chat(http, chat_template_kwargs=thinking)["choices"][0]["message"]
    assert hidden["reasoning"] is None
    assert hidden["content"] == shown["content"]
    events = stream_events(http, chat_template_kwargs=thinking, include_reasoning=False)
    assert not any("reasoning" in ev["choices"][0]["delta"] for ev in events)


def test_return_token_ids(http: httpx.Client) -> None:
    root = str(http.base_url).removesuffix("/v1/")
    prompt_ids = httpx.post(
        f"{root}/tokenize", json={"model": "mock", "messages": [{"role": "user", "content": "Hello"}]}
    )
    body = chat(http, return_token_ids=True, max_tokens=6, ignore_eos=True)
    assert body["prompt_token_ids"] == prompt_ids.json()["tokens"]
    choice = body["choices"][0]
    assert tok.decode(choice["token_ids"]) == choice["message"]["content"]
    events = stream_events(http, return_token_ids=True, max_tokens=6, ignore_eos=True)
    assert events[0]["prompt_token_ids"] == body["prompt_token_ids"]
    streamed = [i for ev in events[1:] for i in ev["choices"][0]["token_ids"]]
    assert streamed == choice["token_ids"]
    assert chat(http)["choices"][0]["token_ids"] is None


def test_tool_call_ids_unique_per_choice(http: httpx.Client) -> None:
    body = chat(
        http, n=2, temperature=0, messages=[{"role": "user", "content": "get_weather"}], tools=[WEATHER_TOOL]
    )
    ids = [c["message"]["tool_calls"][0]["id"] for c in body["choices"]]
    assert ids[0] != ids[1]
    again = chat(
        http, n=2, temperature=0, messages=[{"role": "user", "content": "get_weather"}], tools=[WEATHER_TOOL]
    )
    assert [c["message"]["tool_calls"][0]["id"] for c in again["choices"]] == ids


def test_counting_requests_are_predictable(http: httpx.Client) -> None:
    count = [{"role": "user", "content": "Count to twenty."}]
    full = chat(http, messages=count)["choices"][0]["message"]["content"]
    assert full == ", ".join(str(i) for i in range(1, 21)) + "."
    cut = chat(http, messages=count, stop=["5, "])["choices"][0]
    assert (cut["message"]["content"], cut["stop_reason"]) == ("1, 2, 3, 4, ", "5, ")
    events = stream_events(http, messages=count, stop="7")
    assert streamed_content(events) == "1, 2, 3, 4, 5, 6, "
    assert events[-1]["choices"][0]["stop_reason"] == "7"
    longer = chat(http, messages=[{"role": "user", "content": "count to 3"}], max_tokens=30, ignore_eos=True)
    assert longer["choices"][0]["message"]["content"].startswith("1, 2, 3, 4, 5")


def test_tool_arguments_use_what_the_user_mentioned(http: httpx.Client) -> None:
    for city in ("Tokyo", "New York", "Paris"):
        body = chat(
            http,
            messages=[{"role": "user", "content": f"get_weather in {city}, please"}],
            tools=[WEATHER_TOOL],
        )
        args = json.loads(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])
        assert args["city"] == city
    # Enum-constrained values stay within the enum.
    body = chat(http, messages=[{"role": "user", "content": "get_weather in kelvin"}], tools=[WEATHER_TOOL])
    args = json.loads(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])
    assert args.get("unit", "celsius") in ("celsius", "fahrenheit")
