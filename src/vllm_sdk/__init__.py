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
    LengthFinishReasonError,
    MissingParameterError,
    ModelNotFoundError,
    NoContentError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    SettingError,
    StreamConsumedError,
    StreamError,
    ToolArgumentsError,
    UnprocessableEntityError,
    VllmError,
    VllmTimeoutError,
)
from ._multimodal import image_part, image_url_part, text_part
from ._raw_response import (
    AsyncRawResponse,
    AsyncStreamedRawResponse,
    AsyncStreamedRawResponseManager,
    RawResponse,
    StreamedRawResponse,
    StreamedRawResponseManager,
)
from ._streams import (
    AnthropicMessageStream,
    AsyncAnthropicMessageStream,
    AsyncCompletionStream,
    AsyncMessageStream,
    AsyncParsedMessageStream,
    AsyncResponseStream,
    AsyncTranscriptionStream,
    CompletionStream,
    MessageStream,
    ParsedMessageStream,
    ResponseStream,
    TranscriptionStream,
)
from ._structured import FunctionTool, pydantic_function_tool
from ._tool_call import ToolCall
from ._version import __version__
from .batch import BatchResult
from .realtime import AsyncRealtimeConnection, RealtimeConnection, RealtimeError
from .types.audio import Transcription, TranscriptionVerbose
from .types.chat import ChatCompletionResponse
from .types.completions import CompletionResponse
from .types.messages import AnthropicMessage, AnthropicStreamEvent, MessageTokenCount
from .types.parsed import ParsedChatCompletion, ParsedToolCall
from .types.responses import ParsedResponse, Response, ResponseStreamEvent

# Plain sorted() order (tests/core checks it), not ruff's constants-first order.
__all__ = [  # noqa: RUF022
    "AnthropicMessage",
    "AnthropicMessageStream",
    "AnthropicStreamEvent",
    "ApiError",
    "AsyncAnthropicMessageStream",
    "AsyncCompletionStream",
    "AsyncMessageStream",
    "AsyncParsedMessageStream",
    "AsyncRawResponse",
    "AsyncRealtimeConnection",
    "AsyncResponseStream",
    "AsyncStreamedRawResponse",
    "AsyncStreamedRawResponseManager",
    "AsyncTranscriptionStream",
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
    "FunctionTool",
    "HttpError",
    "InternalServerError",
    "InvalidResponseError",
    "JsonError",
    "LengthFinishReasonError",
    "MessageStream",
    "MessageTokenCount",
    "MissingParameterError",
    "ModelNotFoundError",
    "NOT_GIVEN",
    "NoContentError",
    "NotFoundError",
    "NotGiven",
    "ParsedChatCompletion",
    "ParsedMessageStream",
    "ParsedResponse",
    "ParsedToolCall",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "RealtimeConnection",
    "RealtimeError",
    "Reasoning",
    "RequestTooLargeError",
    "Response",
    "ResponseStream",
    "ResponseStreamEvent",
    "SettingError",
    "StreamConsumedError",
    "StreamError",
    "StreamEvent",
    "StreamedRawResponse",
    "StreamedRawResponseManager",
    "Text",
    "ToolArgumentsError",
    "ToolCall",
    "ToolCallComplete",
    "ToolCallDelta",
    "Transcription",
    "TranscriptionStream",
    "TranscriptionVerbose",
    "UnprocessableEntityError",
    "Usage",
    "VllmClient",
    "VllmError",
    "VllmTimeoutError",
    "__version__",
    "image_part",
    "image_url_part",
    "pydantic_function_tool",
    "text_part",
]
