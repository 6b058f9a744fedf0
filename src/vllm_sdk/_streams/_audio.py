"""Streamed audio transcriptions and translations: :class:`TranscriptionStream` and
:class:`AsyncTranscriptionStream`.

vLLM streams the transcript as chat-shaped chunks (``object`` ``transcription.chunk`` /
``translation.chunk``, ``choices[0].delta.content``, a usage chunk when ``stream_include_usage`` is set,
then ``[DONE]``: ``speech_to_text/base/serving.py``), so these are chat streams over the chat parser whose
``collect()`` returns a :class:`~vllm_sdk.types.audio.Transcription`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from .._events import StreamEvent
from ._async import _AsyncStream
from ._state import TRANSCRIPTION
from ._sync import _SyncStream

if TYPE_CHECKING:
    from ..types.audio import Transcription

__all__ = ["AsyncTranscriptionStream", "TranscriptionStream"]


class TranscriptionStream(_SyncStream[StreamEvent]):
    """A streamed transcription: ``Content`` events with pieces of the transcript, ``FinishReason``,
    ``Usage`` (token counts) and ``Done``; ``Error`` when the server failed mid-stream::

        with client.audio.transcriptions.create(file="talk.wav", model=m, stream=True) as stream:
            for text in stream.text_stream:
                print(text, end="")
    """

    _kind = TRANSCRIPTION

    def collect(self) -> Transcription:
        """Read the rest of the stream and return the whole :class:`Transcription` (its ``text``)."""
        return cast("Transcription", self._collect_model())

    def collect_content(self) -> str:
        """Read the rest of the stream and return the transcript."""
        return self.collect().text


class AsyncTranscriptionStream(_AsyncStream[StreamEvent]):
    """The async twin of :class:`TranscriptionStream` (``async for``, ``await collect()``)."""

    _kind = TRANSCRIPTION

    async def collect(self) -> Transcription:
        """Read the rest of the stream and return the whole :class:`Transcription`."""
        return cast("Transcription", await self._collect_model())

    async def collect_content(self) -> str:
        """Read the rest of the stream and return the transcript."""
        return (await self.collect()).text
