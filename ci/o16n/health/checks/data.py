"""Checks on the current data against the reference profile: quality and drift.
Each is `(trigger, inputs) -> CheckResult`, registered in `o16n.health.checks.CHECKS`; the drift
checks return each column's drift beside their findings."""

from __future__ import annotations

from collections.abc import Callable

from o16n.config import health as cfg
from o16n.errors import ConfigError
from o16n.health.checks.grading import grade, graded, threshold_of
from o16n.health.checks.inputs import Inputs
from o16n.health.findings import OK, CheckResult, Distribution, Finding
from o16n.health.stats import drift, quality
from o16n.health.stats.model import Profile
from o16n.health.stats.outcome import ColumnDrift


def selected(trigger: cfg.ColumnTrigger, reference: Profile, current: Profile) -> list[str]:
    """The trigger's columns: every one the reference has (less `exclude`), or the ones named,
    each of which must exist. Columns missing from the current data are the schema check's."""
    known = list(reference.columns)
    named = known if trigger.columns == "all" else trigger.columns
    for name in [*named, *trigger.exclude]:
        if name not in reference.columns:
            raise ConfigError(
                f"column {name!r} is not in the reference",
                key=f"{trigger.id}.columns",
                hint=f"the reference has: {', '.join(known)}",
            )
    return [c for c in named if c not in trigger.exclude and c in current.columns]


def schema(trigger: cfg.SchemaTrigger, inputs: Inputs) -> CheckResult:
    problems = quality.schema(inputs.reference_profile(), inputs.current_profile())
    message = "; ".join(p.message for p in problems) or "columns and kinds match the reference"
    return CheckResult((graded(trigger, float(len(problems)), message, "schema differences"),))


def _per_column(
    measure: Callable[[Profile, Profile, str], quality.Measure | None], method: str
) -> Callable[..., CheckResult]:
    def check(trigger: cfg.ColumnTrigger, inputs: Inputs) -> CheckResult:
        reference, current = inputs.reference_profile(), inputs.current_profile()
        findings = []
        for name in selected(trigger, reference, current):
            found = measure(reference, current, name)
            if found is not None:
                findings.append(graded(trigger, found.value, found.message, method, name))
        return CheckResult(tuple(findings))

    return check


missing_share = _per_column(
    lambda _ref, cur, name: quality.missing_share(cur, name), "missing share"
)
out_of_range = _per_column(quality.out_of_range_share, "share outside the reference range")
unseen_categories = _per_column(quality.unseen_share, "share of unseen categories")


def duplicate_rows(trigger: cfg.DuplicateRowsTrigger, inputs: Inputs) -> CheckResult:
    found = quality.duplicate_share(inputs.current_profile())
    return CheckResult(
        (graded(trigger, found.value, found.message, "duplicate row share (row hashes)"),)
    )


def constant_columns(trigger: cfg.ConstantColumnsTrigger, inputs: Inputs) -> CheckResult:
    reference, current = inputs.reference_profile(), inputs.current_profile()
    constant = [
        quality.became_constant(reference, current, n)
        for n in selected(trigger, reference, current)
    ]
    hits = [m for m in constant if m.value]
    message = "; ".join(m.message for m in hits) or "no column became constant"
    return CheckResult(
        (graded(trigger, float(len(hits)), message, "columns that became constant"),)
    )


def row_count(trigger: cfg.RowCountTrigger, inputs: Inputs) -> CheckResult:
    found = quality.row_ratio(inputs.reference_profile(), inputs.current_profile())
    return CheckResult(
        (graded(trigger, found.value, found.message, "rows / reference rows", worse_when="below"),)
    )


def _drifts(
    trigger: cfg.ColumnDriftTrigger | cfg.DatasetDriftTrigger, reference: Profile, current: Profile
) -> list[ColumnDrift]:
    results = []
    for name in selected(trigger, reference, current):
        override = trigger.params.overrides.get(name)
        method = override.method if override else trigger.params.method
        threshold = (
            override.threshold
            if override and override.threshold is not None
            else trigger.params.threshold
        )
        if method == "auto" and override is None:
            method = trigger.params.method
        results.append(drift.column_drift(reference, current, name, method, threshold))
    return results


def _with_drift(
    findings: tuple[Finding, ...],
    results: list[ColumnDrift],
    profiles: tuple[Profile, Profile],
    share: float | None = None,
) -> CheckResult:
    """A drift check's findings with every column's drift and, for the report's plots, every
    such column's distribution on both sides (a small chart each, a large one if drifted)."""
    return CheckResult(
        findings,
        drift=tuple(results),
        distributions=tuple(_distribution(*profiles, r.column) for r in results),
        dataset_drift_share=share,
    )


def _distribution(reference: Profile, current: Profile, name: str) -> Distribution:
    labels, ref_shares, cur_shares = drift.distributions(reference, current, name)
    return Distribution(name, tuple(labels), tuple(ref_shares), tuple(cur_shares))


def column_drift(trigger: cfg.ColumnDriftTrigger, inputs: Inputs) -> CheckResult:
    profiles = inputs.reference_profile(), inputs.current_profile()
    results = _drifts(trigger, *profiles)
    findings = tuple(_column_finding(trigger, result) for result in results)
    return _with_drift(findings, results, profiles)


def _column_finding(trigger: cfg.ColumnDriftTrigger, result: ColumnDrift) -> Finding:
    if trigger.warn is not None or trigger.fail is not None:  # one method: grade its score
        worse_when = "below" if result.method in drift.P_VALUE_METHODS else "above"
        severity = grade(result.value, trigger.warn, trigger.fail, worse_when=worse_when)
        threshold = threshold_of(severity, trigger.warn, trigger.fail)
    else:
        severity, threshold = (trigger.severity if result.drifted else OK), result.threshold
    verdict = "drifted" if severity != OK else "no drift"
    measured = f"{result.method} = {result.value:.4g}, threshold {threshold:.4g}"
    message = f"{result.column}: {verdict} ({measured})"
    return Finding(
        trigger.id,
        trigger.check,
        severity,
        message,
        result.value,
        threshold,
        result.method,
        result.column,
    )


def dataset_drift(trigger: cfg.DatasetDriftTrigger, inputs: Inputs) -> CheckResult:
    profiles = inputs.reference_profile(), inputs.current_profile()
    results = _drifts(trigger, *profiles)
    drifted = [r.column for r in results if r.drifted]
    share = len(drifted) / len(results) if results else 0.0
    fired = share >= trigger.params.share
    listed = ", ".join(drifted[:10]) + (
        f" and {len(drifted) - 10} more" if len(drifted) > 10 else ""
    )
    at = trigger.params.share
    message = (
        f"{len(drifted)} of {len(results)} columns drifted ({share:.0%}; dataset drift at {at:.0%})"
    )
    message += f": {listed}" if drifted else ""
    finding = Finding(
        trigger.id,
        trigger.check,
        trigger.severity if fired else OK,
        message,
        share,
        trigger.params.share,
        "share of drifted columns",
    )
    return _with_drift((finding,), results, profiles, share)
