"""Training: a smoke test that the pipeline fits and learns something."""

from __future__ import annotations

import pandas as pd
{%- if cookiecutter.model_kind == 'classification' %}
from sklearn.metrics import balanced_accuracy_score
{%- endif %}

from {{ cookiecutter.package_name }}.config import TARGET, params
from {{ cookiecutter.package_name }}.train import fit


def test_training_fits_a_pipeline_that_beats_a_trivial_baseline(
    train_test: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, test = train_test
    model = fit(train, params("train"))
{%- if cookiecutter.model_kind == 'classification' %}
    predicted = model.predict(test.drop(columns=TARGET))
    # Always predicting the majority class scores 0.5, however rare the other class is.
    assert balanced_accuracy_score(test[TARGET], predicted) > 0.5
{%- else %}
    score = model.score(test.drop(columns=TARGET), test[TARGET])
    assert score > 0.0  # R² above predicting the mean (0.0)
{%- endif %}
