"""Table rows in, table rows out: the engine-neutral part of ``run_partition`` and the Ray processor.

A row (a dict, as Ray, Spark and Dask hand them over) carries ``messages`` (a chat) or ``body`` (an
OpenAI request body, a dict or a JSON string), optionally ``url`` (the route: chat, completions or
embeddings) and ``model`` (overrides the body's and the caller's). Every row comes back once, its
columns kept, with :data:`OUTPUT_COLUMNS` added; a row that cannot be sent or whose request fails comes
back with ``error`` set, never as an exception.

Columnar engines hand over numpy arrays and numpy scalars where a row holds lists and numbers, and
``NaN`` or ``None`` where a column is missing: :func:`plain` turns them back into JSON values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._prepare import InvalidBatchRequest, PreparedRequest

if TYPE_CHECKING:
    from ._result import BatchResult

__all__ = ["OUTPUT_COLUMNS", "ROUTES", "RowSpec", "output_row", "plain", "row_request"]

#: The columns added to every row, in this order. ``ttft_s`` is set for streamed requests only.
OUTPUT_COLUMNS = (
    "content",
    "reasoning",
    "finish_reason",
    "prompt_tokens",
    "completion_tokens",
    "status_code",
    "error",
    "attempts",
    "latency_s",
    "ttft_s",
    "response",
)

#: The routes a row may name in ``url`` (with or without ``/v1``, or by short name), to their path.
ROUTES: dict[str, str] = {
    "chat": "/chat/completions",
    "/chat/completions": "/chat/completions",
    "/v1/chat/completions": "/chat/completions",
    "completions": "/completions",
    "/completions": "/completions",
    "/v1/completions": "/completions",
    "embeddings": "/embeddings",
    "/embeddings": "/embeddings",
    "/v1/embeddings": "/embeddings",
}


@dataclass(frozen=True)
class RowSpec:
    """How rows become requests: the default ``model`` and ``params`` merged under every body (a row's
    own values win)."""

    model: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


def _missing(value: object) -> bool:
    """``None``, or the ``NaN`` pandas puts in a missing cell."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def plain(value: Any) -> Any:
    """``value`` with numpy arrays, numpy scalars and tuples turned into plain JSON values (recursively)."""
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars, pyarrow scalars
    if callable(tolist):
        return plain(tolist())
    as_py = getattr(value, "as_py", None)
    if callable(as_py):
        return plain(as_py())
    return value


def _json_field(row: Mapping[str, Any], name: str) -> Any:
    value = plain(row[name])
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise InvalidBatchRequest(f"the row's {name!r} is not valid JSON: {exc}") from exc
    return value


def _route(row: Mapping[str, Any], body: Mapping[str, Any]) -> str:
    url = row.get("url")
    if not _missing(url):
        path = ROUTES.get(str(url).strip())
        if path is None:
            raise InvalidBatchRequest(
                f"url must be chat, completions or embeddings (as /v1/chat/completions...), not {url!r}"
            )
        return path
    if "messages" in body:
        return "/chat/completions"
    if "prompt" in body:
        return "/completions"
    if "input" in body:
        return "/embeddings"
    raise InvalidBatchRequest(
        "cannot tell the route: give the row a 'url', or a body with messages/prompt/input"
    )


def row_request(row: Mapping[str, Any], spec: RowSpec) -> PreparedRequest:
    """The request of one row; raises :class:`InvalidBatchRequest` with the reason when there is none."""
    if not isinstance(row, Mapping):
        raise InvalidBatchRequest(f"a row must be a mapping of columns, not {type(row).__name__}")
    if "body" in row and not _missing(row["body"]):
        body = _json_field(row, "body")
        if not isinstance(body, dict):
            raise InvalidBatchRequest(f"the row's body must be a JSON object, not {type(body).__name__}")
    elif "messages" in row and not _missing(row["messages"]):
        messages = _json_field(row, "messages")
        if not isinstance(messages, list) or not messages:
            raise InvalidBatchRequest("the row's messages must be a non-empty list of messages")
        body = {"messages": messages}
    else:
        raise InvalidBatchRequest("a row needs 'messages' (a chat) or 'body' (an OpenAI request body)")
    full: dict[str, Any] = {**plain(dict(spec.params)), **body}
    model = row.get("model")
    if not _missing(model):
        full["model"] = str(model)
    elif "model" not in full and spec.model is not None:
        full["model"] = spec.model
    if "model" not in full:
        raise InvalidBatchRequest("no model: give model= to the processor, or a 'model' column or body field")
    return PreparedRequest(None, "POST", _route(row, full), full)


def _first_choice(body: Mapping[str, Any]) -> Mapping[str, Any]:
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        return choices[0]
    return {}


def _describe(error: BaseException) -> str:
    name = type(error).__name__
    text = str(error)
    return f"{name}: {text}" if text else name


def output_row(row: Mapping[str, Any], result: BatchResult) -> dict[str, Any]:
    """``row``'s columns and the output columns of ``result`` (a same-named input column is replaced)."""
    out = dict(row)
    content = reasoning = finish_reason = response = None
    body = result.body
    if result.error is None and body is not None:
        choice = _first_choice(body)
        message = choice.get("message")
        if isinstance(message, Mapping):
            content = message.get("content")
            # vLLM 0.32 names it ``reasoning``; older servers ``reasoning_content``.
            reasoning = message.get("reasoning") or message.get("reasoning_content")
        elif "text" in choice:
            content = choice.get("text")
        finish_reason = choice.get("finish_reason")
        raw = result.raw_body
        if raw is not None and raw[:1] == b"{":
            response = raw.decode("utf-8", "replace")  # the body as the server sent it
        else:
            response = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    out.update(
        content=content,
        reasoning=reasoning,
        finish_reason=finish_reason,
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        status_code=result.status_code,
        error=None if result.error is None else _describe(result.error),
        attempts=result.attempts,
        latency_s=result.latency,
        ttft_s=result.ttft,
        response=response,
    )
    return out
