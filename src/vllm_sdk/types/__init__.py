"""Every request and response model of vLLM's API, generated from ``schema/openapi.yaml``.

::

    from vllm_sdk.types import ChatCompletionResponse, EmbeddingResponse, ModelList, TokenizeResponse

Responses with shortcuts are the hand-written subclasses (:class:`ChatCompletionResponse` with
``.content``, ``.tool_calls``...; :class:`CompletionResponse`); all others are the generated pydantic
models, which keep fields a newer server adds. The list is generated (``types/_exports.py``), so a model
added to the schema is exported here after ``python -m codegen generate``.
"""

from ._exports import *  # noqa: F403 - the generated list of every model
from ._exports import __all__ as __all__
