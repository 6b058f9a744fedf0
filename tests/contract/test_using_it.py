"""Issue 16, "Using it": builders are values, the openai migration gaps, usage on streams by default, the
tool helpers and multi-part user messages. Sync and async through ``mode``."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx

from .support import USER, Mode


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
