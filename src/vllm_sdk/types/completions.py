"""``CompletionResponse``: the generated legacy-completions response model plus shortcuts to choice 0."""

from __future__ import annotations

from . import _generated
from ._wire import WireResponse

__all__ = ["CompletionResponse"]


class CompletionResponse(_generated.CompletionResponse, WireResponse):
    """A legacy (``/v1/completions``) completion: every field vLLM sent, with shortcuts to choice 0.

    ::

        resp = client.completions.create(model=m, prompt="Once upon a time", max_tokens=32)
        print(resp.text, resp.finish_reason)
    """

    #: Token counts. vLLM always sends them on a non-streamed response; a response collected from a stream
    #: has them only when the request asked for them (``stream_options.include_usage``), else ``None``.
    usage: _generated.UsageInfo | None = None  # type: ignore[assignment]  # the schema requires it

    @property
    def text(self) -> str | None:
        """Choice 0's generated text, or ``None`` when there is no choice."""
        return self.choices[0].text if self.choices else None

    @property
    def finish_reason(self) -> str | None:
        """Why choice 0 ended (``"stop"``, ``"length"``, ...), or ``None``."""
        return self.choices[0].finish_reason if self.choices else None
