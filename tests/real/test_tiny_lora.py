"""Offline checks of the vendored LoRA adapter (no vLLM needed; part of ``make test``): the committed files
are exactly what ``scripts/real_vllm/make_tiny_lora.py`` writes, and their tensors fit the tiny model."""

from __future__ import annotations

import importlib.util
import json
import struct
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ADAPTER = REPO / "tests" / "data" / "lora" / "tiny-lora"
BASE = REPO / "tests" / "data" / "reference" / "tiny-model"


def _script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_tiny_lora", REPO / "scripts/real_vllm/make_tiny_lora.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _header(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header: dict[str, Any] = json.loads(data[8 : 8 + size])
    assert len(data) == 8 + size + max(v["data_offsets"][1] for k, v in header.items() if k != "__metadata__")
    return header


def test_the_committed_adapter_is_what_the_script_writes(tmp_path: Path) -> None:
    _script().make(BASE, tmp_path, 8, 0)
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        assert (tmp_path / name).read_bytes() == (ADAPTER / name).read_bytes(), name


def test_the_adapter_tensors_fit_the_base_model() -> None:
    config = json.loads((BASE / "config.json").read_text())
    adapter = json.loads((ADAPTER / "adapter_config.json").read_text())
    assert adapter["peft_type"] == "LORA"
    rank = adapter["r"]
    header = _header(ADAPTER / "adapter_model.safetensors")
    hidden = config["hidden_size"]
    kv_out = config["num_key_value_heads"] * hidden // config["num_attention_heads"]
    expected = {}
    for layer in range(config["num_hidden_layers"]):
        for module, out in (("q_proj", hidden), ("v_proj", kv_out)):
            prefix = f"base_model.model.model.layers.{layer}.self_attn.{module}"
            expected[f"{prefix}.lora_A.weight"] = [rank, hidden]
            expected[f"{prefix}.lora_B.weight"] = [out, rank]
    assert {k: v["shape"] for k, v in header.items() if k != "__metadata__"} == expected
    assert all(v["dtype"] == "F32" for k, v in header.items() if k != "__metadata__")
