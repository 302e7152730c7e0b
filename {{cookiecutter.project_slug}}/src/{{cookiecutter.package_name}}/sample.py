"""Sample: write the sample table to data/source/sample.csv, as if it came from a source system.

{% if cookiecutter.model_kind == 'classification' -%}
It is scikit-learn's breast cancer dataset (569 tumours, 30 measurements, target 1 = benign,
0 = malignant): no download.
{% else -%}
It is scikit-learn's diabetes dataset (442 patients, 10 scaled baseline variables, target =
disease progression): no download.
{% endif -%}
`o16n data use YOUR_FILE --target COLUMN` replaces it with your table and removes this
stage and this file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
{%- if cookiecutter.model_kind == 'classification' %}
from sklearn.datasets import load_breast_cancer as load_sample
{%- else %}
from sklearn.datasets import load_diabetes as load_sample
{%- endif %}

SAMPLE = Path("data/source/sample.csv")


def snake_case(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def load() -> pd.DataFrame:
    return load_sample(as_frame=True).frame.rename(columns=snake_case)


def main() -> None:
    SAMPLE.parent.mkdir(parents=True, exist_ok=True)
    load().to_csv(SAMPLE, index=False)


if __name__ == "__main__":
    main()
