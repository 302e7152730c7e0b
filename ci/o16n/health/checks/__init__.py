"""Health checks in one table: each kind of trigger in health.yaml is one function here.

A check is `(trigger, inputs) -> CheckResult`: it reads through `Inputs` (a read-only cache of
what it loaded) and returns everything it found; `evaluate` collects the results into one
`HealthReport`. Adding a kind is one config model in `o16n.config.health` and one row below; a
test holds the two in step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from o16n.config.health import HealthConfig, Trigger, located
from o16n.errors import ConfigError
from o16n.health.checks import data, model
from o16n.health.checks.inputs import Inputs
from o16n.health.findings import CheckResult, Distribution, HealthReport, MetricComparison
from o16n.health.stats.outcome import ColumnDrift

Check = Callable[[Any, Inputs], CheckResult]

CHECKS: dict[str, Check] = {
    "schema": data.schema,
    "missing_share": data.missing_share,
    "infinite_values": data.infinite_values,
    "out_of_range": data.out_of_range,
    "unseen_categories": data.unseen_categories,
    "duplicate_rows": data.duplicate_rows,
    "constant_columns": data.constant_columns,
    "row_count": data.row_count,
    "column_drift": data.column_drift,
    "dataset_drift": data.dataset_drift,
    "metric": model.metric,
    "regression": model.regression,
    "latency": model.latency,
    "model_size": model.model_size,
    "fairness": model.fairness,
    "kpi": model.kpi,
    "class_balance": model.class_balance,
}


def evaluate(config: HealthConfig, inputs: Inputs) -> HealthReport:
    """Run every trigger in order and collect all findings; one firing does not stop the rest."""
    results = [_run(config, trigger, inputs) for trigger in config.triggers]
    return collect(results, {"reference": inputs.reference, "current": inputs.current})


def _run(config: HealthConfig, trigger: Trigger, inputs: Inputs) -> CheckResult:
    """One check; its config error, if any, names health.yaml and the trigger's line."""
    try:
        return CHECKS[trigger.check](trigger, inputs)
    except ConfigError as error:
        raise located(config, trigger, error) from None


def collect(results: Sequence[CheckResult], inputs: dict[str, Any]) -> HealthReport:
    """One report from the checks' results, in trigger order. A column checked by two drift
    triggers shows the later one's drift; a metric, the comparison that has a baseline."""
    drift: dict[str, ColumnDrift] = {}
    distributions: dict[str, Distribution] = {}
    metrics: dict[str, MetricComparison] = {}
    share: float | None = None
    for result in results:
        drift.update((found.column, found) for found in result.drift)
        for distribution in result.distributions:
            distributions.setdefault(distribution.column, distribution)
        for comparison in result.metrics:
            known = metrics.get(comparison.name)
            if known is None or (known.baseline is None and comparison.baseline is not None):
                metrics[comparison.name] = comparison
        if result.dataset_drift_share is not None:
            share = result.dataset_drift_share
    return HealthReport(
        findings=tuple(finding for result in results for finding in result.findings),
        drift=tuple(drift.values()),
        dataset_drift_share=share,
        distributions=tuple(distributions.values()),
        metrics=tuple(metrics.values()),
        inputs=inputs,
    )


__all__ = ["CHECKS", "Inputs", "collect", "evaluate"]
