"""A sample batch of production data, to try monitoring offline (`make batch`, `make monitor`).

It is the test split without the target column, written to data/production/<time>.csv, the
folder `o16n monitor` scores the newest file of. `--shift` plants drift, so the health triggers
have something to find: every numeric column moves by half its standard deviation, and in every
other column half the rows take the column's rarest value. (The
plain sample comes from the training data's distribution; at a 5% significance level a column
now and then drifts by chance: a warning.) Real batches come from your systems: put each in
data/production/ named by date.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

import pandas as pd

from {{ cookiecutter.package_name }}.config import TARGET, TEST

PRODUCTION = Path("data/production")
SHIFT = 0.5  # standard deviations, and the share of rows a categorical column loses


def sample(test: pd.DataFrame, shift: bool = False) -> pd.DataFrame:
    batch = test.drop(columns=TARGET)
    if not shift:
        return batch
    numeric = batch.select_dtypes("number", exclude="bool").columns
    batch[numeric] = batch[numeric] + SHIFT * batch[numeric].std()
    moved = batch.index[: int(len(batch) * SHIFT)]
    for column in batch.columns.drop(numeric):
        counts = batch[column].value_counts()
        if len(counts) > 1:
            batch[column] = batch[column].astype(object)
            batch.loc[moved, column] = counts.index[-1]
    return batch


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shift", action="store_true", help="plant drift in every column")
    args = parser.parse_args(argv)
    if not TEST.is_file():
        raise SystemExit(f"error: {TEST} not found: run `make repro` (or `dvc pull`) first")
    path = PRODUCTION / f"{datetime.now():%Y-%m-%dT%H%M%S}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    sample(pd.read_csv(TEST), args.shift).to_csv(path, index=False)
    print(f"{path}: {'shifted ' if args.shift else ''}sample batch")


if __name__ == "__main__":
    main()
