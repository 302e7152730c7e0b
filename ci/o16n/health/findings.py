"""Results are data: every check returns a `CheckResult` (its `Finding`s, and what a report
shows beside them), `evaluate` collects them into a `HealthReport`; reporters turn that into
output.

A finding records which trigger produced it, the value measured, the threshold it was compared
with and the method that computed the value, so every number in a report can be traced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from o16n.health.stats.outcome import ColumnDrift

OK, WARN, FAIL = "ok", "warn", "fail"
SEVERITY_ORDER = {OK: 0, WARN: 1, FAIL: 2}
VERDICT_WORD = {FAIL: "failed", WARN: "passed with warnings", OK: "passed"}


@dataclass(frozen=True)
class Finding:
    trigger: str  # the trigger's id in health.yaml
    check: str  # the check kind, a key of o16n.health.checks.CHECKS
    severity: str  # ok | warn | fail
    message: str
    value: float | None = None
    threshold: float | None = None
    method: str = ""  # what computed `value` (e.g. "ks p-value", "missing share")
    column: str | None = None


@dataclass(frozen=True)
class Distribution:
    """Reference vs current, binned alike, for the reports' charts of each column checked."""

    column: str
    labels: tuple[str, ...]  # bin labels or category names
    reference: tuple[float, ...]  # shares, summing to 1
    current: tuple[float, ...]


@dataclass(frozen=True)
class MetricComparison:
    name: str
    current: float
    baseline: float | None = None
    baseline_label: str = ""  # e.g. "main (3f2c1a0)"


@dataclass(frozen=True)
class CheckResult:
    """What one check found: its findings; a drift check also its columns' drift (and the
    distributions of the drifted ones) and a dataset drift check its share of drifted columns;
    a metric check the metrics it compared."""

    findings: tuple[Finding, ...]
    drift: tuple[ColumnDrift, ...] = ()
    distributions: tuple[Distribution, ...] = ()
    dataset_drift_share: float | None = None
    metrics: tuple[MetricComparison, ...] = ()


@dataclass(frozen=True)
class HealthReport:
    findings: tuple[Finding, ...]
    drift: tuple[ColumnDrift, ...] = ()
    dataset_drift_share: float | None = None
    distributions: tuple[Distribution, ...] = ()
    metrics: tuple[MetricComparison, ...] = ()
    inputs: dict[str, Any] = field(default_factory=dict)  # reference, current, config paths

    @property
    def severity(self) -> str:
        return max((f.severity for f in self.findings), key=SEVERITY_ORDER.__getitem__, default=OK)

    @property
    def failed(self) -> bool:
        return self.severity == FAIL

    def counts(self) -> dict[str, int]:
        """Findings per severity, most severe first (the order every report prints them in)."""
        found = {FAIL: 0, WARN: 0, OK: 0}
        for finding in self.findings:
            found[finding.severity] += 1
        return found

    @property
    def verdict(self) -> str:
        """One line: "health passed with warnings: 0 fail, 2 warn, 40 ok"."""
        c = self.counts()
        return f"health {VERDICT_WORD[self.severity]}: {c[FAIL]} fail, {c[WARN]} warn, {c[OK]} ok"

    def by_severity(self) -> list[Finding]:
        """Most severe first, so a report leads with what matters."""
        return sorted(self.findings, key=lambda f: -SEVERITY_ORDER[f.severity])
