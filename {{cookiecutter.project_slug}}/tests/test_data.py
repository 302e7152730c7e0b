"""The data contract: which columns the pipeline expects, their types and their ranges.

Keep it in step with your own data when you replace the ingest stage.
"""

from __future__ import annotations

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import TARGET

{% if cookiecutter.model_kind == 'classification' -%}
MEASUREMENTS = ["radius", "texture", "perimeter", "area", "smoothness", "compactness"]
MEASUREMENTS += ["concavity", "concave_points", "symmetry", "fractal_dimension"]
FEATURES = (
    [f"mean_{m}" for m in MEASUREMENTS]
    + [f"{m}_error" for m in MEASUREMENTS]
    + [f"worst_{m}" for m in MEASUREMENTS]
)
FEATURE_RANGE = (0.0, 5000.0)  # physical measurements: never negative
{%- else -%}
FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
FEATURE_RANGE = (-0.5, 0.5)  # mean-centred and scaled by the sample
TARGET_RANGE = (0.0, 500.0)  # disease progression one year after baseline
{%- endif %}


def test_columns_are_the_features_then_the_target(raw: pd.DataFrame) -> None:
    assert list(raw.columns) == FEATURES + [TARGET]


def test_features_are_numeric_without_missing_values(raw: pd.DataFrame) -> None:
    assert all(pd.api.types.is_float_dtype(raw[c]) for c in FEATURES)
    assert not raw.isna().any().any()


@pytest.mark.parametrize("column", FEATURES)
def test_feature_within_range(raw: pd.DataFrame, column: str) -> None:
    low, high = FEATURE_RANGE
    assert raw[column].between(low, high).all()


{% if cookiecutter.model_kind == 'classification' -%}
def test_target_is_binary_with_both_classes(raw: pd.DataFrame) -> None:
    assert set(raw[TARGET].unique()) == {0, 1}
{%- else -%}
def test_target_within_range(raw: pd.DataFrame) -> None:
    assert raw[TARGET].between(*TARGET_RANGE).all()
{%- endif %}


def test_split_is_deterministic_and_disjoint(train_test: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, test = train_test
    assert set(train.index).isdisjoint(test.index)
    assert len(train) > len(test) > 0
