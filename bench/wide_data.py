"""Wide benchmark data (issue 17): 100,000 rows x 1,000 columns, 900 numeric and 100 categorical
(5 levels); the current file has drift planted in 50 columns (45 numeric mean shifts of 0.2 std
and 5 categorical share changes) and none in the other 950.

    python bench/wide_data.py OUT_DIR [--rows 100000]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

NUMERIC = [f"num_{i:03d}" for i in range(900)]
CATEGORICAL = [f"cat_{i:03d}" for i in range(100)]
SHIFTED = NUMERIC[::20]  # 45 columns: mean + 0.2 std
RESHARED = CATEGORICAL[::20]  # 5 columns: uniform shares -> 0.4 / 0.3 / 0.1 / 0.1 / 0.1
PLANTED = sorted([*SHIFTED, *RESHARED])
LEVELS = np.array(["a", "b", "c", "d", "e"])


def table(rows: int, current: bool, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {}
    for i, name in enumerate(NUMERIC):
        loc, scale = float(i % 50), 1.0 + i % 7
        shift = 0.2 * scale if current and name in SHIFTED else 0.0
        columns[name] = rng.normal(loc + shift, scale, rows)
    for name in CATEGORICAL:
        shares = [0.4, 0.3, 0.1, 0.1, 0.1] if current and name in RESHARED else [0.2] * 5
        columns[name] = LEVELS[rng.choice(5, rows, p=shares)]
    return pa.table(columns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, current, seed in (("reference", False, 1), ("current", True, 2)):
        pq.write_table(table(args.rows, current, seed), args.out / f"{name}.parquet")


if __name__ == "__main__":
    main()
