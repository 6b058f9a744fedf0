"""Raw responses and the operator routes (load, ping, tokenizer_info) against a real vLLM."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import ChatCompletionResponse, MessageStream, RawResponse
from vllm_sdk.types import LoadResponse, TokenizerInfoResponse

if TYPE_CHECKING:
    from .real_support import ServerInfo

pytestmark = pytest.mark.real_vllm


def _chat(server: ServerInfo) -> dict[str, Any]:
    return {
        "model": server.model,
        "messages": [{"role": "user", "content": "Say hi."}],
        "max_tokens": 8,
        "temperature": 0,
    }


def test_real_raw_chat_response(client: Any, main_server: ServerInfo) -> None:
    raw = client.chat.completions.with_raw_response.create(**_chat(main_server))
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200
    # vLLM sends x-request-id only with --enable-request-id-headers (not set by the harness)
    assert raw.request_id == raw.headers.get("x-request-id")
    assert raw.headers["content-type"].startswith("application/json")
    assert raw.retries_taken == 0
    parsed = raw.parse()
    assert isinstance(parsed, ChatCompletionResponse)
    assert parsed.id == raw.json()["id"]
    assert raw.parse() is parsed


def test_real_streaming_response_lines_and_parse(client: Any, main_server: ServerInfo) -> None:
    with client.chat.completions.with_streaming_response.create(**_chat(main_server), stream=True) as raw:
        assert raw.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in raw.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert all(line.startswith("data: ") for line in lines)
    with client.chat.completions.with_streaming_response.create(**_chat(main_server), stream=True) as raw:
        stream = raw.parse()
        assert isinstance(stream, MessageStream)
        assert stream.collect().choices


async def test_real_async_raw_response(make_async_client: Any, main_server: ServerInfo) -> None:
    client = make_async_client(main_server)
    raw = await client.chat.completions.with_raw_response.create(**_chat(main_server))
    assert raw.status_code == 200
    assert (await raw.parse()).choices
    async with client.chat.completions.with_streaming_response.create(**_chat(main_server)) as sraw:
        assert (await sraw.parse()).id == (await sraw.json())["id"]


def test_real_load_ping_tokenizer_info(client: Any, main_server: ServerInfo) -> None:
    assert isinstance(client.load(), LoadResponse)
    assert client.ping() is None
    # the harness starts the main server with --enable-tokenizer-info-endpoint
    info = client.tokenizer_info()
    assert isinstance(info, TokenizerInfoResponse)
    assert info.tokenizer_class
