"""The typed resources of the clients.

Generated from the schema (``python -m codegen generate``): ``_generated.py`` (one method per route, sync
and async, mounted on the clients through ``ClientResources`` / ``AsyncClientResources``) and
``_generated_builders.py`` (one builder per route). Hand-written: the builders' conveniences
(``chat.py``, ``completions.py``, ``_builder.py``) and the shortcuts with other semantics
(``_shortcuts.py``: ``health()``, ``version()``).
"""

from ._generated import (
    AsyncChat,
    AsyncChatCompletions,
    AsyncClientResources,
    AsyncCompletions,
    AsyncEmbeddings,
    AsyncModels,
    Chat,
    ChatCompletions,
    ClientResources,
    Completions,
    Embeddings,
    Models,
)
from ._shortcuts import AsyncShortcuts, Shortcuts
from .chat import AsyncChatCompletionBuilder, ChatCompletionBuilder
from .completions import AsyncCompletionBuilder, CompletionBuilder

__all__ = [
    "AsyncChat",
    "AsyncChatCompletionBuilder",
    "AsyncChatCompletions",
    "AsyncClientResources",
    "AsyncCompletionBuilder",
    "AsyncCompletions",
    "AsyncEmbeddings",
    "AsyncModels",
    "AsyncShortcuts",
    "Chat",
    "ChatCompletionBuilder",
    "ChatCompletions",
    "ClientResources",
    "CompletionBuilder",
    "Completions",
    "Embeddings",
    "Models",
    "Shortcuts",
]
