"""What a drift test says about one column: the method, its value, the threshold, the verdict,
and the kind the column was tested as, with the reason.

Kept apart from `drift` (which needs numpy) so the findings, and the reports reading them, get
the type without the arithmetic."""

from __future__ import annotations

from dataclasses import dataclass

from o16n.health.stats.kinds import ProfileKind


@dataclass(frozen=True)
class ColumnDrift:
    """One column's drift: the JSON report lists these for every column checked."""

    column: str
    kind: ProfileKind
    method: str
    value: float
    threshold: float
    drifted: bool
    # The kind the test saw (Evidently's: numerical, categorical, text or datetime) and why, for
    # the report: "integer, 7 values: categorical". Method "none": the column was not tested.
    tested_as: str = ""
    why: str = ""

    @property
    def tested(self) -> bool:
        return self.method != NOT_TESTED


NOT_TESTED = "none"
