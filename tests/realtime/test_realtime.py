"""``client.realtime``: the WebSocket connection to ``/v1/realtime``, sync and async, against the mock server.

There is no real-vLLM test of realtime: the tiny model of ``make test-real`` is not an audio model, so
vLLM would not serve ``/v1/realtime`` with it. The wire shapes here are vLLM 0.32.0's (see
``vllm_sdk/testing/_realtime.py`` for the source files they come from).
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import (
    AsyncVllmClient,
    AuthenticationError,
    ClientClosedError,
    Content,
    Done,
    Error,
    HttpError,
    StreamError,
    Usage,
    VllmClient,
    VllmTimeoutError,
)
from vllm_sdk.realtime import (
    RealtimeError,
    RealtimeErrorEvent,
    RealtimeInputError,
    SessionCreated,
    TranscriptionDelta,
    TranscriptionDone,
)
from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import Iterator

#: One second of PCM16 audio at 16 kHz, mono.
ONE_SECOND = b"\x10\x00" * 16_000


@pytest.fixture(scope="module")
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer(api_key="sk-test") as srv:
        yield srv


class Conn:
    """One realtime connection, driven the same way in both modes (async: on a loop of this thread)."""

    def __init__(self, mode: str, base_url: str, api_key: str | None = "sk-test", **connect: Any) -> None:
        self.mode = mode
        connect.setdefault("model", "mock")
        if mode == "sync":
            self.client: Any = VllmClient(base_url, api_key=api_key, max_retries=0)
            self.loop: asyncio.AbstractEventLoop | None = None
            try:
                self.conn: Any = self.client.realtime.connect(**connect).enter()
            except BaseException:
                self.client.close()
                raise
        else:
            self.loop = asyncio.new_event_loop()
            self.client = AsyncVllmClient(base_url, api_key=api_key, max_retries=0)
            try:
                self.conn = self.loop.run_until_complete(self.client.realtime.connect(**connect).enter())
            except BaseException:
                self.close_client()
                raise

    def do(self, name: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(self.conn, name)(*args, **kwargs)
        if self.loop is not None:
            return self.loop.run_until_complete(result)
        return result

    def events(self) -> list[Any]:
        if self.loop is None:
            return list(self.conn.events())

        async def collect() -> list[Any]:
            return [event async for event in self.conn.events()]

        return self.loop.run_until_complete(collect())

    def close(self) -> None:
        try:
            self.do("close")
        finally:
            self.close_client()

    def close_client(self) -> None:
        if self.loop is None:
            self.client.close()
        else:
            self.loop.run_until_complete(self.client.close())
            self.loop.close()


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def open_conn(mode: str, server: MockVllmServer) -> Iterator[Any]:
    opened: list[Conn] = []

    def opener(**connect: Any) -> Conn:
        conn = Conn(mode, server.base_url, **connect)
        opened.append(conn)
        return conn

    yield opener
    for conn in opened:
        conn.close()


def text_of(events: list[Any]) -> str:
    return "".join(e.text for e in events if isinstance(e, Content))


def test_session_update_append_in_chunks_commit_and_transcript(
    open_conn: Any, server: MockVllmServer
) -> None:
    conn = open_conn(chunk_size=8_000)
    assert isinstance(conn.conn.session, SessionCreated)
    assert conn.conn.session.id.startswith("sess-")
    conn.do("commit")
    assert conn.do("append_audio", ONE_SECOND) == 4  # 32000 bytes in 8000-byte chunks
    assert conn.do("append_audio", ONE_SECOND[:16_000], chunk_size=16_000) == 1
    conn.do("commit", final=True)
    events = conn.events()
    assert text_of(events) == "heard 0.00-0.50 s heard 0.50-1.00 s heard 1.00-1.50 s"
    assert all(isinstance(e, Content) for e in events[:-2])
    assert len(events) > 3  # one Content per delta, not one blob
    usage = events[-2]
    assert isinstance(usage, Usage)
    assert usage.completion_tokens == len(events) - 2
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert events[-1] == Done()
    handshake = [r for r in server.requests if r.path == "/v1/realtime"][-1]
    assert handshake.headers["authorization"] == "Bearer sk-test"
    assert handshake.headers["upgrade"].lower() == "websocket"


def test_raw_typed_events_and_a_second_utterance(open_conn: Any) -> None:
    conn = open_conn()
    for seconds in (1, 2):
        conn.do("commit")
        conn.do("append_audio", ONE_SECOND * seconds)
        conn.do("commit", final=True)
        deltas: list[str] = []
        while True:
            event = conn.do("recv")
            if isinstance(event, TranscriptionDone):
                break
            assert isinstance(event, TranscriptionDelta)
            deltas.append(event.delta)
        assert event.text == "".join(deltas)
        assert event.text.startswith("heard 0.00-0.50 s heard 0.50-1.00 s")
        assert event.text.endswith(f"-{seconds}.00 s")  # each utterance starts from zero
        assert event.usage is not None
        assert event.usage.completion_tokens == len(deltas)


def _recv_deltas(conn: Conn, count: int) -> list[str]:
    deltas = []
    for _ in range(count):
        event = conn.do("recv")
        assert isinstance(event, TranscriptionDelta), event
        deltas.append(event.delta)
    return deltas


def test_deltas_stream_while_the_audio_arrives(open_conn: Any) -> None:
    # vLLM transcribes each segment as soon as its audio is in: the client reads the deltas of the first
    # second before it has sent the rest, let alone commit(final=True).
    conn = open_conn()
    conn.do("commit")
    conn.do("append_audio", ONE_SECOND)
    assert "".join(_recv_deltas(conn, 6)) == "heard 0.00-0.50 s heard 0.50-1.00 s"
    conn.do("append_audio", ONE_SECOND[:16_000])  # one more half second: its deltas come at once
    assert "".join(_recv_deltas(conn, 3)) == " heard 1.00-1.50 s"
    conn.do("append_audio", ONE_SECOND[:8_000])  # a quarter second: less than a segment, held back
    conn.do("commit", final=True)  # the end of the audio flushes it, then the transcription is done
    assert "".join(_recv_deltas(conn, 3)) == " heard 1.50-1.75 s"
    done = conn.do("recv")
    assert isinstance(done, TranscriptionDone)
    assert done.text == "heard 0.00-0.50 s heard 0.50-1.00 s heard 1.00-1.50 s heard 1.50-1.75 s"
    assert done.usage is not None
    assert done.usage.completion_tokens == 12
    assert done.usage.prompt_tokens == 56_000 // 640


def test_audio_sent_before_the_commit_waits_in_the_queue(open_conn: Any) -> None:
    # vLLM queues appended audio; the generation that commit() starts reads what is already there.
    conn = open_conn()
    conn.do("append_audio", ONE_SECOND[:16_000])
    conn.do("commit")
    assert "".join(_recv_deltas(conn, 3)) == "heard 0.00-0.50 s"
    conn.do("commit")  # ignored while the transcription runs, as on vLLM
    conn.do("commit", final=True)
    done = conn.do("recv")
    assert isinstance(done, TranscriptionDone)
    assert done.text == "heard 0.00-0.50 s"


def test_final_before_commit_ends_the_next_transcription_at_once(open_conn: Any) -> None:
    # commit(final=True) with no transcription running queues the end of the audio (vLLM's None
    # sentinel): the next commit() transcribes the audio before it and is done.
    conn = open_conn()
    conn.do("append_audio", ONE_SECOND[:16_000])
    conn.do("commit", final=True)
    conn.do("commit")
    assert conn.do("transcript") == "heard 0.00-0.50 s"


def test_transcript_shortcut(open_conn: Any) -> None:
    conn = open_conn()
    conn.do("commit")
    conn.do("append_audio", bytearray(ONE_SECOND))
    conn.do("commit", final=True)
    assert conn.do("transcript") == "heard 0.00-0.50 s heard 0.50-1.00 s"


def test_server_error_event_is_typed_and_the_connection_stays_usable(open_conn: Any) -> None:
    conn = open_conn()
    conn.do("send", {"type": "conversation.item.create"})
    events = conn.events()
    assert len(events) == 1
    assert isinstance(events[0], Error)
    error = events[0].error
    assert isinstance(error, RealtimeError)
    assert isinstance(error, StreamError)
    assert error.code == "unknown_event"
    assert "Unknown event type: conversation.item.create" in str(error)
    # The session goes on after an error event, as on vLLM.
    conn.do("commit")
    conn.do("append_audio", ONE_SECOND)
    conn.do("commit", final=True)
    assert conn.do("transcript") == "heard 0.00-0.50 s heard 0.50-1.00 s"


def test_unknown_model_and_commit_before_validation(open_conn: Any) -> None:
    conn = open_conn(model="no-such-model")
    event = conn.do("recv")
    assert isinstance(event, RealtimeErrorEvent)
    assert event.code == "model_not_found"
    assert "no-such-model" in event.error
    conn.do("commit")
    with pytest.raises(RealtimeError) as info:
        conn.do("transcript")
    assert info.value.code == "model_not_validated"


def test_server_drops_the_connection_mid_transcript(open_conn: Any) -> None:
    # session.created + the 3 deltas of the half second, then the TCP connection is cut (no close frame)
    # instead of sending transcription.done.
    conn = open_conn(extra_headers={"x-mock-fault": "disconnect_after=4"})
    conn.do("commit")
    conn.do("append_audio", ONE_SECOND[:16_000])
    conn.do("commit", final=True)
    with pytest.raises(StreamError) as info:
        conn.events()
    assert not isinstance(info.value, RealtimeError)
    assert info.value.partial_content == "heard 0.00-0.50 s"


def test_idle_timeout_instead_of_a_hang(open_conn: Any) -> None:
    conn = open_conn(idle_timeout=0.3, extra_headers={"x-mock-fault": "stall_after=2"})
    conn.do("commit")
    conn.do("append_audio", ONE_SECOND)
    conn.do("commit", final=True)
    with pytest.raises(VllmTimeoutError, match="idle timeout"):
        conn.events()


def test_client_stream_idle_timeout_is_the_default(mode: str, server: MockVllmServer) -> None:
    if mode == "sync":
        client: Any = VllmClient(server.base_url, api_key="sk-test", stream_idle_timeout=0.3)
        with (
            client,
            client.realtime.connect(model="mock", extra_headers={"x-mock-fault": "stall_after=1"}) as conn,
        ):
            with pytest.raises(VllmTimeoutError):
                conn.recv()
        return

    async def main() -> None:
        async with AsyncVllmClient(server.base_url, api_key="sk-test", stream_idle_timeout=0.3) as client:
            headers = {"x-mock-fault": "stall_after=1"}
            async with client.realtime.connect(model="mock", extra_headers=headers) as conn:
                with pytest.raises(VllmTimeoutError):
                    await conn.recv()

    asyncio.run(main())


def test_close_is_clean_and_idempotent(open_conn: Any) -> None:
    conn = open_conn()
    assert not conn.conn.closed
    conn.do("close")
    assert conn.conn.closed
    conn.do("close")
    with pytest.raises(ClientClosedError):
        conn.do("recv")
    with pytest.raises(ClientClosedError):
        conn.do("commit")


def test_sync_connection_stops_its_loop_thread(server: MockVllmServer) -> None:
    before = {t for t in threading.enumerate() if t.name == "vllm-sdk-realtime"}
    with VllmClient(server.base_url, api_key="sk-test") as client:
        with client.realtime.connect(model="mock") as conn:
            assert [t for t in threading.enumerate() if t.name == "vllm-sdk-realtime"]
            conn.commit()
        assert conn.closed
    after = {t for t in threading.enumerate() if t.name == "vllm-sdk-realtime"}
    assert after == before


def test_wrong_api_key_is_an_authentication_error(mode: str, server: MockVllmServer) -> None:
    with pytest.raises(AuthenticationError) as info:
        Conn(mode, server.base_url, api_key="wrong")
    assert info.value.status_code == 401
    assert not [t for t in threading.enumerate() if t.name == "vllm-sdk-realtime"]


def test_refused_connection_is_an_http_error(mode: str) -> None:
    with MockVllmServer() as srv:
        url = srv.base_url
    with pytest.raises(HttpError):
        Conn(mode, url)


@pytest.mark.parametrize(
    ("audio", "kwargs", "error"),
    [
        (b"", {}, RealtimeInputError),
        (b"\x00\x01\x02", {}, RealtimeInputError),
        (ONE_SECOND, {"chunk_size": 3}, RealtimeInputError),
        (ONE_SECOND, {"chunk_size": 0}, RealtimeInputError),
        ("not bytes", {}, TypeError),
    ],
)
def test_bad_audio_is_refused_before_sending(
    open_conn: Any, audio: Any, kwargs: dict[str, Any], error: type
) -> None:
    conn = open_conn()
    with pytest.raises(error):
        conn.do("append_audio", audio, **kwargs)


def test_bad_connect_arguments_and_a_closed_client(mode: str, server: MockVllmServer) -> None:
    cls: Any = VllmClient if mode == "sync" else AsyncVllmClient
    client = cls(server.base_url)
    for kwargs in ({"model": ""}, {"model": "mock", "chunk_size": 5}, {"model": "mock", "idle_timeout": -1}):
        with pytest.raises(RealtimeInputError):
            client.realtime.connect(**kwargs)
    if mode == "sync":
        client.close()
        with pytest.raises(ClientClosedError):
            client.realtime.connect(model="mock").enter()
    else:

        async def main() -> None:
            await client.close()
            with pytest.raises(ClientClosedError):
                await client.realtime.connect(model="mock").enter()

        asyncio.run(main())
