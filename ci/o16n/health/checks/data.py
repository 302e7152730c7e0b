"""Checks on the current data against the reference profile: quality and drift.
Each is `(trigger, inputs) -> CheckResult`, registered in `o16n.health.checks.CHECKS`; the drift
checks return each column's drift beside their findings."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

from o16n.config import health as cfg
from o16n.errors import ConfigError
from o16n.health.checks.grading import grade, graded, threshold_of
from o16n.health.checks.inputs import Inputs
from o16n.health.findings import OK, CheckResult, Distribution, Finding
from o16n.health.stats import drift, quality
from o16n.health.stats.kinds import NUMERIC_KINDS
from o16n.health.stats.model import Profile
from o16n.health.stats.outcome import ColumnDrift
from o16n.numbers import number


def selected(trigger: cfg.ColumnTrigger, reference: Profile, current: Profile) -> list[str]:
    """The trigger's columns: every one the reference has (less `exclude`), or the ones named,
    each of which must exist. Columns missing from the current data, or read there as another
    kind, are the schema check's: the others measure only columns of the same kind."""
    known = list(reference.columns)
    named = known if trigger.columns == "all" else trigger.columns
    for field, names in (("columns", named), ("exclude", trigger.exclude)):
        for name in (n for n in names if n not in reference.columns):
            raise ConfigError(
                f"column {name!r} is not in the reference",
                key=f"{trigger.id}.{field}",
                hint=f"the reference has: {', '.join(known)}",
            )
    return [c for c in named if c not in trigger.exclude and c in current.columns]


def comparable(
    trigger: cfg.ColumnTrigger, reference: Profile, current: Profile
) -> tuple[list[str], tuple[Finding, ...]]:
    """The selected columns whose kind is the reference's, and a note for each one skipped
    because its kind changed: a string column has no range or numeric drift to measure, and
    the schema trigger fails on it, naming both kinds."""
    names, notes = [], []
    for name in selected(trigger, reference, current):
        was, now = reference.columns[name].kind, current.columns[name].kind
        if was == now:
            names.append(name)
            continue
        message = (
            f"{name}: skipped, its kind changed from {was} to {now} (the schema check reports it)"
        )
        notes.append(
            Finding(trigger.id, trigger.check, OK, message, None, None, SKIPPED_KIND, name)
        )
    return names, tuple(notes)


SKIPPED_KIND = "skipped: kind changed"
SKIPPED_EMPTY = "skipped: no values"


def _no_values(trigger: cfg.ColumnTrigger, reference: Profile, name: str) -> Finding:
    """A column with no values on one side has no distribution to compare: the missing-values
    check is the one that reports it."""
    side = "the reference" if not reference.columns[name].summary.count else "the current data"
    message = f"{name}: not tested for drift, {side} has no values in it (missing or infinite)"
    return Finding(trigger.id, trigger.check, OK, message, None, None, SKIPPED_EMPTY, name)


def schema(trigger: cfg.SchemaTrigger, inputs: Inputs) -> CheckResult:
    problems = quality.schema(inputs.reference_profile(), inputs.current_profile())
    message = "; ".join(p.message for p in problems) or "columns and kinds match the reference"
    return CheckResult((graded(trigger, float(len(problems)), message, "schema differences"),))


def _per_column(
    measure: Callable[[Profile, Profile, str], quality.Measure | None], method: str
) -> Callable[..., CheckResult]:
    def check(trigger: cfg.ColumnTrigger, inputs: Inputs) -> CheckResult:
        reference, current = inputs.reference_profile(), inputs.current_profile()
        names, notes = comparable(trigger, reference, current)
        findings = []
        for name in names:
            found = measure(reference, current, name)
            if found is not None:
                findings.append(graded(trigger, found.value, found.message, method, name))
        return CheckResult((*findings, *notes))

    return check


def _relative(
    trigger: cfg.MissingShareTrigger | cfg.InfiniteValuesTrigger | cfg.DuplicateRowsTrigger,
) -> bool:
    return trigger.params.compare == "reference"


def _method(what: str, relative: bool) -> str:
    return f"{what} share above the reference's" if relative else f"{what} share"


def _count_share(
    measure: Callable[[Profile, Profile, str, bool], quality.Measure | None], what: str
) -> Callable[..., CheckResult]:
    """A per-column share check that compares with the reference's share unless the trigger
    says `compare: absolute`."""

    def check(
        trigger: cfg.MissingShareTrigger | cfg.InfiniteValuesTrigger, inputs: Inputs
    ) -> CheckResult:
        relative = _relative(trigger)
        return _per_column(
            lambda ref, cur, name: measure(ref, cur, name, relative), _method(what, relative)
        )(trigger, inputs)

    return check


missing_share = _count_share(quality.missing_share, "missing")
infinite_values = _count_share(quality.infinite_share, "infinite")


out_of_range = _per_column(quality.out_of_range_share, "share outside the reference range")
unseen_categories = _per_column(quality.unseen_share, "share of unseen categories")


def duplicate_rows(trigger: cfg.DuplicateRowsTrigger, inputs: Inputs) -> CheckResult:
    relative = _relative(trigger)
    found = quality.duplicate_share(inputs.reference_profile(), inputs.current_profile(), relative)
    method = _method("duplicate row", relative) + " (row hashes)"
    return CheckResult((graded(trigger, found.value, found.message, method),))


def constant_columns(trigger: cfg.ConstantColumnsTrigger, inputs: Inputs) -> CheckResult:
    reference, current = inputs.reference_profile(), inputs.current_profile()
    names, notes = comparable(trigger, reference, current)
    constant = [quality.became_constant(reference, current, n) for n in names]
    hits = [m for m in constant if m.value]
    message = "; ".join(m.message for m in hits) or "no column became constant"
    found = graded(trigger, float(len(hits)), message, "columns that became constant")
    return CheckResult((found, *notes))


def row_count(trigger: cfg.RowCountTrigger, inputs: Inputs) -> CheckResult:
    found = quality.row_ratio(inputs.reference_profile(), inputs.current_profile())
    return CheckResult(
        (graded(trigger, found.value, found.message, "rows / reference rows", worse_when="below"),)
    )


def _drifts(
    trigger: cfg.ColumnDriftTrigger | cfg.DatasetDriftTrigger,
    inputs: Inputs,
    reference: Profile,
    current: Profile,
) -> tuple[list[ColumnDrift], list[Distribution], tuple[Finding, ...]]:
    """Each comparable column's drift and, for the report's plots, its distribution on both
    sides (measured after its drift, while its histograms' CDFs are at hand: `cdf_points`
    keeps the last few), and the notes on the columns skipped."""
    names, notes = comparable(trigger, reference, current)
    empty = [
        n
        for n in names
        if not (reference.columns[n].summary.count and current.columns[n].summary.count)
    ]
    notes += tuple(_no_values(trigger, reference, n) for n in empty)
    results, distributions = [], []
    for name in (n for n in names if n not in empty):
        override = trigger.params.overrides.get(name)
        method = override.method if override else trigger.params.method
        threshold = (
            override.threshold
            if override and override.threshold is not None
            else trigger.params.threshold
        )
        if method == "auto" and override is None:
            method = trigger.params.method
        _numeric_method(trigger, reference, name, method, override is not None)
        measure = partial(drift.column_drift, reference, current, name, method, threshold)
        results.append(inputs.measured(("drift", name, method, threshold), measure))
        plot = partial(_distribution, reference, current, name)
        distributions.append(inputs.measured(("distribution", name), plot))
    return results, distributions, notes


NUMERIC_METHODS = frozenset({"ks", "wasserstein"})  # they compare CDFs: numbers only


def _numeric_method(
    trigger: cfg.ColumnDriftTrigger | cfg.DatasetDriftTrigger,
    reference: Profile,
    name: str,
    method: str,
    overridden: bool,
) -> None:
    """KS and Wasserstein on a column of categories measure nothing: a config error naming
    the column and where the method was set, not a crash in the drift code."""
    kind = reference.columns[name].kind
    if method not in NUMERIC_METHODS or kind in NUMERIC_KINDS:
        return
    where = f"params.overrides.{name}.method" if overridden else "params.method"
    raise ConfigError(
        f"{method} compares numbers; column {name!r} is {kind}",
        key=f"{trigger.id}.{where}",
        hint=f"exclude it, or give it another method: overrides: {{{name}: {{method: "
        "jensenshannon}}",
    )


def _with_drift(
    findings: tuple[Finding, ...],
    results: list[ColumnDrift],
    distributions: list[Distribution],
    share: float | None = None,
) -> CheckResult:
    """A drift check's findings with every column's drift and distribution (a small chart
    each in the report, a large one if drifted)."""
    return CheckResult(
        findings,
        drift=tuple(results),
        distributions=tuple(distributions),
        dataset_drift_share=share,
    )


def _distribution(reference: Profile, current: Profile, name: str) -> Distribution:
    labels, ref_shares, cur_shares = drift.distributions(reference, current, name)
    return Distribution(name, tuple(labels), tuple(ref_shares), tuple(cur_shares))


def column_drift(trigger: cfg.ColumnDriftTrigger, inputs: Inputs) -> CheckResult:
    profiles = inputs.reference_profile(), inputs.current_profile()
    results, distributions, notes = _drifts(trigger, inputs, *profiles)
    findings = tuple(_column_finding(trigger, result) for result in results)
    return _with_drift((*findings, *notes), results, distributions)


def _column_finding(trigger: cfg.ColumnDriftTrigger, result: ColumnDrift) -> Finding:
    if not result.tested:  # text or datetime: Evidently's kinds, no test a profile can run
        message = f"{result.column}: not tested ({result.why})"
        return Finding(trigger.id, trigger.check, OK, message, None, None, "none", result.column)
    if trigger.warn is not None or trigger.fail is not None:  # one method: grade its score
        worse_when = "below" if result.method in drift.P_VALUE_METHODS else "above"
        severity = grade(result.value, trigger.warn, trigger.fail, worse_when=worse_when)
        threshold = threshold_of(severity, trigger.warn, trigger.fail)
    else:
        severity, threshold = (trigger.severity if result.drifted else OK), result.threshold
    verdict = "drifted" if severity != OK else "no drift"
    if math.isnan(result.value):  # graded as a fail: a test that cannot be made is no pass
        verdict = "drift not measurable"
    level = f", threshold {number(threshold)}" if threshold is not None else ""
    message = f"{result.column}: {verdict} ({result.method} = {number(result.value)}{level})"
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
    results, distributions, notes = _drifts(trigger, inputs, *profiles)
    drifted = [r.column for r in results if r.drifted]
    tested = [r for r in results if r.tested]
    share = len(drifted) / len(tested) if tested else 0.0
    fired = share >= trigger.params.share
    listed = ", ".join(drifted[:10]) + (
        f" and {len(drifted) - 10} more" if len(drifted) > 10 else ""
    )
    at = trigger.params.share
    message = (
        f"{len(drifted)} of {len(tested)} columns drifted ({share:.0%}; dataset drift at {at:.0%})"
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
    return _with_drift((finding, *notes), results, distributions, share)
