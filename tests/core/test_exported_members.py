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
        "VllmClient",
        "AsyncVllmClient",
        "ChatCompletionResponse",
        "ToolCall",
        "MessageStream",
        "AsyncMessageStream",
        "CompletionStream",
        "Content",
        "Reasoning",
        "ToolCallDelta",
        "ToolCallComplete",
        "FinishReason",
        "Usage",
        "Done",
        "Error",
        "Text",
        "StreamEvent",
        "CompletionStreamEvent",
        "VllmError",
        "HttpError",
        "VllmTimeoutError",
        "ApiError",
        "BadRequestError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "ConflictError",
        "RequestTooLargeError",
        "UnprocessableEntityError",
        "RateLimitError",
        "InternalServerError",
        "ModelNotFoundError",
        "StreamError",
        "JsonError",
        "MissingParameterError",
        "NoContentError",
        "InvalidResponseError",
    }
    assert required <= set(vllm_sdk.__all__), sorted(required - set(vllm_sdk.__all__))


def test_types_reexports_every_request_and_response_model() -> None:
    import inspect

    import pydantic

    import vllm_sdk.types
    from vllm_sdk.types import _generated
    from vllm_sdk.types.chat import ChatCompletionResponse
    from vllm_sdk.types.completions import CompletionResponse

    generated = {
        name
        for name, value in vars(_generated).items()
        if inspect.isclass(value)
        and issubclass(value, pydantic.BaseModel)
        and value.__module__ == _generated.__name__
    }
    # The message, content-part and tool params are TypedDicts (openai-python's meaning of ``*Param``) and
    # take the names of the request-side models they mirror; plus the classes configured for a bare-array
    # and a free-keyed object component (type aliases in _generated, not models).
    from vllm_sdk.types import _generated_params
    from vllm_sdk.types.ops import KvEventSourcesResponse
    from vllm_sdk.types.render import GenerateRequestList

    params = set(_generated_params.__all__)
    aliases = {"GenerateRequestList", "KvEventSourcesResponse"}
    assert set(vllm_sdk.types.__all__) == (generated - params) | params | aliases
    assert "ChatCompletionUserMessageParam" in generated & params
    assert vllm_sdk.types.ChatCompletionUserMessageParam is _generated_params.ChatCompletionUserMessageParam
    assert vllm_sdk.types.GenerateRequestList is GenerateRequestList
    assert vllm_sdk.types.KvEventSourcesResponse is KvEventSourcesResponse
    assert vllm_sdk.types.__all__ == sorted(vllm_sdk.types.__all__)
    for name in ("TokenizeResponse", "ChatCompletionRequest"):
        assert getattr(vllm_sdk.types, name) is getattr(_generated, name)
    # list-shaped responses are subclasses that iterate over their items
    from vllm_sdk.types import lists

    for name in lists.__all__:
        refined = getattr(vllm_sdk.types, name)
        assert refined is getattr(lists, name)
        assert issubclass(refined, getattr(_generated, name))
    # responses with shortcuts are the hand-written subclasses
    assert vllm_sdk.types.ChatCompletionResponse is ChatCompletionResponse
    assert vllm_sdk.types.CompletionResponse is CompletionResponse
