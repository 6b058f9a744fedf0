"""Chat completions through the sync SDK client against a real vLLM.

The oracle is the server itself: with temperature 0 (or a fixed seed) the same request sent as plain JSON
over httpx gives the expected answer, so the assertions hold for any model, not only the tiny one. Streamed
results must equal the non-streamed ones.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

from vllm_sdk import Content, Done, FinishReason, Reasoning, Usage

from .real_support import NO_THINKING, ServerInfo, chat_body, split_think, sse_data

pytestmark = pytest.mark.real_vllm

HELLO = [{"role": "user", "content": "Hello"}]


def raw_chat(http: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = http.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_builder_send_equals_raw_request(client: Any, http: httpx.Client, main_server: ServerInfo) -> None:
    raw = raw_chat(
        http, chat_body(main_server.model, "Hello", max_tokens=48, chat_template_kwargs=NO_THINKING)
    )
    resp = (
        client.chat.completions.create()
        .model(main_server.model)
        .messages(HELLO)
        .temperature(0)
        .max_tokens(48)
        .extra({"chat_template_kwargs": NO_THINKING})
        .send()
    )
    message = raw["choices"][0]["message"]
    assert resp.content == message["content"]
    assert resp.content
    assert resp.finish_reason == raw["choices"][0]["finish_reason"]
    assert resp.usage.completion_tokens == raw["usage"]["completion_tokens"]
    assert resp.raw["model"] == main_server.model
    assert resp.model == main_server.model
    assert resp.assistant_message()["role"] == "assistant"
    assert resp.assistant_message()["content"] == message["content"]


def test_keyword_style_equals_builder_style(client: Any, main_server: ServerInfo) -> None:
    kwargs = {"temperature": 0, "max_tokens": 48, "chat_template_kwargs": NO_THINKING}
    by_keyword = client.chat.completions.create(model=main_server.model, messages=HELLO, **kwargs)
    by_builder = (
        client.chat.completions.create()
        .model(main_server.model)
        .messages(HELLO)
        .temperature(0)
        .max_tokens(48)
        .chat_template_kwargs(NO_THINKING)
        .send()
    )
    assert by_keyword.content == by_builder.content
    assert by_keyword.content


def test_stream_events_equal_nonstream(client: Any, main_server: ServerInfo) -> None:
    kwargs = {
        "model": main_server.model,
        "messages": HELLO,
        "temperature": 0,
        "max_tokens": 48,
        "chat_template_kwargs": NO_THINKING,
    }
    whole = client.chat.completions.create(**kwargs)
    with client.chat.completions.create(stream=True, **kwargs) as stream:
        events = list(stream)
        assert stream.ttft is not None
        assert stream.ttft > 0
    assert "".join(e.text for e in events if isinstance(e, Content)) == whole.content
    finishes = [e for e in events if isinstance(e, FinishReason)]
    assert [(f.reason, f.index) for f in finishes] == [(whole.finish_reason, 0)]
    assert isinstance(events[-1], Done)
    assert sum(isinstance(e, Done) for e in events) == 1
    assert not any(isinstance(e, Reasoning) for e in events)


def test_stream_collect_equals_nonstream(client: Any, main_server: ServerInfo) -> None:
    builder = (
        client.chat.completions.create()
        .model(main_server.model)
        .messages([{"role": "user", "content": "Tell me a story."}])
        .temperature(0)
        .max_tokens(40)
    )
    whole = builder.send()
    with builder.send_stream() as stream:
        first = next(iter(stream))
        collected = stream.collect()
    assert first is not None
    assert collected.content == whole.content
    assert collected.reasoning_content == whole.reasoning_content
    assert collected.finish_reason == whole.finish_reason
    with builder.send_stream() as stream:
        assert stream.collect_content() == whole.content
    with builder.send_stream() as stream:
        assert "".join(stream.text_stream) == whole.content


def test_reasoning_field_nonstream(client: Any, http: httpx.Client, main_server: ServerInfo) -> None:
    raw = raw_chat(http, chat_body(main_server.model, "Hello", max_tokens=64))
    message = raw["choices"][0]["message"]
    if not message.get("reasoning"):
        pytest.skip("this server's model did not reason (the main server needs --reasoning-parser)")
    resp = client.chat.completions.create(
        model=main_server.model, messages=HELLO, temperature=0, max_tokens=64
    )
    assert resp.reasoning_content == message["reasoning"]
    assert resp.content == message["content"]
    assert "<think>" not in (resp.content or "")


def test_reasoning_stream_events(client: Any, main_server: ServerInfo) -> None:
    kwargs = {"model": main_server.model, "messages": HELLO, "temperature": 0, "max_tokens": 64}
    whole = client.chat.completions.create(**kwargs)
    if not whole.reasoning_content:
        pytest.skip("this server's model did not reason (the main server needs --reasoning-parser)")
    with client.chat.completions.create(stream=True, **kwargs) as stream:
        events = list(stream)
    kinds = [type(e) for e in events if isinstance(e, (Reasoning, Content))]
    first_content = kinds.index(Content)
    assert Reasoning not in kinds[first_content:], "reasoning after content"
    assert "".join(e.text for e in events if isinstance(e, Reasoning)) == whole.reasoning_content
    assert "".join(e.text for e in events if isinstance(e, Content)) == whole.content


def test_think_block_split_without_reasoning_parser(make_client: Any, plain_server: ServerInfo) -> None:
    client = make_client(plain_server)
    kwargs = {"model": plain_server.model, "messages": HELLO, "temperature": 0, "max_tokens": 64}
    with httpx.Client(base_url=plain_server.root, headers=plain_server.auth_headers, timeout=60) as http:
        raw = raw_chat(http, {**kwargs})
    text = raw["choices"][0]["message"]["content"]
    if not text.startswith("<think>") or "</think>" not in text:
        pytest.skip("the model did not open its answer with a <think> block")
    inner, _, after = text[len("<think>") :].partition("</think>")
    resp = client.chat.completions.create(**kwargs)
    assert resp.reasoning_content is not None
    assert resp.reasoning_content.strip() == inner.strip()
    assert (resp.content or "").strip() == after.strip()
    with client.chat.completions.create(stream=True, **kwargs) as stream:
        events = list(stream)
    reasoning = "".join(e.text for e in events if isinstance(e, Reasoning))
    content = "".join(e.text for e in events if isinstance(e, Content))
    assert reasoning.strip() == inner.strip()
    assert content.strip() == after.strip()
    assert "<think>" not in content
    assert "</think>" not in content


def test_n2_nonstream_and_stream_agree(client: Any, main_server: ServerInfo) -> None:
    kwargs = {
        "model": main_server.model,
        "messages": [{"role": "user", "content": "Tell me a story."}],
        "temperature": 1.0,
        "seed": 1234,
        "n": 2,
        "max_tokens": 24,
    }
    whole = client.chat.completions.create(**kwargs)
    assert [c.index for c in whole.choices] == [0, 1]
    with client.chat.completions.create(stream=True, **kwargs) as stream:
        events = list(stream)
    for choice in whole.choices:
        text = "".join(
            e.text for e in events if isinstance(e, (Content, Reasoning)) and e.index == choice.index
        )
        reasoning, content = split_think(choice.message.reasoning, choice.message.content)
        assert text == reasoning + content
    assert sorted(e.index for e in events if isinstance(e, FinishReason)) == [0, 1]


def test_logprobs_and_top_logprobs(client: Any, main_server: ServerInfo) -> None:
    resp = client.chat.completions.create(
        model=main_server.model,
        messages=HELLO,
        temperature=0,
        max_tokens=8,
        logprobs=True,
        top_logprobs=3,
        chat_template_kwargs=NO_THINKING,
    )
    entries = resp.choices[0].logprobs.content
    assert len(entries) == resp.usage.completion_tokens == 8
    for entry in entries:
        assert entry.logprob <= 0.0
        assert len(entry.top_logprobs) == 3
        # temperature 0 picks the most likely token
        assert entry.logprob == pytest.approx(max(t.logprob for t in entry.top_logprobs))
    assert "".join(e.token for e in entries) == resp.content


def test_logprobs_stream_chunks(client: Any, main_server: ServerInfo) -> None:
    kwargs = {
        "model": main_server.model,
        "messages": HELLO,
        "temperature": 0,
        "max_tokens": 8,
        "logprobs": True,
        "top_logprobs": 2,
        "chat_template_kwargs": NO_THINKING,
    }
    whole = client.chat.completions.create(**kwargs)
    with client.chat.completions.create(stream=True, **kwargs) as stream:
        chunks = list(stream.chunks())
        collected = stream.collect()
    streamed = [
        entry
        for chunk in chunks
        for choice in chunk.choices
        if choice.logprobs is not None
        for entry in choice.logprobs.content or []
    ]
    expected = whole.choices[0].logprobs.content
    assert [(e.token, len(e.top_logprobs)) for e in streamed] == [(e.token, 2) for e in expected]
    assert [e.logprob for e in streamed] == pytest.approx([e.logprob for e in expected], abs=1e-4)
    assert collected.content == whole.content


def test_stop_string(client: Any, main_server: ServerInfo) -> None:
    kwargs = {
        "model": main_server.model,
        "messages": [{"role": "user", "content": "Count to twenty."}],
        "temperature": 0,
        "max_tokens": 80,
        "chat_template_kwargs": NO_THINKING,
    }
    free = client.chat.completions.create(**kwargs).content
    assert len(free) > 10
    stop = free[len(free) // 2 : len(free) // 2 + 2]
    expected = free[: free.find(stop)]
    resp = client.chat.completions.create(stop=[stop], **kwargs)
    assert resp.content == expected
    assert resp.finish_reason == "stop"
    assert resp.choices[0].stop_reason == stop
    with client.chat.completions.create(stop=[stop], stream=True, **kwargs) as stream:
        events = list(stream)
    assert "".join(e.text for e in events if isinstance(e, Content)) == expected
    [finish] = [e for e in events if isinstance(e, FinishReason)]
    assert (finish.reason, finish.stop_reason) == ("stop", stop)


def test_stop_token_ids(client: Any, main_server: ServerInfo) -> None:
    kwargs = {
        "model": main_server.model,
        "messages": [{"role": "user", "content": "Count to twenty."}],
        "temperature": 0,
        "max_tokens": 80,
        "chat_template_kwargs": NO_THINKING,
    }
    free = client.chat.completions.create(return_token_ids=True, **kwargs)
    token_ids = free.choices[0].token_ids
    assert token_ids
    stop_id = token_ids[len(token_ids) // 2]
    resp = client.chat.completions.create(stop_token_ids=[stop_id], **kwargs)
    assert resp.finish_reason == "stop"
    assert resp.choices[0].stop_reason == stop_id
    assert free.content.startswith(resp.content)
    assert len(resp.content) < len(free.content)


def test_max_tokens_min_tokens_ignore_eos(client: Any, main_server: ServerInfo) -> None:
    kwargs = {"model": main_server.model, "messages": HELLO, "temperature": 0}
    kwargs["chat_template_kwargs"] = NO_THINKING
    short = client.chat.completions.create(max_tokens=5, **kwargs)
    assert (short.finish_reason, short.usage.completion_tokens) == ("length", 5)
    natural = client.chat.completions.create(max_tokens=200, **kwargs)
    assert natural.finish_reason == "stop"
    n = natural.usage.completion_tokens
    at_least = client.chat.completions.create(max_tokens=200, min_tokens=n + 10, **kwargs)
    assert at_least.usage.completion_tokens >= n + 10
    past_eos = client.chat.completions.create(max_tokens=n + 20, ignore_eos=True, **kwargs)
    assert (past_eos.finish_reason, past_eos.usage.completion_tokens) == ("length", n + 20)


def test_seed_determinism(client: Any, main_server: ServerInfo) -> None:
    kwargs = {
        "model": main_server.model,
        "messages": [{"role": "user", "content": "Tell me a story."}],
        "temperature": 2.0,
        "max_tokens": 30,
    }
    first = client.chat.completions.create(seed=7, **kwargs)
    again = client.chat.completions.create(seed=7, **kwargs)
    other = client.chat.completions.create(seed=8, **kwargs)
    assert (first.reasoning_content, first.content) == (again.reasoning_content, again.content)
    assert (first.reasoning_content, first.content) != (other.reasoning_content, other.content)


def test_continuous_usage_stats_stream(client: Any, main_server: ServerInfo) -> None:
    kwargs = {"model": main_server.model, "messages": HELLO, "temperature": 0, "max_tokens": 48}
    whole = client.chat.completions.create(**kwargs)
    options = {"include_usage": True, "continuous_usage_stats": True}
    with client.chat.completions.create(stream=True, stream_options=options, **kwargs) as stream:
        events = list(stream)
    usages = [e for e in events if isinstance(e, Usage)]
    deltas = [e for e in events if isinstance(e, (Content, Reasoning))]
    assert len(usages) >= len(deltas)
    counts = [u.completion_tokens for u in usages]
    assert counts == sorted(counts)
    assert usages[-1].completion_tokens == whole.usage.completion_tokens
    assert usages[-1].prompt_tokens == whole.usage.prompt_tokens
    assert usages[-1].total_tokens == whole.usage.total_tokens
    with client.chat.completions.create(stream=True, stream_options=options, **kwargs) as stream:
        collected = stream.collect()
    assert (collected.usage.prompt_tokens, collected.usage.completion_tokens) == (
        whole.usage.prompt_tokens,
        whole.usage.completion_tokens,
    )


# Bounded strings, numbers and arrays: a weak model under a grammar can otherwise loop inside one value
# (an integer of a hundred digits) until max_tokens.
SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 12},
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}, "maxItems": 3},
    },
    "required": ["name", "age", "tags"],
    "additionalProperties": False,
}


def test_structured_output_json_schema(client: Any, main_server: ServerInfo) -> None:
    kwargs = {
        "model": main_server.model,
        "messages": [{"role": "user", "content": "Give me a person as JSON."}],
        "temperature": 0,
        "max_tokens": 120,
        "chat_template_kwargs": NO_THINKING,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "person", "schema": SCHEMA, "strict": True},
        },
    }
    resp = client.chat.completions.create(**kwargs)
    assert resp.finish_reason == "stop"
    jsonschema.validate(json.loads(resp.content), SCHEMA)
    with client.chat.completions.create(stream=True, **kwargs) as stream:
        streamed = stream.collect_content()
    assert streamed == resp.content


def test_structured_outputs_choice(client: Any, main_server: ServerInfo) -> None:
    resp = client.chat.completions.create(
        model=main_server.model,
        messages=[{"role": "user", "content": "Is the sky blue?"}],
        temperature=0,
        max_tokens=10,
        chat_template_kwargs=NO_THINKING,
        structured_outputs={"choice": ["yes", "no"]},
    )
    assert resp.content in ("yes", "no")


def test_builder_conveniences_and_request_ids(client: Any, main_server: ServerInfo) -> None:
    messages = [{"role": "system", "content": "You are terse."}, *HELLO]
    expected = client.chat.completions.create(
        model=main_server.model,
        messages=messages,
        temperature=0,
        max_tokens=48,
        chat_template_kwargs=NO_THINKING,
    )
    builder = (
        client.chat.completions.create()
        .model(main_server.model)
        .system("You are terse.")
        .user("Hello")
        .thinking(False)
        .temperature(0)
        .max_tokens(48)
    )
    assert builder.send().content == expected.content
    with builder.stream_options(include_usage=True).send_stream() as stream:
        events = list(stream)
    [usage] = [e for e in events if isinstance(e, Usage)]
    assert usage.completion_tokens == expected.usage.completion_tokens
    # vLLM names the response after an X-Request-Id header or a request_id body field
    by_header = client.chat.completions.create(
        model=main_server.model, messages=HELLO, max_tokens=4, extra_headers={"X-Request-Id": "sdk-hdr-1"}
    )
    assert by_header.id == "chatcmpl-sdk-hdr-1"
    by_body = client.chat.completions.create(
        model=main_server.model, messages=HELLO, max_tokens=4, request_id="sdk-body-1"
    )
    assert by_body.id == "chatcmpl-sdk-body-1"


def _n2_choices_agree(client: Any, model: str) -> None:
    kwargs = {
        "model": model,
        "messages": HELLO,
        "n": 2,
        "temperature": 1.0,
        "seed": 5,
        "max_tokens": 40,
    }
    whole = client.chat.completions.create(**kwargs)
    with client.chat.completions.create(stream=True, **kwargs) as stream:
        collected = stream.collect()
    assert len(collected.choices) == len(whole.choices) == 2
    for ours, theirs in zip(collected.choices, whole.choices, strict=True):
        assert (ours.index, ours.finish_reason) == (theirs.index, theirs.finish_reason)
        assert (ours.message.reasoning, ours.message.content) == (
            theirs.message.reasoning,
            theirs.message.content,
        )


def test_n2_stream_collect_equals_nonstream_per_choice(client: Any, main_server: ServerInfo) -> None:
    _n2_choices_agree(client, main_server.model)


def test_n2_stream_collect_equals_nonstream_per_choice_think_split(
    make_client: Any, plain_server: ServerInfo
) -> None:
    """Without a reasoning parser the SDK splits ``<think>`` off every choice, streamed or not."""
    _n2_choices_agree(make_client(plain_server), plain_server.model)


def test_vllm_sampling_extras(client: Any, main_server: ServerInfo) -> None:
    """vLLM's own request fields are typed keywords that reach the server, and its extra response fields
    (token ids, prompt logprobs) pass the strict schema validation."""
    base = {
        "model": main_server.model,
        "messages": HELLO,
        "temperature": 0,
        "max_tokens": 6,
        "chat_template_kwargs": NO_THINKING,
    }
    plain = client.chat.completions.create(return_token_ids=True, prompt_logprobs=1, **base)
    prompt_logprobs = plain.raw["prompt_logprobs"]
    assert prompt_logprobs[0] is None  # nothing precedes the first prompt token
    assert len(prompt_logprobs) == plain.usage.prompt_tokens
    token_ids = plain.choices[0].token_ids
    assert len(token_ids) == plain.usage.completion_tokens == 6
    favourite = token_ids[1]
    biased = client.chat.completions.create(logit_bias={str(favourite): 100}, return_token_ids=True, **base)
    assert biased.choices[0].token_ids == [favourite] * 6
    as_ids = client.chat.completions.create(
        logprobs=True, return_tokens_as_token_ids=True, return_token_ids=True, **base
    )
    assert [e.token for e in as_ids.choices[0].logprobs.content] == [
        f"token_id:{t}" for t in as_ids.choices[0].token_ids
    ]
    mixed = client.chat.completions.create(
        top_k=1, min_p=0.0, repetition_penalty=1.0, presence_penalty=0.0, frequency_penalty=0.0, **base
    )
    assert mixed.content == plain.content


@pytest.mark.parametrize(
    "sampling",
    [{"temperature": 0, "ignore_eos": True}, {"temperature": 2.0, "seed": 7}],
    ids=["greedy-past-eos", "temperature-2"],
)
def test_long_stream_equals_the_raw_deltas(
    client: Any, http: httpx.Client, main_server: ServerInfo, sampling: dict[str, Any]
) -> None:
    """Hundreds of chunks, special tokens past EOS and (at temperature 2) non-ASCII and U+FFFD text: the
    SDK's events must reassemble exactly what an independent reading of the raw SSE gives."""
    kwargs = {
        "model": main_server.model,
        "messages": [{"role": "user", "content": "Tell me a story."}],
        "max_tokens": 600,
        **sampling,
    }
    raw_reasoning, raw_content = "", ""
    with http.stream("POST", "/v1/chat/completions", json={**kwargs, "stream": True}) as response:
        assert response.status_code == 200
        raw = response.read()
    for data in sse_data(raw):
        for choice in json.loads(data)["choices"]:
            raw_reasoning += choice["delta"].get("reasoning") or ""
            raw_content += choice["delta"].get("content") or ""
    with client.chat.completions.create(stream=True, **kwargs) as stream:
        events = list(stream)
    assert "".join(e.text for e in events if isinstance(e, Reasoning)) == raw_reasoning
    assert "".join(e.text for e in events if isinstance(e, Content)) == raw_content
    assert len(raw_reasoning) + len(raw_content) > 600
