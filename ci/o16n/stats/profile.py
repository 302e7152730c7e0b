"""Profiles: per column a kind, counts, moments, a fine histogram, quantiles, category
frequencies, a distinct-count sketch and (numeric) a small sample, plus the schema.

Numeric histograms have fixed edges: the reference's `BINS` equal-width bins over its range
(for a file, found in a first pass or from Parquet statistics), and a profile of current data
is built `like` the reference, on the same edges, with values outside counted `below`/`above`.
So profiles of chunks add up exactly (counts, min/max; mean and variance by Chan et al.'s
parallel update), and quantiles read off the histogram are within one bin width of exact.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from o16n.stats import sketch

SCHEMA_VERSION = 1
BINS = 500  # fine histogram: quantile error <= range / 500
TOP_K = 100  # categories kept by name; the rest add up in `other`
SAMPLE = 1000  # a numeric column of at most this many values is kept whole (exact KS)
EXACT_VALUES = 20  # numeric columns with at most this many distinct values keep exact counts
TEXT_MIN_LENGTH = 40  # object columns: mostly distinct and long strings are text, not categories


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
        return sketch.kmv_estimate(np.array(self.kmv, dtype=np.uint64))


@dataclass
class Categorical:
    count: int = 0
    missing: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    other: int = 0  # values beyond the TOP_K most frequent
    kmv: list[int] = field(default_factory=list)

    @property
    def distinct(self) -> int:
        return sketch.kmv_estimate(np.array(self.kmv, dtype=np.uint64))


@dataclass
class Column:
    kind: str  # numeric | categorical | boolean | datetime | text
    dtype: str
    summary: Numeric | Categorical


@dataclass
class Profile:
    rows: int
    columns: dict[str, Column]
    duplicate_rows: int = 0
    schema_version: int = SCHEMA_VERSION

    @property
    def schema(self) -> dict[str, str]:
        return {name: column.kind for name, column in self.columns.items()}


def kind_of(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_numeric_dtype(series):
        return "numeric"
    sample = series.dropna().astype(str).head(1000)
    if (
        len(sample)
        and sample.str.len().mean() >= TEXT_MIN_LENGTH
        and sample.nunique() > 0.5 * len(sample)
    ):
        return "text"
    return "categorical"


def numbers(series: pd.Series, kind: str) -> np.ndarray:
    """A numeric or datetime column as float64 (datetimes as nanoseconds), NaN for missing."""
    if kind == "datetime":
        values = np.asarray(series.to_numpy(dtype="datetime64[ns]").view(np.int64), np.float64)
        values[series.isna().to_numpy()] = np.nan
        return values
    return np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan), np.float64)


def profile_frame(
    frame: pd.DataFrame,
    like: Profile | None = None,
    seed: int = 0,
    row_hashes: list[np.ndarray] | None = None,
) -> Profile:
    """Profile one DataFrame (or one chunk). `like`: use that profile's kinds and bin edges."""
    columns: dict[str, Column] = {}
    hashes = np.zeros(len(frame), dtype=np.uint64)
    for name in frame.columns:
        series = frame[name]
        known = like.columns.get(str(name)) if like else None
        kind = known.kind if known and _compatible(known.kind, series) else kind_of(series)
        summary: Numeric | Categorical
        if kind in ("numeric", "datetime"):
            edges = known.summary.edges if known and isinstance(known.summary, Numeric) else None
            summary, column_hashes = _numeric(numbers(series, kind), edges)
        else:
            summary, column_hashes = _categorical(series, kind)
        columns[str(name)] = Column(kind, str(series.dtype), summary)
        hashes = hashes * np.uint64(31) + column_hashes
    if row_hashes is not None:
        row_hashes.append(hashes)
    duplicates = len(hashes) - len(np.unique(hashes)) if row_hashes is None else 0
    return Profile(rows=len(frame), columns=columns, duplicate_rows=duplicates)


def _compatible(kind: str, series: pd.Series) -> bool:
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    return (kind in ("numeric", "datetime")) == (
        numeric or pd.api.types.is_datetime64_any_dtype(series)
    )


def _numeric(values: np.ndarray, edges: list[float] | None) -> tuple[Numeric, np.ndarray]:
    missing = np.isnan(values)
    finite_mask = np.isfinite(values)
    finite = values[finite_mask]
    hashes = sketch.hash_floats(np.where(missing, 0.0, values)) + missing.astype(np.uint64)
    summary = Numeric(missing=int(missing.sum()), infinite=int((~finite_mask & ~missing).sum()))
    summary.count = len(finite)
    if len(finite) == 0:
        summary.values = {}  # no values: exactly none, so merges stay exact
        summary.edges = list(edges) if edges else []
        summary.counts = [0] * (len(edges) - 1) if edges else []
        return summary, hashes
    summary.min, summary.max = float(finite.min()), float(finite.max())
    summary.mean = float(finite.mean())
    summary.m2 = float(((finite - summary.mean) ** 2).sum())
    if edges is None:
        edges = _edges(summary.min, summary.max)
    summary.edges = list(edges)
    summary.counts, summary.below, summary.above = _histogram(finite, edges)
    finite_hashes = sketch.hash_floats(finite)
    summary.kmv = [int(h) for h in sketch.kmv(finite_hashes)]
    if len(summary.kmv) <= EXACT_VALUES:
        unique, counts = np.unique(finite, return_counts=True)
        summary.values = {float(v): int(c) for v, c in zip(unique, counts, strict=True)}
    if len(finite) <= SAMPLE:
        summary.sample = np.sort(finite).tolist()
    return summary, hashes


def _edges(low: float, high: float) -> list[float]:
    if high <= low:  # a single value: one bin around it
        width = max(abs(low) * 1e-9, 1e-9)
        return [low - width, high + width]
    return [float(x) for x in np.linspace(low, high, BINS + 1)]


def _histogram(finite: np.ndarray, edges: list[float]) -> tuple[list[int], int, int]:
    """Counts per equal-width bin (the last bin closed), and the counts below and above."""
    low, high, bins = edges[0], edges[-1], len(edges) - 1
    inside = (finite >= low) & (finite <= high)
    index = ((finite[inside] - low) * (bins / (high - low))).astype(np.int64)
    np.clip(index, 0, bins - 1, out=index)
    counts = np.bincount(index, minlength=bins)
    return counts.tolist(), int((finite < low).sum()), int((finite > high).sum())


def _categorical(series: pd.Series, kind: str) -> tuple[Categorical, np.ndarray]:
    missing = series.isna().to_numpy()
    present = series[~missing].astype(str)
    counts = present.value_counts(sort=True)
    summary = Categorical(count=len(present), missing=int(missing.sum()))
    hashes = np.zeros(len(series), dtype=np.uint64)
    hashes[~missing] = sketch.hash_strings(present.to_numpy())
    if kind != "text":
        summary.counts = {str(k): int(v) for k, v in counts.head(TOP_K).items()}
        summary.other = int(counts.iloc[TOP_K:].sum())
    summary.kmv = [int(h) for h in sketch.kmv(hashes[~missing])]
    return summary, hashes


# ---- merging: profiles of chunks add up to the profile of the whole -------------------------


def merge(a: Profile, b: Profile) -> Profile:
    if a.schema != b.schema:
        raise ValueError(f"cannot merge profiles of different schemas: {a.schema} vs {b.schema}")
    columns = {
        name: Column(col.kind, col.dtype, _merge_summary(col.summary, b.columns[name].summary))
        for name, col in a.columns.items()
    }
    return Profile(a.rows + b.rows, columns, a.duplicate_rows + b.duplicate_rows)


def _merge_summary(a: Numeric | Categorical, b: Numeric | Categorical) -> Numeric | Categorical:
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
        m2=a.m2 + b.m2 + (delta**2 * a.count * b.count / n if n else 0.0),
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
        merged.values = values if len(values) <= EXACT_VALUES else None
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


# ---- files: streaming through chunks -----------------------------------------------------------


def chunks(path: Path, rows: int = 1_000_000) -> Any:
    """DataFrames of at most `rows` rows: Parquet record batches or CSV chunks."""
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
            yield batch.to_pandas()
    else:
        yield from pd.read_csv(path, chunksize=rows)


def profile_file(path: Path, like: Profile | None = None, rows: int = 1_000_000) -> Profile:
    """Profile a file chunk by chunk. A reference (no `like`) needs its ranges first: Parquet
    statistics when every row group has them, else a first pass over the numeric columns."""
    if like is None:
        like = _ranges(path, rows)
    profile: Profile | None = None
    row_hashes: list[np.ndarray] = []
    for seed, frame in enumerate(chunks(path, rows)):
        part = profile_frame(frame, like=like, seed=seed, row_hashes=row_hashes)
        profile = part if profile is None else merge(profile, part)
    if profile is None:
        raise ValueError("the file has no rows")
    hashes = np.concatenate(row_hashes) if row_hashes else np.zeros(0, dtype=np.uint64)
    profile.duplicate_rows = len(hashes) - len(np.unique(hashes))
    return profile


def _ranges(path: Path, rows: int) -> Profile:
    """An empty profile holding each numeric column's kind and final bin edges."""
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    kinds: dict[str, str] = {}
    for frame in chunks(path, rows):
        for name in frame.columns:
            kind = kinds.setdefault(str(name), kind_of(frame[name]))
            if kind in ("numeric", "datetime"):
                values = numbers(frame[name], kind)
                finite = values[np.isfinite(values)]
                if len(finite):
                    low[str(name)] = min(low.get(str(name), math.inf), float(finite.min()))
                    high[str(name)] = max(high.get(str(name), -math.inf), float(finite.max()))
    columns = {}
    for name, kind in kinds.items():
        summary: Numeric | Categorical = Categorical()
        if kind in ("numeric", "datetime"):
            summary = Numeric(edges=_edges(low[name], high[name]) if name in low else [])
        columns[name] = Column(kind, "", summary)
    return Profile(rows=0, columns=columns)


# ---- JSON ---------------------------------------------------------------------------------------


def to_json(profile: Profile) -> str:
    """A small document: equal-width edges as (low, high, bins), derived figures for readers."""
    columns = {}
    for name, column in profile.columns.items():
        data = dict(vars(column.summary))
        if isinstance(column.summary, Numeric):
            data.update(_numeric_json(column.summary))
        data["distinct"] = column.summary.distinct
        columns[name] = {"kind": column.kind, "dtype": column.dtype, **data}
    document = {
        "schema_version": profile.schema_version,
        "rows": profile.rows,
        "duplicate_rows": profile.duplicate_rows,
        "schema": profile.schema,
        "columns": columns,
    }
    return json.dumps(document, separators=(",", ":"), allow_nan=False) + "\n"


def _numeric_json(s: Numeric) -> dict[str, Any]:
    finite = {
        key: getattr(s, key) if math.isfinite(getattr(s, key)) else None for key in ("min", "max")
    }
    levels = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
    return {
        **finite,
        "edges": {"low": s.edges[0], "high": s.edges[-1], "bins": len(s.edges) - 1}
        if s.edges
        else None,
        "values": None if s.values is None else [[k, v] for k, v in s.values.items()],
        "std": s.std,
        "quantiles": {str(q): quantile(s, q) for q in levels},
        "deciles": deciles(s),
    }


DERIVED = ("distinct", "std", "quantiles", "deciles")


def from_json(text: str) -> Profile:
    document = json.loads(text)
    if document.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(
            f"profile schema_version {document.get('schema_version')!r}, expected {SCHEMA_VERSION}"
        )
    columns: dict[str, Column] = {}
    for name, data in document["columns"].items():
        kind, dtype = data.pop("kind"), data.pop("dtype")
        for derived in DERIVED:
            data.pop(derived, None)
        summary: Numeric | Categorical
        if kind in ("numeric", "datetime"):
            summary = Numeric(**_numeric_fields(data))
        else:
            summary = Categorical(**data)
        columns[name] = Column(kind, dtype, summary)
    return Profile(
        document["rows"], columns, document["duplicate_rows"], document["schema_version"]
    )


def _numeric_fields(data: dict[str, Any]) -> dict[str, Any]:
    span = data["edges"]
    return {
        **data,
        "min": math.inf if data["min"] is None else data["min"],
        "max": -math.inf if data["max"] is None else data["max"],
        "values": None if data["values"] is None else {float(k): int(v) for k, v in data["values"]},
        "edges": np.linspace(span["low"], span["high"], span["bins"] + 1).tolist() if span else [],
    }


# ---- reading the histogram ----------------------------------------------------------------------


def cdf_points(summary: Numeric) -> tuple[np.ndarray, np.ndarray]:
    """(x, F(x)) at the bin edges, with the tails (below/above) as bins out to min and max;
    the CDF is piecewise linear between them (values spread evenly inside a bin)."""
    edges = np.array(summary.edges, dtype=float)
    counts = np.array(summary.counts, dtype=float)
    xs, masses = list(edges), [0.0, *counts]
    if summary.below:
        xs.insert(0, summary.min)
        masses = [0.0, float(summary.below), *masses[1:]]
    if summary.above:
        xs.append(summary.max)
        masses.append(float(summary.above))
    cumulative = np.cumsum(masses)
    total = cumulative[-1] if cumulative[-1] else 1.0
    return np.array(xs), cumulative / total


def quantile(summary: Numeric, q: float) -> float | None:
    if summary.count == 0:
        return None
    xs, cdf = cdf_points(summary)
    return float(np.interp(q, cdf, xs))


def deciles(summary: Numeric) -> list[float] | None:
    if summary.count == 0:
        return None
    xs, cdf = cdf_points(summary)
    return [float(x) for x in np.interp(np.linspace(0.1, 0.9, 9), cdf, xs)]
