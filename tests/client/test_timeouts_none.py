"""``timeout=None`` means no timeout and leaving ``timeout`` out means the default, as in openai-python.

Per call: omitted (or ``NOT_GIVEN``) -> the client's timeout; ``None`` -> no limit on any phase; seconds or
an ``httpx.Timeout`` -> that. At construction: omitted -> ``VLLM_TIMEOUT`` or connect 5 s / read 600 s;
``None`` -> no timeout. ``with_options``: omitted keeps the current timeout, ``None`` removes it. The
scripted-transport tests read the timeout httpx hands the transport (``request.extensions["timeout"]``);
the mock-server tests show a real response that outlives the client's timeout when the call says ``None``.
"""

from __future__ import annotations

import asyncio
import copy
import pickle
from typing import TYPE_CHECKING, Any

import httpx
import pytest

import vllm_sdk
from vllm_sdk import NOT_GIVEN, AsyncVllmClient, MissingParameterError, NotGiven, VllmClient, VllmTimeoutError
from vllm_sdk._config import DEFAULT_TIMEOUT, resolve_timeout, to_timeout
from vllm_sdk.testing import MockVllmServer

from .helpers import Api, chat_body, sse

if TYPE_CHECKING:
    from collections.abc import Callable

MSGS = [{"role": "user", "content": "hi"}]
NO_LIMIT = {"connect": None, "read": None, "write": None, "pool": None}
DEFAULT = {"connect": 5.0, "read": 600.0, "write": 600.0, "pool": 600.0}
MODELS = {"object": "list", "data": [{"id": "m", "object": "model", "created": 1, "owned_by": "vllm"}]}
COMPLETION = {
    "id": "cmpl-1",
    "object": "text_completion",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "text": "hi", "finish_reason": "stop"}],
}
EMBEDDINGS = {
    "object": "list",
    "data": [],
    "model": "m",
    "usage": {"prompt_tokens": 1, "total_tokens": 1},
}
OMITTED: dict[str, Any] = {}


def phases(value: float | None) -> dict[str, float | None]:
    return {"connect": value, "read": value, "write": value, "pool": value}


def sent_timeout(api: Api) -> dict[str, float | None]:
    timeout: dict[str, float | None] = api.sent[-1].extensions["timeout"]
    return timeout


# ---------------------------------------------------------------- the sentinel


def test_not_given_is_one_falsy_instance() -> None:
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert not NOT_GIVEN
    assert NotGiven() is NOT_GIVEN
    assert copy.copy(NOT_GIVEN) is NOT_GIVEN
    assert copy.deepcopy(NOT_GIVEN) is NOT_GIVEN
    assert pickle.loads(pickle.dumps(NOT_GIVEN)) is NOT_GIVEN
    assert vllm_sdk.NOT_GIVEN is NOT_GIVEN
    assert vllm_sdk.NotGiven is NotGiven


def test_to_timeout_and_resolve_timeout() -> None:
    assert to_timeout(None) == httpx.Timeout(None)
    assert resolve_timeout(NOT_GIVEN, DEFAULT_TIMEOUT) is DEFAULT_TIMEOUT
    assert resolve_timeout(None, DEFAULT_TIMEOUT) == httpx.Timeout(None)
    assert resolve_timeout(3.5, DEFAULT_TIMEOUT) == httpx.Timeout(3.5)
    with pytest.raises(ValueError, match="timeout"):
        resolve_timeout(0, DEFAULT_TIMEOUT)


# ---------------------------------------------------------------- per call


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (OMITTED, phases(7.0)),
        ({"timeout": NOT_GIVEN}, phases(7.0)),
        ({"timeout": None}, NO_LIMIT),
        ({"timeout": 3.5}, phases(3.5)),
        ({"timeout": httpx.Timeout(2.0, read=None)}, {**phases(2.0), "read": None}),
    ],
    ids=["omitted", "NOT_GIVEN", "None", "3.5", "httpx.Timeout"],
)
def test_per_call_timeout_of_a_chat_completion(
    api: Api, option: dict[str, Any], expected: dict[str, float | None]
) -> None:
    client = api.make(timeout=7.0)
    api.run(client.chat.completions.create(model="m", messages=MSGS, **option))
    assert sent_timeout(api) == expected
    api.run(client.chat.completions.create().model("m").messages(MSGS).send(**option))
    assert sent_timeout(api) == expected


@pytest.mark.parametrize(
    ("option", "expected"),
    [(OMITTED, DEFAULT), ({"timeout": None}, NO_LIMIT), ({"timeout": 3.5}, phases(3.5))],
    ids=["omitted", "None", "3.5"],
)
def test_per_call_timeout_of_a_stream(api: Api, option: dict[str, Any], expected: dict[str, Any]) -> None:
    body = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=sse(chat_body()))
    client = api.make(body)

    async def drain_async(stream: Any) -> None:
        async with await stream:
            pass

    for call in (
        lambda: client.chat.completions.create(model="m", messages=MSGS, stream=True, **option),
        lambda: client.chat.completions.create().model("m").messages(MSGS).send_stream(**option),
    ):
        if api.is_async:
            asyncio.run(drain_async(call()))
        else:
            with call():
                pass
        assert sent_timeout(api) == expected


CALLS: list[tuple[str, dict[str, Any], Callable[[Any, dict[str, Any]], Any]]] = [
    ("completions", COMPLETION, lambda c, o: c.completions.create(model="m", prompt="p", **o)),
    ("completions-builder", COMPLETION, lambda c, o: c.completions.create().model("m").prompt("p").send(**o)),
    ("models", MODELS, lambda c, o: c.models.list(**o)),
    (
        "embeddings",
        EMBEDDINGS,
        lambda c, o: c.embeddings.create(model="m", input="x", **o),
    ),
    ("tokenize", {"count": 1, "max_model_len": 8, "tokens": [1]}, lambda c, o: c.tokenize(prompt="x", **o)),
    ("version", {"version": "0.32.0"}, lambda c, o: c.version(**o)),
    ("request", MODELS, lambda c, o: c.request("GET", "/models", **o)),
    ("health", {}, lambda c, o: c.health(**o)),
]


@pytest.mark.parametrize(("reply", "call"), [(r, c) for _, r, c in CALLS], ids=[n for n, _, _ in CALLS])
def test_every_route_takes_none_as_no_timeout(
    api: Api, reply: dict[str, Any], call: Callable[[Any, dict[str, Any]], Any]
) -> None:
    client = api.make(reply, timeout=7.0)
    api.run(call(client, {"timeout": None}))
    assert sent_timeout(api) == NO_LIMIT
    api.run(call(client, {}))
    assert sent_timeout(api) == phases(7.0)
    api.run(call(client, {"timeout": 3.5}))
    assert sent_timeout(api) == phases(3.5)


def test_keyword_call_with_only_timeout_none_is_not_a_builder(api: Api) -> None:
    # timeout=None is given (unlike the default), so this is the keyword style without a model.
    client = api.make()
    with pytest.raises(MissingParameterError):
        api.run(client.chat.completions.create(timeout=None))
    with pytest.raises(MissingParameterError):
        api.run(client.completions.create(timeout=None))
    assert api.sent == []


# ---------------------------------------------------------------- client construction


def test_client_timeout_none_means_no_timeout(api: Api) -> None:
    client = api.make(timeout=None)
    assert client.timeout == httpx.Timeout(None)
    api.run(client.chat.completions.create(model="m", messages=MSGS))
    assert sent_timeout(api) == NO_LIMIT
    api.run(
        client.chat.completions.create(model="m", messages=MSGS, timeout=4.0)
    )  # a call can still bound it
    assert sent_timeout(api) == phases(4.0)


def test_client_timeout_omitted_reads_vllm_timeout(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_TIMEOUT", "12.5")
    client = api.make()
    assert client.timeout == httpx.Timeout(12.5)
    assert api.make(timeout=NOT_GIVEN).timeout == httpx.Timeout(12.5)
    api.run(client.chat.completions.create(model="m", messages=MSGS))
    assert sent_timeout(api) == phases(12.5)
    # An explicit None wins over the environment, like any explicit argument.
    assert api.make(timeout=None).timeout == httpx.Timeout(None)


def test_client_timeout_omitted_without_env_is_the_default(api: Api) -> None:
    client = api.make()
    assert client.timeout == DEFAULT_TIMEOUT
    api.run(client.chat.completions.create(model="m", messages=MSGS))
    assert sent_timeout(api) == DEFAULT


def test_explicit_timeout_does_not_read_a_bad_vllm_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="VLLM_TIMEOUT"):
        VllmClient()
    with VllmClient(timeout=None) as client:
        assert client.timeout == httpx.Timeout(None)


@pytest.mark.parametrize("cls", [VllmClient, AsyncVllmClient])
def test_own_pool_is_created_without_a_timeout(cls: type[VllmClient | AsyncVllmClient]) -> None:
    client = cls("http://vllm.test:8000/v1", timeout=None)
    try:
        assert client.http_client.timeout == httpx.Timeout(None)
    finally:
        if isinstance(client, AsyncVllmClient):
            asyncio.run(client.aclose())
        else:
            client.close()


def test_builder_timeout_none() -> None:
    with VllmClient.builder().timeout(None).build() as client:
        assert client.timeout == httpx.Timeout(None)
    with VllmClient.builder().build() as client:
        assert client.timeout == DEFAULT_TIMEOUT


# ---------------------------------------------------------------- derived clients


def test_with_options_none_removes_the_timeout_and_omitted_keeps_it(api: Api) -> None:
    client = api.make(timeout=7.0)
    unbounded = client.with_options(timeout=None)
    kept = client.with_options(max_retries=0)
    kept_explicitly = client.with_options(timeout=NOT_GIVEN)
    assert unbounded.timeout == httpx.Timeout(None)
    assert kept.timeout == kept_explicitly.timeout == httpx.Timeout(7.0)
    assert client.with_timeout(None).timeout == httpx.Timeout(None)
    assert unbounded.with_options(timeout=2.0).timeout == httpx.Timeout(2.0)
    api.run(unbounded.chat.completions.create(model="m", messages=MSGS))
    assert sent_timeout(api) == NO_LIMIT
    api.run(kept.chat.completions.create(model="m", messages=MSGS))
    assert sent_timeout(api) == phases(7.0)
    api.run(client.chat.completions.create(model="m", messages=MSGS))  # the parent is unchanged
    assert sent_timeout(api) == phases(7.0)


# ---------------------------------------------------------------- against the mock server


SLOW = {"extra_headers": {"x-mock-fault": "delay_headers=0.6"}}


def test_sync_none_outlives_the_client_timeout() -> None:
    with MockVllmServer() as srv, VllmClient(srv.base_url, timeout=0.2, max_retries=0) as client:
        with pytest.raises(VllmTimeoutError):
            client.chat.completions.create(model="mock", messages=MSGS, **SLOW)
        resp = client.chat.completions.create(model="mock", messages=MSGS, timeout=None, **SLOW)
        assert resp.content
        with pytest.raises(VllmTimeoutError):
            client.with_options(max_retries=0).chat.completions.create(model="mock", messages=MSGS, **SLOW)
        assert client.with_options(timeout=None).chat.completions.create(model="mock", messages=MSGS, **SLOW)
        with client.chat.completions.create(
            model="mock", messages=MSGS, stream=True, timeout=None, **SLOW
        ) as s:
            assert s.collect_content()


async def test_async_none_outlives_the_client_timeout() -> None:
    async with MockVllmServer() as srv, AsyncVllmClient(srv.base_url, timeout=0.2, max_retries=0) as client:
        with pytest.raises(VllmTimeoutError):
            await client.chat.completions.create(model="mock", messages=MSGS, **SLOW)
        resp = await client.chat.completions.create(model="mock", messages=MSGS, timeout=None, **SLOW)
        assert resp.content
        unbounded = client.with_options(timeout=None)
        assert (await unbounded.chat.completions.create(model="mock", messages=MSGS, **SLOW)).content
        stream = await client.chat.completions.create(
            model="mock", messages=MSGS, stream=True, timeout=None, **SLOW
        )
        async with stream:
            assert await stream.collect_content()


async def test_async_client_built_with_none_has_no_timeout() -> None:
    async with MockVllmServer() as srv, AsyncVllmClient(srv.base_url, timeout=None, max_retries=0) as client:
        resp = await client.chat.completions.create(model="mock", messages=MSGS, **SLOW)
        assert resp.content
        with pytest.raises(VllmTimeoutError):  # and a call can still set one
            await client.chat.completions.create(model="mock", messages=MSGS, timeout=0.2, **SLOW)


def test_sdk_owned_pool_sends_the_resolved_timeout() -> None:
    # The client's own httpx pool builds requests on a fast path of its own: the timeout must reach it too.
    seen: list[dict[str, float | None]] = []
    hooks = {"request": [lambda request: seen.append(request.extensions["timeout"])]}
    with MockVllmServer() as srv, VllmClient(srv.base_url, timeout=7.0, event_hooks=hooks) as client:
        client.models.list()
        client.models.list(timeout=None)
        client.with_options(timeout=None).models.list()
        client.models.list(timeout=3.5)
    assert seen == [phases(7.0), NO_LIMIT, NO_LIMIT, phases(3.5)]


async def test_async_sdk_owned_pool_sends_the_resolved_timeout() -> None:
    seen: list[dict[str, float | None]] = []
    hooks = {"request": [lambda request: seen.append(request.extensions["timeout"])]}
    async with (
        MockVllmServer() as srv,
        AsyncVllmClient(srv.base_url, timeout=None, event_hooks=hooks) as client,
    ):
        await client.models.list()
        await client.models.list(timeout=3.5)
    assert seen == [NO_LIMIT, phases(3.5)]
