"""Request checks with vLLM's error messages: pydantic-style validation errors and semantic 400s."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ._schema_values import SchemaError, check_schema
from ._wire import error_body

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "RequestRejected",
    "bad_request",
    "check_context",
    "check_sampling",
    "check_tools",
    "coerce_fields",
    "json_schema_of",
    "parse_json_body",
    "validation_error",
]

MAX_LOGPROBS = 20
MAX_N = 128


class RequestRejected(Exception):
    """A request the mock answers with an error status and vLLM's error body."""

    def __init__(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def bad_request(message: str, param: str | None = None) -> RequestRejected:
    """A semantic 400 (vLLM's ``BadRequestError``)."""
    return RequestRejected(400, error_body(message, "BadRequestError", 400, param))


def _validation_failure(errors: list[dict[str, Any]]) -> RequestRejected:
    count = len(errors)
    head = f"{count} validation error{'s' if count != 1 else ''}:"
    lines = "\n".join(f"  {e!r}" for e in errors)
    param = errors[0].get("loc") if errors else None
    return RequestRejected(400, error_body(f"{head}\n{lines}", "Bad Request", 400, param))


def validation_error(
    kind: str, loc: str, msg: str, value: Any, ctx: dict[str, Any] | None = None
) -> RequestRejected:
    """A one-error pydantic-style 400 ("Bad Request", param = ``loc``)."""
    error: dict[str, Any] = {"type": kind, "loc": loc, "msg": msg, "input": value}
    if ctx is not None:
        error["ctx"] = ctx
    return _validation_failure([error])


def _input_repr(body: Mapping[str, Any]) -> str:
    return f"<dict of {len(body)} items>"


def parse_json_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """Decode a JSON request body the way vLLM (FastAPI + pydantic) rejects bad ones."""
    if content_type and "json" not in content_type:
        raise RequestRejected(
            400,
            error_body(
                "1 validation error:\n  Unsupported Media Type: Only 'application/json' is allowed",
                "Bad Request",
                400,
            ),
        )
    try:
        body = json.loads(raw.decode("utf-8")) if raw else None
    except UnicodeDecodeError as exc:
        raise _validation_failure(
            [
                {
                    "type": "json_invalid",
                    "loc": f"body.{exc.start}",
                    "msg": "JSON decode error",
                    "input": "<dict of 0 items>",
                }
            ]
        ) from None
    except json.JSONDecodeError as exc:
        raise _validation_failure(
            [
                {
                    "type": "json_invalid",
                    "loc": f"body.{exc.pos}",
                    "msg": "JSON decode error",
                    "input": "<dict of 0 items>",
                    "ctx": {"error": exc.msg},
                }
            ]
        ) from None
    except (ValueError, RecursionError):
        # Valid JSON the parser still refuses: nesting too deep, an integer past Python's digit limit.
        # FastAPI answers any such failure with HTTPException(400), which vLLM renders with the phrase.
        body_error = error_body("There was an error parsing the body", "Bad Request", 400)
        raise RequestRejected(400, body_error) from None
    if not isinstance(body, dict):
        raise _validation_failure(
            [
                {
                    "type": "model_attributes_type",
                    "loc": "body",
                    "msg": "Input should be a valid dictionary or object to extract fields from",
                    "input": body,
                }
            ]
        )
    return body


_INT_FIELDS = ("max_tokens", "max_completion_tokens", "n", "seed", "top_logprobs", "top_k", "min_tokens")
_FLOAT_FIELDS = (
    "temperature",
    "top_p",
    "min_p",
    "presence_penalty",
    "frequency_penalty",
    "repetition_penalty",
)
_BOOL_FIELDS = (
    "return_token_ids",
    "stream",
    "echo",
    "ignore_eos",
    "include_stop_str_in_output",
    "skip_special_tokens",
    "parallel_tool_calls",
)
_DICT_FIELDS = ("stream_options", "response_format", "chat_template_kwargs", "structured_outputs")


def _coerce_int(value: Any, loc: str, errors: list[dict[str, Any]]) -> Any:
    if isinstance(value, (bool, int)):
        return int(value)
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        errors.append(
            {
                "type": "int_from_float",
                "loc": loc,
                "msg": "Input should be a valid integer, got a number with a fractional part",
                "input": value,
            }
        )
        return None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            errors.append(
                {
                    "type": "int_parsing",
                    "loc": loc,
                    "msg": "Input should be a valid integer, unable to parse string as an integer",
                    "input": value,
                }
            )
            return None
    errors.append({"type": "int_type", "loc": loc, "msg": "Input should be a valid integer", "input": value})
    return None


def _coerce_float(value: Any, loc: str, errors: list[dict[str, Any]]) -> Any:
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            errors.append(
                {
                    "type": "float_parsing",
                    "loc": loc,
                    "msg": "Input should be a valid number, unable to parse string as a number",
                    "input": value,
                }
            )
            return None
    errors.append({"type": "float_type", "loc": loc, "msg": "Input should be a valid number", "input": value})
    return None


def _coerce_bool(value: Any, loc: str, errors: list[dict[str, Any]]) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0", "on", "off"):
        return value.lower() in ("true", "yes", "1", "on")
    kind = "bool_parsing" if isinstance(value, str) else "bool_type"
    msg = (
        "Input should be a valid boolean, unable to interpret input"
        if isinstance(value, str)
        else "Input should be a valid boolean"
    )
    errors.append({"type": kind, "loc": loc, "msg": msg, "input": value})
    return None


def coerce_fields(
    body: dict[str, Any], *, required: tuple[str, ...], logprobs_is_int: bool
) -> dict[str, Any]:
    """Type-check and coerce the common sampling fields in place; raise 400 "Bad Request" on failure."""
    errors: list[dict[str, Any]] = []
    for name in required:
        if name not in body:
            errors.append(
                {
                    "type": "missing",
                    "loc": f"body.{name}",
                    "msg": "Field required",
                    "input": _input_repr(body),
                }
            )
    for name in _INT_FIELDS + (("logprobs",) if logprobs_is_int else ()):
        if body.get(name) is not None:
            body[name] = _coerce_int(body[name], f"body.{name}", errors)
    for name in _FLOAT_FIELDS:
        if body.get(name) is not None:
            body[name] = _coerce_float(body[name], f"body.{name}", errors)
    for name in _BOOL_FIELDS + (() if logprobs_is_int else ("logprobs",)):
        if body.get(name) is not None:
            body[name] = _coerce_bool(body[name], f"body.{name}", errors)
    for name in _DICT_FIELDS:
        if body.get(name) is not None and not isinstance(body[name], dict):
            errors.append(
                {
                    "type": "dict_type",
                    "loc": f"body.{name}",
                    "msg": "Input should be a valid dictionary",
                    "input": body[name],
                }
            )
    if "messages" in body and not isinstance(body["messages"], list):
        errors.append(
            {
                "type": "list_type",
                "loc": "body.messages",
                "msg": "Input should be a valid list",
                "input": body["messages"],
            }
        )
    stop = body.get("stop")
    if (
        stop is not None
        and not isinstance(stop, str)
        and not (isinstance(stop, list) and all(isinstance(s, str) for s in stop))
    ):
        errors.append(
            {"type": "list_type", "loc": "body.stop", "msg": "Input should be a valid list", "input": stop}
        )
    if "model" in body and body["model"] is not None and not isinstance(body["model"], str):
        errors.append(
            {
                "type": "string_type",
                "loc": "body.model",
                "msg": "Input should be a valid string",
                "input": body["model"],
            }
        )
    if errors:
        raise _validation_failure(errors)
    return body


def check_sampling(body: Mapping[str, Any], *, max_model_len: int, logprobs_key: str) -> None:
    """vLLM's semantic checks on sampling parameters (each raises a 400 ``BadRequestError``)."""
    temp = body.get("temperature")
    if temp is not None:
        if temp < 0:
            raise bad_request(
                f"temperature must be non-negative, got {temp}. (parameter=temperature, value={temp})",
                "temperature",
            )
        if temp > 2:
            raise bad_request(
                f"temperature must be in [0, 2], got {temp}. (parameter=temperature, value={temp})",
                "temperature",
            )
    n = body.get("n")
    if n is not None and n < 1:
        raise bad_request(f"n must be at least 1, got {n}.")
    if n is not None and n > MAX_N:
        # Not a vLLM rule: the mock keeps every request's output in memory, so it bounds it.
        raise bad_request(f"n must be at most {MAX_N} on the mock server, got {n}.", "n")
    top_p = body.get("top_p")
    if top_p is not None and not 0 < top_p <= 1:
        raise bad_request(f"top_p must be in (0, 1], got {top_p}. (parameter=top_p, value={top_p})", "top_p")
    k = body.get(logprobs_key)
    if isinstance(k, int) and not isinstance(k, bool) and k > MAX_LOGPROBS:
        raise bad_request(
            f"Requested sample logprobs of {k}, which is greater than max allowed: {MAX_LOGPROBS} "
            f"(parameter=logprobs, value={k})",
            "logprobs",
        )
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    if max_tokens is not None:
        if max_tokens < 1:
            raise bad_request(
                f"max_tokens must be at least 1, got {max_tokens}. "
                f"(parameter=max_tokens, value={max_tokens})",
                "max_tokens",
            )
        if max_tokens > max_model_len:
            raise bad_request(
                f"max_tokens={max_tokens} cannot be greater than max_model_len={max_model_len}. "
                f"Please request fewer output tokens. (parameter=max_tokens, value={max_tokens})",
                "max_tokens",
            )
    if body.get("stream_options") is not None and not body.get("stream"):
        raise bad_request(
            "Stream options can only be defined when `stream=True`. (parameter=stream_options)",
            "stream_options",
        )


def check_context(prompt_tokens: int, max_tokens: int | None, max_model_len: int) -> None:
    """Prompt length against the context window, with vLLM's messages."""
    if prompt_tokens > max_model_len:
        raise bad_request(
            f"This model's maximum context length is {max_model_len} tokens. However, your prompt contains "
            f"at least {prompt_tokens} input tokens, which exceeds this limit even without any output "
            f"tokens. Please reduce the length of the input prompt. "
            f"(parameter=input_tokens, value={prompt_tokens})",
            "input_tokens",
        )
    if max_tokens is not None and prompt_tokens + max_tokens > max_model_len:
        raise bad_request(
            f"'max_tokens' or 'max_completion_tokens' is too large: {max_tokens}. This model's maximum "
            f"context length is {max_model_len} tokens and your request has {prompt_tokens} input tokens "
            f"({max_tokens} > {max_model_len} - {prompt_tokens}). (parameter=max_tokens, value={max_tokens})",
            "max_tokens",
        )


def check_tools(body: Mapping[str, Any]) -> None:
    """tool_choice against tools, as vLLM checks them."""
    tools = body.get("tools")
    choice = body.get("tool_choice")
    if choice is not None and choice != "none" and not tools:
        raise bad_request(
            "When using `tool_choice`, `tools` must be set. (parameter=tool_choice)", "tool_choice"
        )
    if isinstance(choice, dict) and tools:
        fn = choice.get("function")
        name = fn.get("name") if isinstance(fn, dict) else None
        names = {t.get("function", {}).get("name") for t in tools if isinstance(t, dict)}
        if name not in names:
            raise bad_request(
                "The tool specified in `tool_choice` does not match any of the specified `tools` "
                "(parameter=tool_choice)",
                "tool_choice",
            )


def json_schema_of(body: Mapping[str, Any]) -> Any:
    """The schema a response must follow (dict), True for json_object, or None; 400 on a bad schema."""
    schema: Any = None
    rf = body.get("response_format")
    if isinstance(rf, dict):
        if rf.get("type") == "json_schema":
            js = rf.get("json_schema")
            schema = js.get("schema", {}) if isinstance(js, dict) else {}
        elif rf.get("type") == "json_object":
            schema = True
    so = body.get("structured_outputs")
    if isinstance(so, dict) and so.get("json") is not None:
        schema = so["json"]
        if isinstance(schema, str):
            try:
                schema = json.loads(schema)
            except json.JSONDecodeError:
                raise bad_request("Grammar error: invalid JSON schema") from None
    if isinstance(schema, dict):
        try:
            check_schema(schema)
        except SchemaError as exc:
            raise bad_request(f"Grammar error: {exc}") from None
    return schema
