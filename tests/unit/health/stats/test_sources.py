"""Tables in parts: a folder, a glob or hive partition folders of Parquet or CSV files profile
to the profile of the same rows in one file, however the rows are split (empty and one-row
parts included); and every malformed source is refused with the part and column named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from o16n.cli import main as cli
from o16n.errors import ConfigError
from o16n.health.stats import locations
from o16n.health.stats.codec import to_json
from o16n.health.stats.files import profile_data
from o16n.health.stats.model import Profile

# Row counts of the parts each split writes (a 0 is an empty part).
SPLITS = [[400], [1, 399], [0, 200, 0, 1, 199], [37] * 10 + [30], [100, 0, 100, 100, 100]]


def table(rows: int = 400, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x": rng.normal(10, 3, rows),
            "n": rng.integers(0, 50, rows),
            "c": rng.choice(list("abcde"), rows),
            "flag": rng.random(rows) < 0.3,
        }
    )
    frame.loc[frame.index % 17 == 0, "x"] = np.nan
    frame.loc[frame.index % 23 == 0, "c"] = None
    frame.iloc[-5:] = frame.iloc[:5].to_numpy()  # repeated rows: duplicates across parts
    return frame


def write_parts(frame: pd.DataFrame, folder: Path, sizes: list[int], fmt: str) -> Path:
    folder.mkdir(parents=True)
    start = 0
    for index, size in enumerate(sizes):
        part = frame.iloc[start : start + size]
        start += size
        name = folder / f"part-{index:03d}.{fmt}"
        part.to_parquet(name, index=False) if fmt == "parquet" else part.to_csv(name, index=False)
    return folder


def close(a: Any, b: Any, path: str = "") -> None:
    """Profiles as JSON equal: counts exactly, floats within 1e-9 relative."""
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for key in a:
            close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float | int):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12), path
    else:
        assert a == b, path


def as_json(profile: Profile) -> Any:
    return json.loads(to_json(profile))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("sizes", SPLITS, ids=lambda s: "-".join(map(str, s)))
def test_any_split_profiles_as_one_file(tmp_path: Path, fmt: str, sizes: list[int]) -> None:
    frame = table()
    whole = tmp_path / f"whole.{fmt}"
    frame.to_parquet(whole, index=False) if fmt == "parquet" else frame.to_csv(whole, index=False)
    folder = write_parts(frame, tmp_path / "parts", sizes, fmt)
    reference = profile_data(whole)
    close(as_json(reference), as_json(profile_data(folder)))
    current = table(seed=9)
    cur_folder = write_parts(current, tmp_path / "current", sizes, fmt)
    cur_file = tmp_path / f"current.{fmt}"
    current.to_parquet(cur_file, index=False) if fmt == "parquet" else current.to_csv(
        cur_file, index=False
    )
    close(
        as_json(profile_data(cur_file, like=reference)),
        as_json(profile_data(cur_folder, like=reference)),
    )


def test_a_glob_and_a_file_url_read_the_same_parts(tmp_path: Path) -> None:
    frame = table()
    folder = write_parts(frame, tmp_path / "parts", [100, 300], "parquet")
    (folder / "_SUCCESS").write_text("")  # Spark's marker, and hidden files, are not parts
    (folder / ".part-000.parquet.crc").write_text("x")
    whole = as_json(profile_data(folder))
    close(whole, as_json(profile_data(f"{folder}/part-*.parquet")))
    close(whole, as_json(profile_data(f"file://{folder}/")))
    expanded = locations.expand(f"{folder}/*.parquet")
    assert [Path(p.path).name for p in expanded.parts] == ["part-000.parquet", "part-001.parquet"]
    assert expanded.format == "parquet" and expanded.local


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_hive_partition_folders_become_columns(tmp_path: Path, fmt: str) -> None:
    frame = table()
    frame["region"] = np.where(frame.index % 3 == 0, "north", "south")
    frame["year"] = np.where(frame.index < 150, 2023, 2024)
    frame = frame.sort_values(["region", "year"], kind="stable").reset_index(drop=True)
    root = tmp_path / "hive"
    for (region, year), group in frame.groupby(["region", "year"], sort=True):
        folder = root / f"region={region}" / f"year={year}"
        folder.mkdir(parents=True)
        rest = group.drop(columns=["region", "year"])
        if fmt == "parquet":
            rest.to_parquet(folder / "data.parquet", index=False)
        else:
            rest.to_csv(folder / "data.csv", index=False)
    whole = tmp_path / f"whole.{fmt}"
    frame.to_parquet(whole, index=False) if fmt == "parquet" else frame.to_csv(whole, index=False)
    parts = locations.expand(root)
    assert parts.partition_types == {"region": "string", "year": "int64"}
    assert parts.parts[0].partition == (("region", "north"), ("year", "2023"))
    close(as_json(profile_data(whole)), as_json(profile_data(root)))


# ---- bad input -------------------------------------------------------------------------------


def refused(source: str | Path) -> str:
    with pytest.raises(ConfigError) as caught:
        profile_data(source)
    return str(caught.value)


def test_a_folder_with_no_table_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert "no table here" in refused(tmp_path / "empty")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("hi")
    (tmp_path / "other" / "_SUCCESS").write_text("")
    assert "no table here" in refused(tmp_path / "other")
    assert "no file matches the pattern" in refused(f"{tmp_path}/nothing-*.parquet")
    assert "data file not found" in refused(tmp_path / "missing")


def test_a_part_with_another_schema_is_named(tmp_path: Path) -> None:
    frame = table()
    folder = write_parts(frame, tmp_path / "p", [100, 100, 200], "parquet")
    frame.iloc[:10].assign(n=frame["n"].iloc[:10].astype(str)).to_parquet(
        folder / "part-001.parquet", index=False
    )
    frame.iloc[:10].drop(columns="c").to_parquet(folder / "part-002.parquet", index=False)
    message = refused(folder)
    assert (
        "part-001.parquet" in message
        and "column 'n' is" in message
        and "int64 in the first part" in message
    )
    csv = write_parts(frame, tmp_path / "c", [100, 300], "csv")
    frame.iloc[:10].rename(columns={"c": "cat"}).to_csv(csv / "part-001.csv", index=False)
    message = refused(csv)
    assert "part-001.csv" in message and "column 'c' is missing" in message


def test_mixed_formats_and_uneven_partitions_are_refused(tmp_path: Path) -> None:
    frame = table()
    folder = write_parts(frame, tmp_path / "p", [100, 300], "parquet")
    frame.to_csv(folder / "part-009.csv", index=False)
    assert "mix Parquet and CSV" in refused(folder)
    hive = tmp_path / "h"
    (hive / "year=2024").mkdir(parents=True)
    frame.to_parquet(hive / "year=2024" / "a.parquet")
    (hive / "b").mkdir()
    frame.to_parquet(hive / "b" / "b.parquet")
    assert "partition folders differ" in refused(hive)


def test_cli_profile_and_health_read_folders_and_write_nothing_on_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = table()
    write_parts(frame, tmp_path / "ref", [150, 0, 250], "parquet")
    write_parts(table(seed=8), tmp_path / "cur", [1, 399], "csv")
    out = tmp_path / "ref.json"
    assert cli.main(["profile", str(tmp_path / "ref"), "-o", str(out)]) == 0
    assert json.loads(out.read_text())["rows"] == 400
    code = cli.main(
        [
            "health",
            "--reference",
            str(out),
            "--current",
            f"{tmp_path}/cur/*.csv",
            "-o",
            str(tmp_path / "report.json"),
        ]
    )
    assert code in (0, 1) and (tmp_path / "report.json").is_file()
    (tmp_path / "none").mkdir()
    bad = tmp_path / "bad.json"
    assert cli.main(["profile", str(tmp_path / "none"), "-o", str(bad)]) == 2
    assert not bad.exists()
    report = tmp_path / "bad-report.json"
    argv = ["health", "--reference", str(out), "--current", str(tmp_path / "none"), "-o"]
    assert cli.main([*argv, str(report)]) == 2
    assert not report.exists()
    assert "no table here" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_batch_in_parts_is_written_as_one_file_for_scoring(tmp_path: Path, fmt: str) -> None:
    from o16n.lifecycle import monitor

    frame = table()
    folder = write_parts(frame, tmp_path / "2026-11-02", [0, 1, 150, 249], fmt)
    if fmt == "csv":  # a part without a final newline
        last = folder / "part-002.csv"
        last.write_bytes(last.read_bytes().rstrip(b"\n"))
    one = monitor.local_batch(tmp_path, folder)
    assert one == tmp_path / ".o16n" / "monitor" / "batches" / f"2026-11-02.{fmt}"
    read = pd.read_parquet(one) if fmt == "parquet" else pd.read_csv(one)
    assert len(read) == 400
    close(as_json(profile_data(folder)), as_json(profile_data(one)))
    single = tmp_path / f"one.{fmt}"
    single.write_bytes(one.read_bytes())
    assert monitor.local_batch(tmp_path, single) == single  # a file is scored as it is
    with pytest.raises(ConfigError, match="batch not found"):
        monitor.local_batch(tmp_path, tmp_path / "missing")
