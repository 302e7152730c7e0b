"""Benchmark data for the health engine (issue 3): 20 columns, 16 numeric and 4 categorical with
3 levels; the current file has drift planted in 5 columns (4 numeric mean shifts of 0.2 std and
one categorical share change) and none in the other 15. Written in row groups of 1M rows, so
10M rows never sit in memory at once.

    python bench/health_data.py ROWS OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

NUMERIC = [f"num_{i:02d}" for i in range(16)]
CATEGORICAL = [f"cat_{i}" for i in range(4)]
SHIFTED = NUMERIC[:4]  # mean + 0.2 std
RESHARED = CATEGORICAL[0]  # shares 1/3 each -> 0.5 / 0.3 / 0.2
PLANTED = sorted([*SHIFTED, RESHARED])
LEVELS = np.array(["red", "green", "blue"])
GROUP = 1_000_000


def chunk(rng: np.random.Generator, rows: int, current: bool) -> pa.Table:
    columns: dict[str, np.ndarray] = {}
    for i, name in enumerate(NUMERIC):
        loc, scale = 10.0 * i, 1.0 + i
        shift = 0.2 * scale if current and name in SHIFTED else 0.0
        columns[name] = rng.normal(loc + shift, scale, rows)
    for name in CATEGORICAL:
        shares = [0.5, 0.3, 0.2] if current and name == RESHARED else [1 / 3] * 3
        columns[name] = LEVELS[rng.choice(3, rows, p=shares)]
    return pa.table(columns)


def write(path: Path, rows: int, current: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    writer = None
    for start in range(0, rows, GROUP):
        table = chunk(rng, min(GROUP, rows - start), current)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()


def main() -> None:
    rows, out = int(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    write(out / "reference.parquet", rows, current=False, seed=1)
    write(out / "current.parquet", rows, current=True, seed=2)


if __name__ == "__main__":
    main()
