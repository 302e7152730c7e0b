"""The profile file: a profile as one small JSON document, and back.

Equal-width edges are written as (low, high, bins), not 501 numbers; infinite min/max (a column
with no finite value) as null. Derived figures (distinct count, std, quantiles, deciles) are
written for readers of the file and dropped when it is read: the profile recomputes them.
A document is read only if its `schema_version` is this one and its kinds are known ones.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from o16n.health.stats.kinds import KINDS, NUMERIC_KINDS
from o16n.health.stats.model import (
    DECILES,
    SCHEMA_VERSION,
    Categorical,
    Column,
    Numeric,
    Profile,
    quantiles,
)

if TYPE_CHECKING:
    from o16n.config.profile import CategoricalColumn, NumericColumn, ProfileDocument

DERIVED = ("distinct", "std", "quantiles", "deciles")
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


def to_json(profile: Profile, *, for_readers: bool = True) -> str:
    """A small document: equal-width edges as (low, high, bins), derived figures for readers.
    `for_readers=False` leaves the derived figures out (std, quantiles, deciles, distinct:
    `from_json` recomputes them); an engine's partial profile costs less without them."""
    columns = {}
    for name, column in profile.columns.items():
        data = dict(vars(column.summary))
        if isinstance(column.summary, Numeric):
            data.update(_numeric_json(column.summary))
            if for_readers:
                data.update(_numeric_figures(column.summary))
        if for_readers:
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
    }


def _numeric_figures(s: Numeric) -> dict[str, Any]:
    """What a reader of the file wants and the profile can be rebuilt without."""
    points = quantiles(s, [*QUANTILES, *DECILES])  # one reading of the histogram for all
    if points is None:
        return {"std": s.std, "quantiles": dict.fromkeys(map(str, QUANTILES)), "deciles": None}
    return {
        "std": s.std,
        "quantiles": {str(q): value for q, value in zip(QUANTILES, points, strict=False)},
        "deciles": points[len(QUANTILES) :],
    }


class ProfileError(ValueError):
    """Not a profile `to_json` wrote; `key` is where (e.g. `columns.age.count`)."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


def from_json(text: str, *, checked: bool = True) -> Profile:
    """The profile `to_json` wrote, checked against its model (`o16n.config.profile`) first:
    a hand-edited file fails here, naming the column and key, not later in a check.
    ValueError (ProfileError, or json's): not such a document. `checked=False`: a partial that
    an engine's worker wrote a moment ago, not a file someone may have edited (the model's
    check, and pydantic's import, cost 0.09 s of a 10M-row profile's merge)."""
    if checked:
        model = _validated(text)
        if model is not None:  # the checked values, parsed once (json's parse: 0.04 s a 3 MB file)
            columns = {name: _column(name, _fields(found)) for name, found in model.columns.items()}
            return Profile(model.rows, columns, model.duplicate_rows, model.schema_version)
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ProfileError(f"a profile is one JSON object, not a JSON {type(document).__name__}")
    if document.get("schema_version") != SCHEMA_VERSION:
        raise ProfileError(
            f"profile schema_version {document.get('schema_version')!r}, expected {SCHEMA_VERSION}"
        )
    if checked:
        _validate(text)  # raises: the model refused it, and says where now that json has not
    columns = {name: _column(name, data) for name, data in document["columns"].items()}
    return Profile(
        document["rows"], columns, document["duplicate_rows"], document["schema_version"]
    )


def _validated(text: str) -> ProfileDocument | None:
    """The document as its model, strict, on the JSON itself (where an array may be a
    [value, count] pair); None when the model refuses it (`_validate` tells why)."""
    from pydantic import ValidationError

    from o16n.config.profile import ProfileDocument

    try:
        return ProfileDocument.model_validate_json(text)
    except ValidationError:
        return None


def _fields(column: NumericColumn | CategoricalColumn) -> dict[str, Any]:
    """A checked column's fields, as `json.loads` reads them."""
    data = dict(vars(column))
    if data.get("edges") is not None:  # a numeric column's Edges
        data["edges"] = vars(data["edges"])
    return data


def _validate(text: str) -> None:
    """The model's errors on the document, by column and key."""
    from pydantic import ValidationError

    from o16n.config.profile import ProfileDocument

    try:
        ProfileDocument.model_validate_json(text)
    except ValidationError as exc:
        problems = [_problem(error["loc"], _message(error)) for error in exc.errors()]
        shown = "; ".join(message for _, message in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ProfileError(shown + more, problems[0][0] or None) from None


def _message(error: Any) -> str:
    if error["type"] == "union_tag_invalid":  # the kind: say which are known
        return (
            f"Has an unknown kind {error['ctx']['tag']!r} (known: {error['ctx']['expected_tags']})"
        )
    return str(error["msg"]).removeprefix("Value error, ")


def _problem(loc: tuple[int | str, ...], message: str) -> tuple[str, str]:
    """(key, message) for one validation error: `columns.<name>.<key>` read as "column
    'name', key 'count'", the union's tag (the kind) left out of the path."""
    parts = [str(part) for part in loc]
    text = message[0].lower() + message[1:]
    if parts[:1] == ["columns"] and len(parts) > 1:
        column, inner = parts[1], parts[3:]
        key = ".".join(["columns", column, *inner])
        if not inner and text.startswith("has "):
            return key, f"column {column!r} {text}"
        where = f"column {column!r}" + (f", key {'.'.join(inner)!r}" if inner else "")
        return key, f"{where}: {text}"
    key = ".".join(parts)
    return key, (f"key {key!r}: {text}" if key else text)


def _column(name: str, data: dict[str, Any]) -> Column:
    kind, dtype = data.pop("kind"), data.pop("dtype")
    if kind not in KINDS:  # the model checked it; this tells mypy
        raise ProfileError(f"column {name!r} has an unknown kind {kind!r}", f"columns.{name}.kind")
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
