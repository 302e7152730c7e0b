"""Score: the scoring pipeline. Predict a batch of new rows with a saved model and write the
batch back with the prediction columns added.

    python -m {{ cookiecutter.package_name }}.score models/model.joblib batch.csv -o scored.csv

The batch is a CSV or Parquet file (by its suffix; so is the output). It needs the columns the
model was trained on; others (an id, the target) are kept as they are. `o16n monitor` runs this
module with the deployed model on each production batch; replace it if yours scores elsewhere.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from sklearn.pipeline import Pipeline

{% if cookiecutter.model_kind == 'classification' -%}
from {{ cookiecutter.package_name }}.config import params
{% endif -%}
from {{ cookiecutter.package_name }}.predict import load_model, predict

PARQUET = (".parquet", ".pq")


class BatchError(Exception):
    """A batch that cannot be scored; the message says why."""


def read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise BatchError(f"{path}: no such file")
    try:
        return pd.read_parquet(path) if path.suffix in PARQUET else pd.read_csv(path)
    except (ImportError, OSError, ValueError) as exc:  # pandas' parse errors are ValueErrors
        raise BatchError(f"{path}: cannot read the batch: {exc}") from None


def score(model: Pipeline, batch: pd.DataFrame{% if cookiecutter.model_kind == 'classification' %}, threshold: float = 0.5{% endif %}) -> pd.DataFrame:
    """The batch with the prediction columns added; it must have every input column."""
    inputs = list(model.feature_names_in_)
    missing = [name for name in inputs if name not in batch.columns]
    if missing:
        raise BatchError(f"the batch lacks input column(s) the model needs: {', '.join(missing)}")
    if batch.empty:
        raise BatchError("the batch has no rows")
{%- if cookiecutter.model_kind == 'classification' %}
    scored = predict(model, batch[inputs], threshold)
{%- else %}
    scored = predict(model, batch[inputs])
{%- endif %}
    taken = [name for name in scored.columns if name in batch.columns]
    if taken:
        raise BatchError(f"the batch already has prediction column(s): {', '.join(taken)}")
    return batch.join(scored)


def write(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix in PARQUET:
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="a saved model (joblib)")
    parser.add_argument("batch", type=Path, help="the rows to score (CSV or Parquet)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="where to write")
    args = parser.parse_args(argv)
    if not args.model.is_file():
        print(f"error: {args.model}: no such model file", file=sys.stderr)
        return 2
    try:
{%- if cookiecutter.model_kind == 'classification' %}
        scored = score(load_model(args.model), read(args.batch), params("evaluate")["threshold"])
{%- else %}
        scored = score(load_model(args.model), read(args.batch))
{%- endif %}
    except BatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write(scored, args.output)
    print(f"{args.output}: {len(scored)} rows scored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
