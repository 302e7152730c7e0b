"""Dask and Spark give the local profile of the same rows on any split, and the same drift
verdicts; a cluster that does not answer is named with its address. One cluster and one Spark
session for the module (each takes seconds to start)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from o16n.errors import ConfigError
from o16n.health.engines import Engine, profile_parts
from o16n.health.stats.drift import column_drift
from o16n.health.stats.files import profile_file
from tests.unit.health.engines.conftest import SPLITS, assert_same, table, write_parts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def split_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    base = tmp_path_factory.mktemp("splits")
    whole = table()
    return {name: write_parts(whole, base / name, cuts) for name, cuts in SPLITS.items()}


@pytest.fixture(scope="module")
def local(split_folders: dict[str, list[Path]]) -> object:
    (path,) = split_folders["whole"]
    return profile_file(path)


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=50
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def spark() -> Iterator[Engine]:
    pytest.importorskip("pyspark")
    from o16n.health.engines import on_spark

    engine = Engine("spark", 2)
    session = on_spark.session(engine)
    yield engine
    session.stop()


def test_dask_gives_the_local_profile_on_every_split(
    split_folders: dict[str, list[Path]], local: object, dask_address: str
) -> None:
    engine = Engine("dask", 2, scheduler=dask_address)
    for parts in split_folders.values():
        assert_same(profile_parts(parts, engine), local)  # type: ignore[arg-type]


def test_dask_starts_its_own_local_cluster(
    split_folders: dict[str, list[Path]], local: object
) -> None:
    got = profile_parts(split_folders["halves"], Engine("dask", 2))
    assert_same(got, local)  # type: ignore[arg-type]


def test_spark_gives_the_local_profile_on_every_split(
    split_folders: dict[str, list[Path]], local: object, spark: Engine
) -> None:
    for parts in split_folders.values():
        assert_same(profile_parts(parts, spark), local)  # type: ignore[arg-type]


def test_drift_verdicts_are_the_same_on_every_engine(
    tmp_path: Path, local: object, dask_address: str, spark: Engine
) -> None:
    shifted = table(seed=11)
    import pyarrow as pa
    import pyarrow.compute as pc

    shifted = shifted.set_column(1, "n", pc.add(shifted.column("n"), pa.scalar(3)))
    (whole,) = write_parts(shifted, tmp_path / "whole", [])
    parts = write_parts(shifted, tmp_path / "parts", SPLITS["empty-and-one-row"])
    want = profile_file(whole, like=local)  # type: ignore[arg-type]
    engines = [Engine("local", 2), Engine("dask", 2, scheduler=dask_address), spark]
    for engine in engines:
        got = profile_parts(parts, engine, like=local)  # type: ignore[arg-type]
        assert_same(got, want)
        for name in ("x", "n", "flag", "island", "key"):
            verdict = column_drift(local, got, name)  # type: ignore[arg-type]
            expected = column_drift(local, want, name)  # type: ignore[arg-type]
            assert (verdict.method, verdict.drifted) == (expected.method, expected.drifted)
            assert verdict.value == pytest.approx(expected.value, rel=1e-9)
        assert column_drift(local, got, "n").drifted  # type: ignore[arg-type]
        assert not column_drift(local, got, "island").drifted  # type: ignore[arg-type]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_scheduler_is_named_with_its_address(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    parts = write_parts(table(100), tmp_path, [])
    address = f"tcp://127.0.0.1:{_closed_port()}"
    with pytest.raises(ConfigError, match=f"dask scheduler at {address} within 2 s"):
        profile_parts(parts, Engine("dask", scheduler=address, timeout=2))


def test_an_unreachable_master_is_named_with_its_address(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    parts = write_parts(table(100), tmp_path, [])
    master = f"spark://127.0.0.1:{_closed_port()}"
    with pytest.raises(ConfigError, match=f"spark master at {master} within 2 s"):
        profile_parts(parts, Engine("spark", master=master, timeout=2))


def test_dask_profiles_csv_parts_as_local_does(tmp_path: Path, dask_address: str) -> None:
    whole = table()
    (one,) = write_parts(whole, tmp_path / "whole", [], "csv")
    parts = write_parts(whole, tmp_path / "parts", [1, 1500], "csv")
    got = profile_parts(parts, Engine("dask", 2, scheduler=dask_address))
    assert_same(got, profile_file(one))


def test_spark_gives_the_local_profile_of_csv_parts(tmp_path: Path, spark: Engine) -> None:
    whole = table()
    (one,) = write_parts(whole, tmp_path / "whole", [], "csv")
    parts = write_parts(whole, tmp_path / "parts", [1, 1500], "csv")
    assert_same(profile_parts(parts, spark), profile_file(one))


def test_dask_and_spark_read_hive_partition_folders_themselves(
    tmp_path: Path, dask_address: str, spark: Engine
) -> None:
    from o16n.health.engines import profile_source
    from o16n.health.stats.files import profile_data

    frame = table(3000)
    for index, (year, region) in enumerate([(2023, "north"), (2023, "south"), (2024, "north")]):
        folder = tmp_path / "hive" / f"year={year}" / f"region={region}"
        folder.mkdir(parents=True)
        import pyarrow.parquet as pq

        pq.write_table(frame.slice(index * 1000, 1000 if index < 2 else 1), folder / "p.parquet")
    want = profile_data(tmp_path / "hive")
    assert {"year", "region"} <= set(want.columns) and want.rows == 2001
    assert_same(profile_source(tmp_path / "hive", Engine("dask", 2, scheduler=dask_address)), want)
    assert_same(profile_source(tmp_path / "hive", spark), want)


def test_one_file_of_many_row_groups_is_shared_out_on_dask_and_spark(
    tmp_path: Path, local: object, dask_address: str, spark: Engine
) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "groups.parquet"
    pq.write_table(table(), path, row_group_size=200)  # 15 groups: 4 tasks for 2 workers
    for engine in (Engine("dask", 2, scheduler=dask_address), spark):
        assert_same(profile_parts([path], engine), local)  # type: ignore[arg-type]


def test_a_local_spark_listens_on_loopback_only(spark: Engine) -> None:
    import psutil

    jvms = [p for p in psutil.Process().children(recursive=True) if p.name() == "java"]
    assert jvms, "the local session's JVM is a child of this process"
    listening = [
        c.laddr.ip
        for jvm in jvms
        for c in jvm.net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN
    ]
    assert len(listening) >= 2  # py4j's gateway, the driver's RPC and block manager ports
    assert {ip.removeprefix("::ffff:") for ip in listening} == {"127.0.0.1"}
