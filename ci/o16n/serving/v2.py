"""The V2 (Open Inference) protocol's JSON, as MLServer and KServe speak it.

A table of rows goes in as one input per column with the pandas content type, so MLServer's
scikit-learn runtime hands the model a DataFrame with the names it was trained on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from o16n.errors import ConfigError
from o16n.health.stats.model import Categorical, Profile

_DATATYPES = (("b", "BOOL"), ("i", "INT64"), ("u", "UINT64"), ("f", "FP64"))


def datatype(series: pd.Series) -> str:
    kind = series.dtype.kind
    return next((name for k, name in _DATATYPES if k == kind), "BYTES")


def request(rows: pd.DataFrame, outputs: Sequence[str] = ()) -> dict[str, Any]:
    """An inference request for `rows` (one input per column); `outputs` names what to return
    (MLServer's scikit-learn runtime: predict, predict_proba; default: predict)."""
    inputs = []
    for name in rows.columns:
        column = rows[name]
        kind = datatype(column)
        # A missing value is JSON's null, which MLServer's pandas codec reads back as NaN (the
        # model's imputer fills it); NaN itself is not JSON.
        present = column.notna().tolist()
        values = column.tolist() if kind != "BYTES" else column.astype(str).tolist()
        data = [value if known else None for value, known in zip(values, present, strict=True)]
        inputs.append({"name": str(name), "shape": [len(rows), 1], "datatype": kind, "data": data})
    body: dict[str, Any] = {"inputs": inputs, "parameters": {"content_type": "pd"}}
    if outputs:
        body["outputs"] = [{"name": name} for name in outputs]
    return body


def encode(rows: pd.DataFrame, outputs: Sequence[str] = ()) -> bytes:
    return json.dumps(request(rows, outputs), allow_nan=False).encode("utf-8")


def outputs(body: bytes | str, rows: int) -> dict[str, list[Any]]:
    """The outputs of an inference response, one value per row (a list where the output has
    several per row, e.g. class probabilities), checked against the row count."""
    try:
        answer = json.loads(body)
        found = {str(o["name"]): (list(o["data"]), list(o["shape"])) for o in answer["outputs"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"not a V2 inference response ({type(exc).__name__}: {exc})") from None
    if not found:
        raise ConfigError("the V2 inference response has no outputs")
    per_row: dict[str, list[Any]] = {}
    for name, (data, shape) in found.items():
        width = math.prod(shape[1:]) if len(shape) > 1 else 1
        if not shape or shape[0] != rows or len(data) != rows * width:
            raise ConfigError(
                f"output {name!r} has shape {shape} and {len(data)} values for {rows} rows"
            )
        per_row[name] = (
            data if width == 1 else [data[i * width : (i + 1) * width] for i in range(rows)]
        )
    return per_row


def typical_row(profile: Profile, label: str | None) -> pd.DataFrame:
    """One plausible input row from a reference profile: means (rounded for integer columns)
    and the most frequent category or boolean. The label column, when there, is left out."""
    values: dict[str, Any] = {}
    for name, column in profile.columns.items():
        if name == label:
            continue
        summary = column.summary
        if isinstance(summary, Categorical):  # profiles count booleans as "True"/"False"
            top = max(summary.counts, key=summary.counts.__getitem__, default="")
            values[name] = top == "True" if column.kind == "boolean" else top
        else:
            mean = summary.mean if math.isfinite(summary.mean) else 0.0
            values[name] = round(mean) if column.dtype.startswith(("int", "uint")) else mean
    exact = {
        name: profile.columns[name].dtype
        for name in values
        if profile.columns[name].dtype.startswith(("int", "uint", "bool"))
    }
    return pd.DataFrame([values]).astype(exact)
