"""Business KPIs from test-split predictions: expected value per 1,000 predictions.

Classification: value = Σ outcome count × its value, over the confusion matrix at a threshold.
With `base_rate`, positives and negatives are reweighted so that positives make up `base_rate`
of the predictions, as in production (prior-shift correction). With a capacity of N positive
actions per 1,000, only thresholds that flag at most N per 1,000 are eligible.
Regression: cost = Σ |error| × (cost per unit under or over).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from o16n.config.kpis import ClassificationKPI, RegressionKPI

PER = 1000


@dataclass(frozen=True)
class KPIResult:
    name: str
    unit: str
    per_1000: float  # at the model's current threshold (regression: negative cost)
    threshold: float | None = None
    best_per_1000: float | None = None
    best_threshold: float | None = None
    positives_per_1000: float | None = None


def _weights(actual: np.ndarray, base_rate: float | None) -> np.ndarray:
    """Per-row weights whose mean is 1; with a base rate, positives weigh base_rate / p."""
    if base_rate is None:
        return np.ones(len(actual))
    share = actual.mean()
    if share in (0.0, 1.0):
        raise ValueError("base-rate reweighting needs both classes in the test split")
    return np.asarray(
        np.where(actual == 1, base_rate / share, (1 - base_rate) / (1 - share)), float
    )


def value_curve(
    actual: np.ndarray, probability: np.ndarray, kpi: ClassificationKPI
) -> pd.DataFrame:
    """Value and positives per 1,000 at every distinct threshold, in one sorted pass."""
    v = kpi.value
    weights = _weights(actual, kpi.base_rate)
    order = np.argsort(-probability, kind="stable")
    p, y, w = probability[order], actual[order], weights[order]
    # Flag the top k rows: cumulative weighted positives/negatives give TP and FP for every k.
    tp = np.concatenate([[0.0], np.cumsum(w * (y == 1))])
    fp = np.concatenate([[0.0], np.cumsum(w * (y == 0))])
    positives, negatives = tp[-1], fp[-1]
    fn, tn = positives - tp, negatives - fp
    total = w.sum()
    value = (
        (
            tp * v.true_positive
            + fp * v.false_positive
            + fn * v.false_negative
            + tn * v.true_negative
        )
        * PER
        / total
    )
    flagged = (tp + fp) * PER / total
    # Threshold for "top k": the k-th probability (rows at or above it are flagged); k = 0: above 1.
    thresholds = np.concatenate([[np.inf], p])
    last_of_tie = np.concatenate([[True], np.append(p[1:] != p[:-1], True)])
    return pd.DataFrame({"threshold": thresholds, "value": value, "flagged": flagged})[last_of_tie]


def classification(
    actual: np.ndarray, probability: np.ndarray, kpi: ClassificationKPI, threshold: float
) -> KPIResult:
    curve = value_curve(actual.astype(int), probability.astype(float), kpi)
    at_current = curve[curve["threshold"] >= threshold].iloc[-1]
    eligible = curve
    if kpi.capacity is not None:
        eligible = curve[curve["flagged"] <= kpi.capacity.max_positive_per_1000 + 1e-9]
    best = eligible.loc[eligible["value"].idxmax()]
    return KPIResult(
        name=kpi.name,
        unit=kpi.unit,
        per_1000=float(at_current["value"]),
        threshold=threshold,
        best_per_1000=float(best["value"]),
        # inf: flagging nothing is best (every positive action loses value)
        best_threshold=float(best["threshold"]) if np.isfinite(best["threshold"]) else None,
        positives_per_1000=float(at_current["flagged"]),
    )


def regression(actual: np.ndarray, predicted: np.ndarray, kpi: RegressionKPI) -> KPIResult:
    error = predicted.astype(float) - actual.astype(float)
    cost = np.where(error < 0, -error * kpi.cost_per_unit_under, error * kpi.cost_per_unit_over)
    return KPIResult(name=kpi.name, unit=kpi.unit, per_1000=-float(cost.mean()) * PER)
