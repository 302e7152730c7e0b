"""What a profile is: per column a kind, counts, moments, a fine histogram, quantiles, category
frequencies, a distinct-count sketch and (numeric) a small sample, plus the schema.

Numeric histograms have fixed edges: the reference's `BINS` equal-width bins over its range,
and a profile of current data is built `like` the reference, on the same edges, with values
outside counted `below`/`above`. So profiles of chunks add up exactly (`merge`), and quantiles
read off the histogram (below) are within one bin width of exact.

Only the types and what they tell (the kinds are in `kinds`): making them is `columns` (a
chunk) and `files` (a file), adding them up `merge`, their JSON `codec`. numpy is the only import
beyond the standard library.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from o16n.health.stats import sketch
from o16n.health.stats.kinds import ProfileKind

SCHEMA_VERSION = 1
BINS = 500  # fine histogram: quantile error <= range / 500
TOP_K = 100  # categories kept by name; the rest add up in `other`
SAMPLE = 1000  # a numeric column of at most this many values is kept whole (exact KS)
EXACT_VALUES = 20  # numeric columns with at most this many distinct values keep exact counts


@dataclass
class Numeric:
    count: int = 0  # finite values
    missing: int = 0  # NaN / None
    infinite: int = 0
    min: float = math.inf
    max: float = -math.inf
    mean: float = 0.0
    m2: float = 0.0  # sum of squared deviations (Welford / Chan)
    edges: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    below: int = 0  # finite values under edges[0] (a `like` profile only)
    above: int = 0
    values: dict[float, int] | None = None  # exact counts while few distinct values
    sample: list[float] = field(default_factory=list)  # every value, while count <= SAMPLE
    kmv: list[int] = field(default_factory=list)

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof 1)."""
        return math.sqrt(self.m2 / (self.count - 1)) if self.count > 1 else 0.0

    @property
    def std_population(self) -> float:
        return math.sqrt(self.m2 / self.count) if self.count else 0.0

    @property
    def complete(self) -> bool:
        """The sample holds every finite value."""
        return len(self.sample) == self.count

    @property
    def distinct(self) -> int:
        return sketch.kmv_estimate(np.array(self.kmv, dtype=np.uint64), at_most=self.count)


@dataclass
class Categorical:
    count: int = 0
    missing: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    other: int = 0  # values beyond the TOP_K most frequent
    kmv: list[int] = field(default_factory=list)

    @property
    def distinct(self) -> int:
        return sketch.kmv_estimate(np.array(self.kmv, dtype=np.uint64), at_most=self.count)


Summary = Numeric | Categorical


@dataclass
class Column:
    kind: ProfileKind
    dtype: str
    summary: Summary


@dataclass
class Profile:
    rows: int
    columns: dict[str, Column]
    duplicate_rows: int = 0
    schema_version: int = SCHEMA_VERSION

    @property
    def schema(self) -> dict[str, ProfileKind]:
        return {name: column.kind for name, column in self.columns.items()}


# ---- reading the histogram ----------------------------------------------------------------------


def cdf_points(summary: Numeric) -> tuple[np.ndarray, np.ndarray]:
    """(x, F(x)) at the bin edges, with the tails (below/above) as bins out to min and max;
    the CDF is piecewise linear between them (values spread evenly inside a bin). Without
    edges (profiled like a reference column that had no values), evenly from min to max.

    Read-only arrays, kept for the thread's last few summaries: a drift test and the plot of
    the same column read the same two CDFs, and making one (its 500 counts into an array) is
    most of what a histogram test costs (50 ms of 1,000 columns' health check). A summary is
    not changed in place once made (merges make new ones); one given new edges, counts or
    tails is read afresh."""
    state = (summary.edges, summary.counts, summary.below, summary.above, summary.min, summary.max)
    recent: deque[tuple[Numeric, tuple[object, ...], tuple[np.ndarray, np.ndarray]]] | None
    recent = getattr(_CURVES, "recent", None)
    if recent is None:
        recent = _CURVES.recent = deque(maxlen=_KEPT_CURVES)
    for held, held_state, curve in recent:
        if held is summary and held_state == state:
            return curve
    curve = _cdf_points(summary)
    for array in curve:
        array.flags.writeable = False
    recent.append((summary, state, curve))
    return curve


_CURVES = threading.local()
_KEPT_CURVES = 4  # a column's two sides, and the column's before it


def _cdf_points(summary: Numeric) -> tuple[np.ndarray, np.ndarray]:
    if not summary.edges:
        return np.array([summary.min, summary.max]), np.array([0.0, 1.0])
    lead, trail = int(summary.below > 0), int(summary.above > 0)  # the tails, as bins
    edges, bins = len(summary.edges), len(summary.counts)
    xs = np.empty(edges + lead + trail)
    xs[lead : lead + edges] = np.fromiter(summary.edges, dtype=float, count=edges)
    masses = np.zeros(len(xs), dtype=np.int64)  # counts, exact, cumulated exactly
    masses[1 + lead : 1 + lead + bins] = np.fromiter(summary.counts, dtype=np.int64, count=bins)
    if lead:
        xs[0], masses[1] = summary.min, summary.below
    if trail:
        xs[-1], masses[-1] = summary.max, summary.above
    cumulative = masses.cumsum()
    return xs, cumulative / (cumulative[-1] or 1)


DECILES = tuple(float(q) for q in np.linspace(0.1, 0.9, 9))


def quantiles(summary: Numeric, qs: Sequence[float]) -> list[float] | None:
    """The CDF read at each of `qs` (one reading of the histogram for all of them)."""
    if summary.count == 0:
        return None
    xs, cdf = cdf_points(summary)
    return [float(x) for x in np.interp(qs, cdf, xs)]


def quantile(summary: Numeric, q: float) -> float | None:
    found = quantiles(summary, [q])
    return None if found is None else found[0]


def deciles(summary: Numeric) -> list[float] | None:
    return quantiles(summary, DECILES)
