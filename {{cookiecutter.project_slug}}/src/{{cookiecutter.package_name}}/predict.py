"""Predict: load the model and score a batch of rows."""

from __future__ import annotations

from pathlib import Path

import joblib
import pandas as pd
from sklearn.pipeline import Pipeline

from {{ cookiecutter.package_name }}.config import MODEL, TARGET


def load_model(path: Path = MODEL) -> Pipeline:
    return joblib.load(path)


{% if cookiecutter.model_kind == 'classification' -%}
def predict(model: Pipeline, rows: pd.DataFrame, threshold: float = 0.5) -> pd.DataFrame:
    """One row per input row: the probability of class 1 and the decision at `threshold`."""
    probability = model.predict_proba(rows.drop(columns=TARGET, errors="ignore"))[:, 1]
    return pd.DataFrame(
        {"probability": probability, "prediction": (probability >= threshold).astype(int)},
        index=rows.index,
    )
{%- else -%}
def predict(model: Pipeline, rows: pd.DataFrame) -> pd.DataFrame:
    """One row per input row: the predicted value."""
    prediction = model.predict(rows.drop(columns=TARGET, errors="ignore"))
    return pd.DataFrame({"prediction": prediction}, index=rows.index)
{%- endif %}
