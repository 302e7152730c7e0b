"""Prepare: split the raw data into train and test sets, deterministically."""

from __future__ import annotations

import pandas as pd
from sklearn.model_selection import train_test_split

{% if cookiecutter.model_kind == 'classification' -%}
from {{ cookiecutter.package_name }}.config import RAW, TARGET, TEST, TRAIN, params
{% else -%}
from {{ cookiecutter.package_name }}.config import RAW, TEST, TRAIN, params
{% endif %}

def split(frame: pd.DataFrame, test_size: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
{%- if cookiecutter.model_kind == 'classification' %}
    # Stratified, so both sets keep the class balance.
    return train_test_split(frame, test_size=test_size, random_state=seed, stratify=frame[TARGET])
{%- else %}
    return train_test_split(frame, test_size=test_size, random_state=seed)
{%- endif %}


def main() -> None:
    settings = params("prepare")
    train, test = split(pd.read_csv(RAW), settings["test_size"], settings["seed"])
    TRAIN.parent.mkdir(parents=True, exist_ok=True)
    train.to_csv(TRAIN, index=False)
    test.to_csv(TEST, index=False)


if __name__ == "__main__":
    main()
