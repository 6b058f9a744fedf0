"""An image from a local file, sent inline as a base64 data: URL (the file never needs to be public)."""

import argparse
import tempfile
from pathlib import Path

from _common import example
from _images import solid_png

from vllm_sdk import BadRequestError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--image", help="a PNG/JPEG/WebP/GIF file (default: a generated red square)")


with example(__doc__, add_arguments) as ex, ex.client() as client, tempfile.TemporaryDirectory() as tmp:
    path = ex.args.image
    if path is None:
        path = Path(tmp) / "red.png"
        path.write_bytes(solid_png(32, 32, (220, 30, 30)))

    try:
        # .image() reads the file, guesses the MIME type and base64-encodes it into a data: URL.
        resp = (
            client.chat.completions.create()
            .model(ex.model)
            .image(path, text="What colour is this image? One word.")
            .max_tokens(32)
            .send()
        )
        print("file:", resp.content)

        # Raw bytes work too; the MIME type is detected from the bytes.
        resp = (
            client.chat.completions.create()
            .model(ex.model)
            .image(solid_png(8, 8, (30, 30, 220)), text="And this one?")
            .max_tokens(32)
            .send()
        )
        print("bytes:", resp.content)
    except BadRequestError as exc:  # a text-only model: vLLM answers 400
        print("the server refused:", exc.message, "(is the model a vision-language model?)")
