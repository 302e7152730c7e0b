"""Prediction: one output row per input row, deterministic across training runs."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from {{ cookiecutter.package_name }}.config import params
from {{ cookiecutter.package_name }}.predict import predict
from {{ cookiecutter.package_name }}.train import fit


@pytest.fixture(scope="module")
def model(train_test: tuple[pd.DataFrame, pd.DataFrame]) -> Pipeline:
    return fit(train_test[0], params("train"))


def test_one_prediction_per_row(
    model: Pipeline, train_test: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    test = train_test[1]
    scored = predict(model, test)
    assert len(scored) == len(test)
    assert scored.index.equals(test.index)
{%- if cookiecutter.model_kind == 'classification' %}
    assert scored["probability"].between(0, 1).all()
    assert set(scored["prediction"].unique()) <= {0, 1}
{%- endif %}


def test_training_twice_gives_identical_predictions(
    model: Pipeline, train_test: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    train, test = train_test
    again = fit(train, params("train"))
    pd.testing.assert_frame_equal(predict(model, test), predict(again, test))
