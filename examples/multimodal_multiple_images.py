"""Several images in one message, interleaved with text (the server limits images per prompt)."""

import base64
from typing import Any

from _common import example
from _images import solid_png

from vllm_sdk import BadRequestError


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


with example(__doc__) as ex, ex.client() as client:
    images = {"red": solid_png(16, 16, (220, 30, 30)), "green": solid_png(16, 16, (30, 200, 30))}
    content: list[dict[str, Any]] = [{"type": "text", "text": "Compare these two images."}]
    for name, png in images.items():
        content.append({"type": "text", "text": f"Image '{name}':"})
        content.append({"type": "image_url", "image_url": {"url": data_url(png)}})

    try:
        resp = client.chat.completions.create(
            model=ex.model, messages=[{"role": "user", "content": content}], max_tokens=64
        )
        print(f"{len(images)} images ->", resp.content)
    except BadRequestError as exc:  # e.g. more images than --limit-mm-per-prompt allows
        print("the server refused:", exc.message)
