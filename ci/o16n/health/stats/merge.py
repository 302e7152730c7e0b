"""Merging: profiles of chunks add up to the profile of the whole, exactly.

Counts, min/max, histograms on shared edges, exact values and the distinct-count sketches add
up as they are; mean and variance by Chan et al.'s parallel update. Only what cannot be kept
exactly is let go: exact values past `EXACT_VALUES`, the sample past `SAMPLE`, categories past
the `TOP_K` most frequent (counted in `other`).
"""

from __future__ import annotations

import math

import numpy as np

from o16n.health.stats import sketch
from o16n.health.stats.model import (
    EXACT_VALUES,
    SAMPLE,
    TOP_K,
    Categorical,
    Column,
    Numeric,
    Profile,
    Summary,
)


def merge(a: Profile, b: Profile) -> Profile:
    if a.schema != b.schema:
        raise ValueError(f"cannot merge profiles of different schemas: {a.schema} vs {b.schema}")
    columns = {
        name: Column(
            col.kind,
            _dtype(col, b.columns[name]),
            finite_moments(name, _merge_summary(col.summary, b.columns[name].summary)),
        )
        for name, col in a.columns.items()
    }
    return Profile(a.rows + b.rows, columns, a.duplicate_rows + b.duplicate_rows)


def finite_moments(name: str, summary: Summary) -> Summary:
    """`summary`, unless its values are too large for a 64-bit mean and variance: their sum or
    squared deviations pass the largest float (1.8e308), which no profile can hold, so the
    column is refused by name (ValueError) instead of written as an infinity."""
    if not isinstance(summary, Numeric) or not summary.count:
        return summary
    if not (math.isfinite(summary.mean) and math.isfinite(summary.m2)):
        largest = max(abs(summary.min), abs(summary.max))
        raise ValueError(
            f"column {name!r}: its values (up to {largest:.3g} in size) are too large for "
            "a 64-bit mean and variance; store it in larger units"
        )
    return summary


def _dtype(a: Column, b: Column) -> str:
    """The first chunk's dtype, unless the column had no value there (a CSV chunk or part where
    it is empty reads as float): then the dtype of a chunk that has values."""
    return b.dtype if a.summary.count == 0 and b.summary.count > 0 else a.dtype


def _merge_summary(a: Summary, b: Summary) -> Summary:
    if isinstance(a, Numeric) and isinstance(b, Numeric):
        return _merge_numeric(a, b)
    assert isinstance(a, Categorical) and isinstance(b, Categorical)
    counts = dict(a.counts)
    for key, value in b.counts.items():
        counts[key] = counts.get(key, 0) + value
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    kept = dict(ranked[:TOP_K])
    return Categorical(
        count=a.count + b.count,
        missing=a.missing + b.missing,
        counts=kept,
        other=a.other + b.other + sum(v for _, v in ranked[TOP_K:]),
        kmv=_merge_kmv(a.kmv, b.kmv),
    )


def _merge_numeric(a: Numeric, b: Numeric) -> Numeric:
    if a.count and b.count and a.edges != b.edges:
        raise ValueError("cannot merge numeric histograms with different bin edges")
    n = a.count + b.count
    delta = b.mean - a.mean
    merged = Numeric(
        count=n,
        missing=a.missing + b.missing,
        infinite=a.infinite + b.infinite,
        min=min(a.min, b.min),
        max=max(a.max, b.max),
        mean=(a.mean * a.count + b.mean * b.count) / n if n else 0.0,
        # Chan, Golub & LeVeque (1979): M2 = M2a + M2b + delta^2 * na * nb / n
        m2=a.m2 + b.m2 + (delta * delta * a.count * b.count / n if n else 0.0),
        edges=a.edges or b.edges,
        counts=[
            x + y
            for x, y in zip(
                a.counts or [0] * len(b.counts), b.counts or [0] * len(a.counts), strict=True
            )
        ],
        below=a.below + b.below,
        above=a.above + b.above,
        kmv=_merge_kmv(a.kmv, b.kmv),
    )
    if a.values is not None and b.values is not None:
        values = dict(a.values)
        for key, count in b.values.items():
            values[key] = values.get(key, 0) + count
        # in order of value, as one chunk's are: the profile written is the same document
        # whichever chunks or parts arrived first
        merged.values = dict(sorted(values.items())) if len(values) <= EXACT_VALUES else None
    merged.sample = _merge_sample(a, b)
    return merged


def _merge_kmv(a: list[int], b: list[int]) -> list[int]:
    return [
        int(h) for h in sketch.kmv_merge(np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64))
    ]


def _merge_sample(a: Numeric, b: Numeric) -> list[float]:
    if a.complete and b.complete and a.count + b.count <= SAMPLE:
        return sorted(a.sample + b.sample)
    return []
