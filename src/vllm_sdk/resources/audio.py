"""``client.audio``: vLLM's speech-to-text routes, ``client.audio.transcriptions.create(...)``
(``POST /v1/audio/transcriptions``) and ``client.audio.translations.create(...)``
(``POST /v1/audio/translations``).

Hand-written: the vendored schema has no audio routes (see ``types/audio.py``). The request is a multipart
form (``_multipart.py`` encodes it, once, I/O-free apart from reading the file, so sync, async, both
transports and retries send the same bytes). What comes back depends on ``response_format``: ``"json"``
(the default) a :class:`~vllm_sdk.Transcription`, ``"verbose_json"`` a
:class:`~vllm_sdk.TranscriptionVerbose` with segments, ``"text"`` a ``str`` (vLLM 0.32.0 answers even
``text`` with its JSON object, whose ``text`` is returned; a plain-text body is returned as is), and
``stream=True`` a :class:`~vllm_sdk.TranscriptionStream` of ``Content`` events (usage included: the SDK
sets vLLM's ``stream_include_usage`` unless told otherwise).

::

    result = client.audio.transcriptions.create(file="talk.wav", model="openai/whisper-small")
    print(result.text)
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal, overload

from .._config import NOT_GIVEN
from .._exceptions import JsonError, MissingParameterError
from .._multipart import MAX_UPLOAD_BYTES, FileInput, Upload, encode_multipart, open_file_input
from .._requester import CallOptions
from .._response import parse_response
from .._streams import AsyncTranscriptionStream, TranscriptionStream
from ..types.audio import Transcription, TranscriptionVerbose
from ._raw_views import (
    AsyncTranscriptionsWithRawResponse,
    AsyncTranscriptionsWithStreamingResponse,
    TranscriptionsWithRawResponse,
    TranscriptionsWithStreamingResponse,
)

if TYPE_CHECKING:
    from collections.abc import Coroutine, Mapping

    import httpx

    from .._config import NotGiven, TimeoutLike
    from .._requester import AsyncRequester, Requester

__all__ = ["AsyncAudio", "AsyncTranscriptions", "Audio", "Transcriptions"]

TRANSCRIPTIONS = "/audio/transcriptions"
TRANSLATIONS = "/audio/translations"

ResponseFormat = Literal["json", "text", "verbose_json"]


def build_upload(
    file: FileInput | None,
    params: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None,
    stream: bool,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> Upload:
    """The multipart body of an audio request: the form fields (``extra_body`` merged last, ``None``
    values left out, lists as repeated fields) and the file part. Raises
    :class:`~vllm_sdk.MissingParameterError` without ``file``."""
    if file is None:
        raise MissingParameterError("file", "file is required (a path, bytes or a binary file object)")
    filename, content, content_type = open_file_input(file, max_bytes)
    fields = dict(params)
    if stream:
        fields["stream"] = True
        fields.setdefault("stream_include_usage", True)
    fields.update(extra_body or {})
    return encode_multipart(fields.items(), "file", filename, content, content_type)


def parse_result(
    response: httpx.Response, response_format: str | None
) -> Transcription | TranscriptionVerbose | str:
    """The result of a non-streamed audio request for ``response_format`` (see the module docstring)."""
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    is_json = media == "application/json" or media.endswith("+json")
    if response_format in ("text", "srt", "vtt"):
        if not is_json:
            return response.text
        try:
            value = json.loads(response.content)
        except ValueError as exc:
            raise JsonError("the response body is not valid JSON", text=response.text[:200]) from exc
        return str(value.get("text", "")) if isinstance(value, dict) else response.text
    if response_format == "verbose_json":
        return parse_response(TranscriptionVerbose, response.content, response.headers)
    return parse_response(Transcription, response.content, response.headers)


class Transcriptions:
    """``client.audio.transcriptions`` (and ``client.audio.translations``: the same call on another
    route)."""

    def __init__(self, requester: Requester, path: str) -> None:
        self._requester = requester
        self._path = path

    def _factory(self, requester: Requester) -> Transcriptions:
        """This resource (same route) over another requester: what the raw views call."""
        return Transcriptions(requester, self._path)

    @property
    def with_raw_response(self) -> TranscriptionsWithRawResponse:
        """This resource's methods answering with raw responses (status, headers, request id,
        ``parse()``) instead of the parsed result."""
        return TranscriptionsWithRawResponse(self._factory, self._requester, streaming=False)

    @property
    def with_streaming_response(self) -> TranscriptionsWithStreamingResponse:
        """This resource's methods as context managers over the unread answer (``iter_bytes()``,
        ``iter_lines()``, ``parse()``)."""
        return TranscriptionsWithStreamingResponse(self._factory, self._requester, streaming=True)

    @overload
    def create(
        self,
        *,
        file: FileInput,
        model: str | None = None,
        response_format: Literal["json"] | None = None,
        stream: Literal[False] = False,
        **params: Any,
    ) -> Transcription: ...
    @overload
    def create(
        self,
        *,
        file: FileInput,
        model: str | None = None,
        response_format: Literal["verbose_json"],
        stream: Literal[False] = False,
        **params: Any,
    ) -> TranscriptionVerbose: ...
    @overload
    def create(
        self,
        *,
        file: FileInput,
        model: str | None = None,
        response_format: Literal["text"],
        stream: Literal[False] = False,
        **params: Any,
    ) -> str: ...
    @overload
    def create(
        self,
        *,
        file: FileInput,
        model: str | None = None,
        response_format: Literal["json", "text"] | None = None,
        stream: Literal[True],
        **params: Any,
    ) -> TranscriptionStream: ...
    def create(
        self,
        *,
        file: FileInput | None = None,
        model: str | None = None,
        response_format: str | None = None,
        stream: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Any,
    ) -> Transcription | TranscriptionVerbose | str | TranscriptionStream:
        """Transcribe (or translate into English) an audio file: ``file`` (a path, bytes, a binary file
        object or a ``(filename, content[, content_type])`` tuple), ``model``, ``response_format``
        (``"json"``, ``"text"``, ``"verbose_json"``), ``language``, ``prompt``, ``temperature``,
        ``timestamp_granularities``, ... ``stream=True`` returns a :class:`~vllm_sdk.TranscriptionStream`."""
        options = CallOptions(None, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout)
        fields = {"model": model, "response_format": response_format, **params}
        upload = build_upload(file, fields, extra_body, stream)
        if stream:
            return self._requester.call_upload_stream(self._path, upload, options, TranscriptionStream)
        return parse_result(self._requester.call_upload(self._path, upload, options), response_format)


class AsyncTranscriptions:
    """The async twin of :class:`Transcriptions` (``await create(...)``)."""

    def __init__(self, requester: AsyncRequester, path: str) -> None:
        self._requester = requester
        self._path = path

    def _factory(self, requester: AsyncRequester) -> AsyncTranscriptions:
        """This resource (same route) over another requester: what the raw views call."""
        return AsyncTranscriptions(requester, self._path)

    @property
    def with_raw_response(self) -> AsyncTranscriptionsWithRawResponse:
        """This resource's methods answering with raw responses (status, headers, request id,
        ``parse()``) instead of the parsed result."""
        return AsyncTranscriptionsWithRawResponse(self._factory, self._requester, streaming=False)

    @property
    def with_streaming_response(self) -> AsyncTranscriptionsWithStreamingResponse:
        """This resource's methods as context managers over the unread answer (``iter_bytes()``,
        ``iter_lines()``, ``parse()``)."""
        return AsyncTranscriptionsWithStreamingResponse(self._factory, self._requester, streaming=True)

    @overload
    def create(
        self,
        *,
        file: FileInput,
        model: str | None = None,
        response_format: Literal["json"] | None = None,
        stream: Literal[False] = False,
        **params: Any,
    ) -> Coroutine[Any, Any, Transcription]: ...
    @overload
    def create(
        self,
        *,
        file: FileInput,
        model: str | None = None,
        response_format: Literal["verbose_json"],
        stream: Literal[False] = False,
        **params: Any,
    ) -> Coroutine[Any, Any, TranscriptionVerbose]: ...
    @overload
    def create(
        self,
        *,
        file: FileInput,
        model: str | None = None,
        response_format: Literal["text"],
        stream: Literal[False] = False,
        **params: Any,
    ) -> Coroutine[Any, Any, str]: ...
    @overload
    def create(
        self,
        *,
        file: FileInput,
        model: str | None = None,
        response_format: Literal["json", "text"] | None = None,
        stream: Literal[True],
        **params: Any,
    ) -> Coroutine[Any, Any, AsyncTranscriptionStream]: ...
    def create(
        self,
        *,
        file: FileInput | None = None,
        model: str | None = None,
        response_format: str | None = None,
        stream: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        stream_idle_timeout: float | None = None,
        **params: Any,
    ) -> Coroutine[Any, Any, Any]:
        """The async twin of :meth:`Transcriptions.create`. The file is read and the body encoded when
        this is called (so a missing file raises at once), the request sent when awaited."""
        options = CallOptions(None, extra_headers, extra_query, timeout, max_retries, stream_idle_timeout)
        fields = {"model": model, "response_format": response_format, **params}
        upload = build_upload(file, fields, extra_body, stream)
        if stream:
            return self._requester.call_upload_stream(self._path, upload, options, AsyncTranscriptionStream)
        return self._result(upload, options, response_format)

    async def _result(self, upload: Upload, options: CallOptions, response_format: str | None) -> Any:
        return parse_result(await self._requester.call_upload(self._path, upload, options), response_format)


class Audio:
    """``client.audio``: ``transcriptions`` and ``translations``."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    @property
    def transcriptions(self) -> Transcriptions:
        """``POST /v1/audio/transcriptions``: speech to text in the spoken language."""
        return Transcriptions(self._requester, TRANSCRIPTIONS)

    @property
    def translations(self) -> Transcriptions:
        """``POST /v1/audio/translations``: speech to English text."""
        return Transcriptions(self._requester, TRANSLATIONS)


class AsyncAudio:
    """``client.audio`` of the async client."""

    def __init__(self, requester: AsyncRequester) -> None:
        self._requester = requester

    @property
    def transcriptions(self) -> AsyncTranscriptions:
        """``POST /v1/audio/transcriptions`` (``await create(...)``)."""
        return AsyncTranscriptions(self._requester, TRANSCRIPTIONS)

    @property
    def translations(self) -> AsyncTranscriptions:
        """``POST /v1/audio/translations`` (``await create(...)``)."""
        return AsyncTranscriptions(self._requester, TRANSLATIONS)
