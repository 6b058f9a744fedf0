"""The stream classes: :class:`MessageStream`, :class:`CompletionStream` and their async twins.

Each stream drives one incremental parser of ``vllm_sdk._speedups`` (the parser engine) over the body of
an already-open 2xx response; the state and logic the sync and async classes share live in ``_state``.
"""

from ._streams import AsyncCompletionStream, AsyncMessageStream, CompletionStream, MessageStream

__all__ = ["AsyncCompletionStream", "AsyncMessageStream", "CompletionStream", "MessageStream"]
