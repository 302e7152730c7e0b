"""Health checks in one table: each kind of trigger in health.yaml is one function here.

A check is `(trigger, inputs) -> list[Finding]`. Adding a kind is one config model in
`o16n.config.health` and one row below; a test holds the two in step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from o16n.config.health import HealthConfig
from o16n.health.checks import data, model
from o16n.health.checks.inputs import Inputs
from o16n.health.findings import Finding, HealthReport

Check = Callable[[Any, Inputs], list[Finding]]

CHECKS: dict[str, Check] = {
    "schema": data.schema,
    "missing_share": data.missing_share,
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
}


def evaluate(config: HealthConfig, inputs: Inputs) -> HealthReport:
    """Run every trigger in order and collect all findings; one firing does not stop the rest."""
    findings: list[Finding] = []
    for trigger in config.triggers:
        findings.extend(CHECKS[trigger.check](trigger, inputs))
    return HealthReport(
        findings=tuple(findings),
        drift=tuple(inputs.drift.values()),
        dataset_drift_share=inputs.dataset_drift_share,
        distributions=tuple(inputs.distributions.values()),
        metrics=tuple(inputs.compared.values()),
        inputs={"reference": inputs.reference, "current": inputs.current},
    )


__all__ = ["CHECKS", "Inputs", "evaluate"]
