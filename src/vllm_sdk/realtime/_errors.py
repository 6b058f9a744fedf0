"""The realtime connection's own exceptions (both are :class:`~vllm_sdk.VllmError`)."""

from __future__ import annotations

from .._exceptions import StreamError, VllmError

__all__ = ["RealtimeError", "RealtimeInputError"]


class RealtimeError(StreamError):
    """The server sent an ``error`` event: ``code`` is vLLM's (``invalid_audio``, ``unknown_event``,
    ``model_not_found``, ``model_not_validated``, ``invalid_json``, ``processing_error``, ...).

    The connection stays open after it (vLLM keeps serving the session); ``body`` is the event.
    """


class RealtimeInputError(VllmError, ValueError):
    """Audio or an event the SDK refuses to send (empty audio, an odd number of PCM16 bytes, ...)."""
