"""Apply a trigger's warn/fail thresholds to a measured value, the same way for every check."""

from __future__ import annotations

import math
import re

from o16n.config.health import Trigger
from o16n.health.findings import FAIL, OK, WARN, Finding

# Metrics where a larger value is worse (errors and losses); everything else is a score.
_ERROR_METRIC = re.compile(r"(^|_)(mae|mse|rmse|msle|mape|loss|error|brier)($|_)")


def higher_is_better(metric: str, declared: bool | None = None) -> bool:
    return declared if declared is not None else not _ERROR_METRIC.search(metric.lower())


def grade(value: float, warn: float | None, fail: float | None, *, worse_when: str) -> str:
    """`worse_when` "above": the value fires past a threshold; "below": under it.
    A value that is not a number (NaN) fails: an error is never a pass."""
    if math.isnan(value):
        return FAIL
    for threshold, severity in ((fail, FAIL), (warn, WARN)):
        if threshold is None:
            continue
        if (worse_when == "above" and value > threshold) or (
            worse_when == "below" and value < threshold
        ):
            return severity
    return OK


def threshold_of(severity: str, warn: float | None, fail: float | None) -> float | None:
    """The threshold a severity was decided by (for ok: the tightest one given)."""
    if severity == FAIL:
        return fail
    if severity == WARN:
        return warn
    return warn if warn is not None else fail


def graded(
    trigger: Trigger,
    value: float,
    message: str,
    method: str,
    column: str | None = None,
    worse_when: str = "above",
) -> Finding:
    """The finding for a measured value, graded against the trigger's warn/fail thresholds."""
    severity = grade(value, trigger.warn, trigger.fail, worse_when=worse_when)
    threshold = threshold_of(severity, trigger.warn, trigger.fail)
    return Finding(trigger.id, trigger.check, severity, message, value, threshold, method, column)
