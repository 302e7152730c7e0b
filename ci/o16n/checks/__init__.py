"""Health checks in one table: each kind of trigger in health.yaml is one function here.

A check is `(trigger, inputs) -> list[Finding]`. Adding a kind is one config model in
`o16n.config.health` and one row below; a test holds the two in step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from o16n.checks import model
from o16n.checks.inputs import Inputs
from o16n.config.health import HealthConfig
from o16n.findings import Finding, HealthReport

Check = Callable[[Any, Inputs], list[Finding]]

CHECKS: dict[str, Check] = {
    "metric": model.metric,
    "regression": model.regression,
    "latency": model.latency,
    "model_size": model.model_size,
    "fairness": model.fairness,
}


def evaluate(config: HealthConfig, inputs: Inputs) -> HealthReport:
    """Run every trigger in order and collect all findings; one firing does not stop the rest."""
    findings: list[Finding] = []
    for trigger in config.triggers:
        findings.extend(CHECKS[trigger.check](trigger, inputs))
    return HealthReport(
        findings=tuple(findings),
        metrics=tuple(inputs.compared.values()),
        inputs={"project": str(inputs.project)},
    )


__all__ = ["CHECKS", "Inputs", "evaluate"]
