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


NUMERIC = {"INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"}
NUMERIC |= {"FP16", "FP32", "FP64"}
DATATYPES = NUMERIC | {"BOOL", "BYTES"}


def error(message: str) -> bytes:
    """The V2 protocol's error body (KServe and MLServer clients read `error`)."""
    return json.dumps({"error": message}).encode("utf-8")


def check_request(body: bytes, expected: dict[str, str] | None = None) -> str | None:
    """What is wrong with an inference request body, else None.

    MLServer 1.7.1 answers a value of the wrong type with `500 Internal Server Error` as plain
    text and scores a shape that does not match its data as if it did; checking here gives the
    client a message naming the input. `expected` (input name -> V2 datatype, from the served
    version's reference profile) adds missing inputs and numbers sent as text."""
    try:
        request = json.loads(body)
    except ValueError as exc:  # UnicodeDecodeError is one
        return f"the body is not JSON ({exc})"
    if not isinstance(request, dict):
        return f"the body is a JSON {type(request).__name__}, not an object with `inputs`"
    inputs = request.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        return "`inputs` must be a non-empty list of {name, shape, datatype, data}"
    problems = [_check_input(i, item) for i, item in enumerate(inputs)]
    if found := next((p for p in problems if p), None):
        return found
    rows = {item["shape"][0] for item in inputs if item["shape"]}
    if len(rows) > 1:
        return f"the inputs have different row counts (shape[0]): {sorted(rows)}"
    if expected:
        return _check_expected(inputs, expected)
    return None


def _check_input(index: int, item: Any) -> str | None:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        return f"inputs[{index}]: an object with a string `name` is needed"
    name, shape, kind, data = (
        item["name"],
        item.get("shape"),
        item.get("datatype"),
        item.get("data"),
    )
    if kind not in DATATYPES:
        return f"input {name!r}: datatype {kind!r} is not one of {', '.join(sorted(DATATYPES))}"
    if not isinstance(shape, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
    ):
        return f"input {name!r}: shape must be a list of non-negative integers, not {shape!r}"
    if not isinstance(data, list):
        return f"input {name!r}: data must be a list"
    flat = _flatten(data)
    if len(flat) != math.prod(shape):
        return (
            f"input {name!r}: shape {shape} needs {math.prod(shape)} values, data has {len(flat)}"
        )
    wrong = next((v for v in flat if v is not None and not _fits(kind, v)), _NOTHING)
    if wrong is not _NOTHING:
        return f"input {name!r}: {wrong!r} is not a {kind} value"
    return None


_NOTHING = object()


def _flatten(data: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for value in data:
        flat.extend(_flatten(value) if isinstance(value, list) else [value])
    return flat


def _fits(kind: str, value: Any) -> bool:
    if kind == "BOOL":
        return isinstance(value, bool)
    if kind == "BYTES":
        return isinstance(value, str)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return kind.startswith("FP") or float(value).is_integer()


def _check_expected(inputs: list[dict[str, Any]], expected: dict[str, str]) -> str | None:
    sent = {item["name"]: item["datatype"] for item in inputs}
    missing = [name for name in expected if name not in sent]
    if missing:
        return f"the model needs the inputs {', '.join(missing)}; the request lacks them"
    for name, kind in expected.items():
        if (kind == "BYTES") != (sent[name] == "BYTES") and "BOOL" not in (kind, sent[name]):
            return (
                f"input {name!r}: the model was trained on {kind} values, "
                f"the request sends {sent[name]}"
            )
    return None
