"""The batch HTTP sender on the command's own client goes straight through the aiohttp transport
(``AiohttpTransport.fetch``), and gives exactly what the httpx path gives: the same outcomes, bodies and
typed errors. Clients where httpx's machinery matters (event hooks, cookies) stay on the httpx path."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import httpx
import pytest

import vllm_sdk._speedups as speedups
from vllm_sdk._exceptions import NotFoundError
from vllm_sdk._transports import AiohttpTransport, create_async_http_client
from vllm_sdk.batch._prepare import prepare
from vllm_sdk.batch._senders import Endpoint, HttpSender
from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from types import ModuleType


@pytest.fixture(autouse=True)
def _build(engine: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speedups, "ChatStreamParser", engine.ChatStreamParser)
    monkeypatch.setattr(speedups, "CompletionStreamParser", engine.CompletionStreamParser)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts of the aiohttp transport's two entry points: ``fetch`` (direct) and httpx's."""
    counts = {"direct": 0, "httpx": 0}
    fetch, handle = AiohttpTransport.fetch, AiohttpTransport.handle_async_request

    async def counting_fetch(self: AiohttpTransport, *args: Any) -> Any:
        counts["direct"] += 1
        return await fetch(self, *args)

    async def counting_handle(self: AiohttpTransport, request: httpx.Request) -> httpx.Response:
        counts["httpx"] += 1
        return await handle(self, request)

    monkeypatch.setattr(AiohttpTransport, "fetch", counting_fetch)
    monkeypatch.setattr(AiohttpTransport, "handle_async_request", counting_handle)
    return counts


async def _no_op_hook(_: object) -> None:
    # An async client's event hooks are awaited; any hook at all keeps the httpx path.
    return None


def _line(path: str, model: str = "mock") -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "max_tokens": 6, "ignore_eos": True, "temperature": 0}
    if path == "/v1/chat/completions":
        body["messages"] = [{"role": "user", "content": "same on both paths"}]
    else:
        body["prompt"] = "same on both paths"
    return {"custom_id": "d", "method": "POST", "url": path, "body": body}


async def _both(base_url: str, line: dict[str, Any], stream: bool) -> tuple[Any, Any]:
    """The outcome of ``line`` on the command's client (direct) and on the same client with a hook."""
    http = create_async_http_client(timeout=httpx.Timeout(10.0), limits=httpx.Limits(), transport="aiohttp")
    hooked = create_async_http_client(timeout=httpx.Timeout(10.0), limits=httpx.Limits(), transport="aiohttp")
    hooked.event_hooks["request"].append(_no_op_hook)
    sender = HttpSender()
    try:
        direct = await sender(Endpoint(base_url, http, {"authorization": "Bearer k"}), prepare(line), stream)
        via_httpx = await sender(
            Endpoint(base_url, hooked, {"authorization": "Bearer k"}), prepare(line), stream
        )
    finally:
        await http.aclose()
        await hooked.aclose()
    return direct, via_httpx


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    # Ids and timestamps differ per request; everything else is the same answer.
    return {k: v for k, v in body.items() if k not in ("id", "created")}


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/completions"])
def test_the_direct_send_gives_what_the_httpx_path_gives(
    path: str, stream: bool, calls: dict[str, int]
) -> None:
    with MockVllmServer() as srv:
        direct, via_httpx = asyncio.run(_both(srv.base_url, _line(path), stream))
    assert calls == {"direct": 1, "httpx": 1}
    assert direct.status_code == via_httpx.status_code == 200
    assert direct.body is not None
    assert via_httpx.body is not None
    assert _comparable(direct.body) == _comparable(via_httpx.body)
    assert direct.usage_tokens() == via_httpx.usage_tokens()
    assert direct.usage_tokens()[1] == 6
    assert direct.timing is not None
    assert len(direct.timing.token_times) == (6 if stream else 0)
    assert (direct.ttft is not None) is stream


@pytest.mark.parametrize("stream", [True, False])
def test_an_error_status_on_the_direct_send_is_the_same_typed_error(
    stream: bool, calls: dict[str, int]
) -> None:
    async def run(base_url: str) -> list[BaseException]:
        errors: list[BaseException] = []
        for hook in (False, True):
            http = create_async_http_client(
                timeout=httpx.Timeout(10.0), limits=httpx.Limits(), transport="aiohttp"
            )
            if hook:
                http.event_hooks["response"].append(_no_op_hook)
            try:
                with pytest.raises(NotFoundError) as caught:
                    await HttpSender()(
                        Endpoint(base_url, http), prepare(_line("/v1/chat/completions", "nope")), stream
                    )
                errors.append(caught.value)
            finally:
                await http.aclose()
        return errors

    with MockVllmServer() as srv:
        direct, via_httpx = asyncio.run(run(srv.base_url))
    assert calls == {"direct": 1, "httpx": 1}
    assert type(direct) is type(via_httpx)
    assert str(direct) == str(via_httpx)
    assert direct.status_code == via_httpx.status_code == 404  # type: ignore[attr-defined]


def test_a_client_holding_cookies_stays_on_httpx(calls: dict[str, int]) -> None:
    async def run(base_url: str) -> Any:
        http = create_async_http_client(
            timeout=httpx.Timeout(10.0), limits=httpx.Limits(), transport="aiohttp"
        )
        http.cookies.set("session", "s1")  # httpx merges the jar into each request: the direct path cannot
        try:
            return await HttpSender()(Endpoint(base_url, http), prepare(_line("/v1/completions")), True)
        finally:
            await http.aclose()

    with MockVllmServer() as srv:
        outcome = asyncio.run(run(srv.base_url))
    assert calls == {"direct": 0, "httpx": 1}
    assert outcome.usage_tokens()[1] == 6
