"""`vllm_sdk.__all__` is sorted, complete and documented."""

from __future__ import annotations

import inspect

import vllm_sdk


def test_all_is_sorted_and_unique() -> None:
    assert list(vllm_sdk.__all__) == sorted(set(vllm_sdk.__all__))


def test_all_is_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(vllm_sdk).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public | {"__version__"} == set(vllm_sdk.__all__)


def test_every_public_name_has_a_docstring() -> None:
    for name in vllm_sdk.__all__:
        if name == "__version__":
            continue
        obj = getattr(vllm_sdk, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"


def test_api_md_names_are_exported() -> None:
    required = {
        "VllmClient", "AsyncVllmClient", "ChatCompletionResponse", "ToolCall",
        "MessageStream", "AsyncMessageStream", "CompletionStream",
        "Content", "Reasoning", "ToolCallDelta", "ToolCallComplete", "FinishReason", "Usage", "Done", "Error",
        "Text", "StreamEvent", "CompletionStreamEvent",
        "VllmError", "HttpError", "VllmTimeoutError", "ApiError", "BadRequestError", "AuthenticationError",
        "PermissionDeniedError", "NotFoundError", "ConflictError", "RequestTooLargeError",
        "UnprocessableEntityError", "RateLimitError", "InternalServerError", "ModelNotFoundError",
        "StreamError", "JsonError", "MissingParameterError", "NoContentError", "InvalidResponseError",
    }
    assert required <= set(vllm_sdk.__all__), sorted(required - set(vllm_sdk.__all__))
