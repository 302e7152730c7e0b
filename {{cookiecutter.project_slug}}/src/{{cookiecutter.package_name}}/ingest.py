"""Ingest: write the raw dataset to data/raw/dataset.csv.

The sample reads the {{ 'breast cancer' if cookiecutter.model_kind == 'classification' else 'diabetes' }} dataset that scikit-learn ships (no download), as if it came
from a source system. To bring your own data, replace `load()` with your ingestion (a query,
files from a bucket) and keep the output path: later stages only read data/raw/dataset.csv.
"""

from __future__ import annotations

import re

import pandas as pd
{%- if cookiecutter.model_kind == 'classification' %}
from sklearn.datasets import load_breast_cancer as load_sample
{%- else %}
from sklearn.datasets import load_diabetes as load_sample
{%- endif %}

from {{ cookiecutter.package_name }}.config import RAW


def snake_case(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def load() -> pd.DataFrame:
{%- if cookiecutter.model_kind == 'classification' %}
    """The sample: 569 tumours, 30 measurements, target 1 = benign, 0 = malignant."""
{%- else %}
    """The sample: 442 patients, 10 scaled baseline variables, target = disease progression."""
{%- endif %}
    frame = load_sample(as_frame=True).frame
    return frame.rename(columns=snake_case)


def main() -> None:
    RAW.parent.mkdir(parents=True, exist_ok=True)
    load().to_csv(RAW, index=False)


if __name__ == "__main__":
    main()
