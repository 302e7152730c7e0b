"""Train: fit a scikit-learn Pipeline (scaling, then the model) and save it."""

from __future__ import annotations

from typing import Any

import joblib
import pandas as pd
{%- if cookiecutter.model_kind == 'classification' %}
from sklearn.linear_model import LogisticRegression
{%- else %}
from sklearn.linear_model import Ridge
{%- endif %}
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from {{ cookiecutter.package_name }}.config import MODEL, TARGET, TRAIN, params


def build(settings: dict[str, Any]) -> Pipeline:
{%- if cookiecutter.model_kind == 'classification' %}
    model = LogisticRegression(C=settings["C"], max_iter=settings["max_iter"])
{%- else %}
    model = Ridge(alpha=settings["alpha"])
{%- endif %}
    return Pipeline([("scale", StandardScaler()), ("model", model)])


def fit(train: pd.DataFrame, settings: dict[str, Any]) -> Pipeline:
    return build(settings).fit(train.drop(columns=TARGET), train[TARGET])


def main() -> None:
    model = fit(pd.read_csv(TRAIN), params("train"))
    MODEL.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, MODEL)


if __name__ == "__main__":
    main()
