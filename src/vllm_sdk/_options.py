"""The options of one request: the lower layer that resources, telemetry and batch depend on.

Nothing here does I/O or knows a client class: :class:`RequestOptions` is what a request is made of, and
the client core turns it into httpx requests (``_base_client``) and sends it (``_client``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import _config

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._multipart import StreamedBody

__all__ = ["RequestOptions"]


@dataclass
class RequestOptions:
    """One logical request (all its attempts): what to send and the per-call overrides."""

    method: str
    url: str
    # A StreamedBody: an upload's file read from disk as it is sent (_multipart.py).
    content: bytes | StreamedBody | None = None
    headers: Mapping[str, str | None] | None = None
    params: Mapping[str, Any] | None = None
    # NOT_GIVEN: the client's default; None: no timeout.
    timeout: _config.TimeoutLike | _config.NotGiven | None = _config.NOT_GIVEN
    max_retries: int | None = None
    stream: bool = False
    # Telemetry only: the GenAI operation ("chat", "text_completion", ...), the model and the body.
    operation: str | None = None
    body: Mapping[str, Any] | None = field(default=None, repr=False)
