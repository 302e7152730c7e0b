"""Ingest: read the source table that params.yaml's `data` section names, keep the columns the
model uses and write data/raw/dataset.csv, with the target as the column `target`.

Rows without a target value are left out (nothing to learn from).
{%- if cookiecutter.model_kind == 'classification' %}
The target becomes 1 where it equals `data.positive` and 0 elsewhere.
{%- endif %}
A CSV or Parquet source is read by its suffix; to read from elsewhere (a query, a bucket),
change `read()` and keep the output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from {{ cookiecutter.package_name }}.config import RAW, TARGET, params

PARQUET = (".parquet", ".pq")


def read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise SystemExit(f"error: {path} not found: run `dvc pull` (or `dvc repro` for the sample)")
    return pd.read_parquet(path) if path.suffix in PARQUET else pd.read_csv(path)


def load(settings: dict[str, Any] | None = None) -> pd.DataFrame:
    """The source table with the model's columns, then `target`."""
    settings = settings or params("data")
    frame = read(Path(settings["source"]))
    frame = frame[frame[settings["target"]].notna()]
    target = frame[settings["target"]]
    if "positive" in settings:  # classification: 1 for the positive value, 0 for the other
        target = (target.astype(str) == str(settings["positive"])).astype(int)
    columns = settings["numeric"] + settings["categorical"]
    return frame[columns].assign(**{TARGET: target}).reset_index(drop=True)


def main() -> None:
    RAW.parent.mkdir(parents=True, exist_ok=True)
    load().to_csv(RAW, index=False)


if __name__ == "__main__":
    main()
