"""The legacy completion builders (``/v1/completions``) over the generated route builders.

::

    resp = client.completions.create().model(m).prompt("Once upon a time").max_tokens(64).send()
    resp = client.completions.create(model=m, prompt="Once upon a time", max_tokens=64)   # generated
"""

from __future__ import annotations

from ._generated_builders import AsyncCompletionsCreateBuilder, CompletionsCreateBuilder

__all__ = ["AsyncCompletionBuilder", "CompletionBuilder"]


class CompletionBuilder(CompletionsCreateBuilder):
    """A legacy completion request being built; ``send()`` / ``send_stream()`` sends it.

    Made by ``client.completions.create()``; a typed setter per field of the schema. ``send()`` raises
    :class:`~vllm_sdk.MissingParameterError` without a model, or without a prompt (``prompt`` or
    ``prompt_embeds``), before any I/O; ``send_stream()`` returns a :class:`~vllm_sdk.CompletionStream`.
    """


class AsyncCompletionBuilder(AsyncCompletionsCreateBuilder):
    """The async twin of :class:`CompletionBuilder`: ``await builder.send()`` / ``send_stream()``."""
