"""Training: a smoke test that the pipeline fits and learns something."""

from __future__ import annotations

import pandas as pd

from {{ cookiecutter.package_name }}.config import TARGET, params
from {{ cookiecutter.package_name }}.train import fit


def test_training_fits_a_pipeline_that_beats_a_trivial_baseline(
    train_test: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, test = train_test
    model = fit(train, params("train"))
    score = model.score(test.drop(columns=TARGET), test[TARGET])
{%- if cookiecutter.model_kind == 'classification' %}
    majority = test[TARGET].value_counts(normalize=True).max()
    assert score > majority  # accuracy above always predicting the majority class
{%- else %}
    assert score > 0.2  # R² above predicting the mean (0.0)
{%- endif %}
