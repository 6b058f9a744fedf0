"""Every request and response model of vLLM's API, generated from ``schema/openapi.yaml``.

::

    from vllm_sdk.types import ChatCompletionResponse, EmbeddingResponse, ModelList, TokenizeResponse

Responses with shortcuts are the hand-written subclasses (:class:`ChatCompletionResponse` with
``.content``, ``.tool_calls``...; :class:`CompletionResponse`); all others are the generated pydantic
models, which keep fields a newer server adds. The list is generated (``types/_exports.py``), so a model
added to the schema is exported here after ``python -m codegen generate``.

The chat API's input types are ``TypedDict`` s, as in openai-python (``types/_generated_params.py``):
``ChatCompletionMessageParam`` (one message of any of the six roles), ``ChatCompletionContentPartParam``,
``ChatCompletionToolParam``, ``ChatCompletionToolChoiceOptionParam`` and the per-role and per-part types.
Their ``*Param`` names refer to those TypedDicts, not to the schema's request-side pydantic models of the
same name (still in ``types._generated``)::

    from vllm_sdk.types import ChatCompletionMessageParam

    history: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
"""

from ._exports import *  # noqa: F403 - the generated list of every model
from ._exports import __all__ as __all__
