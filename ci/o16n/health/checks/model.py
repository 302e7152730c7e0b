"""Checks on the model and its evaluation: metrics, regression vs a baseline, latency, size,
fairness, KPIs, class balance. Each is `(trigger, inputs) -> CheckResult`, registered in
`o16n.health.checks`; the metric and regression checks return the metrics they compared
beside their findings."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from o16n.config import dataschema
from o16n.config import health as cfg
from o16n.errors import ConfigError
from o16n.health.checks.grading import grade, graded, higher_is_better, threshold_of
from o16n.health.checks.inputs import Inputs
from o16n.health.findings import FAIL, OK, WARN, CheckResult, Finding, MetricComparison
from o16n.numbers import number

if TYPE_CHECKING:  # pandas costs half a second to import; the data path does not need it
    import pandas as pd


def metric(trigger: cfg.MetricTrigger, inputs: Inputs) -> CheckResult:
    p = trigger.params
    value = inputs.metric_value(p.file, p.metric)
    better_high = higher_is_better(p.metric, p.higher_is_better)
    worse_when = "below" if better_high else "above"
    severity = grade(value, trigger.warn, trigger.fail, worse_when=worse_when)
    threshold = threshold_of(severity, trigger.warn, trigger.fail)
    message = f"{p.metric} = {number(value)}{_levels(trigger.warn, trigger.fail, worse_when)}"
    finding = Finding(trigger.id, trigger.check, severity, message, value, threshold, f"{p.file}")
    return CheckResult((finding,), metrics=(MetricComparison(p.metric, value),))


def _levels(warn: float | None, fail: float | None, worse_when: str) -> str:
    """The levels by name, " (warns below 0.4, fails below 0.3)": a warning level is not a floor."""
    levels = (("warns", warn), ("fails", fail))
    given = [f"{verb} {worse_when} {number(x)}" for verb, x in levels if x is not None]
    return f" ({', '.join(given)})" if given else ""


def regression(trigger: cfg.RegressionTrigger, inputs: Inputs) -> CheckResult:
    p = trigger.params
    revision, label = inputs.baseline_revision(p.baseline, p.base_branch)
    changed = inputs.data_changes(revision)
    if changed.changed:
        return CheckResult((not_comparable(trigger, label, changed),))
    baseline = inputs.metrics_at(revision, p.file)
    findings = []
    compared = []
    for name in p.metrics:
        current = inputs.metric_value(p.file, name)
        known = baseline.get(name) if baseline is not None else None
        if not isinstance(known, int | float) or isinstance(known, bool):
            what = (
                "no baseline value" if known is None else f"baseline value {known!r} is no number"
            )
            message = f"{name}: {what} in {p.file} at {label}; cannot compare"
            findings.append(
                Finding(
                    trigger.id,
                    trigger.check,
                    trigger.severity,
                    message,
                    current,
                    None,
                    "regression",
                    None,
                )
            )
            continue
        old = float(known)
        compared.append(MetricComparison(name, current, old, label))
        findings.append(_compare(trigger, name, current, old, label))
    return CheckResult(tuple(findings), metrics=tuple(compared))


NOT_COMPARABLE = "not comparable: the data changed"


def not_comparable(trigger: cfg.Trigger, label: str, found: dataschema.Comparison) -> Finding:
    """A comparison with the baseline model that is not made: it learned from other data (its
    target or columns), so the difference means nothing. Not a failure: the policy gate asks
    governance to accept the new baseline (new-baseline-approved)."""
    message = (
        f"{NOT_COMPARABLE} since {label} ({'; '.join(found.changes)}); skipped: a governance"
        " approval makes this model the new baseline"
    )
    return Finding(trigger.id, trigger.check, OK, message, None, None, "skipped: not comparable")


def _compare(
    trigger: cfg.RegressionTrigger, name: str, new: float, old: float, label: str
) -> Finding:
    tolerance = trigger.params.tolerance
    allowed = (
        tolerance.absolute
        if tolerance.absolute is not None
        else abs(old) * (tolerance.relative or 0.0)
    )
    worsening = (old - new) if higher_is_better(name) else (new - old)
    severity = trigger.severity if worsening > allowed + 1e-12 else OK
    kind = "absolute" if tolerance.absolute is not None else f"relative {tolerance.relative:g}"
    verdict = "regressed" if severity != OK else "within tolerance"
    message = (
        f"{name}: {number(new)} vs {number(old)} at {label}, {verdict} "
        f"({kind} tolerance {number(allowed)})"
    )
    return Finding(
        trigger.id,
        trigger.check,
        severity,
        message,
        worsening,
        allowed,
        "worsening vs baseline",
        None,
    )


def latency(trigger: cfg.LatencyTrigger, inputs: Inputs) -> CheckResult:
    """p50/p95/p99 of timed predictions. Rows the model cannot score (infinities; or the model
    raising on the data) are a finding, not a crash: they are what production would send."""
    p = trigger.params
    model = inputs.load_model(p.model)
    rows = inputs.read_table(p.data).drop(columns=p.target, errors="ignore")
    if rows.empty:
        raise ConfigError(
            "no rows to time predictions on", file=p.data, key=f"{trigger.id}.params.data"
        )
    rows, unscorable = _scorable(trigger, rows)
    found = (unscorable,) if unscorable else ()
    if rows.empty:
        return CheckResult(found)
    import pandas as pd

    batch = pd.concat([rows] * (p.batch // len(rows) + 1), ignore_index=True).iloc[: p.batch]
    try:
        times = _timed(model, batch, p.repeats)
    except Exception as exc:  # the project's model, on the project's data: report what it said
        message = f"the model cannot score the rows of {p.data}: {type(exc).__name__}: {exc}"
        return CheckResult((*found, _unscorable(trigger, message, len(rows))))
    value = float(np.percentile(times, {"p50": 50, "p95": 95, "p99": 99}[p.quantile]))
    message = (
        f"{p.quantile} latency {number(value, 'ms')} per batch of {p.batch:,} rows "
        f"({p.repeats} calls)"
    )
    return CheckResult((*found, graded(trigger, value, message, f"{p.quantile} ms, measured")))


def _timed(model: Any, batch: pd.DataFrame, repeats: int) -> list[float]:
    model.predict(batch)  # warm-up: first calls pay for lazy imports and caches
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        model.predict(batch)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _scorable(
    trigger: cfg.LatencyTrigger, rows: pd.DataFrame
) -> tuple[pd.DataFrame, Finding | None]:
    """The rows without +inf/-inf (no estimator scores them), and a finding naming the columns
    that hold them; counted with one vectorized pass over the numeric columns."""
    numeric = rows.select_dtypes("number")
    infinite = np.isinf(numeric.to_numpy(dtype=np.float64, na_value=np.nan))
    bad = infinite.any(axis=1)
    if not bad.any():
        return rows, None
    per_column = infinite.sum(axis=0)
    named = ", ".join(
        f"{name!r} ({int(n):,})" for name, n in zip(numeric.columns, per_column, strict=True) if n
    )
    message = (
        f"{int(bad.sum()):,} of {len(rows):,} rows of {trigger.params.data} cannot be scored: "
        f"infinite values in {named}"
        + ("; latency is timed on the other rows" if not bad.all() else "")
    )
    return rows[~bad], _unscorable(trigger, message, int(bad.sum()))


def _unscorable(trigger: cfg.LatencyTrigger, message: str, rows: int) -> Finding:
    return Finding(
        trigger.id, trigger.check, FAIL, message, float(rows), None, "rows the model cannot score"
    )


def model_size(trigger: cfg.ModelSizeTrigger, inputs: Inputs) -> CheckResult:
    path = inputs.path(trigger.params.model)
    if not path.is_file():
        raise ConfigError(
            "model file not found",
            file=path,
            key=f"{trigger.id}.params.model",
            hint="run `dvc repro` (or `dvc pull`) first",
        )
    value = path.stat().st_size / 1e6
    return CheckResult((graded(trigger, value, f"model file {number(value, 'MB')}", "MB on disk"),))


def fairness(trigger: cfg.FairnessTrigger, inputs: Inputs) -> CheckResult:
    p = trigger.params
    predictions = inputs.read_table(p.predictions)
    groups = inputs.read_table(p.data)
    where = f"{trigger.id}.params"
    for frame, path, needed in (
        (predictions, p.predictions, ("actual", "prediction")),
        (groups, p.data, (p.sensitive,)),
    ):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ConfigError(
                f"column {missing[0]!r} not found",
                file=path,
                key=where,
                hint=f"columns: {', '.join(map(str, frame.columns))}",
            )
    if len(predictions) != len(groups):
        raise ConfigError(
            f"{p.predictions} has {len(predictions)} rows, {p.data} {len(groups)}: "
            "they must be the same rows in the same order",
            key=where,
        )
    actual, predicted = (
        _binary(predictions[c], inputs.path(p.predictions), c, where)
        for c in ("actual", "prediction")
    )
    value = FAIRNESS[p.metric](actual, predicted, groups[p.sensitive])
    worse_when = "below" if p.metric.endswith("ratio") else "above"
    message = f"{p.metric} across {p.sensitive} = {number(value)}"
    return CheckResult((graded(trigger, value, message, p.metric, p.sensitive, worse_when),))


def _binary(values: pd.Series, path: Path, column: str, key: str) -> pd.Series:
    """A 0/1 column as floats; anything else (labels, scores) is named, not a crash."""
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce")
    wrong = values[numbers.isna() & values.notna() | ~numbers.isin([0, 1]) & numbers.notna()]
    if len(wrong):
        raise ConfigError(
            f"column {column!r} holds {wrong.iloc[0]!r}: fairness needs 0/1 classes",
            file=path,
            key=key,
            hint="the evaluate stage writes the positive class as 1, the others as 0",
        )
    return numbers.astype(float)


# Fairness metrics, as fairlearn defines them (fairlearn.metrics, "between_groups" aggregation):
# https://fairlearn.org/main/user_guide/assessment/common_fairness_metrics.html
def _selection_rates(y_pred: pd.Series, group: pd.Series) -> pd.Series:
    return y_pred.astype(float).groupby(group.to_numpy()).mean()


def demographic_parity_difference(y_true: pd.Series, y_pred: pd.Series, group: pd.Series) -> float:
    rates = _selection_rates(y_pred, group)
    return float(rates.max() - rates.min())


def demographic_parity_ratio(y_true: pd.Series, y_pred: pd.Series, group: pd.Series) -> float:
    rates = _selection_rates(y_pred, group)
    return float(rates.min() / rates.max()) if rates.max() > 0 else float("nan")


def equalized_odds_difference(y_true: pd.Series, y_pred: pd.Series, group: pd.Series) -> float:
    """The larger of the between-group differences in true and false positive rates."""
    differences = []
    for label in (1, 0):  # TPR among actual positives, FPR among actual negatives
        rows = (y_true == label).to_numpy()
        rates = _selection_rates(y_pred[rows], group[rows])
        differences.append(float(rates.max() - rates.min()))
    return max(differences)


FAIRNESS: dict[str, Any] = {
    "demographic_parity_difference": demographic_parity_difference,
    "demographic_parity_ratio": demographic_parity_ratio,
    "equalized_odds_difference": equalized_odds_difference,
}


def kpi(trigger: cfg.KPITrigger, inputs: Inputs) -> CheckResult:
    """kpis.yaml's value per 1,000 predictions at the model's threshold, or its change against
    the baseline model (the same predictions file at the baseline revision); floors."""
    from o16n.config.kpis import KPIConfig, unset_keys, unset_warning
    from o16n.config.yamlfile import load_model
    from o16n.health.kpi import current_and_baseline, from_predictions, model_threshold

    p = trigger.params
    config = load_model(inputs.path(p.config), KPIConfig)
    unset = unset_keys(config)
    if unset:
        message = unset_warning(unset, p.config)
        return CheckResult(
            (Finding(trigger.id, trigger.check, WARN, message, None, None, p.config),)
        )
    if p.measure == "change":
        revision, label = inputs.baseline_revision(p.baseline, p.base_branch)
        changed = inputs.data_changes(revision)
        if changed.changed:
            return CheckResult((not_comparable(trigger, label, changed),))
    if p.measure == "value":
        path = inputs.path(config.predictions)
        if not path.is_file():
            raise ConfigError("predictions not found", file=path, hint="run `dvc repro`")
        result = from_predictions(
            path.read_text(), str(path), config, model_threshold(inputs.project, config)
        )
        value = result.per_1000
        what = f"{result.name} per 1,000 = {number(value, result.unit)}"
    else:
        revision, label = inputs.baseline_revision(p.baseline, p.base_branch)
        result, baseline = current_and_baseline(inputs.project, config, revision)
        if baseline is None:
            message = f"{result.name}: the model at {label} has no predictions to compare with"
            return CheckResult(
                (Finding(trigger.id, trigger.check, trigger.severity, message, result.per_1000),)
            )
        value = result.per_1000 - baseline.per_1000
        change = number(value, result.unit, sign=True)
        what = f"{result.name} per 1,000 changed by {change} vs {label}"
    severity = grade(value, trigger.warn, trigger.fail, worse_when="below")
    threshold = threshold_of(severity, trigger.warn, trigger.fail)
    message = f"{what}{_levels(trigger.warn, trigger.fail, 'below')}"
    return CheckResult(
        (Finding(trigger.id, trigger.check, severity, message, value, threshold, p.config),)
    )


# ---- class balance (classification) ----------------------------------------------------------

_POSITIVE, _NEGATIVE = {"1", "1.0", "true"}, {"0", "0.0", "false"}


def class_balance(trigger: cfg.ClassBalanceTrigger, inputs: Inputs) -> CheckResult:
    """The positive class's share of the training rows (the reference profile), and whether
    the model predicts both classes on the test split."""
    p = trigger.params
    positives, rows = _class_counts(inputs, p.target, f"{trigger.id}.params.target")
    share = positives / rows if rows else float("nan")
    message = f"the positive class (1) is {share:.1%} of the {rows:,} training rows"
    found = graded(trigger, share, message, "positive share of the reference", p.target, "below")
    if found.severity != OK:
        found = replace(
            found,
            message=f"{message}: rare, so accuracy says little (always predicting 0 scores "
            f"{1 - share:.1%}); judge recall, precision, average_precision, balanced_accuracy",
        )
    return CheckResult((found, _one_class(trigger, inputs)))


def _class_counts(inputs: Inputs, target: str, key: str) -> tuple[int, int]:
    """(positives, rows with a value) of a 0/1 target column of the reference profile."""
    from o16n.health.stats.model import Numeric

    reference = inputs.reference_profile()
    column = reference.columns.get(target)
    if column is None:
        raise ConfigError(
            f"column {target!r} is not in the reference",
            key=key,
            hint=f"the reference has: {', '.join(reference.columns)}",
        )
    summary = column.summary
    if isinstance(summary, Numeric):
        counts = {f"{k:g}": v for k, v in (summary.values or {}).items()}
        exact = summary.values is not None
    else:
        counts, exact = dict(summary.counts), summary.other == 0
    labels = {str(k).lower() for k in counts}
    if not exact or not labels <= _POSITIVE | _NEGATIVE:
        raise ConfigError(
            f"column {target!r} of the reference is not a 0/1 target"
            + (f" (values: {', '.join(sorted(labels)[:5])})" if exact else ""),
            key=key,
            hint="class_balance is for classification, whose ingest maps the positive class "
            "to 1 and the rest to 0; remove the trigger from a regression's health.yaml",
        )
    positives = sum(v for k, v in counts.items() if str(k).lower() in _POSITIVE)
    return positives, sum(counts.values())


def _one_class(trigger: cfg.ClassBalanceTrigger, inputs: Inputs) -> Finding:
    path = trigger.params.predictions
    frame = inputs.read_table(path)
    if "prediction" not in frame.columns:
        raise ConfigError(
            "column 'prediction' not found",
            file=inputs.path(path),
            key=f"{trigger.id}.params.predictions",
            hint=f"columns: {', '.join(map(str, frame.columns))}",
        )
    predicted = frame["prediction"].dropna()
    classes = sorted({f"{v:g}" if isinstance(v, float) else str(v) for v in predicted})
    method = "classes predicted on the test split"
    if not classes:
        raise ConfigError("no predictions", file=inputs.path(path), hint="run `dvc repro`")
    if len(classes) == 1:
        message = (
            f"the model predicts one class only ({classes[0]}) for all {len(predicted):,} test"
            " rows: it tells the classes apart at no threshold; check the target, the class"
            " balance and params.yaml evaluate.threshold"
        )
        return Finding(trigger.id, trigger.check, trigger.severity, message, 1.0, None, method)
    positive = float((predicted.astype(str).str.lower().isin(_POSITIVE)).mean())
    message = f"the model predicts both classes: {positive:.1%} of {len(predicted):,} test rows 1"
    return Finding(trigger.id, trigger.check, OK, message, float(len(classes)), None, method)
