"""Duplicate rows counted in bounded memory: spilled runs and ranged counting give the count of
holding every hash, and a file profiled with a tiny spill threshold gives the profile of one
profiled in memory."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from o16n.errors import ConfigError
from o16n.health.stats import rowhashes
from o16n.health.stats.files import profile_data, profile_file
from o16n.health.stats.rowhashes import RowHashes, count_files, write_run


def _chunks(seed: int = 3) -> list[np.ndarray]:
    """Chunks of hashes with repeats within and across chunks, an empty one, and the extremes
    of the uint64 range (the first and last range's edges)."""
    rng = np.random.default_rng(seed)
    pool = rng.integers(0, 2**64 - 1, 5_000, dtype=np.uint64, endpoint=True)
    chunks = [rng.choice(pool, size) for size in (1_000, 0, 2_500, 1, 4_000)]
    chunks.append(np.array([0, 2**64 - 1, 2**63, 2**63 - 1, 0], dtype=np.uint64))
    return chunks


def _distinct(chunks: list[np.ndarray]) -> int:
    return len(np.unique(np.concatenate(chunks)))


@pytest.mark.parametrize("spill_at", [1, 7, 1_000, 10**6])
def test_spilled_runs_count_what_holding_every_hash_counts(spill_at: int) -> None:
    chunks = _chunks()
    with RowHashes(spill_at) as hashes:
        for chunk in chunks:
            hashes.append(chunk.copy())
        assert hashes.distinct() == _distinct(chunks)


def test_the_scratch_folder_is_removed_when_closed() -> None:
    hashes = RowHashes(spill_at=10)
    hashes.append(np.arange(100, dtype=np.uint64))
    folder = hashes._folder
    assert folder is not None and len(list(folder.iterdir())) == 1
    hashes.close()
    assert not folder.exists()


@pytest.mark.parametrize("per_range", [1, 3, 64, 10**6])
def test_ranges_of_any_size_count_the_union_of_runs(per_range: int, tmp_path: Path) -> None:
    chunks = _chunks(seed=11)
    runs = []
    for index, chunk in enumerate(chunks):
        run = tmp_path / f"{index}.u64"
        write_run(run, chunk.copy())
        stored = np.fromfile(run, dtype="<u8")
        assert np.array_equal(stored, np.unique(chunk))  # sorted and distinct on disk
        runs.append(run)
    assert count_files(runs, per_range) == _distinct(chunks)
    assert count_files([], per_range) == 0


def test_a_file_profiled_with_its_hashes_spilled_is_the_file_profiled_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(5)
    rows = 20_000
    key = rng.integers(0, 6_000, rows)  # about a third of the rows repeat an earlier one
    table = pa.table({"key": key, "label": pa.array(key % 7).cast(pa.string())})
    path = tmp_path / "repeats.parquet"
    pq.write_table(table, path, row_group_size=3_000)
    in_memory = profile_file(path, rows=1_000)
    monkeypatch.setattr(rowhashes, "SPILL_AT", 2_500)
    monkeypatch.setattr(rowhashes, "RANGE", 700)
    spilled = profile_file(path, rows=1_000)
    assert spilled == in_memory
    assert spilled.duplicate_rows == rows - len(np.unique(key)) > 0


def _repeats_file(folder: Path) -> Path:
    path = folder / "repeats.parquet"
    key = np.random.default_rng(9).integers(0, 600, 5_000)
    pq.write_table(pa.table({"key": key}), path, row_group_size=1_000)
    return path


def test_a_missing_scratch_folder_is_named_as_a_failed_write_not_a_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _repeats_file(tmp_path)
    missing = tmp_path / "no-such-tmp"
    monkeypatch.setattr(rowhashes, "SPILL_AT", 500)
    monkeypatch.setattr(tempfile, "tempdir", str(missing))
    with pytest.raises(ConfigError) as caught:
        profile_data(path)
    message = str(caught.value)
    assert "cannot write the row hashes" in message and "cannot read" not in message
    assert str(missing) in message and "TMPDIR" in message


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
def test_a_full_disk_is_named_with_the_folder() -> None:
    full = pytest.raises(ConfigError, match="No space left on device")
    with full as caught, rowhashes.writing("/dev"):
        write_run(Path("/dev/full"), np.arange(100_000, dtype=np.uint64))
    assert str(caught.value).startswith("/dev: cannot write the row hashes")


@pytest.mark.parametrize("block", [1, 2, 999, 1 << 20])
def test_a_run_written_block_by_block_is_sorted_and_distinct_across_block_edges(
    block: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rowhashes, "_WRITE_BLOCK", block)
    hashes = np.repeat(np.arange(1_500, dtype=np.uint64)[::-1], 3)  # each value thrice, reversed
    write_run(tmp_path / "run.u64", hashes)
    assert np.array_equal(np.fromfile(tmp_path / "run.u64", "<u8"), np.arange(1_500))
