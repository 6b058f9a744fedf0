"""Where and how a realtime connection connects: what the client hands the realtime resource."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["RealtimeTarget", "websocket_url"]


@dataclass(frozen=True)
class RealtimeTarget:
    """The ``ws://``/``wss://`` URL, the handshake headers (auth included) and the client's timeouts.

    ``connect_timeout`` bounds the handshake and the wait for ``session.created``; ``idle_timeout`` the
    wait for each later server event (``None``: no limit).
    """

    url: str
    headers: Mapping[str, str]
    connect_timeout: float | None
    idle_timeout: float | None


def websocket_url(http_url: str) -> str:
    """``http://`` → ``ws://`` and ``https://`` → ``wss://`` (other schemes are left alone)."""
    if http_url.startswith("https://"):
        return "wss://" + http_url[len("https://") :]
    if http_url.startswith("http://"):
        return "ws://" + http_url[len("http://") :]
    return http_url
