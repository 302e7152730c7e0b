"""A table with every kind of column, written whole (the local profile's input) and split
into parts several ways, empty and one-row parts included."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from o16n.health.stats.model import Numeric, Profile

ROWS = 3_000


def table(rows: int = ROWS, seed: int = 7) -> object:
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    values = rng.normal(10.0, 3.0, rows)
    values[rng.random(rows) < 0.05] = np.nan
    values[:3] = [np.inf, -np.inf, 1e6]
    counts = rng.integers(0, 8, rows)  # few distinct: exact values kept
    island = rng.choice(["Biscoe", "Dream", "Torgersen"], rows).astype(object)
    island[rng.random(rows) < 0.03] = None
    duplicated = np.arange(rows) % 97  # rows repeat across parts: duplicates are global
    return pa.table(
        {
            "x": values,
            "n": pa.array(counts, type=pa.int64()),
            "flag": counts > 3,
            "island": island,
            "key": pa.array(duplicated, type=pa.int32()),
        }
    )


def write_parts(
    table: object, folder: Path, cuts: list[int], suffix: str = "parquet"
) -> list[Path]:
    """The table's rows split at `cuts` (a cut repeated makes an empty part)."""
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    bounds = [0, *cuts, table.num_rows]  # type: ignore[attr-defined]
    paths = []
    for index, (start, stop) in enumerate(zip(bounds, bounds[1:], strict=False)):
        part = table.slice(start, stop - start)  # type: ignore[attr-defined]
        path = folder / f"part-{index:03d}.{suffix}"
        if suffix == "parquet":
            pq.write_table(part, path)
        else:
            pcsv.write_csv(part, path)
        paths.append(path)
    return paths


# ROWS = 3000: one part; halves; an empty first part and a one-row part; 16 uneven parts.
SPLITS = {
    "whole": [],
    "halves": [1500],
    "empty-and-one-row": [0, 1, 1, 2999],
    "sixteen": sorted({int(x) for x in np.linspace(0, ROWS, 17)[1:-1]} | {5, 6}),
}


def assert_same(got: Profile, want: Profile) -> None:
    """Counts, histograms and sketches identical; moments within 1e-9 relative."""
    assert got.rows == want.rows
    assert got.duplicate_rows == want.duplicate_rows
    assert list(got.columns) == list(want.columns)
    for name, column in want.columns.items():
        other = got.columns[name]
        assert (other.kind, other.dtype) == (column.kind, column.dtype), name
        a, b = other.summary, column.summary
        if isinstance(b, Numeric):
            assert isinstance(a, Numeric)
            for key in ("mean", "m2"):
                assert math.isclose(getattr(a, key), getattr(b, key), rel_tol=1e-9, abs_tol=1e-12)
            exact = {k: v for k, v in vars(b).items() if k not in ("mean", "m2")}
            assert {k: getattr(a, k) for k in exact} == exact, name
            assert list((a.values or {}).items()) == list((b.values or {}).items()), name
        else:
            assert a == b, name
            assert list(a.counts.items()) == list(b.counts.items()), name  # same order too


@pytest.fixture(scope="session")
def whole_table() -> object:
    return table()
