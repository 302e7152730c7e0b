"""Drift of each column, reference profile vs current profile, with Evidently 0.7.23's default
method selection so users recognise the results (`DataDriftPreset`; the choice is
`evidently.legacy.calculations.stattests.registry._get_default_stattest`):

- each column's kind as Evidently infers it on the current data (`kinds.drift_kind`): integers
  with at most 10 values are categorical, strings mostly distinct are text (not tested here:
  Evidently's text test is a classifier on the words), datetimes are not tested;
- "rows" are the reference's non-missing, finite values (Evidently drops NaN and infinities
  first), "distinct values" the union of reference and current;
- reference <= 1000 values: KS (numerical, > 5 distinct values), chi-square (categorical or
  <= 5 values, > 2 of them), two-proportion z-test (2 values); drift when the p-value < 0.05;
- larger references: Wasserstein distance normalized by the reference std (numerical, > 5
  values), Jensen-Shannon distance in nats (scipy's `jensenshannon`, base e) otherwise; drift
  when the value >= 0.1;
- PSI on request (warn 0.1, fail 0.25): reference deciles as bins, empty bins set to 1e-4.
"""

from __future__ import annotations

import math

import numpy as np

from o16n.health.stats.kinds import NUMERIC_KINDS, DriftKind, drift_kind
from o16n.health.stats.model import Categorical, Column, Numeric, Profile, cdf_points, deciles
from o16n.health.stats.outcome import NOT_TESTED, ColumnDrift

P_VALUE_METHODS = {"ks", "chisquare", "z"}  # drift when value < threshold; else value >= threshold
DEFAULT_THRESHOLD = {
    "ks": 0.05,
    "chisquare": 0.05,
    "z": 0.05,
    "wasserstein": 0.1,
    "jensenshannon": 0.1,
    "psi": 0.1,
}
SMALL_REFERENCE = 1000
PSI_EPSILON = 1e-4  # Evidently's value for an empty bin
JS_EXACT_VALUES = 20  # Evidently's JS counts values while the reference has at most 20
SAMPLE_POINTS = 1000  # reference quantiles standing in for a large reference in KS


def is_drift(method: str, value: float, threshold: float) -> bool:
    if math.isnan(value):
        return False
    return value < threshold if method in P_VALUE_METHODS else value >= threshold


def tested_as(ref: Column, cur: Column) -> tuple[DriftKind, str]:
    """The kind Evidently gives the column, judged on the current data as its Report does."""
    s = cur.summary
    return drift_kind(cur.kind, cur.dtype, s.distinct, s.count, s.missing)


def choose_method(ref: Column, cur: Column, kind: DriftKind) -> str:
    if kind in ("text", "datetime"):
        return NOT_TESTED
    distinct = _distinct_union(ref, cur)
    numeric = kind == "numerical" and distinct > 5
    if ref.summary.count <= SMALL_REFERENCE:  # Evidently counts the values left after dropna
        if numeric:
            return "ks"
        return "chisquare" if distinct > 2 else "z"
    return "wasserstein" if numeric else "jensenshannon"


def column_drift(
    reference: Profile,
    current: Profile,
    name: str,
    method: str = "auto",
    threshold: float | None = None,
) -> ColumnDrift:
    """One column's drift. `method` "auto" picks Evidently's test for the column's kind; any
    other method is applied as asked (a per-column override in health.yaml)."""
    ref, cur = reference.columns[name], current.columns[name]
    kind, why = tested_as(ref, cur)
    if method == "auto":
        method = choose_method(ref, cur, kind)
    if method == NOT_TESTED:
        return ColumnDrift(name, ref.kind, method, math.nan, math.nan, False, kind, why)
    value = METHODS[method](ref, cur)
    limit = DEFAULT_THRESHOLD[method] if threshold is None else threshold
    drifted = is_drift(method, value, limit)
    return ColumnDrift(name, ref.kind, method, value, limit, drifted, kind, why)


# ---- frequencies over a shared set of categories ------------------------------------------------


def _frequencies(ref: Column, cur: Column) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Counts per category (or exact numeric value) on the union of both sides' categories."""
    a, b = _counts(ref), _counts(cur)
    keys = sorted(set(a) | set(b))
    return (
        np.array([a.get(k, 0) for k in keys], dtype=float),
        np.array([b.get(k, 0) for k in keys], dtype=float),
        keys,
    )


def _counts(column: Column) -> dict[str, float]:
    s = column.summary
    if isinstance(s, Categorical):
        counts: dict[str, float] = {k: float(v) for k, v in s.counts.items()}
        if s.other:
            counts["(other)"] = float(s.other)
        return counts
    if s.values is not None:
        return {repr(float(k)): float(v) for k, v in s.values.items()}
    return _binned_counts(s, np.array(s.edges))


def _distinct_union(ref: Column, cur: Column) -> int:
    from o16n.health.stats import sketch

    merged = sketch.kmv_merge(
        np.array(ref.summary.kmv, dtype=np.uint64), np.array(cur.summary.kmv, dtype=np.uint64)
    )
    return sketch.kmv_estimate(merged, at_most=ref.summary.count + cur.summary.count)


# ---- the tests ------------------------------------------------------------


def ks(ref: Column, cur: Column) -> float:
    """Two-sample KS p-value: exact (scipy) when both sides hold every value, as they do up to
    1,000 rows. Otherwise the statistic is read between the reference's values (or 1,000 of its
    quantiles) and the current histogram's CDF, with scipy's asymptotic p-value (kstwo) for the
    effective size n*m/(n+m)."""
    from scipy import stats  # a second to import: only the small-reference path needs it

    r, c = _numeric(ref), _numeric(cur)
    if r.complete and c.complete:
        return float(stats.ks_2samp(r.sample, c.sample).pvalue)
    if r.complete:
        points = np.array(r.sample)
    else:
        xs_r, cdf_r = cdf_points(r)
        points = np.interp((np.arange(SAMPLE_POINTS) + 0.5) / SAMPLE_POINTS, cdf_r, xs_r)
    xs, cdf = (
        cdf_points(c)
        if not c.complete
        else (np.array(c.sample), np.arange(1, c.count + 1) / c.count)
    )
    current_cdf = np.interp(points, xs, cdf, left=0.0, right=1.0)
    n = len(points)
    d = float(
        max((np.arange(1, n + 1) / n - current_cdf).max(), (current_cdf - np.arange(n) / n).max())
    )
    effective = round(r.count * c.count / (r.count + c.count))
    return float(stats.kstwo.sf(d, max(effective, 1)))


def chisquare(ref: Column, cur: Column) -> float:
    """Pearson's chi-square p-value of the current counts against the reference shares."""
    a, b, _ = _frequencies(ref, cur)
    expected = a / a.sum() * b.sum()
    if np.any((expected == 0) & (b > 0)):
        return 0.0  # a category the reference never had: infinitely unlikely under it
    keep = expected > 0
    statistic = float((((b - expected) ** 2)[keep] / expected[keep]).sum())
    from scipy import special

    return float(special.chdtrc(max(int(keep.sum()) - 1, 1), statistic))  # chi2 survival


def z(ref: Column, cur: Column) -> float:
    """Two-proportion z-test p-value (two-sided) on the share of one of the two values."""
    a, b, _ = _frequencies(ref, cur)
    n1, n2 = a.sum(), b.sum()
    p1, p2 = a[0] / n1, b[0] / n2
    pooled = (a[0] + b[0]) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0  # one value on both sides: no difference to test
    statistic = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    from scipy import special

    return float(2 * special.ndtr(-abs(statistic)))  # two-sided normal tail


def wasserstein(ref: Column, cur: Column) -> float:
    """W1 divided by the reference std (at least 0.001, as Evidently): exact when both profiles
    hold every value with its count, else between the two histograms (piecewise-linear CDFs on
    shared edges), within one bin width of the exact distance."""
    r, c = _numeric(ref), _numeric(cur)
    exact_r, exact_c = _exact_counts(r), _exact_counts(c)
    if exact_r is not None and exact_c is not None:
        return _step_w1(exact_r, exact_c) / max(r.std_population, 0.001)
    x_r, f_r = cdf_points(r)
    x_c, f_c = cdf_points(c)
    grid = _union(x_r, x_c)
    difference = np.interp(grid, x_r, f_r, left=0, right=1) - np.interp(
        grid, x_c, f_c, left=0, right=1
    )
    distance = _integrate_abs(grid, difference)
    return distance / max(r.std_population, 0.001)  # Evidently: np.std (ddof 0), floor 0.001


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sorted distinct points of two sorted arrays (np.union1d, without its generality:
    it took a fifth of a histogram test, and loads numpy.ma)."""
    both = np.concatenate([a, b])
    both.sort(kind="stable")  # two sorted runs: merged, not sorted afresh
    keep = np.empty(len(both), dtype=bool)
    keep[:1] = True
    np.not_equal(both[1:], both[:-1], out=keep[1:])
    return both[keep]


def _exact_counts(summary: Numeric) -> dict[float, float] | None:
    """Every value with its count, when the profile holds them (few distinct values, or a
    sample of every value); None when only the histogram is left."""
    if summary.values is not None:
        return {float(k): float(v) for k, v in summary.values.items()}
    if summary.complete and summary.count:
        values, counts = np.unique(np.array(summary.sample, dtype=float), return_counts=True)
        return dict(zip(values.tolist(), counts.astype(float).tolist(), strict=True))
    return None


def _step_w1(a: dict[float, float], b: dict[float, float]) -> float:
    """W1 between two empirical distributions: the integral of |F - G| for their step CDFs,
    exactly what scipy's `wasserstein_distance` (which Evidently calls) computes from the rows.
    A histogram's linear CDF would spread a whole number's mass over the gap to the next one."""
    xs = np.array(sorted(set(a) | set(b)))
    f = np.cumsum([a.get(x, 0.0) for x in xs]) / sum(a.values())
    g = np.cumsum([b.get(x, 0.0) for x in xs]) / sum(b.values())
    return float((np.abs(f - g)[:-1] * np.diff(xs)).sum())


def _integrate_abs(x: np.ndarray, y: np.ndarray) -> float:
    """Exact integral of |y| for y linear between the points x: a trapezoid, |y0 + y1| / 2 wide,
    where y keeps its sign; where it crosses zero, two triangles, (y0² + y1²) / (2 (|y0| + |y1|))
    (the crossings are few)."""
    a = np.abs(y)
    a0, a1 = a[:-1], a[1:]
    width = a0 + a1
    negative = y < 0
    crossing = np.flatnonzero(negative[:-1] != negative[1:])  # a zero either side: both agree
    if len(crossing):
        c0, c1 = a0[crossing], a1[crossing]
        width[crossing] = (c0 * c0 + c1 * c1) / (c0 + c1)
    width *= np.diff(x)
    return float(width.sum() / 2)  # numpy's sum: one order on any machine (a BLAS dot: its own)


def jensenshannon(ref: Column, cur: Column) -> float:
    """Jensen-Shannon distance in nats, as scipy's `jensenshannon` with its default base e,
    which Evidently calls (0 = same distribution, sqrt(ln 2) = 0.8326 disjoint). Shares per
    value, or, for a numeric reference of more than 20 values, per bin of Sturges' rule over
    both sides' range (`get_binned_data`)."""
    if ref.kind in NUMERIC_KINDS and _numeric(ref).values is None:
        a, b = _shared_bins(ref, cur, _sturges(ref, cur))
    else:
        a, b, _ = _frequencies(ref, cur)
    p, q = a / a.sum(), b / b.sum()
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(p > 0, p * np.log(p / m), 0.0).sum()
        kl_q = np.where(q > 0, q * np.log(q / m), 0.0).sum()
    return float(math.sqrt(max((kl_p + kl_q) / 2, 0.0)))


def _sturges(ref: Column, cur: Column) -> int:
    """numpy's "sturges" bin count for both sides together: ceil(log2(n) + 1)."""
    n = _numeric(ref).count + _numeric(cur).count
    return max(int(math.ceil(math.log2(max(n, 1)) + 1)), 1)


def psi(ref: Column, cur: Column) -> float:
    """Population stability index: sum over bins of (ref% - cur%) * ln(ref% / cur%); numeric bins
    are the reference deciles, categories for the rest; empty bins count as 1e-4."""
    if ref.kind in NUMERIC_KINDS and _numeric(ref).values is None:
        cuts = deciles(_numeric(ref)) or []
        edges = np.array([-np.inf, *cuts, np.inf])
        a, b = _binned_counts(_numeric(ref), edges), _binned_counts(_numeric(cur), edges)
        a_arr, b_arr = np.array(list(a.values())), np.array(list(b.values()))
    else:
        a_arr, b_arr, _ = _frequencies(ref, cur)
    p = np.maximum(a_arr / a_arr.sum(), PSI_EPSILON)
    q = np.maximum(b_arr / b_arr.sum(), PSI_EPSILON)
    return float(((p - q) * np.log(p / q)).sum())


METHODS = {
    "ks": ks,
    "chisquare": chisquare,
    "z": z,
    "wasserstein": wasserstein,
    "jensenshannon": jensenshannon,
    "psi": psi,
}


# ---- helpers over histograms --------------------------------------------------


def _numeric(column: Column) -> Numeric:
    if not isinstance(column.summary, Numeric):
        raise ValueError(f"a {column.kind} column has no numeric summary")
    return column.summary


def _binned_counts(summary: Numeric, edges: np.ndarray) -> dict[str, float]:
    """Counts in arbitrary bins, by the bins' names."""
    masses = _binned_masses(summary, edges)
    return {
        f"[{lo:.6g}, {hi:.6g})": float(m)
        for lo, hi, m in zip(edges[:-1], edges[1:], masses, strict=True)
    }


def _binned_masses(summary: Numeric, edges: np.ndarray) -> np.ndarray:
    """Counts in arbitrary bins, read off the fine histogram's CDF (evenly spread in a bin)."""
    xs, cdf = cdf_points(summary)
    at = np.interp(edges, xs, cdf, left=0.0, right=1.0)
    masses: np.ndarray = np.diff(at) * summary.count
    return masses


def _shared_bins(ref: Column, cur: Column, bins: int) -> tuple[np.ndarray, np.ndarray]:
    r, c = _numeric(ref), _numeric(cur)
    low, high = min(r.min, c.min), max(r.max, c.max)
    edges = np.linspace(low, high, bins + 1) if high > low else np.array([low - 0.5, high + 0.5])
    return (
        _binned_masses(r, edges),
        _binned_masses(c, edges),
    )


def distributions(
    reference: Profile, current: Profile, name: str, bins: int = 20
) -> tuple[list[str], list[float], list[float]]:
    """Shares per bin or category on both sides, for plotting a drifted column."""
    ref, cur = reference.columns[name], current.columns[name]
    if ref.kind in NUMERIC_KINDS and _numeric(ref).values is None:
        r, c = _numeric(ref), _numeric(cur)
        low, high = min(r.min, c.min), max(r.max, c.max)
        edges = (
            np.linspace(low, high, bins + 1) if high > low else np.array([low - 0.5, high + 0.5])
        )
        labels = [f"{low:.3g}" for low in edges[:-1].tolist()]  # each bin by its lower edge
        a, b = _binned_masses(r, edges), _binned_masses(c, edges)
    else:
        a, b, labels = _frequencies(ref, cur)
    ref_shares: list[float] = (a / max(a.sum(), 1)).tolist()
    cur_shares: list[float] = (b / max(b.sum(), 1)).tolist()
    return labels, ref_shares, cur_shares
