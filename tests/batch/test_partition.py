"""``run_partition`` / ``arun_partition``: rows in, every row out once, against mock replicas."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import ClientConfig
from vllm_sdk.batch import arun_partition, run_partition
from vllm_sdk.batch._rows import OUTPUT_COLUMNS, RowSpec, plain, row_request

pytest.importorskip("aiohttp")

from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

MSGS = [{"role": "user", "content": "Hi"}]


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[MockVllmServer, MockVllmServer]]:
    with MockVllmServer() as a, MockVllmServer() as b:
        yield a, b


@pytest.fixture
def fresh(servers: tuple[MockVllmServer, MockVllmServer]) -> tuple[MockVllmServer, MockVllmServer]:
    for server in servers:
        server.reset()
    return servers


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# ---------------------------------------------------------------- rows -> requests (no I/O)


class FakeArray:
    """What a columnar engine hands over for a list cell: something with ``tolist()``."""

    def __init__(self, items: list[Any]) -> None:
        self._items = items

    def tolist(self) -> list[Any]:
        return list(self._items)


def test_plain_turns_array_likes_into_json_values() -> None:
    value = {"a": FakeArray([1, FakeArray([2])]), "b": (3, "x"), "c": None}
    assert plain(value) == {"a": [1, [2]], "b": [3, "x"], "c": None}


CHAT = "/chat/completions"
M4 = {"model": "m", "messages": MSGS, "max_tokens": 4}


@pytest.mark.parametrize(
    ("row", "path", "body"),
    [
        ({"messages": MSGS}, CHAT, M4),
        ({"messages": json.dumps(MSGS)}, CHAT, M4),
        ({"messages": FakeArray(MSGS), "model": "x"}, CHAT, {**M4, "model": "x"}),
        (
            {"body": {"prompt": "p", "max_tokens": 9}},
            "/completions",
            {"model": "m", "prompt": "p", "max_tokens": 9},
        ),
        (
            {"body": '{"input": "e", "model": "b"}'},
            "/embeddings",
            {"model": "b", "input": "e", "max_tokens": 4},
        ),
        (
            {"body": {"input": "e", "model": "b"}, "model": "r"},
            "/embeddings",
            {"model": "r", "input": "e", "max_tokens": 4},
        ),
        (
            {"body": {"prompt": "p"}, "url": "/v1/chat/completions"},
            CHAT,
            {"model": "m", "prompt": "p", "max_tokens": 4},
        ),
        ({"messages": MSGS, "model": float("nan"), "url": "chat"}, CHAT, M4),
    ],
)
def test_row_request(row: dict[str, Any], path: str, body: dict[str, Any]) -> None:
    request = row_request(row, RowSpec("m", {"max_tokens": 4}))
    assert request.path == path
    assert request.body == body


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"text": "hi"}, "needs 'messages'"),
        ({"messages": "[not json"}, "not valid JSON"),
        ({"messages": []}, "non-empty list"),
        ({"body": "[1, 2]"}, "JSON object"),
        ({"body": {"x": 1}}, "cannot tell the route"),
        ({"messages": MSGS, "url": "/v1/audio/speech"}, "url must be"),
    ],
)
def test_row_request_rejects_with_a_reason(row: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        row_request(row, RowSpec("m"))


def test_a_row_without_any_model_is_rejected() -> None:
    with pytest.raises(ValueError, match="no model"):
        row_request({"messages": MSGS}, RowSpec())


# ---------------------------------------------------------------- end to end


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"id": i, "messages": [{"role": "user", "content": f"q{i}"}]} for i in range(n)]


def test_every_row_comes_back_once_with_the_output_columns(
    fresh: tuple[MockVllmServer, MockVllmServer],
) -> None:
    a, b = fresh
    cfg = ClientConfig(base_url=[a.base_url, b.base_url])
    rows = [*_rows(20), {"id": "bad", "messages": "nope"}]
    out = list(run_partition(rows, cfg, model="mock", params={"max_tokens": 3}, max_in_flight=4))
    assert sorted(str(r["id"]) for r in out) == sorted(str(r["id"]) for r in rows)
    for row in out:
        assert set(OUTPUT_COLUMNS) <= set(row)
        if row["id"] == "bad":
            assert row["status_code"] == 400
            assert "not valid JSON" in row["error"]
            assert row["content"] is None
            continue
        assert row["error"] is None
        assert row["status_code"] == 200
        assert row["content"]
        assert row["finish_reason"] == "length"
        assert row["completion_tokens"] == 3
        assert row["prompt_tokens"] > 0
        assert row["attempts"] == 1
        assert row["latency_s"] > 0
        assert row["ttft_s"] is None
        assert json.loads(row["response"])["choices"][0]["message"]["content"] == row["content"]
    assert a.requests
    assert b.requests


def test_streaming_fills_ttft(fresh: tuple[MockVllmServer, MockVllmServer]) -> None:
    a, _ = fresh
    cfg = ClientConfig(base_url=a.base_url)
    out = list(run_partition(_rows(3), cfg, model="mock", params={"max_tokens": 2}, stream=True))
    assert len(out) == 3
    assert all(r["ttft_s"] is not None and r["ttft_s"] >= 0 for r in out)
    assert all(r["completion_tokens"] == 2 for r in out)


def test_completions_and_embeddings_rows(fresh: tuple[MockVllmServer, MockVllmServer]) -> None:
    a, _ = fresh
    rows = [
        {"k": "c", "body": {"prompt": "hello", "max_tokens": 2}},
        {"k": "e", "body": json.dumps({"input": "hello"}), "url": "embeddings"},
    ]
    out = {r["k"]: r for r in run_partition(rows, ClientConfig(base_url=a.base_url), model="mock")}
    assert out["c"]["error"] is None
    assert out["c"]["content"]
    assert out["e"]["error"] is None
    assert out["e"]["content"] is None
    assert json.loads(out["e"]["response"])["data"][0]["embedding"]


def test_a_dead_replica_costs_retries_not_rows(fresh: tuple[MockVllmServer, MockVllmServer]) -> None:
    a, _ = fresh
    cfg = ClientConfig(base_url=[_dead_url(), a.base_url])
    out = list(run_partition(_rows(12), cfg, model="mock", params={"max_tokens": 2}, backoff_base=0.0))
    assert len(out) == 12
    assert all(r["error"] is None for r in out)
    assert sum(r["attempts"] for r in out) > 12  # the dead replica cost at least one retry


def test_failures_are_rows(fresh: tuple[MockVllmServer, MockVllmServer]) -> None:
    a, _ = fresh
    rows = [{"messages": MSGS, "model": "no-such-model"}, {"messages": MSGS}]
    out = list(run_partition(rows, ClientConfig(base_url=a.base_url), model="mock", params={"max_tokens": 1}))
    failed = [r for r in out if r["error"] is not None]
    assert len(failed) == 1
    assert failed[0]["status_code"] == 404
    assert failed[0]["model"] == "no-such-model"  # its columns kept
    assert failed[0]["attempts"] == 1  # a 404 is not retried


def test_server_errors_are_retried(fresh: tuple[MockVllmServer, MockVllmServer]) -> None:
    a, _ = fresh
    a.faults = "status=503:2"
    out = list(run_partition(_rows(1), ClientConfig(base_url=a.base_url), model="mock", backoff_base=0.0))
    assert out[0]["error"] is None
    assert out[0]["attempts"] == 3


def test_arun_partition_takes_an_async_iterable(fresh: tuple[MockVllmServer, MockVllmServer]) -> None:
    a, b = fresh

    async def rows() -> AsyncIterator[dict[str, Any]]:
        for row in _rows(5):
            yield row

    async def main() -> list[dict[str, Any]]:
        cfg = ClientConfig(base_url=[a.base_url, b.base_url])
        return [r async for r in arun_partition(rows(), cfg, model="mock", params={"max_tokens": 1})]

    out = asyncio.run(main())
    assert sorted(r["id"] for r in out) == list(range(5))


def test_a_slow_row_iterator_does_not_hold_up_requests_in_flight(
    fresh: tuple[MockVllmServer, MockVllmServer],
) -> None:
    a, _ = fresh
    first_out = threading.Event()
    waited: list[bool] = []

    def rows() -> Iterator[dict[str, Any]]:
        yield {"id": 0, "messages": MSGS}
        # Row 1 comes only after row 0's result is out. Read on the event loop, this iterator would hold
        # the loop and row 0 could never complete: the wait would run out (a bound, so a regression fails
        # instead of hanging) and the test fails on ``waited``.
        waited.append(first_out.wait(timeout=60))
        yield {"id": 1, "messages": MSGS}

    results = run_partition(rows(), ClientConfig(base_url=a.base_url), model="mock", params={"max_tokens": 1})
    first = next(results)
    first_out.set()
    rest = list(results)
    assert first["id"] == 0
    assert first["error"] is None
    assert [r["id"] for r in rest] == [1]
    assert waited == [True]


def test_arun_partition_reads_a_sync_iterator_off_the_loop(
    fresh: tuple[MockVllmServer, MockVllmServer],
) -> None:
    a, _ = fresh
    loop_threads: set[int] = set()
    row_threads: set[int] = set()

    def rows() -> Iterator[dict[str, Any]]:
        for row in _rows(3):
            row_threads.add(threading.get_ident())
            yield row

    async def main() -> list[dict[str, Any]]:
        loop_threads.add(threading.get_ident())
        cfg = ClientConfig(base_url=a.base_url)
        return [r async for r in arun_partition(rows(), cfg, model="mock", params={"max_tokens": 1})]

    out = asyncio.run(main())
    assert sorted(r["id"] for r in out) == [0, 1, 2]
    assert row_threads
    assert not row_threads & loop_threads


def test_bad_arguments_fail_at_the_call() -> None:
    with pytest.raises(TypeError, match="ClientConfig"):
        run_partition([], {"base_url": "x"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_in_flight"):
        run_partition([], ClientConfig(), max_in_flight=0)


def test_the_config_travels_by_pickle(fresh: tuple[MockVllmServer, MockVllmServer]) -> None:
    import pickle

    a, _ = fresh
    cfg = pickle.loads(pickle.dumps(ClientConfig(base_url=a.base_url, max_retries=1)))
    out = list(run_partition(_rows(2), cfg, model="mock", params={"max_tokens": 1}))
    assert [r["error"] for r in out] == [None, None]
