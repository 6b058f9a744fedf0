"""``resources/_plan.py``: the I/O-free request plan the sync and async twins send."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest
from pydantic import BaseModel

from vllm_sdk._config import NOT_GIVEN
from vllm_sdk._requester import CallOptions
from vllm_sdk.resources._plan import PlannedRequest, bind_stream, call_options, wants_builder


class Model(BaseModel):
    ok: bool = True


class Stream:
    def __init__(self, response: object, *, text_format: Any = None) -> None:
        self.response = response
        self.text_format = text_format


class SyncRequester:
    """Records what it was asked to send, answers at once."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def call(self, route: str, body: Any, options: CallOptions, cast_to: type[Any]) -> Any:
        self.calls.append(("call", route, body, options))
        return cast_to()

    def call_stream(self, route: str, body: Any, options: CallOptions, stream_cls: Any) -> Any:
        self.calls.append(("call_stream", route, body, options))
        return stream_cls("response")

    def call_path(
        self,
        method: str,
        path: str,
        body: Any,
        options: CallOptions,
        cast_to: type[Any],
        *,
        query: Any = None,
    ) -> Any:
        self.calls.append(("call_path", method, path, body, options, query))
        return cast_to()

    def call_path_stream(
        self, method: str, path: str, body: Any, options: CallOptions, stream_cls: Any, *, query: Any = None
    ) -> Any:
        self.calls.append(("call_path_stream", method, path, body, options, query))
        return stream_cls("response")


class AsyncRequester(SyncRequester):
    """The same answers, awaited."""

    async def call(self, *args: Any) -> Any:  # type: ignore[override]
        return super().call(*args)

    async def call_path(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().call_path(*args, **kwargs)

    async def call_path_stream(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().call_path_stream(*args, **kwargs)


OPTIONS = call_options(None, {"x-a": "1"}, None, 3.0, 1, 2.0)


def test_call_options_keep_the_keyword_order() -> None:
    assert CallOptions(None, {"x-a": "1"}, None, 3.0, 1, 2.0) == OPTIONS
    assert call_options(None, None, None, NOT_GIVEN, None).is_default()


@pytest.mark.parametrize(
    ("params", "stream", "options", "expected"),
    [
        ({}, None, call_options(None, None, None, NOT_GIVEN, None), True),
        ({"model": "m"}, None, call_options(None, None, None, NOT_GIVEN, None), False),
        ({}, False, call_options(None, None, None, NOT_GIVEN, None), False),
        ({}, None, call_options(None, None, None, 5.0, None), False),
        ({}, None, call_options({"a": 1}, None, None, NOT_GIVEN, None), False),
    ],
)
def test_wants_builder_only_without_any_argument(
    params: dict[str, Any], stream: bool | None, options: CallOptions, expected: bool
) -> None:
    assert wants_builder(params, stream, options) is expected


def test_bind_stream_binds_only_what_was_given() -> None:
    assert bind_stream(Stream, text_format=None) is Stream
    bound = bind_stream(Stream, text_format=Model)
    assert isinstance(bound, functools.partial)
    assert bound("r").text_format is Model


def test_a_path_request_goes_through_call_path() -> None:
    requester = SyncRequester()
    request = PlannedRequest("GET", "/responses/r1", None, OPTIONS, {"stream": "true"})
    assert isinstance(request.send(requester, Model), Model)  # type: ignore[arg-type]
    stream = request.open_stream(requester, Stream)  # type: ignore[arg-type]
    assert isinstance(stream, Stream)
    assert requester.calls == [
        ("call_path", "GET", "/responses/r1", None, OPTIONS, {"stream": "true"}),
        ("call_path_stream", "GET", "/responses/r1", None, OPTIONS, {"stream": "true"}),
    ]
    assert request.tools is None


def test_a_route_request_goes_through_the_route_table() -> None:
    requester = SyncRequester()
    body = {"model": "m", "tools": [{"type": "function"}]}
    request = PlannedRequest.for_route("chat.completions.create", body, OPTIONS)
    request.send(requester, Model)  # type: ignore[arg-type]
    request.open_stream(requester, Stream)  # type: ignore[arg-type]
    assert requester.calls == [
        ("call", "chat.completions.create", body, OPTIONS),
        ("call_stream", "chat.completions.create", body, OPTIONS),
    ]
    assert request.tools == [{"type": "function"}]


def test_the_async_twin_awaits_the_same_request() -> None:
    requester = AsyncRequester()
    request = PlannedRequest("POST", "/messages", {"model": "m"}, OPTIONS)

    async def main() -> tuple[Any, Any]:
        sent = await request.send(requester, Model)  # type: ignore[arg-type]
        stream = await request.open_stream(requester, Stream)  # type: ignore[arg-type]
        return sent, stream

    sent, stream = asyncio.run(main())
    assert isinstance(sent, Model)
    assert isinstance(stream, Stream)
    assert [c[0] for c in requester.calls] == ["call_path", "call_path_stream"]
