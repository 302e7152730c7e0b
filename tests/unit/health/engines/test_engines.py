"""The same profile however the data is split, on every engine: the local profile of the same
rows in one file is the answer."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from o16n.errors import ConfigError
from o16n.health.engines import Engine, partial, profile_parts
from o16n.health.stats import locations
from o16n.health.stats.files import profile_file
from tests.unit.health.engines.conftest import SPLITS, assert_same, write_parts


@pytest.fixture(scope="module")
def reference(whole_table: object, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    path = tmp_path_factory.mktemp("whole") / "whole.parquet"
    pq.write_table(whole_table, path)
    return path, profile_file(path)


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("workers", [1, 2])
def test_local_engine_gives_the_local_profile_on_any_split(
    split: str, workers: int, whole_table: object, reference: tuple[Path, object], tmp_path: Path
) -> None:
    parts = write_parts(whole_table, tmp_path, SPLITS[split])
    got = profile_parts(parts, Engine("local", workers))
    assert_same(got, reference[1])  # type: ignore[arg-type]


def test_current_data_profiled_like_a_reference_is_the_same_on_any_split(
    whole_table: object, reference: tuple[Path, object], tmp_path: Path
) -> None:
    path, ref = reference
    want = profile_file(path, like=ref)  # type: ignore[arg-type]
    for name, cuts in SPLITS.items():
        parts = write_parts(whole_table, tmp_path / name, cuts)
        assert_same(profile_parts(parts, like=ref), want)  # type: ignore[arg-type]


def test_csv_parts_give_the_local_profile_of_the_csv(whole_table: object, tmp_path: Path) -> None:
    (whole,) = write_parts(whole_table, tmp_path / "whole", [], "csv")
    parts = write_parts(whole_table, tmp_path / "parts", SPLITS["empty-and-one-row"], "csv")
    parts = [p for p in parts if p.stat().st_size > 0]
    assert_same(profile_parts(parts), profile_file(whole))


def test_a_partial_is_bytes_that_round_trip(whole_table: object, tmp_path: Path) -> None:
    parts = locations.listed(write_parts(whole_table, tmp_path, [10]))
    like = partial.first_pass(parts)
    data = partial.profile_task(locations.task(parts, parts.parts[0]), partial.like_bytes(like))
    assert isinstance(data, bytes) and data.startswith(partial.MAGIC)
    profile, rows = partial.decode(data)
    assert profile is not None and profile.rows == 10 and len(rows) == 10
    assert partial.decode(partial.encode(profile, rows))[0] == profile


def test_a_forged_partial_is_refused() -> None:
    with pytest.raises(ValueError, match="not an o16n partial"):
        partial.decode(b"PICKLE!!" + bytes(8))


def test_no_rows_at_all_is_a_config_error(whole_table: object, tmp_path: Path) -> None:
    parts = write_parts(whole_table.slice(0, 0), tmp_path, [0])  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="no rows"):
        profile_parts(parts)


def test_a_missing_part_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        profile_parts([tmp_path / "nope.parquet"])
    assert caught.value.file == str(tmp_path / "nope.parquet")


def test_tree_reduce_merges_pairs_in_order() -> None:
    assert partial.tree_reduce(list("abcde"), lambda a, b: f"({a}{b})") == "(((ab)(cd))e)"


def test_a_monitored_batch_on_a_pool_is_profiled_as_here(
    whole_table: object, reference: tuple[Path, object], tmp_path: Path
) -> None:
    from o16n.lifecycle.monitor import profile_batch

    path, ref = reference
    present = ["x", "island", "extra"]
    want = profile_batch(path, ref, present)  # type: ignore[arg-type]
    got = profile_batch(path, ref, present, engine=Engine("local", 2))  # type: ignore[arg-type]
    assert list(got.columns) == ["x", "island"]
    assert_same(got, want)


def test_distinct_rows_bucket_by_bucket_add_up_to_the_whole(
    whole_table: object, tmp_path: Path
) -> None:
    parts = locations.listed(write_parts(whole_table, tmp_path, SPLITS["sixteen"]))
    like = partial.like_bytes(partial.first_pass(parts))
    leaves = [partial.profile_task(locations.task(parts, p), like) for p in parts.parts]
    whole = partial.tree_reduce(leaves, partial.merge_partials)
    by_bucket = sum(
        partial.distinct(*[partial.bucket(leaf, b) for leaf in leaves])
        for b in range(partial.BUCKETS)
    )
    assert by_bucket == len(partial.decode_hashes(whole)) < 3000  # some rows repeat
    assert partial.decode_hashes(partial.strip(whole)).size == 0
    for count in (1, 2, 64):  # Spark's: one bucket per part, at least BUCKETS
        cut = [partial.buckets(leaf, count) for leaf in leaves]
        assert sum(partial.distinct(*[c[b] for c in cut]) for b in range(count)) == by_bucket
    assert [partial.bucket_count(n) for n in (0, 1, 16, 17, 64, 100)] == [16, 16, 16, 32, 64, 128]
    unioned = partial.union(partial.bucket(leaves[0], 3), partial.bucket(leaves[1], 3))
    assert partial.distinct(unioned) == partial.distinct(
        partial.bucket(leaves[0], 3), partial.bucket(leaves[1], 3)
    )


def test_parts_with_other_columns_name_the_first_that_differs(
    whole_table: object, tmp_path: Path
) -> None:
    parts = write_parts(whole_table, tmp_path, [100, 200])
    pq.write_table(whole_table.drop_columns(["island"]), parts[1])  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match=r"schema differs from the first part's.*island") as got:
        profile_parts(parts)
    assert got.value.file == str(parts[1])
    with pytest.raises(ConfigError) as caught:
        profile_parts(parts, Engine("local", 2))
    assert caught.value.file == str(parts[1])


def test_parts_named_one_by_one_in_two_formats_are_refused(
    whole_table: object, tmp_path: Path
) -> None:
    parquet = write_parts(whole_table, tmp_path / "p", [100])
    csv = write_parts(whole_table, tmp_path / "c", [100], "csv")
    with pytest.raises(ConfigError, match="mix Parquet and CSV") as caught:
        profile_parts([*parquet, *csv], Engine("local", 2))
    assert caught.value.file == str(csv[0])


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_hive_partition_folders_on_a_pool_give_the_default_engines_profile(
    tmp_path: Path, fmt: str
) -> None:
    from o16n.health.engines import profile_source
    from o16n.health.stats.files import profile_data
    from tests.unit.health.stats.test_sources import table

    frame = table(600)
    for year, rows in (
        (2023, frame.iloc[:250]),
        (2024, frame.iloc[250:251]),
        (2025, frame.iloc[251:]),
    ):
        folder = tmp_path / "hive" / f"year={year}" / "region=north"
        folder.mkdir(parents=True)
        path = folder / f"part.{fmt}"
        rows.to_parquet(path, index=False) if fmt == "parquet" else rows.to_csv(path, index=False)
    want = profile_data(tmp_path / "hive")
    assert {"year", "region"} <= set(want.columns)
    assert_same(profile_source(tmp_path / "hive", Engine("local", 2)), want)


def _grouped(whole_table: object, folder: Path, group_rows: int) -> Path:
    """The whole table as one file of row groups of `group_rows` rows."""
    path = folder / f"groups-{group_rows}.parquet"
    pq.write_table(whole_table, path, row_group_size=group_rows)
    return path


def test_one_file_of_many_row_groups_is_cut_into_runs_of_whole_groups_in_order(
    whole_table: object, tmp_path: Path
) -> None:
    from o16n.health.stats.parts import by_row_groups

    path = _grouped(whole_table, tmp_path, 250)  # 3,000 rows: 12 groups
    table = locations.listed([path])
    cut = by_row_groups(table, 4)
    assert [p.groups for p in cut.parts] == [(0, 3), (3, 6), (6, 9), (9, 12)]
    assert by_row_groups(table, 40).parts[-1].groups == (11, 12)  # no more runs than groups
    assert by_row_groups(cut, 4) is cut  # enough parts already: left as they are
    single = locations.listed([_grouped(whole_table, tmp_path, 10_000)])
    assert by_row_groups(single, 4).parts == single.parts  # one group: nothing to cut
    task = locations.from_task(locations.task(cut, cut.parts[2]))
    assert task.parts[0].groups == (6, 9)  # the run travels with the task


@pytest.mark.parametrize("group_rows", [250, 1_000, 10_000])
def test_one_file_on_a_pool_gives_the_default_engines_profile(
    group_rows: int, whole_table: object, reference: tuple[Path, object], tmp_path: Path
) -> None:
    path = _grouped(whole_table, tmp_path, group_rows)
    assert_same(profile_parts([path], Engine("local", 2)), reference[1])  # type: ignore[arg-type]
    _, ref = reference
    want = profile_file(path, like=ref)  # type: ignore[arg-type]
    assert_same(profile_parts([path], Engine("local", 2), like=ref), want)  # type: ignore[arg-type]
