"""vllm_sdk: the typed Python SDK for vLLM's OpenAI-compatible server.

Quick start::

    from vllm_sdk import VllmClient

    with VllmClient("http://localhost:8000/v1") as client:
        resp = client.chat.completions.create().model("mock").user("Hello").send()
        print(resp.content)
"""

from ._client import AsyncVllmClient, VllmClient
from ._client_builder import ClientBuilder
from ._client_config import ClientConfig
from ._config import NOT_GIVEN, NotGiven
from ._events import (
    CompletionStreamEvent,
    Content,
    Done,
    Error,
    FinishReason,
    Reasoning,
    StreamEvent,
    Text,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
)
from ._exceptions import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    HttpError,
    InternalServerError,
    InvalidResponseError,
    JsonError,
    MissingParameterError,
    ModelNotFoundError,
    NoContentError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    StreamError,
    UnprocessableEntityError,
    VllmError,
    VllmTimeoutError,
)
from ._streams import AsyncCompletionStream, AsyncMessageStream, CompletionStream, MessageStream
from ._tool_call import ToolCall
from ._version import __version__
from .batch import BatchResult
from .types.chat import ChatCompletionResponse
from .types.completions import CompletionResponse

# Plain sorted() order (tests/core checks it), not ruff's constants-first order.
__all__ = [  # noqa: RUF022
    "ApiError",
    "AsyncCompletionStream",
    "AsyncMessageStream",
    "AsyncVllmClient",
    "AuthenticationError",
    "BadRequestError",
    "BatchResult",
    "ChatCompletionResponse",
    "ClientBuilder",
    "ClientClosedError",
    "ClientConfig",
    "CompletionResponse",
    "CompletionStream",
    "CompletionStreamEvent",
    "ConflictError",
    "Content",
    "Done",
    "Error",
    "FinishReason",
    "HttpError",
    "InternalServerError",
    "InvalidResponseError",
    "JsonError",
    "MessageStream",
    "MissingParameterError",
    "ModelNotFoundError",
    "NOT_GIVEN",
    "NoContentError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "Reasoning",
    "RequestTooLargeError",
    "StreamError",
    "StreamEvent",
    "Text",
    "ToolCall",
    "ToolCallComplete",
    "ToolCallDelta",
    "UnprocessableEntityError",
    "Usage",
    "VllmClient",
    "VllmError",
    "VllmTimeoutError",
    "__version__",
]
