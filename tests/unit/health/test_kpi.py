"""Business KPIs: expected value per 1,000 predictions, checked against a brute-force count of
the confusion matrix at every threshold, with base-rate reweighting and capacity limits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o16n.config.kpis import ClassificationKPI, RegressionKPI
from o16n.health import kpi

VALUES = {
    "true_positive": 100.0,
    "false_positive": -10.0,
    "false_negative": -50.0,
    "true_negative": 1.0,
}


def classifier(**extra: object) -> ClassificationKPI:
    return ClassificationKPI.model_validate(
        {"kind": "classification", "unit": "EUR", "value": VALUES, **extra}
    )


def brute_force(
    actual: np.ndarray, probability: np.ndarray, threshold: float, base_rate: float | None = None
) -> tuple[float, float]:
    flagged = probability >= threshold
    w = np.ones(len(actual))
    if base_rate is not None:
        share = actual.mean()
        w = np.where(actual == 1, base_rate / share, (1 - base_rate) / (1 - share))
    counts = {
        "true_positive": w[flagged & (actual == 1)].sum(),
        "false_positive": w[flagged & (actual == 0)].sum(),
        "false_negative": w[~flagged & (actual == 1)].sum(),
        "true_negative": w[~flagged & (actual == 0)].sum(),
    }
    value = sum(counts[k] * VALUES[k] for k in counts) * 1000 / w.sum()
    return value, w[flagged].sum() * 1000 / w.sum()


def test_value_at_a_threshold_counts_the_confusion_matrix() -> None:
    actual = np.array([1, 1, 0, 0, 1, 0])
    probability = np.array([0.9, 0.6, 0.55, 0.2, 0.3, 0.1])
    result = kpi.classification(actual, probability, classifier(), threshold=0.5)
    # TP 2, FP 1, FN 1, TN 2 over 6 rows: (200 - 10 - 50 + 2) / 6 * 1000
    assert result.per_1000 == pytest.approx(142 / 6 * 1000)
    assert result.positives_per_1000 == pytest.approx(3 / 6 * 1000)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.5, 0.75, 0.9, 1.0])),
        min_size=2,
        max_size=60,
    ),
    st.sampled_from([None, 0.05, 0.5]),
)
def test_best_threshold_matches_brute_force_over_every_threshold(
    rows: list[tuple[int, float]], base_rate: float | None
) -> None:
    actual = np.array([a for a, _ in rows])
    probability = np.array([p for _, p in rows])
    if base_rate is not None and actual.min() == actual.max():
        return  # reweighting needs both classes
    result = kpi.classification(actual, probability, classifier(base_rate=base_rate), threshold=0.5)
    candidates = [
        brute_force(actual, probability, t, base_rate)[0] for t in [*np.unique(probability), np.inf]
    ]
    assert result.best_per_1000 == pytest.approx(max(candidates), abs=1e-6)
    assert result.per_1000 == pytest.approx(
        brute_force(actual, probability, 0.5, base_rate)[0], abs=1e-6
    )
    chosen = np.inf if result.best_threshold is None else result.best_threshold
    assert brute_force(actual, probability, chosen, base_rate)[0] == pytest.approx(
        result.best_per_1000
    )


def test_capacity_limits_the_best_threshold() -> None:
    rng = np.random.default_rng(0)
    actual = rng.integers(0, 2, 500)
    probability = np.clip(actual * 0.3 + rng.random(500) * 0.7, 0, 1)
    free = kpi.classification(actual, probability, classifier(), threshold=0.5)
    capped = kpi.classification(
        actual, probability, classifier(capacity={"max_positive_per_1000": 100}), 0.5
    )
    assert free.best_per_1000 >= capped.best_per_1000
    flagged = brute_force(actual, probability, capped.best_threshold or np.inf)[1]
    assert flagged <= 100


def test_base_rate_reweights_towards_production() -> None:
    actual = np.array([1, 0] * 50)
    probability = np.where(actual == 1, 0.8, 0.3)
    balanced = kpi.classification(actual, probability, classifier(), threshold=0.5)
    rare = kpi.classification(actual, probability, classifier(base_rate=0.01), threshold=0.5)
    # a perfect model: value = base_rate × TP value + (1 - base_rate) × TN value, per 1,000
    assert balanced.per_1000 == pytest.approx((0.5 * 100 + 0.5 * 1) * 1000)
    assert rare.per_1000 == pytest.approx((0.01 * 100 + 0.99 * 1) * 1000)


def test_regression_cost_is_asymmetric() -> None:
    config = RegressionKPI(
        kind="regression", unit="EUR", cost_per_unit_under=3, cost_per_unit_over=1
    )
    result = kpi.regression(np.array([10.0, 10.0]), np.array([8.0, 14.0]), config)
    assert result.per_1000 == pytest.approx(-(2 * 3 + 4 * 1) / 2 * 1000)


def test_a_result_from_unset_values_names_the_keys() -> None:
    from o16n.config.kpis import KPIConfig

    zero = {k: 0 for k in VALUES}
    config = KPIConfig.model_validate(
        {"kpi": {"kind": "classification", "unit": "EUR", "value": zero}}
    )
    text = "actual,prediction,probability\n1,1,0.9\n0,0,0.2\n"
    result = kpi.from_predictions(text, "p.csv", config, 0.5)
    assert result.per_1000 == 0.0
    assert result.unset == tuple(f"kpi.value.{k}" for k in VALUES)
    set_config = KPIConfig.model_validate(
        {"kpi": {"kind": "classification", "unit": "EUR", "value": VALUES}}
    )
    assert kpi.from_predictions(text, "p.csv", set_config, 0.5).unset == ()
