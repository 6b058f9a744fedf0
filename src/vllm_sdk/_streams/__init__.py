"""Streams over an open streaming response: :class:`MessageStream`, :class:`AsyncMessageStream`,
:class:`CompletionStream` and :class:`AsyncCompletionStream`.

Each stream drives one synchronous, I/O-free parser from ``vllm_sdk._speedups`` (the parser engine, compiled
when available) with the raw bytes of the response body and yields the events it returns. Everything that
does no I/O lives in ``_state.py`` (the state of one stream) and ``_base.py`` (members of every stream
class); only the read loops exist twice: ``_sync.py`` and ``_async.py``.

The hot path per network chunk is: read bytes, ``parser.feed(chunk)``, yield the events of the list it
returned. Bodies without ``Content-Encoding`` are read straight from the transport's byte stream, skipping
httpx's decoding layers; encoded bodies (a compressing proxy) go through ``iter_bytes()``, which decodes.
Over the SDK's own connections (``_transports.WireBody``) the async loop goes one step further: the
connection feeds the parser in its read callback and the loop (``_wire_events``) only takes the events and
waits, woken once per read that completed an event.

Connections: after ``[DONE]`` (or an error event, which vLLM follows with ``[DONE]``) the rest of the body
is read and discarded, at most :data:`DRAIN_MAX_BYTES` bytes within :data:`DRAIN_TIMEOUT` seconds, so the
connection goes back to the pool; then the response is closed. A stream abandoned part-way (``close()``,
leaving a ``with`` block, garbage collection) closes its response, which discards the connection rather
than reusing one with unread data. The drain's time bound is a hard deadline on both: async streams use a
timer; a sync stream's blocking read is woken by a shared watchdog thread that shuts the socket down at the
deadline (``_watchdog.py``; on transports that expose no socket the bound is checked between reads).

Idle timeout (``idle_timeout=`` seconds, default off): the stream raises :class:`VllmTimeoutError` once it
has waited that long for its next event. Only time spent waiting on the network counts, not time the caller
spends between events. Async streams enforce it exactly: a timer cancels the read in progress once the
deadline passes (one timer per idle period, re-armed as events arrive, see ``_IdleWatch``). Sync streams
cannot interrupt a blocking read, so they combine two checks: the socket read timeout of the body is
tightened to ``idle_timeout`` (honoured by httpx's own transports, which read the per-request timeout when
the body starts streaming), and after every read the time since the last event is compared with the limit
(this catches a server that keeps sending bytes, such as SSE comments, but no events). A sync stream
therefore raises at most about one socket read timeout after the deadline; other sync transports (a
``MockTransport`` handler, say) are only checked between reads.
"""

from ._anthropic import AnthropicMessageStream, AsyncAnthropicMessageStream
from ._async import AsyncCompletionStream, AsyncMessageStream
from ._audio import AsyncTranscriptionStream, TranscriptionStream
from ._parsed import AsyncParsedMessageStream, ParsedMessageStream
from ._responses import AsyncResponseStream, ResponseStream
from ._sync import CompletionStream, MessageStream

__all__ = [
    "AnthropicMessageStream",
    "AsyncAnthropicMessageStream",
    "AsyncCompletionStream",
    "AsyncMessageStream",
    "AsyncParsedMessageStream",
    "AsyncResponseStream",
    "AsyncTranscriptionStream",
    "CompletionStream",
    "MessageStream",
    "ParsedMessageStream",
    "ResponseStream",
    "TranscriptionStream",
]
