"""An image by URL: the vLLM server downloads it, so the URL must be reachable from the server."""

import argparse

from _common import example

from vllm_sdk import BadRequestError

DEFAULT_URL = "https://upload.wikimedia.org/wikipedia/commons/4/47/PNG_transparency_demonstration_1.png"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--image-url", default=DEFAULT_URL, help="an http(s) URL of an image")


with example(__doc__, add_arguments) as ex, ex.client() as client:
    url = ex.args.image_url

    try:
        # Builder: .image() passes http(s) URLs through untouched.
        resp = client.chat.completions.create().model(ex.model).image(url, text="Describe this image.").send()
        print("builder:", resp.content)

        # Keywords: the same message written as OpenAI content parts.
        resp = client.chat.completions.create(
            model=ex.model,
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is in this picture?"},
                        {"type": "image_url", "image_url": {"url": url}},
                    ],
                }
            ],
            max_tokens=64,
        )
        print("keywords:", resp.content)
    except BadRequestError as exc:  # a text-only model, or a URL the server cannot fetch
        print("the server refused:", exc.message)
