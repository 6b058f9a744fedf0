"""LoRA adapters loaded at runtime into a real vLLM: load -> listed by /v1/models -> chat with the adapter as
the model -> unload -> typed 404s.

The harness starts the main server with ``--enable-lora --max-lora-rank 8 --max-loras 1`` and
``VLLM_ALLOW_RUNTIME_LORA_UPDATING=1`` (without that variable vLLM registers no load/unload routes). The
adapter is ``tests/data/lora/tiny-lora``: rank-8 ``q_proj``/``v_proj`` LoRA weights for the vendored tiny
model, written by ``scripts/real_vllm/make_tiny_lora.py`` (see its README for the provenance).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import BadRequestError, NotFoundError

if TYPE_CHECKING:
    from .real_support import ServerInfo

pytestmark = pytest.mark.real_vllm

ADAPTER = Path(__file__).resolve().parents[1] / "data" / "lora" / "tiny-lora"
NAME = "tiny-lora"


def _chat(model: str) -> dict[str, Any]:
    return {
        "model": model,
        "messages": [{"role": "user", "content": "Hello"}],
        "max_tokens": 8,
        "temperature": 0,
    }


def test_real_lora_load_list_chat_unload(client: Any, main_server: ServerInfo) -> None:
    with contextlib.suppress(NotFoundError):  # a run interrupted after loading left it behind
        client.unload_lora_adapter(lora_name=NAME)
    answer = client.load_lora_adapter(lora_name=NAME, lora_path=str(ADAPTER))
    assert NAME in answer  # "Success: LoRA adapter 'tiny-lora' added successfully."
    try:
        with pytest.raises(BadRequestError, match="already been loaded"):
            client.load_lora_adapter(lora_name=NAME, lora_path=str(ADAPTER))
        cards = {card.id: card for card in client.models.list()}
        assert NAME in cards
        assert cards[NAME].parent == main_server.model
        assert cards[NAME].root == str(ADAPTER)

        out = client.chat.completions.create(**_chat(NAME))
        assert out.model == NAME
        assert out.choices[0].finish_reason in {"stop", "length"}
        assert out.usage is not None
        assert out.usage.completion_tokens > 0
        with client.chat.completions.create(**_chat(NAME), stream=True) as stream:
            streamed = stream.collect()
        assert streamed.model == NAME
        raw = client.with_raw_response.unload_lora_adapter(lora_name=NAME)
        assert raw.status_code == 200
        assert NAME in raw.parse()
    finally:
        with contextlib.suppress(NotFoundError):
            client.unload_lora_adapter(lora_name=NAME)

    assert NAME not in {card.id for card in client.models.list()}
    with pytest.raises(NotFoundError) as chat_error:
        client.chat.completions.create(**_chat(NAME))
    assert chat_error.value.status_code == 404
    assert NAME in str(chat_error.value)
    with pytest.raises(NotFoundError, match="cannot be found") as unload_error:
        client.unload_lora_adapter(lora_name=NAME)
    assert unload_error.value.status_code == 404


async def test_real_lora_async_load_and_unload(aclient: Any, main_server: ServerInfo) -> None:
    name = NAME + "-async"
    with contextlib.suppress(NotFoundError):
        await aclient.unload_lora_adapter(lora_name=name)
    await aclient.load_lora_adapter(lora_name=name, lora_path=str(ADAPTER))
    try:
        out = await aclient.chat.completions.create(**_chat(name))
        assert out.model == name
    finally:
        await aclient.unload_lora_adapter(lora_name=name)
    with pytest.raises(NotFoundError):
        await aclient.unload_lora_adapter(lora_name=name)
