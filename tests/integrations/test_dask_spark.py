"""``run_partition`` under Dask's local scheduler and Spark's ``mapInPandas`` (loopback only)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import ClientConfig
from vllm_sdk.batch import run_partition
from vllm_sdk.batch._rows import OUTPUT_COLUMNS

pytest.importorskip("aiohttp")
pd = pytest.importorskip("pandas")

from vllm_sdk.testing import MockVllmServer  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

N = 40


@pytest.fixture(scope="module")
def replicas() -> Iterator[tuple[MockVllmServer, MockVllmServer]]:
    with MockVllmServer() as a, MockVllmServer() as b:
        yield a, b


def _frame() -> Any:
    # JSON strings: Dask turns object columns into strings (``dataframe.convert-string``), so lists of
    # dicts would arrive as their repr.
    messages = [json.dumps([{"role": "user", "content": f"q{i}"}]) for i in range(N)]
    return pd.DataFrame({"id": list(range(N)), "messages": messages})


def _infer(frame: Any, cfg: ClientConfig) -> Any:
    rows = list(run_partition(frame, cfg, model="mock", params={"max_tokens": 2}, max_in_flight=8))
    return pd.DataFrame(rows, columns=[*frame.columns, *OUTPUT_COLUMNS])


def test_dask_map_partitions(replicas: tuple[MockVllmServer, MockVllmServer]) -> None:
    dd = pytest.importorskip("dask.dataframe")
    dask = pytest.importorskip("dask")
    a, b = replicas
    cfg = ClientConfig(base_url=[a.base_url, b.base_url])
    ddf = dd.from_pandas(_frame(), npartitions=4)
    meta = pd.DataFrame({c: pd.Series(dtype=object) for c in ["id", "messages", *OUTPUT_COLUMNS]})
    meta["id"] = meta["id"].astype("int64")
    with dask.config.set(scheduler="threads"):  # the local scheduler: no network at all
        out = ddf.map_partitions(_infer, cfg, meta=meta).compute()
    assert sorted(out["id"]) == list(range(N))
    assert out["error"].isna().all()
    assert (out["completion_tokens"] == 2).all()


def _spark_session() -> Any:
    if shutil.which("java") is None:
        pytest.skip("no Java runtime: Spark needs one")
    import pyspark.sql as pyspark_sql  # a dev dependency: missing is a broken install, not a skip

    # The Python workers must be this interpreter (the one with vllm_sdk), not the first python3 on PATH.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    return (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_spark_map_in_pandas(replicas: tuple[MockVllmServer, MockVllmServer]) -> None:
    spark = _spark_session()
    a, b = replicas
    cfg = ClientConfig(base_url=[a.base_url, b.base_url])
    try:
        frame = pd.DataFrame({"id": list(range(N)), "prompt": [f"q{i}" for i in range(N)]})
        sdf = spark.createDataFrame(frame).repartition(2)

        def infer(frames: Iterator[Any]) -> Iterator[Any]:
            for part in frames:
                rows = [
                    {"id": r["id"], "messages": [{"role": "user", "content": r["prompt"]}]}
                    for r in part.to_dict("records")
                ]
                out = list(run_partition(rows, cfg, model="mock", params={"max_tokens": 2}))
                yield pd.DataFrame(
                    [{"id": r["id"], "content": r["content"], "error": r["error"]} for r in out]
                )

        result = sdf.mapInPandas(infer, "id long, content string, error string").toPandas()
    finally:
        spark.stop()
    assert sorted(result["id"]) == list(range(N))
    assert result["error"].isna().all()
    assert result["content"].str.len().gt(0).all()
