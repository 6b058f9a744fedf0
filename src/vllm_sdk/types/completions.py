"""``CompletionResponse``: the generated legacy-completions response model plus shortcuts to choice 0."""

from __future__ import annotations

import json
from typing import Any

from pydantic import PrivateAttr

from . import _generated

__all__ = ["CompletionResponse"]


class CompletionResponse(_generated.CompletionResponse):
    """A legacy (``/v1/completions``) completion: every field vLLM sent, with shortcuts to choice 0.

    ::

        resp = client.completions.create(model=m, prompt="Once upon a time", max_tokens=32)
        print(resp.text, resp.finish_reason)
    """

    #: Token counts. vLLM always sends them on a non-streamed response; a response collected from a stream
    #: has them only when the request asked for them (``stream_options.include_usage``), else ``None``.
    usage: _generated.UsageInfo | None = None  # type: ignore[assignment]  # the schema requires it

    _raw_json: bytes | None = PrivateAttr(default=None)
    # The ``x-request-id`` response header (``request_id`` reads it).
    _request_id: str | None = PrivateAttr(default=None)

    @property
    def text(self) -> str | None:
        """Choice 0's generated text, or ``None`` when there is no choice."""
        return self.choices[0].text if self.choices else None

    @property
    def finish_reason(self) -> str | None:
        """Why choice 0 ended (``"stop"``, ``"length"``, ...), or ``None``."""
        return self.choices[0].finish_reason if self.choices else None

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
