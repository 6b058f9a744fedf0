"""The ``vllm-sdk`` command: chat, complete, models, health, batch, mock-server and demo.

The package, by job: ``_main`` builds the argument parser and dispatches to a sub-command (the console
script ``vllm-sdk`` and ``python -m vllm_sdk.cli`` both call :func:`main`); ``_chat`` holds the small
commands over the sync client (chat, complete, models, health); ``_batch`` runs OpenAI batch files on the
batch runner; ``_demo`` is the tour. Each sub-command's module is imported only when it runs, so that
``vllm-sdk --help`` stays fast.
"""

from ._main import build_parser, main

__all__ = ["build_parser", "main"]
