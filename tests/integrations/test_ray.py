"""``VllmProcessor`` on a real local Ray (loopback only) over two mock replicas, one killed mid-run."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import ClientConfig
from vllm_sdk.batch._rows import OUTPUT_COLUMNS

pytest.importorskip("aiohttp")
ray = pytest.importorskip("ray", reason="the ray extra is not installed")
pytest.importorskip("pandas")

from vllm_sdk.integrations.ray import VllmProcessor  # noqa: E402
from vllm_sdk.testing import MockVllmServer  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

# Ray Data warns about its own deprecated settings while building its default context.
pytestmark = [pytest.mark.ray, pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*")]


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    # Everything stays on 127.0.0.1 (conftest.py sets Ray's loopback flag before ray is imported).
    assert os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] == "0"
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        configure_logging=False,
    )
    try:
        yield ray
    finally:
        ray.shutdown()


def test_ray_stays_on_loopback(local_ray: Any) -> None:
    addresses = {node["NodeManagerAddress"] for node in local_ray.nodes()}
    assert addresses == {"127.0.0.1"}


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"id": i, "messages": [{"role": "user", "content": f"question {i}"}]} for i in range(n)]


def test_every_row_once_when_a_replica_dies_mid_run(local_ray: Any) -> None:
    n = 240
    with MockVllmServer() as keep:
        doomed = MockVllmServer().start()
        try:
            doomed.token_delay = keep.token_delay = 0.002
            cfg = ClientConfig(base_url=[keep.base_url, doomed.base_url], cooldown=30.0)
            proc = VllmProcessor(
                cfg,
                model="mock",
                params={"max_tokens": 4},
                concurrency=2,
                max_in_flight=8,
                batch_size=20,
                stream=True,
                num_cpus=0.5,
            )
            out_rows: list[dict[str, Any]] = []
            done = threading.Event()

            def consume() -> None:
                try:
                    out_rows.extend(proc(local_ray.data.from_items(_rows(n))).take_all())
                finally:
                    done.set()

            worker = threading.Thread(target=consume)
            worker.start()
            # Kill the second replica once it has served a share of the run (bounded wait).
            stopped = threading.Event()
            for _ in range(6000):
                if len(doomed.requests) >= 20 or done.is_set():
                    break
                stopped.wait(0.01)
            served_by_doomed = len(doomed.requests)
            doomed.stop()
            worker.join(timeout=120)
            assert not worker.is_alive()
        finally:
            if doomed.running:
                doomed.stop()
    assert served_by_doomed >= 20, "the replica was killed too late to test anything"
    assert sorted(r["id"] for r in out_rows) == list(range(n))  # every row, once
    assert all(r["error"] is None for r in out_rows), [r["error"] for r in out_rows if r["error"]][:3]
    for row in out_rows:
        assert set(OUTPUT_COLUMNS) <= set(row)
        assert row["content"]
        assert row["completion_tokens"] == 4
        assert row["ttft_s"] is not None
    assert len(keep.requests) > 0


def test_failures_are_rows_and_columns_are_kept(local_ray: Any) -> None:
    with MockVllmServer() as server:
        rows = [
            {"id": 0, "tag": "a", "messages": [{"role": "user", "content": "x"}]},
            {"id": 1, "tag": "b", "body": '{"prompt": "p", "max_tokens": 2}'},
            {"id": 2, "tag": "c", "messages": [{"role": "user", "content": "x"}], "model": "missing"},
        ]
        proc = VllmProcessor(ClientConfig(base_url=server.base_url), model="mock", params={"max_tokens": 2})
        out = {r["id"]: r for r in proc(local_ray.data.from_items(rows)).take_all()}
    assert [out[i]["tag"] for i in range(3)] == ["a", "b", "c"]
    assert out[0]["error"] is None
    assert out[0]["completion_tokens"] == 2
    assert type(out[0]["completion_tokens"]) is int  # not a float because another row failed
    assert out[1]["error"] is None
    assert out[1]["content"]
    assert out[2]["status_code"] == 404
    assert "NotFound" in out[2]["error"]


@pytest.mark.parametrize("concurrency", [1, (1, 2)])
def test_concurrency_as_an_int_or_an_autoscaling_pair(local_ray: Any, concurrency: Any) -> None:
    n = 60
    with MockVllmServer() as server:
        proc = VllmProcessor(
            ClientConfig(base_url=server.base_url),
            model="mock",
            params={"max_tokens": 1},
            concurrency=concurrency,
            batch_size=16,
            num_cpus=0.5,
        )
        out = proc(local_ray.data.from_items(_rows(n))).take_all()
    assert sorted(r["id"] for r in out) == list(range(n))
    assert all(r["error"] is None and r["ttft_s"] is None for r in out)  # not streamed: no TTFT


def test_output_columns_have_one_type_even_when_every_row_fails(local_ray: Any) -> None:
    with MockVllmServer() as server:
        # Two batches: one whose rows all fail (a model the server does not serve), one that succeeds.
        rows = [
            {"id": i, "messages": [{"role": "user", "content": "x"}], "model": "missing"} for i in range(4)
        ]
        rows += [{"id": 4 + i, "messages": [{"role": "user", "content": "x"}]} for i in range(4)]
        proc = VllmProcessor(
            ClientConfig(base_url=server.base_url), model="mock", params={"max_tokens": 1}, batch_size=4
        )
        ds = proc(local_ray.data.from_items(rows, override_num_blocks=2))
        schema = ds.schema()
        out = ds.take_all()
    types = dict(zip(schema.names, (str(t) for t in schema.types), strict=True))
    assert types["content"] == "string"
    assert types["response"] == "string"
    assert types["prompt_tokens"] == "int64"
    assert types["ttft_s"] == "double"
    assert sorted(r["id"] for r in out) == list(range(8))
    assert sum(r["error"] is None for r in out) == 4


def test_processor_checks_its_arguments() -> None:
    cfg = ClientConfig(base_url="http://127.0.0.1:1/v1")
    with pytest.raises(ValueError, match="concurrency"):
        VllmProcessor(cfg, concurrency=(3, 2))
    with pytest.raises(ValueError, match="max_in_flight"):
        VllmProcessor(cfg, max_in_flight=0)
    with pytest.raises(ValueError, match="concurrency"):
        VllmProcessor(cfg, concurrency=0)
    with pytest.raises(ValueError, match="batch_size"):
        VllmProcessor(cfg, batch_size=0)
    with pytest.raises(TypeError, match="ClientConfig"):
        VllmProcessor("http://x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"ray\.data\.Dataset"):
        VllmProcessor(cfg)([1, 2])
