"""Train: fit a scikit-learn Pipeline (the features from params.yaml's column kinds, then the
model) and save it."""

from __future__ import annotations

from typing import Any

import joblib
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
{%- if cookiecutter.model_kind == 'classification' %}
from sklearn.linear_model import LogisticRegression
{%- else %}
from sklearn.linear_model import Ridge
{%- endif %}
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from {{ cookiecutter.package_name }}.config import MODEL, TARGET, TRAIN, params


def features(data: dict[str, Any]) -> ColumnTransformer:
    """Numeric columns: a missing value becomes the column's median, then each is scaled.
    Categorical columns: a missing value becomes the most frequent one, then one 0/1 column per
    category; a category the training data did not have gets zeros in all of them."""
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    categorical = Pipeline(
        [
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("encode", OneHotEncoder(handle_unknown="ignore")),
        ]
    )
    return ColumnTransformer(
        [("numeric", numeric, data["numeric"]), ("categorical", categorical, data["categorical"])]
    )


def build(settings: dict[str, Any], data: dict[str, Any]) -> Pipeline:
{%- if cookiecutter.model_kind == 'classification' %}
    model = LogisticRegression(
        C=settings["C"], max_iter=settings["max_iter"], class_weight=settings.get("class_weight")
    )
{%- else %}
    model = Ridge(alpha=settings["alpha"])
{%- endif %}
    return Pipeline([("features", features(data)), ("model", model)])


def fit(
    train: pd.DataFrame, settings: dict[str, Any], data: dict[str, Any] | None = None
) -> Pipeline:
    model = build(settings, data or params("data"))
    return model.fit(train.drop(columns=TARGET), train[TARGET])


def main() -> None:
    model = fit(pd.read_csv(TRAIN), params("train"))
    MODEL.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, MODEL)


if __name__ == "__main__":
    main()
