"""The spark engine: a DataFrame of tasks (one part each: a local file or a URL, with its hive
partition values), each Spark partition profiled by `mapInArrow` on the executors, which read
their parts with o16n's own readers (so the profile is the local one, and s3://, gs://, az://
need no Hadoop connector), into one partial (bytes in a binary column); the partials are merged
on the executors, grouped by key (the profiles in one task, by a tree; each bucket of row hashes
in its own task), and only the merged profile and the counts come to the driver.

`local[workers]` by default; `master` joins an existing cluster (spark://, yarn, k8s://,
Databricks Connect's sc://), whose executors must have o16n installed and reach the parts
(the same paths, or the bucket with credentials in their own environment).
"""

from __future__ import annotations

import os
import re
import socket
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from o16n.errors import ConfigError
from o16n.health.engines import partial, require

if TYPE_CHECKING:
    from o16n.health.engines import Engine


def run(
    engine: Engine, tasks: Sequence[str], like: bytes, columns: Sequence[str] | None
) -> tuple[bytes, int]:
    """The merged profile and the distinct rows (a task per bucket of row hashes), both
    computed on the executors, so no process holds every row's hash."""
    require("pyspark", "spark")
    # pyspark warns on every mapInArrow that it was not tested with pandas 3 (which it does
    # not use here): not the user's concern.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
    spark = session(engine)
    frame = spark.createDataFrame([(t,) for t in tasks], "task string").repartition(len(tasks))
    selected = list(columns) if columns is not None else None
    count = partial.bucket_count(len(tasks))
    profiled = frame.mapInArrow(
        lambda batches: _profile_partition(batches, like, selected, count), "key int, data binary"
    )
    merged = profiled.groupBy("key").applyInPandas(_merge_group, MERGED)
    with task_errors():
        rows = merged.collect()
    profiles = [bytes(r["data"]) for r in rows if r["key"] < 0]
    if not profiles:
        raise ValueError("no partial profile came back from the executors")
    return profiles[0], sum(int(r["distinct"]) for r in rows if r["key"] >= 0)


MERGED = "key int, data binary, distinct long"


def _merge_group(group: Any) -> Any:
    """One key's rows of every partition, on an executor: key -1, the partial profiles merged
    by a tree; a bucket key, the distinct row hashes of that bucket (a part's share of them)."""
    import pandas as pd

    key = int(group["key"].iloc[0])
    datas = [bytes(d) for d in group["data"]]
    if key < 0:
        data, count = partial.tree_reduce(datas, partial.merge_partials), 0
    else:
        data, count = b"", partial.distinct(*datas)
    return pd.DataFrame({"key": [key], "data": [data], "distinct": [count]})


@contextmanager
def task_errors() -> Iterator[None]:
    """A task that failed on an executor comes back as Spark's PythonException, the worker's
    traceback in its text: o16n's own message (a ConfigError raised there) or the error's last
    line, as a ConfigError (exit 2), since what fails on an executor is its reading of the
    data or of its credentials."""
    from pyspark.errors.exceptions.captured import PythonException

    try:
        yield
    except PythonException as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        said = [line for line in lines if "ConfigError: " in line or "Error: " in line]
        reason = (said[-1] if said else lines[-1] if lines else "unknown").split("Error: ", 1)[-1]
        raise ConfigError(
            f"a Spark task failed reading its part: {reason}",
            hint="executors read the parts themselves: they need the same paths, or the "
            "bucket's credentials in their own environment (spark.executorEnv.*)",
        ) from None


def _profile_partition(
    batches: Iterator[Any], like: bytes, columns: list[str] | None, count: int
) -> Iterator[Any]:
    """One Spark partition's tasks (a part each), read on the executor with o16n's readers,
    into one partial: its profile (key -1, even when empty) and its row hashes' buckets
    (keys 0..count-1)."""
    import pyarrow as pa

    partials = [
        partial.profile_task(str(task), like, columns)
        for batch in batches
        for task in batch.column("task").to_pylist()
    ]
    data = partial.tree_reduce(partials, partial.merge_partials) if partials else b""
    if not data:
        return
    keys = [-1, *range(count)]
    values = [partial.strip(data), *partial.buckets(data, count)]
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
        check_master(engine.master)
        reachable(engine.master, engine.timeout)
    builder = (
        SparkSession.builder.master(master)
        .appName("o16n-profile")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # a report, not a progress bar
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "250000")
        .config("spark.sql.shuffle.partitions", str(max(2, engine.workers)))
    )
    if master.startswith("local"):
        # local[N]: the Python workers run this interpreter (with what it has installed), not
        # the first python3 on PATH; pyspark reads only the variable, and a user's wins.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # The driver listens on loopback only: local[N] has no executors elsewhere to reach
        # it, and its ports were otherwise open on the machine's network interface.
        builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config(
            "spark.driver.host", "127.0.0.1"
        )
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # the JVM exits (yarn without its settings, say): it said why
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            f"Spark did not start with master {master}: {first}",
            hint="Spark's own reason is printed above it",
        ) from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# The masters Spark 4 takes (its SparkContext's own list; Mesos is gone), and Connect's sc://.
_MASTER = re.compile(
    r"local(\[(\d+|\*)(,\d+)?\])?|local-cluster\[\d+,\d+,\d+\]|yarn|"
    r"(spark|k8s|sc)://\S+"
)


def check_master(master: str) -> None:
    """A master Spark can take, or a ConfigError naming it: Spark's own error is a Java
    exception on stderr and a gateway that exits."""
    if not _MASTER.fullmatch(master):
        raise ConfigError(
            f"--master {master}: not a Spark master URL",
            hint="local[N], spark://HOST:7077, yarn, k8s://https://HOST:PORT or sc://HOST:15002",
        )


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
