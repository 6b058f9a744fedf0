"""The chat input types the hand-written conveniences take (``parse()``, the builder's ``messages()``).

The same types as the generated ``ChatCompletionRequestParams`` (``params.request_fields`` in
``[tool.vllm_sdk.codegen]``; a test checks that they agree): message dicts checked against the role
TypedDicts, or pydantic models, which the body encoder dumps; tool dicts or
:func:`~vllm_sdk.pydantic_function_tool` results.
"""

from __future__ import annotations

from typing import TypeAlias

from pydantic import BaseModel

from .._structured import FunctionTool
from ..types._generated_params import (
    ChatCompletionMessageParam,
    ChatCompletionToolChoiceOptionParam,
    ChatCompletionToolParam,
)

__all__ = ["ChatMessageInput", "ChatToolChoiceInput", "ChatToolInput"]

#: One message of ``messages=``: a role TypedDict (a dict literal type-checks against it) or a pydantic model.
ChatMessageInput: TypeAlias = ChatCompletionMessageParam | BaseModel

#: One tool of ``tools=``: a tool dict or what :func:`~vllm_sdk.pydantic_function_tool` returns.
ChatToolInput: TypeAlias = ChatCompletionToolParam | FunctionTool

#: ``tool_choice=``: ``"none"``, ``"auto"``, ``"required"`` or ``{"type": "function", "function": {...}}``.
ChatToolChoiceInput: TypeAlias = ChatCompletionToolChoiceOptionParam
