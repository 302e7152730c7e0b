"""Business KPIs from test-split predictions: expected value per 1,000 predictions.

Classification: value = Σ outcome count × its value, over the confusion matrix at a threshold.
With `base_rate`, positives and negatives are reweighted so that positives make up `base_rate`
of the predictions, as in production (prior-shift correction). With a capacity of N positive
actions per 1,000, only thresholds that flag at most N per 1,000 are eligible.
Regression: cost = Σ |error| × (cost per unit under or over).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from o16n.config.kpis import ClassificationKPI, KPIConfig, RegressionKPI, unset_keys
from o16n.errors import ConfigError
from o16n.numbers import number

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
    unset: tuple[str, ...] = ()  # kpis.yaml's keys when its values are not set (all 0)


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


# ---- from files: the current model's predictions and the baseline's ---------------------------


def from_predictions(text: str, where: str, config: KPIConfig, threshold: float) -> KPIResult:
    """KPIs from a predictions CSV (columns actual, prediction and, to classify, probability)."""
    import io

    import pandas as pd

    try:
        frame = pd.read_csv(io.StringIO(text))
    except (ValueError, pd.errors.ParserError) as exc:
        raise ConfigError(f"cannot read the predictions: {exc}", file=where) from None
    kpi = config.kpi
    needed = (
        ["actual", "probability"]
        if isinstance(kpi, ClassificationKPI)
        else ["actual", "prediction"]
    )
    missing = [c for c in needed if c not in frame.columns]
    if missing or frame.empty:
        raise ConfigError(
            f"column {missing[0]!r} not found" if missing else "no rows",
            file=where,
            hint=f"evaluate writes {', '.join(needed)}; it has: {', '.join(frame.columns)}",
        )
    for column in needed:  # labels or text where numbers belong: named, not a crash
        numbers = pd.to_numeric(frame[column], errors="coerce")
        wrong = frame[column][numbers.isna() & frame[column].notna()]
        if len(wrong):
            raise ConfigError(
                f"column {column!r} holds {wrong.iloc[0]!r}, not a number",
                file=where,
                hint="evaluate writes the classes as 0/1 and probabilities as numbers",
            )
        frame[column] = numbers
    if isinstance(kpi, ClassificationKPI):
        result = classification(
            frame["actual"].to_numpy(), frame["probability"].to_numpy(), kpi, threshold
        )
    else:
        result = regression(frame["actual"].to_numpy(), frame["prediction"].to_numpy(), kpi)
    return replace(result, unset=unset_keys(config))


def model_threshold(project: Path, config: KPIConfig, revision: str | None = None) -> float:
    """kpis.yaml's threshold, else params.yaml's evaluate.threshold (at `revision`: the baseline
    model is judged at its own threshold), else 0.5."""
    kpi = config.kpi
    if isinstance(kpi, ClassificationKPI) and kpi.threshold is not None:
        return kpi.threshold
    if revision is None:
        path = project / "params.yaml"
        text = path.read_text() if path.is_file() else None
    else:
        from o16n.adapters import git

        text = git.read_at_revision("params.yaml", revision, project)
    if text:
        import yaml

        found = (yaml.safe_load(text) or {}).get("evaluate", {}).get("threshold")
        if isinstance(found, int | float):
            return float(found)
    return 0.5


def current_and_baseline(
    project: Path, config: KPIConfig, base: str
) -> tuple[KPIResult, KPIResult | None]:
    """This change's KPI and the base revision's model's (None if its predictions cannot be had)."""
    from o16n.adapters import git

    path = project / config.predictions
    if not path.is_file():
        raise ConfigError(
            "predictions not found", file=path, hint="run `dvc repro` (evaluate writes them)"
        )
    current = from_predictions(
        path.read_text(), str(path), config, model_threshold(project, config)
    )
    text = git.read_at_revision(config.predictions, base, project)
    if text is None:
        return current, None
    threshold = model_threshold(project, config, base)
    return current, from_predictions(text, f"{base}:{config.predictions}", config, threshold)


def describe(result: KPIResult | None) -> str:
    if result is None:
        return "not available (its predictions are not in the DVC cache or remote)"
    text = number(result.per_1000)
    if result.threshold is not None:
        text += f" at threshold {number(result.threshold)}"
    if result.best_per_1000 is not None:
        best = (
            "flagging none"
            if result.best_threshold is None
            else f"threshold {number(result.best_threshold)}"
        )
        text += f"; best {number(result.best_per_1000)} at {best}"
    if result.positives_per_1000 is not None:
        text += f"; {number(result.positives_per_1000)} positives per 1,000"
    return text
