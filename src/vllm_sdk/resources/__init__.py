"""The typed resources of the clients: ``chat.completions``, ``completions``, ``models``, ``embeddings``
and the mixins carrying the other routes."""

from ._routes import AsyncRoutesMixin, RoutesMixin
from .chat import (
    AsyncChat,
    AsyncChatCompletionBuilder,
    AsyncChatCompletions,
    Chat,
    ChatCompletionBuilder,
    ChatCompletions,
)
from .completions import AsyncCompletionBuilder, AsyncCompletions, CompletionBuilder, Completions
from .embeddings import AsyncEmbeddings, Embeddings
from .models import AsyncModels, Models

__all__ = [
    "AsyncChat",
    "AsyncChatCompletionBuilder",
    "AsyncChatCompletions",
    "AsyncCompletionBuilder",
    "AsyncCompletions",
    "AsyncEmbeddings",
    "AsyncModels",
    "AsyncRoutesMixin",
    "Chat",
    "ChatCompletionBuilder",
    "ChatCompletions",
    "CompletionBuilder",
    "Completions",
    "Embeddings",
    "Models",
    "RoutesMixin",
]
