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
    # One choice per conversation: vLLM answers with its ordinary ``ChatCompletionResponse``
    # (``openai/chat_completion/api_router.py``, ``create_batch_chat_completion``).
    RouteSpec("chat.completions.batch", "post", "/v1/chat/completions/batch", "ChatCompletionResponse"),
    RouteSpec("chat.completions.render", "post", "/v1/chat/completions/render", "GenerateRequest"),
    RouteSpec("completions.render", "post", "/v1/completions/render", "GenerateRequestList"),
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
    RouteSpec("generative_scoring", "post", "/generative_scoring", "GenerativeScoringResponse"),
    RouteSpec("embed", "post", "/v2/embed", "CohereEmbedResponse"),
    RouteSpec("sleep", "post", "/sleep", "SleepResponse"),
    RouteSpec("wake_up", "post", "/wake_up", "WakeUpResponse"),
    RouteSpec("is_sleeping", "get", "/is_sleeping", "IsSleepingResponse"),
    RouteSpec("load_lora_adapter", "post", "/v1/load_lora_adapter", text_response=True),
    RouteSpec("unload_lora_adapter", "post", "/v1/unload_lora_adapter", text_response=True),
    # vLLM's structured decisions API (``generate/structured_decisions``): questions about a state, answered
    # from the label probabilities of one read per question.
    RouteSpec("structured_decisions.create", "post", "/v1/systemone", "StructuredDecisionResponse"),
    RouteSpec("kv_event_sources", "get", "/kv_event_sources", "KvEventSourcesResponse"),
    RouteSpec("scale_elastic_ep", "post", "/scale_elastic_ep", "ScaleElasticEpResponse"),
    RouteSpec("is_scaling_elastic_ep", "post", "/is_scaling_elastic_ep", "IsScalingElasticEpResponse"),
)


#: Response components the schema fix-ups define (vLLM answers these with ad-hoc dicts or a bare list, so
#: there is no vLLM model to dump): ``dump-responses`` does not look for them.
FIXUP_RESPONSES = frozenset(
    {
        "VersionResponse",
        "LoadResponse",
        "GenerateRequestList",
        "SleepResponse",
        "WakeUpResponse",
        "IsSleepingResponse",
        "KvEventSourcesResponse",
        "ScaleElasticEpResponse",
        "IsScalingElasticEpResponse",
    }
)


def kept_paths() -> set[str]:
    """Every path (primary and alias) the vendored schema keeps."""
    paths: set[str] = set()
    for spec in ROUTE_SPECS:
        paths.add(spec.path)
        paths.update(spec.aliases)
    return paths
