"""Evaluate: score the test set, write metrics.json, the plots and the test predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from sklearn import metrics

{% if cookiecutter.model_kind == 'classification' -%}
from {{ cookiecutter.package_name }}.config import METRICS, PLOTS, PREDICTIONS, TARGET, TEST, params
{% else -%}
from {{ cookiecutter.package_name }}.config import METRICS, PLOTS, PREDICTIONS, TARGET, TEST
{% endif -%}
from {{ cookiecutter.package_name }}.predict import load_model, predict


{% if cookiecutter.model_kind == 'classification' -%}
def score(actual: pd.Series, scored: pd.DataFrame) -> dict[str, float]:
    decided = scored["prediction"]
    return {
        "accuracy": metrics.accuracy_score(actual, decided),
        # the mean of the recall of each class: 0.5 for a model that predicts one class only,
        # however rare the other one is
        "balanced_accuracy": metrics.balanced_accuracy_score(actual, decided),
        # no positive prediction: precision (and so f1) is 0, not undefined
        "precision": metrics.precision_score(actual, decided, zero_division=0),
        "recall": metrics.recall_score(actual, decided),
        "f1": metrics.f1_score(actual, decided, zero_division=0),
        "roc_auc": metrics.roc_auc_score(actual, scored["probability"]),
        "average_precision": metrics.average_precision_score(actual, scored["probability"]),
    }


def plots(actual: pd.Series, scored: pd.DataFrame) -> dict[str, list[dict[str, float]]]:
    """Rows for `dvc plots`: ROC and precision-recall curves, and the confusion matrix."""
    fpr, tpr, _ = metrics.roc_curve(actual, scored["probability"])
    precision, recall, _ = metrics.precision_recall_curve(actual, scored["probability"])
    return {
        "roc": [{"fpr": f, "tpr": t} for f, t in zip(fpr, tpr, strict=True)],
        "precision_recall": [
            {"recall": r, "precision": p} for r, p in zip(recall, precision, strict=True)
        ],
        "confusion": [
            {"actual": int(a), "predicted": int(p)}
            for a, p in zip(actual, scored["prediction"], strict=True)
        ],
    }
{%- else -%}
def score(actual: pd.Series, scored: pd.DataFrame) -> dict[str, float]:
    predicted = scored["prediction"]
    return {
        "r2": metrics.r2_score(actual, predicted),
        "mae": metrics.mean_absolute_error(actual, predicted),
        "rmse": metrics.root_mean_squared_error(actual, predicted),
    }


def plots(actual: pd.Series, scored: pd.DataFrame) -> dict[str, list[dict[str, float]]]:
    """Rows for `dvc plots`: predicted against actual, and residuals against predicted."""
    rows = [
        {"actual": a, "predicted": p, "residual": a - p}
        for a, p in zip(actual, scored["prediction"], strict=True)
    ]
    return {"residuals": rows}
{%- endif %}


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def main() -> None:
    test = pd.read_csv(TEST)
{%- if cookiecutter.model_kind == 'classification' %}
    scored = predict(load_model(), test, params("evaluate")["threshold"])
{%- else %}
    scored = predict(load_model(), test)
{%- endif %}
    results = score(test[TARGET], scored)
    write_json(METRICS, {name: round(float(value), 6) for name, value in results.items()})
    for name, rows in plots(test[TARGET], scored).items():
        write_json(PLOTS / f"{name}.json", rows)
    PREDICTIONS.parent.mkdir(parents=True, exist_ok=True)
    scored.assign(actual=test[TARGET]).to_csv(PREDICTIONS, index=False)


if __name__ == "__main__":
    main()
