"""The profile file: a profile as one small JSON document, and back.

Equal-width edges are written as (low, high, bins), not 501 numbers; infinite min/max (a column
with no finite value) as null. Derived figures (distinct count, std, quantiles, deciles) are
written for readers of the file and dropped when it is read: the profile recomputes them.
A document is read only if its `schema_version` is this one and its kinds are known ones.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from o16n.health.stats.kinds import KINDS, NUMERIC_KINDS
from o16n.health.stats.model import (
    SCHEMA_VERSION,
    Categorical,
    Column,
    Numeric,
    Profile,
    deciles,
    quantile,
)

DERIVED = ("distinct", "std", "quantiles", "deciles")
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


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
    return {
        **finite,
        "edges": {"low": s.edges[0], "high": s.edges[-1], "bins": len(s.edges) - 1}
        if s.edges
        else None,
        "values": None if s.values is None else [[k, v] for k, v in s.values.items()],
        "std": s.std,
        "quantiles": {str(q): quantile(s, q) for q in QUANTILES},
        "deciles": deciles(s),
    }


def from_json(text: str) -> Profile:
    """The profile `to_json` wrote. ValueError, KeyError or TypeError: not such a document."""
    document = json.loads(text)
    if document.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(
            f"profile schema_version {document.get('schema_version')!r}, expected {SCHEMA_VERSION}"
        )
    columns = {name: _column(name, data) for name, data in document["columns"].items()}
    return Profile(
        document["rows"], columns, document["duplicate_rows"], document["schema_version"]
    )


def _column(name: str, data: dict[str, Any]) -> Column:
    kind, dtype = data.pop("kind"), data.pop("dtype")
    if kind not in KINDS:
        raise ValueError(f"column {name!r} has an unknown kind {kind!r}")
    for derived in DERIVED:
        data.pop(derived, None)
    if kind in NUMERIC_KINDS:
        return Column(kind, dtype, Numeric(**_numeric_fields(data)))
    return Column(kind, dtype, Categorical(**data))


def _numeric_fields(data: dict[str, Any]) -> dict[str, Any]:
    span = data["edges"]
    return {
        **data,
        "min": math.inf if data["min"] is None else data["min"],
        "max": -math.inf if data["max"] is None else data["max"],
        "values": None if data["values"] is None else {float(k): int(v) for k, v in data["values"]},
        "edges": np.linspace(span["low"], span["high"], span["bins"] + 1).tolist() if span else [],
    }
