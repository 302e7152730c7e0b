"""What a drift test says about one column: the method, its value, the threshold and the verdict.

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
