"""Helpers of the real-server suite: server coordinates, a recording httpx transport and the strict validator.

Every HTTP exchange a test makes goes through :class:`RecordingTransport` / :class:`AsyncRecordingTransport`,
which keep the raw response bytes (streams included, teed as the SDK reads them). After the test, each body is
validated against the generated models in strict mode -- the component that ``schema/openapi.yaml`` names for
the route, status code and content type -- and any field of the live response that the generated model does
not declare is reported too. So a server that drifted from the vendored schema fails the test that saw it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pydantic
import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "schema" / "openapi.yaml"
REFERENCE = REPO / "tests" / "data" / "reference"
TRANSCRIPTS = REFERENCE / "transcripts"

# The two tool schemas the tiny model was trained on (tests/data/reference/PROVENANCE.md). `strict: true`
# makes vLLM enforce the argument schema under tool_choice required/named; without it a weak model can run to
# max_tokens inside a free-form argument string.
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
TIME_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Get the current time in a timezone",
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {"timezone": {"type": "string"}},
            "required": ["timezone"],
            "additionalProperties": False,
        },
    },
}
TOOLS = [WEATHER_TOOL, TIME_TOOL]
NO_THINKING = {"enable_thinking": False}


@dataclass(frozen=True)
class ServerInfo:
    """Where one real server is and how to talk to it."""

    name: str
    base_url: str  # ends in /v1, as the SDK clients take it
    model: str
    api_key: str | None = None

    @property
    def root(self) -> str:
        """The server root (``/health``, ``/tokenize``, ``/openapi.json`` live here)."""
        return self.base_url[: -len("/v1")] if self.base_url.endswith("/v1") else self.base_url

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}


@dataclass
class Exchange:
    """One request and the raw bytes of its response, as far as the client read them."""

    method: str
    path: str
    status: int
    headers: httpx.Headers
    body: bytearray = field(default_factory=bytearray)
    complete: bool = False  # the body was read to its end (an aborted stream is not)

    def decoded_body(self) -> bytes:
        """The body after content-encoding, as the client saw it."""
        return httpx.Response(self.status, headers=self.headers, content=bytes(self.body)).content


class _TeeStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, exchange: Exchange) -> None:
        self._inner = inner
        self._exchange = exchange

    def __iter__(self) -> Any:
        for chunk in self._inner:
            self._exchange.body += chunk
            yield chunk
        self._exchange.complete = True

    def close(self) -> None:
        self._inner.close()


class _AsyncTeeStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, exchange: Exchange) -> None:
        self._inner = inner
        self._exchange = exchange

    async def __aiter__(self) -> Any:
        async for chunk in self._inner:
            self._exchange.body += chunk
            yield chunk
        self._exchange.complete = True

    async def aclose(self) -> None:
        await self._inner.aclose()


class RecordingTransport(httpx.BaseTransport):
    """Wraps a sync transport and records every response's raw bytes into ``exchanges``."""

    def __init__(self, inner: httpx.BaseTransport, exchanges: list[Exchange]) -> None:
        self._inner = inner
        self.exchanges = exchanges

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        exchange = Exchange(request.method, request.url.path, response.status_code, response.headers)
        self.exchanges.append(exchange)
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_TeeStream(response.stream, exchange),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


class AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """Wraps an async transport and records every response's raw bytes into ``exchanges``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, exchanges: list[Exchange]) -> None:
        self._inner = inner
        self.exchanges = exchanges

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        exchange = Exchange(request.method, request.url.path, response.status_code, response.headers)
        self.exchanges.append(exchange)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_AsyncTeeStream(response.stream, exchange),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


# ---------------------------------------------------------------- strict validation against the schema


@functools.cache
def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    return loaded


def _component_names(schema: dict[str, Any]) -> list[str]:
    """The component names a response schema refers to (one, or several alternatives under anyOf/oneOf)."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return [ref.rsplit("/", 1)[-1]]
    names: list[str] = []
    for key in ("anyOf", "oneOf"):
        for alt in schema.get(key, []):
            names += _component_names(alt)
    return names


def response_components(method: str, path: str, status: int, content_type: str) -> list[str] | None:
    """Components ``schema/openapi.yaml`` allows for this response; ``None`` if the schema does not say.

    ``[]`` means the route and status are documented without a JSON body schema (``/health``, ``/metrics``).
    """
    route = _schema().get("paths", {}).get(path, {}).get(method.lower())
    if route is None:
        return None
    response = route.get("responses", {}).get(str(status))
    if response is None:
        return None
    media = content_type.split(";")[0].strip().lower()
    content = response.get("content") or {}
    if media not in content:
        return [] if not content else None
    return _component_names(content[media].get("schema") or {})


#: Models whose schema is open by design (``additionalProperties: true``): vLLM's ``TokenizerInfoResponse``
#: is ``tokenizer_class`` plus whatever keys the model's tokenizer config has, so its extras are expected.
OPEN_MODELS = frozenset({"TokenizerInfoResponse"})


def _undeclared_fields(value: Any, where: str) -> list[str]:
    """Paths of keys a validated model kept as extras, i.e. fields the vendored schema does not declare."""
    found: list[str] = []
    if isinstance(value, pydantic.RootModel):
        return _undeclared_fields(value.root, where)
    if isinstance(value, pydantic.BaseModel):
        open_model = type(value).__name__ in OPEN_MODELS
        for key in sorted({} if open_model else value.model_extra or {}):
            found.append(f"{where}.{key}")
        for name in type(value).model_fields:
            found += _undeclared_fields(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found += _undeclared_fields(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            found += _undeclared_fields(item, f"{where}[{key!r}]")
    return found


@functools.cache
def _generated_model(name: str) -> type[pydantic.BaseModel]:
    from vllm_sdk.types import _generated

    model = getattr(_generated, name, None)
    value = getattr(model, "__value__", None)
    if value is not None:  # a bare-array component is a type alias (GenerateRequestList): validate its value
        return pydantic.RootModel[value]  # type: ignore[no-any-return,valid-type]
    if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
        raise LookupError(f"vllm_sdk.types._generated has no model {name!r} (schema/openapi.yaml names it)")
    return model


def validate_json(names: list[str], raw: bytes, what: str) -> list[str]:
    """Strictly validate ``raw`` against one of the generated models ``names``; return the problems."""
    errors: list[str] = []
    for name in names:
        model = _generated_model(name)
        try:
            instance = model.model_validate_json(raw, strict=True)
        except pydantic.ValidationError as exc:
            errors.append(f"{what}: not a valid {name} (strict): {exc}")
            continue
        extras = _undeclared_fields(instance, name)
        if extras:
            return [f"{what}: fields missing from schema/openapi.yaml: {', '.join(extras)}"]
        return []
    return errors if len(errors) == 1 else [f"{what}: matches none of {names}:\n" + "\n".join(errors)]


def sse_data(body: bytes) -> list[bytes]:
    """The ``data`` payloads of an SSE body (an independent oracle: vLLM sends one data line per event)."""
    payloads: list[bytes] = []
    for line in body.splitlines():
        if line.startswith(b"data:"):
            data = line[5:].removeprefix(b" ")
            if data != b"[DONE]":
                payloads.append(data)
    return payloads


def validate_exchange(exchange: Exchange) -> list[str]:
    """Problems of one recorded response against the generated models (empty when it conforms)."""
    what = f"{exchange.method} {exchange.path} -> {exchange.status}"
    content_type = exchange.headers.get("content-type", "")
    names = response_components(exchange.method, exchange.path, exchange.status, content_type)
    if not names:
        return []  # undocumented status/route (e.g. FastAPI 404 {"detail"}) or a body without a JSON schema
    body = exchange.decoded_body()
    if content_type.startswith("text/event-stream"):
        if not exchange.complete:  # an aborted stream: only the events that arrived whole
            body = body[: body.rfind(b"\n\n") + 2] if b"\n\n" in body else b""
        problems: list[str] = []
        for i, data in enumerate(sse_data(body)):
            if data.startswith(b'{"error"'):
                problems += validate_json(["ErrorResponse"], data, f"{what} error event {i}")
            else:
                problems += validate_json(names, data, f"{what} event {i}")
        return problems
    if not exchange.complete:
        return []  # the client stopped reading; a partial JSON body proves nothing
    if exchange.status in (404, 405) and body.startswith(b'{"detail"'):
        return []  # FastAPI's own answer for a route this server does not mount (chat on a pooling server)
    return validate_json(names, body, what)


def validate_all(exchanges: list[Exchange]) -> list[str]:
    problems: list[str] = []
    for exchange in exchanges:
        problems += validate_exchange(exchange)
    return problems


def split_think(reasoning: str | None, content: str | None) -> tuple[str, str]:
    """The (reasoning, content) a parser should produce from a raw chat message.

    A server with a reasoning parser already split them; without one, a leading ``<think>...</think>``
    block is the reasoning and the rest (whitespace kept) the content.
    """
    text = content or ""
    if not reasoning and text.startswith("<think>") and "</think>" in text:
        inner, _, after = text[len("<think>") :].partition("</think>")
        return inner, after
    return reasoning or "", text


def chat_body(model: str, content: str, **params: Any) -> dict[str, Any]:
    """A deterministic chat request body (temperature 0) for raw httpx tests."""
    return {"model": model, "messages": [{"role": "user", "content": content}], "temperature": 0, **params}


def loads(raw: bytes | bytearray) -> Any:
    return json.loads(raw)
