"""A column's kind in a profile, as a type: a misspelt kind is a mypy error, not a comparison
that is silently never true. The profile file writes the kind as its string."""

from __future__ import annotations

from typing import Literal, get_args

ProfileKind = Literal["numeric", "categorical", "boolean", "datetime", "text"]
KINDS: frozenset[ProfileKind] = frozenset(get_args(ProfileKind))
# The kinds summarized as numbers (`Numeric`; datetimes as nanoseconds); the rest by category.
NUMERIC_KINDS: frozenset[ProfileKind] = frozenset({"numeric", "datetime"})

# ---- the kind a drift test sees, as Evidently 0.7.23 infers it -----------------------------------
# `evidently.core.datasets.infer_column_type`, which `Report.run` applies to each DataFrame on its
# own; `DataDriftPreset` then reads the *current* dataset's kinds (the report's data definition is
# its first input's) and tests its numerical, categorical and text columns.

DriftKind = Literal["numerical", "categorical", "text", "datetime"]
INTEGER_CARDINALITY_LIMIT = 10  # Evidently: an integer column with at most this many values
TEXT_DISTINCT_SHARE = 0.5  # Evidently: strings with more distinct values than this share: text


def drift_kind(
    kind: ProfileKind, dtype: str, distinct: int, count: int, missing: int
) -> tuple[DriftKind, str]:
    """The kind Evidently would give a column (its profile kind, dtype, distinct and non-missing
    counts), and why, in words a report shows ("integer, 7 values: categorical").

    An integer column with a missing value is float in pandas (a CSV's, or Parquet read with
    pandas), hence numerical to Evidently; o16n reads the dtype the same way."""
    if kind == "boolean":
        return "categorical", "boolean: categorical"
    if kind == "datetime":
        return "datetime", "datetime: not drift-tested (Evidently's DataDriftPreset skips dates)"
    if kind == "numeric":
        integer = dtype.lower().lstrip("u").startswith("int") and not missing
        if integer and distinct <= INTEGER_CARDINALITY_LIMIT:
            return "categorical", f"integer, {_values(distinct)}: categorical"
        if integer:
            return "numerical", f"integer, {_values(distinct)}: numerical"
        return "numerical", "numerical"
    if kind == "text" or distinct > TEXT_DISTINCT_SHARE * count:
        return "text", (
            f"text: {distinct:,} distinct of {count:,} values; Evidently tests text with a "
            "classifier on its words, which a profile does not keep: not drift-tested"
        )
    return "categorical", f"categorical, {_values(distinct)}"


def _values(n: int) -> str:
    return f"{n:,} value" + ("" if n == 1 else "s")
