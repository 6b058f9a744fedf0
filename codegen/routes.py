"""The routes the SDK supports: which paths ``vendor`` keeps and how their responses are wired.

Each :class:`RouteSpec` becomes one entry of ``ROUTES`` in the generated endpoints module (the vendored
schema records the dotted name on the operation as ``x-sdk-route``, so ``generate`` needs only the schema).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Extension keys written into the vendored schema.
X_ROUTE = "x-sdk-route"
X_STREAM_RESPONSE = "x-stream-response"
X_FIXUPS = "x-sdk-fixups"
X_MISSING = "x-sdk-missing-routes"


@dataclass(frozen=True)
class RouteSpec:
    """One supported route.

    ``aliases`` are further paths vLLM serves the same operation on; they are kept in the schema (so the
    document stays a faithful subset of vLLM's) but only ``path`` is entered in the route table.
    ``response`` / ``stream_response`` name the response components wired as the 200 body (JSON and
    ``text/event-stream``); ``text_response`` marks plain-text bodies such as Prometheus metrics.
    """

    name: str
    method: str
    path: str
    response: str | None = None
    stream_response: str | None = None
    aliases: tuple[str, ...] = ()
    text_response: bool = False


ROUTE_SPECS: tuple[RouteSpec, ...] = (
    RouteSpec(
        "chat.completions.create",
        "post",
        "/v1/chat/completions",
        "ChatCompletionResponse",
        "ChatCompletionStreamResponse",
    ),
    RouteSpec(
        "completions.create", "post", "/v1/completions", "CompletionResponse", "CompletionStreamResponse"
    ),
    RouteSpec("models.list", "get", "/v1/models", "ModelList"),
    RouteSpec("embeddings.create", "post", "/v1/embeddings", "EmbeddingResponse"),
    RouteSpec("tokenize", "post", "/tokenize", "TokenizeResponse"),
    RouteSpec("detokenize", "post", "/detokenize", "DetokenizeResponse"),
    RouteSpec("score", "post", "/v1/score", "ScoreResponse", aliases=("/score",)),
    RouteSpec("rerank", "post", "/v1/rerank", "RerankResponse", aliases=("/rerank", "/v2/rerank")),
    RouteSpec("pooling", "post", "/pooling", "PoolingResponse"),
    RouteSpec("classify", "post", "/classify", "ClassificationResponse"),
    RouteSpec("health", "get", "/health"),
    RouteSpec("version", "get", "/version", "VersionResponse"),
    RouteSpec("load", "get", "/load", "LoadResponse"),
    RouteSpec("ping", "get", "/ping"),
    RouteSpec("metrics", "get", "/metrics", text_response=True),
    RouteSpec("tokenizer_info", "get", "/tokenizer_info", "TokenizerInfoResponse"),
    RouteSpec("load_lora_adapter", "post", "/v1/load_lora_adapter", text_response=True),
    RouteSpec("unload_lora_adapter", "post", "/v1/unload_lora_adapter", text_response=True),
)


def kept_paths() -> set[str]:
    """Every path (primary and alias) the vendored schema keeps."""
    paths: set[str] = set()
    for spec in ROUTE_SPECS:
        paths.add(spec.path)
        paths.update(spec.aliases)
    return paths
