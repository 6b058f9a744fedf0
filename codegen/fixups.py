"""Fix-ups applied by ``vendor``: each corrects one place where vLLM's served schema disagrees with the wire.

Every fix-up is a small named function ``f(document) -> None`` that edits the OpenAPI document in place and
is idempotent (applying it twice changes nothing). Its docstring says what vLLM's schema claims and what the
server really does; the evidence is in ``tests/data/reference/transcripts`` (vLLM 0.32.0) and in vLLM's
source. The names of the fix-ups applied are recorded in the vendored schema under ``info.x-sdk-fixups``.

``SCHEMA_FIXUPS`` run on components and paths before responses are wired to routes; ``RESPONSE_FIXUPS``
run after, because they rewrite the responses of operations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Document = dict[str, Any]
Fixup = Callable[[Document], None]

_REF = "#/components/schemas/"
_NULLABLE_STRING: dict[str, Any] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}


def _schemas(doc: Document) -> dict[str, Any]:
    schemas: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    return schemas


def _operations(doc: Document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if isinstance(op, dict):
                yield path, method, op


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _drop_required(schema: dict[str, Any], name: str) -> None:
    required = schema.get("required")
    if required and name in required:
        required.remove(name)
        if not required:
            del schema["required"]


# --------------------------------------------------------------------------------------------- schema


def reasoning_fields(doc: Document) -> None:
    """Messages and stream deltas carry ``reasoning`` *and* the older ``reasoning_content``.

    vLLM 0.32's response models declare only ``reasoning`` (``ChatMessage``, ``DeltaMessage``); servers up to
    0.10 sent ``reasoning_content`` instead, and several still-deployed versions send both. Both are
    optional, nullable strings so that one SDK reads every server.
    """
    schemas = _schemas(doc)
    for name in ("ChatMessage", "DeltaMessage"):
        schema = schemas.get(name)
        if schema is None:
            continue
        props = schema.setdefault("properties", {})
        for field, what in (
            ("reasoning", "The reasoning text (vLLM >= 0.10 with a reasoning parser)."),
            ("reasoning_content", "The reasoning text as older vLLM servers name it (alias of `reasoning`)."),
        ):
            props[field] = {**_NULLABLE_STRING, "title": field.replace("_", " ").title(), "description": what}
            _drop_required(schema, field)


def stop_reason_union(doc: Document) -> None:
    """``stop_reason`` is ``int | str | null``: the stop token id, the matched stop string, or nothing.

    Some vLLM versions declare it as a plain string or leave it out of stream choices, but the server sends
    the integer token id when an ``stop_token_ids`` entry fired (see transcript A41).
    """
    for schema in _schemas(doc).values():
        props = schema.get("properties") if isinstance(schema, dict) else None
        if not props or "stop_reason" not in props:
            continue
        old = props["stop_reason"]
        props["stop_reason"] = {
            "anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}],
            "default": None,
            "title": "Stop Reason",
            **({"description": old["description"]} if "description" in old else {}),
        }
        _drop_required(schema, "stop_reason")


def stream_usage_optional(doc: Document) -> None:
    """``usage`` on stream chunks may be absent or ``null``.

    It is only sent when ``stream_options.include_usage`` is set, on the final chunk (or on every chunk with
    ``continuous_usage_stats``); every other chunk has no ``usage`` key or ``"usage": null``.
    """
    schemas = _schemas(doc)
    for name in ("ChatCompletionStreamResponse", "CompletionStreamResponse"):
        schema = schemas.get(name)
        if schema is None:
            continue
        props = schema.get("properties", {})
        usage = props.get("usage")
        if usage is None:
            continue
        members = usage.get("anyOf", [{k: v for k, v in usage.items() if k not in ("default", "title")}])
        if {"type": "null"} not in members:
            members = [*members, {"type": "null"}]
        kept = {k: v for k, v in usage.items() if k not in ("anyOf", "$ref", "type")}
        props["usage"] = {**kept, "anyOf": members, "default": None}
        _drop_required(schema, "usage")


def status_payloads(doc: Document) -> None:
    """``GET /version`` and ``GET /load`` return small JSON objects that the served schema leaves empty.

    Transcripts A03 and A54: ``{"version": "0.32.0"}`` and ``{"server_load": 0}``.
    """
    schemas = _schemas(doc)
    schemas.setdefault(
        "VersionResponse",
        {
            "additionalProperties": True,
            "description": "Body of `GET /version`.",
            "properties": {"version": {"title": "Version", "type": "string"}},
            "required": ["version"],
            "title": "VersionResponse",
            "type": "object",
        },
    )
    schemas.setdefault(
        "LoadResponse",
        {
            "additionalProperties": True,
            "description": "Body of `GET /load`: the number of requests the server is working on.",
            "properties": {"server_load": {"title": "Server Load", "type": "integer"}},
            "required": ["server_load"],
            "title": "LoadResponse",
            "type": "object",
        },
    )


# Fields of vLLM's pooling request models that only the embedding / generic pooling tasks accept.
_EMBED_ONLY_FIELDS = ("encoding_format", "embed_dtype", "endianness", "dimensions", "task")


def classify_route(doc: Document) -> None:
    """Add ``POST /classify`` when the source document lacks it.

    vLLM serves ``/classify`` only for classification models, so neither reference server (a generative and
    an embedding model) lists it. vLLM builds ``ClassificationCompletionRequest`` and
    ``ClassificationChatRequest`` from the same mixins as ``PoolingCompletionRequest`` /
    ``PoolingChatRequest`` minus the embedding-only fields; we derive them the same way. A document from a
    classifier server already has the route and its real models, and is left alone.
    """
    paths = doc.setdefault("paths", {})
    schemas = _schemas(doc)
    if "/classify" in paths or "PoolingCompletionRequest" not in schemas:
        return
    for source, target in (
        ("PoolingCompletionRequest", "ClassificationCompletionRequest"),
        ("PoolingChatRequest", "ClassificationChatRequest"),
    ):
        if source not in schemas or target in schemas:
            continue
        base = schemas[source]
        schemas[target] = {
            **{k: v for k, v in base.items() if k not in ("properties", "title", "required")},
            "properties": {k: v for k, v in base["properties"].items() if k not in _EMBED_ONLY_FIELDS},
            "required": [r for r in base.get("required", []) if r not in _EMBED_ONLY_FIELDS],
            "title": target,
        }
    variants = [
        _ref(n) for n in ("ClassificationCompletionRequest", "ClassificationChatRequest") if n in schemas
    ]
    paths["/classify"] = {
        "post": {
            "operationId": "create_classify_classify_post",
            "requestBody": {
                "content": {"application/json": {"schema": {"anyOf": variants, "title": "Request"}}},
                "required": True,
            },
            "responses": {"200": {"description": "Successful Response"}},
            "summary": "Create Classify",
        }
    }


# ------------------------------------------------------------------------------------------ responses


def error_body_shapes(doc: Document) -> None:
    """Error bodies are ``{"error": {"message", "type", "param", "code": int}}`` or the older flat shape.

    vLLM 0.32 sends ``ErrorResponse`` = ``{"error": ErrorInfo}`` (transcripts E01, E02); ``param`` is
    optional and ``code`` is the HTTP status as an integer. Servers before ~0.9 sent a flat
    ``{"object": "error", "message", "type", "param", "code"}``, described here as
    ``LegacyErrorResponse``. Every error status of every operation accepts either shape.
    """
    schemas = _schemas(doc)
    schemas["ErrorInfo"] = {
        "additionalProperties": True,
        "properties": {
            "message": {"title": "Message", "type": "string"},
            "type": {"title": "Type", "type": "string"},
            "param": {**_NULLABLE_STRING, "title": "Param"},
            "code": {"title": "Code", "type": "integer"},
        },
        "required": ["message", "type", "code"],
        "title": "ErrorInfo",
        "type": "object",
    }
    schemas["ErrorResponse"] = {
        "additionalProperties": True,
        "properties": {"error": _ref("ErrorInfo")},
        "required": ["error"],
        "title": "ErrorResponse",
        "type": "object",
    }
    schemas["LegacyErrorResponse"] = {
        "additionalProperties": True,
        "description": 'Error body of older vLLM servers: `{"object": "error", "message": ..., ...}`.',
        "properties": {
            "object": {"const": "error", "default": "error", "title": "Object", "type": "string"},
            "message": {"title": "Message", "type": "string"},
            "type": {**_NULLABLE_STRING, "title": "Type"},
            "param": {**_NULLABLE_STRING, "title": "Param"},
            "code": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None, "title": "Code"},
        },
        "required": ["message"],
        "title": "LegacyErrorResponse",
        "type": "object",
    }
    error_schema = {"anyOf": [_ref("ErrorResponse"), _ref("LegacyErrorResponse")]}
    for _path, _method, op in _operations(doc):
        for status, response in op.get("responses", {}).items():
            if status.isdigit() and int(status) >= 400:
                response["content"] = {"application/json": {"schema": dict(error_schema)}}


def validation_errors_are_400(doc: Document) -> None:
    """Request validation failures are ``400`` with an ``ErrorResponse``, not FastAPI's ``422``.

    The served schema lists ``422: HTTPValidationError`` on every operation with a body, but vLLM installs
    its own ``RequestValidationError`` handler that answers 400 with the usual error body (transcripts
    E02*, E05*). The 422 entries and the components only they reach are dropped.
    """
    for _path, _method, op in _operations(doc):
        responses = op.get("responses", {})
        if "422" in responses:
            del responses["422"]
            responses.setdefault("400", {"description": "Bad Request"})
        if "requestBody" in op:
            responses.setdefault("400", {"description": "Bad Request"})
    schemas = _schemas(doc)
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)


def _text_ok() -> dict[str, Any]:
    return {"200": {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Success"}}


def ops_routes(doc: Document) -> None:
    """Add the operator routes vLLM registers only behind a flag, so the served schema lacks them.

    * ``POST /v1/load_lora_adapter`` and ``POST /v1/unload_lora_adapter``: registered by
      ``vllm/entrypoints/serve/lora/api_router.py`` only when ``VLLM_ALLOW_RUNTIME_LORA_UPDATING`` is set;
      the bodies are ``LoadLoRAAdapterRequest`` / ``UnloadLoRAAdapterRequest`` of
      ``vllm/entrypoints/serve/lora/protocol.py``; success is a plain-text body
      (``Success: LoRA adapter '<name>' added successfully.``, ``openai/models/serving.py``), errors the
      usual error JSON (400 already loaded / conflicts with a base model, 404 unknown adapter).
    * ``GET /tokenizer_info``: registered by ``vllm/entrypoints/serve/tokenize/api_router.py`` only with
      ``--enable-tokenizer-info-endpoint`` (the reference server had it off: transcript
      ``A55_tokenizer_info`` is a 404); the body is ``TokenizerInfoResponse`` (``tokenizer_class`` plus the
      tokenizer config's other keys), wired by the response schemas.
    """
    paths = doc.setdefault("paths", {})
    if "/health" not in paths:  # not a vLLM server's document (a test's stub): nothing to complete
        return
    schemas = _schemas(doc)
    schemas.setdefault(
        "LoadLoRAAdapterRequest",
        {
            "properties": {
                "lora_name": {"title": "Lora Name", "type": "string"},
                "lora_path": {"title": "Lora Path", "type": "string"},
                "load_inplace": {"default": False, "title": "Load Inplace", "type": "boolean"},
                "is_3d_lora_weight": {"default": False, "title": "Is 3D Lora Weight", "type": "boolean"},
            },
            "required": ["lora_name", "lora_path"],
            "title": "LoadLoRAAdapterRequest",
            "type": "object",
        },
    )
    schemas.setdefault(
        "UnloadLoRAAdapterRequest",
        {
            "properties": {
                "lora_name": {"title": "Lora Name", "type": "string"},
                "lora_int_id": {
                    "anyOf": [{"type": "integer"}, {"type": "null"}],
                    "default": None,
                    "title": "Lora Int Id",
                },
            },
            "required": ["lora_name"],
            "title": "UnloadLoRAAdapterRequest",
            "type": "object",
        },
    )
    for path, model, verb in (
        ("/v1/load_lora_adapter", "LoadLoRAAdapterRequest", "Load"),
        ("/v1/unload_lora_adapter", "UnloadLoRAAdapterRequest", "Unload"),
    ):
        paths.setdefault(
            path,
            {
                "post": {
                    "operationId": f"{verb.lower()}_lora_adapter_v1_{verb.lower()}_lora_adapter_post",
                    "requestBody": {
                        "content": {"application/json": {"schema": _ref(model)}},
                        "required": True,
                    },
                    "responses": _text_ok(),
                    "summary": f"{verb} Lora Adapter",
                }
            },
        )
    paths.setdefault(
        "/tokenizer_info",
        {
            "get": {
                "description": "Get comprehensive tokenizer information.",
                "operationId": "get_tokenizer_info_tokenizer_info_get",
                "responses": {"200": {"description": "Successful Response"}},
                "summary": "Get Tokenizer Info",
            }
        },
    )


def _error_responses(*statuses: int) -> dict[str, Any]:
    """Error entries of an operation (their bodies are set by ``error_body_shapes``)."""
    names = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error"}
    names.update({501: "Not Implemented"})
    return {str(status): {"description": names[status]} for status in statuses}


def render_routes(doc: Document) -> None:
    """Add ``POST /v1/chat/completions/render`` and ``POST /v1/completions/render``.

    ``vllm/entrypoints/scale_out/render/api_router.py`` registers them only with ``--enable-scale-out``
    (or ``vllm launch render`` / ``--tokens-only``); otherwise ``scale_out/factories.py`` adds a stand-in
    answering ``403 PermissionDeniedError`` that is left out of the schema (transcripts
    ``A50_chat_render`` and ``A51_completions_render``), so the served document lacks both. The bodies are
    the ordinary ``ChatCompletionRequest`` / ``CompletionRequest``; the answers are the
    ``GenerateRequest`` the request renders to (``scale_out/token_in_token_out/protocol.py``, in the
    response schemas) and, for completions, a JSON array of them, one per prompt (``GenerateRequestList``).
    """
    paths = doc.setdefault("paths", {})
    schemas = _schemas(doc)
    if "GenerateRequest" not in schemas:  # no response schemas merged (a test's stub): nothing to wire
        return
    schemas.setdefault(
        "GenerateRequestList",
        {
            "description": "Body of `POST /v1/completions/render`: one rendered request per prompt.",
            "items": _ref("GenerateRequest"),
            "title": "GenerateRequestList",
            "type": "array",
        },
    )
    for path, model, op_id, summary, errors in (
        (
            "/v1/chat/completions/render",
            "ChatCompletionRequest",
            "render_chat_completion_v1_chat_completions_render_post",
            "Render a chat request into the token ids and sampling parameters it would generate from.",
            (400, 403, 404, 500, 501),
        ),
        (
            "/v1/completions/render",
            "CompletionRequest",
            "render_completion_v1_completions_render_post",
            "Render a completions request into one token-level generate request per prompt.",
            (400, 403, 404, 500),
        ),
    ):
        if model not in schemas:
            continue
        paths.setdefault(
            path,
            {
                "post": {
                    "operationId": op_id,
                    "requestBody": {
                        "content": {"application/json": {"schema": _ref(model)}},
                        "required": True,
                    },
                    "responses": {"200": {"description": "Successful Response"}, **_error_responses(*errors)},
                    "summary": summary,
                }
            },
        )


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "in": "query", "name": name, "required": False, "schema": schema}


def sleep_routes(doc: Document) -> None:
    """Add ``POST /sleep``, ``POST /wake_up`` and ``GET /is_sleeping`` (query parameters, no body).

    ``vllm/entrypoints/serve/dev/sleep/api_router.py`` registers them only when the server runs with
    ``VLLM_SERVER_DEV_MODE=1`` (``launchers/api_server/routers.py``), so the served document lacks them.
    ``/sleep`` reads ``level`` (``Query(ge=0, le=2)``, default 1) and ``mode`` (``PauseMode`` of
    ``vllm/v1/engine/__init__.py``: ``abort``, ``wait`` or ``keep``; default ``abort``) and answers
    ``{"status": "sleeping", "level": level}``; ``/wake_up`` reads the repeated ``tags`` query parameter
    (none: every tag) and answers ``{"status": "awake" | "sleeping", "tags": [...] | null}`` (``sleeping``
    while some tags still sleep); ``/is_sleeping`` answers ``{"is_sleeping": bool}``. All three are plain
    ``JSONResponse`` dicts in vLLM, so their models are defined here.
    """
    paths = doc.setdefault("paths", {})
    if "/health" not in paths:  # not a vLLM server's document (a test's stub): nothing to complete
        return
    schemas = _schemas(doc)
    schemas.setdefault(
        "SleepResponse",
        {
            "additionalProperties": True,
            "description": "Body of `POST /sleep`: the engine is asleep at `level`.",
            "properties": {
                "status": {"title": "Status", "type": "string"},
                "level": {"title": "Level", "type": "integer"},
            },
            "required": ["status", "level"],
            "title": "SleepResponse",
            "type": "object",
        },
    )
    schemas.setdefault(
        "WakeUpResponse",
        {
            "additionalProperties": True,
            "description": (
                "Body of `POST /wake_up`: `status` is `awake` once every tag is awake, `sleeping` while "
                "some still sleep; `tags` echoes the tags asked for (`null`: all)."
            ),
            "properties": {
                "status": {"title": "Status", "type": "string"},
                "tags": {
                    "anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "null"}],
                    "default": None,
                    "title": "Tags",
                },
            },
            "required": ["status"],
            "title": "WakeUpResponse",
            "type": "object",
        },
    )
    schemas.setdefault(
        "IsSleepingResponse",
        {
            "additionalProperties": True,
            "description": "Body of `GET /is_sleeping`.",
            "properties": {"is_sleeping": {"title": "Is Sleeping", "type": "boolean"}},
            "required": ["is_sleeping"],
            "title": "IsSleepingResponse",
            "type": "object",
        },
    )
    paths.setdefault(
        "/sleep",
        {
            "post": {
                "description": "Put the engine to sleep, freeing accelerator memory (dev mode only).",
                "operationId": "sleep_sleep_post",
                "parameters": [
                    _query(
                        "level",
                        {"default": 1, "maximum": 2, "minimum": 0, "title": "Level", "type": "integer"},
                        "Sleep level: 1 offloads the weights and drops the KV cache, 2 drops both.",
                    ),
                    _query(
                        "mode",
                        {
                            "default": "abort",
                            "enum": ["abort", "wait", "keep"],
                            "title": "Mode",
                            "type": "string",
                        },
                        "What happens to running requests: abort them, wait for them, or keep them paused.",
                    ),
                ],
                "responses": {"200": {"description": "Successful Response"}},
                "summary": "Sleep",
            }
        },
    )
    paths.setdefault(
        "/wake_up",
        {
            "post": {
                "description": "Wake the engine up (dev mode only).",
                "operationId": "wake_up_wake_up_post",
                "parameters": [
                    _query(
                        "tags",
                        {"items": {"type": "string"}, "title": "Tags", "type": "array"},
                        "Wake only these parts (for example `weights`, `kv_cache`); none: everything.",
                    )
                ],
                "responses": {"200": {"description": "Successful Response"}},
                "summary": "Wake Up",
            }
        },
    )
    paths.setdefault(
        "/is_sleeping",
        {
            "get": {
                "description": "Whether the engine sleeps (dev mode only).",
                "operationId": "is_sleeping_is_sleeping_get",
                "responses": {"200": {"description": "Successful Response"}},
                "summary": "Is Sleeping",
            }
        },
    )


def elastic_ep_bodies(doc: Document) -> None:
    """Describe the body of ``POST /scale_elastic_ep`` and the small dicts both elastic-EP routes answer.

    The served schema lists the routes without either. ``vllm/entrypoints/serve/elastic_ep/api_router.py``
    reads the raw body: ``new_data_parallel_size`` (required, a positive integer) and ``drain_timeout``
    (seconds, a positive integer, default 120), answering ``{"message": "Scaled to <n> data parallel
    engines"}``, or 400 / 408 (drain timeout) / 500 (``Scale failed``, for instance on a server that is not
    an elastic-EP deployment) as an ``ErrorResponse``.
    ``POST /is_scaling_elastic_ep`` takes no body and answers ``{"is_scaling_elastic_ep": bool}``.
    """
    paths = doc.get("paths", {})
    scale = paths.get("/scale_elastic_ep", {}).get("post")
    if scale is None:  # not a vLLM 0.32+ document (a test's stub): nothing to complete
        return
    schemas = _schemas(doc)
    schemas.setdefault(
        "ScaleElasticEpRequest",
        {
            "additionalProperties": True,
            "description": "Body of `POST /scale_elastic_ep`.",
            "properties": {
                "new_data_parallel_size": {
                    "description": "The data-parallel size to scale to (a positive integer).",
                    "exclusiveMinimum": 0,
                    "title": "New Data Parallel Size",
                    "type": "integer",
                },
                "drain_timeout": {
                    "default": 120,
                    "description": "Seconds to wait for running requests to drain before scaling.",
                    "exclusiveMinimum": 0,
                    "title": "Drain Timeout",
                    "type": "integer",
                },
            },
            "required": ["new_data_parallel_size"],
            "title": "ScaleElasticEpRequest",
            "type": "object",
        },
    )
    schemas.setdefault(
        "ScaleElasticEpResponse",
        {
            "additionalProperties": True,
            "description": "Body of `POST /scale_elastic_ep`: what the server did.",
            "properties": {"message": {"title": "Message", "type": "string"}},
            "required": ["message"],
            "title": "ScaleElasticEpResponse",
            "type": "object",
        },
    )
    schemas.setdefault(
        "IsScalingElasticEpResponse",
        {
            "additionalProperties": True,
            "description": "Body of `POST /is_scaling_elastic_ep`.",
            "properties": {"is_scaling_elastic_ep": {"title": "Is Scaling Elastic Ep", "type": "boolean"}},
            "required": ["is_scaling_elastic_ep"],
            "title": "IsScalingElasticEpResponse",
            "type": "object",
        },
    )
    scale.setdefault(
        "requestBody",
        {"content": {"application/json": {"schema": _ref("ScaleElasticEpRequest")}}, "required": True},
    )
    scale.setdefault("description", "Change the data-parallel size of an elastic expert-parallel deployment.")
    check = paths.get("/is_scaling_elastic_ep", {}).get("post")
    if check is not None:
        check.setdefault("description", "Whether an elastic expert-parallel scale operation is running.")


def kv_event_sources_payload(doc: Document) -> None:
    """``GET /kv_event_sources`` answers the KV-event publisher config of each engine, keyed by DP rank.

    ``vllm/entrypoints/serve/instrumentator/basic.py`` returns ``EngineCoreClient.get_kv_event_sources()``
    (``vllm/v1/engine/core_client.py``: ``dict[int, KVEventsConfig]``, only engines that publish; ``{}``
    without ``--kv-events-config`` and on render-only servers); JSON turns the rank keys into strings. The
    fields are those of ``KVEventsConfig`` (``vllm/config/kv_events.py``).
    """
    if "/kv_event_sources" not in doc.get("paths", {}):
        return
    schemas = _schemas(doc)
    schemas.setdefault(
        "KVEventsConfig",
        {
            "additionalProperties": True,
            "description": "The KV-event publisher configuration of one engine.",
            "properties": {
                "enable_kv_cache_events": {
                    "default": False,
                    "title": "Enable Kv Cache Events",
                    "type": "boolean",
                },
                "publisher": {"default": "null", "title": "Publisher", "type": "string"},
                "endpoint": {"default": "tcp://*:5557", "title": "Endpoint", "type": "string"},
                "replay_endpoint": {**_NULLABLE_STRING, "title": "Replay Endpoint"},
                "buffer_steps": {"default": 10000, "title": "Buffer Steps", "type": "integer"},
                "hwm": {"default": 100000, "title": "Hwm", "type": "integer"},
                "max_queue_size": {"default": 100000, "title": "Max Queue Size", "type": "integer"},
                "topic": {"default": "", "title": "Topic", "type": "string"},
            },
            "title": "KVEventsConfig",
            "type": "object",
        },
    )
    schemas.setdefault(
        "KvEventSourcesResponse",
        {
            "additionalProperties": _ref("KVEventsConfig"),
            "description": "Body of `GET /kv_event_sources`: DP rank (as a string) to publisher config.",
            "title": "KvEventSourcesResponse",
            "type": "object",
        },
    )


SCHEMA_FIXUPS: tuple[Fixup, ...] = (
    reasoning_fields,
    stop_reason_union,
    stream_usage_optional,
    status_payloads,
    classify_route,
    ops_routes,
    render_routes,
    sleep_routes,
    elastic_ep_bodies,
    kv_event_sources_payload,
)
RESPONSE_FIXUPS: tuple[Fixup, ...] = (validation_errors_are_400, error_body_shapes)
