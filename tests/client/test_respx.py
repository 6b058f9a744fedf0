"""respx mocks the clients like any httpx code (user-supplied http clients; the default sync client)."""

from __future__ import annotations

import httpx
import pytest
import respx

from vllm_sdk import AsyncVllmClient, RateLimitError, VllmClient

from .helpers import chat_body

URL = "http://respx.test/v1"
MSGS = [{"role": "user", "content": "hi"}]


def test_respx_with_the_default_sync_client() -> None:
    with respx.mock(base_url=URL) as mock:
        route = mock.post("/chat/completions").respond(json=chat_body("from respx"))
        with VllmClient(URL, api_key="k") as client:
            assert client.chat.completions.create(model="m", messages=MSGS).content == "from respx"
        assert route.calls.last.request.headers["authorization"] == "Bearer k"


def test_respx_with_a_user_sync_client_and_retries() -> None:
    with respx.mock(base_url=URL) as mock:
        mock.get("/models").mock(
            side_effect=[
                httpx.Response(429, json={"error": {"message": "slow down"}}, headers={"retry-after": "0"}),
                httpx.Response(200, json={"object": "list", "data": [{"id": "m"}]}),
            ]
        )
        with VllmClient(URL, http_client=httpx.Client()) as client:
            assert [m.id for m in client.models.list().data or []] == ["m"]


async def test_respx_with_a_user_async_client() -> None:
    with respx.mock(base_url=URL) as mock:
        mock.post("/chat/completions").respond(429, json={"error": {"message": "slow down"}})
        async with AsyncVllmClient(URL, http_client=httpx.AsyncClient(), max_retries=0) as client:
            with pytest.raises(RateLimitError, match="slow down"):
                await client.chat.completions.create(model="m", messages=MSGS)
