"""The ``vllm-sdk`` command: chat, complete, models, health, batch, mock-server and demo."""

from ._main import build_parser, main

__all__ = ["build_parser", "main"]
