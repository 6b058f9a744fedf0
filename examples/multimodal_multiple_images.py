"""Several images in one message, interleaved with text (the server limits images per prompt)."""

from _common import example
from _images import solid_png

from vllm_sdk import BadRequestError, image_part
from vllm_sdk.types import ChatCompletionContentPartParam

with example(__doc__) as ex, ex.client() as client:
    images = {"red": solid_png(16, 16, (220, 30, 30)), "green": solid_png(16, 16, (30, 200, 30))}
    # One user turn: strings become text parts; image_part() takes bytes, a path or a URL.
    parts: list[str | ChatCompletionContentPartParam] = []
    for name, png in images.items():
        parts += [f"Image '{name}':", image_part(png)]

    try:
        builder = client.chat.completions.create().model(ex.model).max_tokens(64)
        resp = builder.user("Compare these two images.", *parts).send()
        print(f"{len(images)} images ->", resp.content)
        # The same without captions: .images([...], text) puts every image in one user message.
        resp = builder.images(list(images.values()), "Compare these two images.").send()
        print("images() ->", resp.content)
    except BadRequestError as exc:  # e.g. more images than --limit-mm-per-prompt allows
        print("the server refused:", exc.message)
