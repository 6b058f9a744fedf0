"""What every hand-written response model keeps from the wire: the raw body and the request id."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, PrivateAttr

__all__ = ["WireResponse"]


class WireResponse(BaseModel):
    """Mixin for response models parsed from an HTTP body: ``raw`` and ``request_id``.

    The client sets the private attributes right after validating a body (and a stream's ``collect()``
    sets the request id), so ``raw`` returns exactly what the server sent, not a re-serialisation.
    """

    # The body bytes as received (``raw`` decodes them on demand); None for a model built in code.
    _raw_json: bytes | None = PrivateAttr(default=None)
    # The ``x-request-id`` response header (``request_id`` reads it).
    _request_id: str | None = PrivateAttr(default=None)

    @property
    def request_id(self) -> str | None:
        """The server's ``x-request-id`` response header (of the stream, for a collected stream), when sent:
        quote it when reporting a problem with this response."""
        return self._request_id

    @property
    def raw(self) -> dict[str, Any]:
        """The response as a plain dict: the decoded JSON body when it came from the wire."""
        if self._raw_json is not None:
            value = json.loads(self._raw_json)
            if isinstance(value, dict):
                return value
        return self.model_dump(mode="json", exclude_unset=True)
