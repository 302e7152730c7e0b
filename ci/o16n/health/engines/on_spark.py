"""The spark engine: Spark reads the Parquet parts (its own partitioning of them), each
partition is profiled by `mapInArrow` into one partial (bytes in a binary column), and the
partials are merged on the executors by `treeReduce`; only the last comes to the driver.

`local[workers]` by default; `master` joins an existing cluster (spark://, yarn, k8s://,
Databricks Connect's sc://), whose executors must have o16n installed and reach the files.
"""

from __future__ import annotations

import os
import socket
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from o16n.errors import ConfigError
from o16n.health.engines import partial, require
from o16n.health.stats.codec import from_json
from o16n.health.stats.columns import profile_table
from o16n.health.stats.files import _is_parquet

if TYPE_CHECKING:
    from o16n.health.engines import Engine

TREE_DEPTH = 3


def run(
    engine: Engine, parts: Sequence[Path], like: bytes, columns: Sequence[str] | None
) -> tuple[bytes, int]:
    """The merged profile (treeReduce on the executors) and the distinct rows (reduceByKey over
    buckets of row hashes), so no process holds every row's hash."""
    require("pyspark", "spark")
    # pyspark warns on every mapInArrow that it was not tested with pandas 3 (which it does
    # not use here): not the user's concern.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
    not_parquet = [p for p in parts if not _is_parquet(Path(p))]
    if not_parquet:
        raise ConfigError(
            "the spark engine reads Parquet parts",
            file=not_parquet[0],
            hint="convert the CSV parts to Parquet, or use --engine local or dask",
        )
    spark = session(engine)
    frame = spark.read.parquet(*[str(Path(p).resolve()) for p in parts])
    if columns is not None:
        frame = frame.select(*columns)
    profiled = frame.mapInArrow(
        lambda batches: _profile_partition(batches, like), "key int, data binary"
    )
    rows = profiled.rdd.map(lambda row: (int(row[0]), bytes(row[1]))).persist()
    try:
        result: bytes = (
            rows.filter(lambda kv: kv[0] < 0)
            .values()
            .treeReduce(partial.merge_partials, depth=TREE_DEPTH)
        )
        buckets = rows.filter(lambda kv: kv[0] >= 0).reduceByKey(partial.union)
        distinct_rows = int(buckets.map(lambda kv: len(kv[1]) // 8).sum())
    finally:
        rows.unpersist()
    return result, distinct_rows


def _profile_partition(batches: Iterator[Any], like: bytes) -> Iterator[Any]:
    """One Spark partition's Arrow batches into one partial: its profile (key -1, even when
    empty) and its row hashes' buckets (keys 0..BUCKETS-1)."""
    import pyarrow as pa

    reference = from_json(like.decode())
    hashes: list[np.ndarray] = []
    profiles = (
        profile_table(pa.Table.from_batches([batch]), reference, hashes) for batch in batches
    )
    data = partial.profile_tables(profiles, hashes)
    keys = [-1, *range(partial.BUCKETS)]
    values = [partial.strip(data), *(partial.bucket(data, b) for b in range(partial.BUCKETS))]
    yield pa.RecordBatch.from_arrays(
        [pa.array(keys, type=pa.int32()), pa.array(values, type=pa.binary())],
        names=["key", "data"],
    )


def session(engine: Engine) -> Any:
    """The SparkSession: `local[workers]`, or the given master after checking it answers (a
    spark:// master that does not is otherwise retried for minutes)."""
    from pyspark.sql import SparkSession

    master = engine.master or f"local[{engine.workers}]"
    if engine.master:
        reachable(engine.master, engine.timeout)
    builder = (
        SparkSession.builder.master(master)
        .appName("o16n-profile")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # a report, not a progress bar
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "250000")
        .config("spark.sql.shuffle.partitions", str(max(2, engine.workers)))
    )
    if not engine.master:
        # local[N]: the Python workers run this interpreter (with what it has installed), not
        # the first python3 on PATH; pyspark reads only the variable, and a user's wins.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def reachable(master: str, timeout: float) -> None:
    """A spark:// or sc:// master's port answers within `timeout`, or a ConfigError naming it."""
    url = urlparse(master)
    if url.scheme not in ("spark", "sc") or not url.hostname:
        return  # yarn, k8s://, local[...]: Spark's own checks
    port = url.port or (7077 if url.scheme == "spark" else 15002)
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout):
            pass
    except OSError as exc:
        raise ConfigError(
            f"cannot reach the spark master at {master} within {timeout:g} s: {exc}",
            hint="check the URL (spark://HOST:7077) and that the master runs",
        ) from None
