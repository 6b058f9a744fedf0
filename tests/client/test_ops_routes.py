"""The operator routes (runtime LoRA adapters, ``tokenizer_info``, ``load``, ``ping``) on both clients,
end to end against the mock server."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from vllm_sdk import AsyncVllmClient, BadRequestError, NotFoundError, VllmClient
from vllm_sdk.testing import MockVllmServer
from vllm_sdk.types import TokenizerInfoResponse

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


def test_lora_load_list_unload_sync(server: MockVllmServer) -> None:
    with VllmClient(server.base_url) as client:
        text = client.load_lora_adapter(lora_name="sql-a", lora_path="/adapters/sql")
        assert text == "Success: LoRA adapter 'sql-a' added successfully."
        ids = [m.id for m in client.models.list().data]
        assert ids[-1] == "sql-a"
        card = client.models.list().data[-1]
        assert (card.root, card.parent) == ("/adapters/sql", server.model)
        with pytest.raises(BadRequestError, match="already been loaded"):
            client.load_lora_adapter(lora_name="sql-a", lora_path="/adapters/sql")
        again = client.load_lora_adapter(lora_name="sql-a", lora_path="/adapters/sql2", load_inplace=True)
        assert "added successfully" in again
        with pytest.raises(BadRequestError, match="conflicts with a served base model"):
            client.load_lora_adapter(lora_name=server.model, lora_path="/x")
        assert client.unload_lora_adapter(lora_name="sql-a") == (
            "Success: LoRA adapter 'sql-a' removed successfully."
        )
        with pytest.raises(NotFoundError, match="cannot be found"):
            client.unload_lora_adapter(lora_name="sql-a")
        sent = server.requests[-1]
        assert sent.path == "/v1/unload_lora_adapter"


def test_tokenizer_info_load_and_ping_sync(server: MockVllmServer) -> None:
    with VllmClient(server.base_url) as client:
        info = client.tokenizer_info()
        assert isinstance(info, TokenizerInfoResponse)
        assert info.tokenizer_class
        assert client.ping() is None
        raw = client.with_raw_response.tokenizer_info()
        assert raw.status_code == 200
        assert raw.parse().tokenizer_class == info.tokenizer_class


def test_ops_routes_async(server: MockVllmServer) -> None:
    async def main() -> None:
        async with AsyncVllmClient(server.base_url) as client:
            text = await client.load_lora_adapter(lora_name="chat-b", lora_path="/adapters/chat")
            assert "'chat-b' added" in text
            assert (await client.tokenizer_info()).tokenizer_class
            assert "removed" in await client.unload_lora_adapter(lora_name="chat-b")
            with pytest.raises(NotFoundError):
                await client.unload_lora_adapter(lora_name="chat-b")
            raw = await client.with_raw_response.load_lora_adapter(lora_name="c", lora_path="/p")
            assert "added" in await raw.parse()
            assert await client.unload_lora_adapter(lora_name="c")

    asyncio.run(main())
