"""Write a tiny LoRA adapter for the vendored tiny test model, offline and with the standard library only.

``make test-real`` loads it into the ``main`` server at runtime (``load_lora_adapter``) to exercise the LoRA
routes end to end. The adapter is PEFT's on-disk format, which vLLM reads (``vllm/lora/peft_helper.py`` for
``adapter_config.json``, ``vllm/lora/lora_model.py`` for the tensors):

* ``adapter_config.json``: ``peft_type: LORA``, rank ``r``, ``lora_alpha``, ``target_modules``
  (``q_proj`` and ``v_proj``), no bias, no DoRA;
* ``adapter_model.safetensors``: per layer ``i`` and target ``m``
  ``base_model.model.model.layers.{i}.self_attn.{m}.lora_A.weight`` of shape ``[r, hidden]`` and
  ``...lora_B.weight`` of shape ``[out_features, r]`` (float32), where ``out_features`` is ``hidden`` for
  ``q_proj`` and ``num_key_value_heads * head_dim`` for ``v_proj``.

The weights are small seeded random values (not trained: the adapter changes the model's output a little,
which is all the tests need). The shapes come from the base model's ``config.json``. The safetensors file is
written by hand (an 8-byte little-endian header length, the JSON header padded to 8 bytes, the raw data),
so no torch, numpy or peft is needed and the output is byte-for-byte reproducible.

Usage::

    python scripts/real_vllm/make_tiny_lora.py [--base tests/data/reference/tiny-model]
                                               [--out tests/data/lora/tiny-lora] [--rank 8] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import struct
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGETS = ("q_proj", "v_proj")


def _shapes(config: dict[str, object], rank: int) -> dict[str, tuple[int, int]]:
    hidden = int(config["hidden_size"])  # type: ignore[call-overload]
    heads = int(config["num_attention_heads"])  # type: ignore[call-overload]
    kv_heads = int(config.get("num_key_value_heads", heads))  # type: ignore[call-overload]
    layers = int(config["num_hidden_layers"])  # type: ignore[call-overload]
    out = {"q_proj": hidden, "v_proj": kv_heads * (hidden // heads)}
    shapes: dict[str, tuple[int, int]] = {}
    for layer in range(layers):
        for module in TARGETS:
            prefix = f"base_model.model.model.layers.{layer}.self_attn.{module}"
            shapes[f"{prefix}.lora_A.weight"] = (rank, hidden)
            shapes[f"{prefix}.lora_B.weight"] = (out[module], rank)
    return shapes


def safetensors_bytes(tensors: dict[str, tuple[tuple[int, int], list[float]]]) -> bytes:
    """A safetensors file of float32 tensors (name -> (shape, row-major values))."""
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    data = bytearray()
    for name in sorted(tensors):
        shape, values = tensors[name]
        start = len(data)
        data += struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [start, len(data)]}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + bytes(data)


def make(base: Path, out: Path, rank: int, seed: int) -> None:
    config = json.loads((base / "config.json").read_text(encoding="utf-8"))
    rng = random.Random(seed)
    tensors = {
        name: (shape, [round(rng.gauss(0.0, 0.02), 6) for _ in range(shape[0] * shape[1])])
        for name, shape in _shapes(config, rank).items()
    }
    adapter_config = {
        "base_model_name_or_path": "tiny-model",
        "bias": "none",
        "fan_in_fan_out": False,
        "inference_mode": True,
        "lora_alpha": 2 * rank,
        "lora_dropout": 0.0,
        "modules_to_save": None,
        "peft_type": "LORA",
        "r": rank,
        "target_modules": list(TARGETS),
        "task_type": "CAUSAL_LM",
        "use_dora": False,
        "use_rslora": False,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2) + "\n", encoding="utf-8")
    (out / "adapter_model.safetensors").write_bytes(safetensors_bytes(tensors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, default=REPO / "tests" / "data" / "reference" / "tiny-model")
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "data" / "lora" / "tiny-lora")
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    make(args.base, args.out, args.rank, args.seed)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
