"""A batch sender that talks HTTP directly: JSON bodies in, the server's JSON bodies out.

The command-line batch writes the server's response bodies to a file, so it has no use for typed
response objects on the non-streamed path: this sender posts each request body as it is and keeps the
decoded JSON. Streamed requests go through the SDK's own stream engine (``AsyncMessageStream`` /
``AsyncCompletionStream``), which measures the time to first token and collects the final response.
Errors are mapped with the SDK's one mapping (:func:`map_transport_error`,
:func:`api_error_from_response`), so retries decide exactly as they do in the client.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from .._exceptions import JsonError, api_error_from_response, map_transport_error
from ._runner import Outcome, PreparedRequest, _response_body

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Endpoint", "HttpSender"]

try:
    import orjson

    _dumps = orjson.dumps
    _loads = orjson.loads
except ImportError:  # pragma: no cover - only without the speed extra
    import json

    def _dumps(obj: Any) -> bytes:  # type: ignore[misc]
        return json.dumps(obj, separators=(",", ":")).encode()

    _loads = json.loads  # type: ignore[assignment]

_STREAMABLE = ("/chat/completions", "/completions")


@dataclass(eq=False)
class Endpoint:
    """One server: its base URL (ending in ``/v1``), the HTTP client and the headers to send."""

    base_url: str
    http: httpx.AsyncClient
    headers: Mapping[str, str] = field(default_factory=dict)


class HttpSender:
    """Sends one :class:`PreparedRequest` to an :class:`Endpoint` and returns its :class:`Outcome`."""

    def __init__(self, *, idle_timeout: float | None = None) -> None:
        self._idle_timeout = idle_timeout

    async def __call__(self, endpoint: Endpoint, request: PreparedRequest, stream: bool) -> Outcome:
        if request.body is None:
            raise TypeError("request builders are sent through a client, not the HTTP batch sender")
        body = request.body
        streamed = stream and request.path in _STREAMABLE
        if streamed:
            options = body.get("stream_options")
            body = {
                **body,
                "stream": True,
                "stream_options": {**(options if isinstance(options, dict) else {}), "include_usage": True},
            }
        elif body.get("stream") or "stream_options" in body:
            # Results are whole bodies; vLLM rejects stream_options on a request that does not stream.
            body = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
        started = time.perf_counter()
        headers = {**endpoint.headers, "content-type": "application/json"}
        http = endpoint.http
        try:
            response = await http.send(
                http.build_request(
                    request.method, endpoint.base_url + request.path, content=_dumps(body), headers=headers
                ),
                stream=True,
            )
        except httpx.HTTPError as exc:
            raise map_transport_error(exc) from exc
        try:
            if response.status_code >= 400:
                content = await response.aread()
                raise api_error_from_response(response.status_code, content, response.headers)
            request_id = response.headers.get("x-request-id")
            if streamed:
                return await self._collect(response, request.path, started, request_id)
            content = await response.aread()
            try:
                data = _loads(content)
            except ValueError as exc:
                raise JsonError(
                    f"response body is not JSON: {exc}", text=content[:200].decode("utf-8", "replace")
                ) from exc
            return Outcome(
                data, data if isinstance(data, dict) else None, None, response.status_code, request_id
            )
        except httpx.HTTPError as exc:
            raise map_transport_error(exc) from exc
        finally:
            await response.aclose()

    async def _collect(
        self, response: httpx.Response, path: str, started: float, request_id: str | None
    ) -> Outcome:
        from .._streams import AsyncCompletionStream, AsyncMessageStream

        cls = AsyncMessageStream if path == "/chat/completions" else AsyncCompletionStream
        stream = cls(response, idle_timeout=self._idle_timeout, started_at=started)
        try:
            model = await stream.collect()
        finally:
            await stream.aclose()
        return Outcome(model, _response_body(model), stream.ttft, response.status_code, request_id)
