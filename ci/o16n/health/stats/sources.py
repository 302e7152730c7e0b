"""One column, from pandas or from Arrow, as the profiler needs it: its kind, its values as
float64 (NaN for missing), or its values as codes into distinct labels.

Arrow columns are read from their buffers and validity bitmaps: neither pyarrow.compute
(0.15-0.2 s to import) nor pyarrow's to_numpy (it imports pandas, half a second) is needed, and
a float64 column with no nulls is profiled from a view of its data, not a copy. pandas and
pyarrow are imported where used, so `o16n profile` of a Parquet file never loads pandas.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from o16n.health.stats.kinds import NUMERIC_KINDS, ProfileKind

if TYPE_CHECKING:  # pandas costs half a second to import; Parquet files are read with Arrow
    import pandas as pd

TEXT_MIN_LENGTH = 40  # object columns: mostly distinct and long strings are text, not categories


@dataclass(frozen=True)
class Source:
    """One column of a chunk, read only as far as its kind needs."""

    name: str
    dtype: str
    guess: Callable[[], ProfileKind]  # the kind, judged from the values
    compatible: Callable[[ProfileKind], bool]  # can it be read as a known kind?
    numbers: Callable[[ProfileKind], np.ndarray]  # float64, NaN for missing
    codes: Callable[[], tuple[np.ndarray, np.ndarray]]  # (code per row, -1 missing; labels)


# ---- pandas --------------------------------------------------------------------------------------


def kind_of(series: pd.Series) -> ProfileKind:
    import pandas as pd

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


def numbers(series: pd.Series, kind: ProfileKind) -> np.ndarray:
    """A numeric or datetime column as float64 (datetimes as nanoseconds), NaN for missing."""

    if kind == "datetime":
        values = np.asarray(series.to_numpy(dtype="datetime64[ns]").view(np.int64), np.float64)
        values[series.isna().to_numpy()] = np.nan
        return values
    return np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan), np.float64)


def _compatible(kind: ProfileKind, series: pd.Series) -> bool:
    """Can the series be read as `kind`? A column with no value at all (a CSV chunk or part
    where it is empty, read as float NaN) fits any kind: it adds only missing values."""
    import pandas as pd

    if len(series) and series.isna().all():
        return True

    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    temporal = pd.api.types.is_datetime64_any_dtype(series)
    return (kind in NUMERIC_KINDS) == (numeric or temporal)


def pandas_source(name: str, series: pd.Series) -> Source:
    def codes() -> tuple[np.ndarray, np.ndarray]:
        import pandas as pd

        found, uniques = pd.factorize(series, use_na_sentinel=True)
        return found, np.array([str(u) for u in uniques], dtype=object)

    return Source(
        name,
        str(series.dtype),
        lambda: kind_of(series),
        lambda kind: _compatible(kind, series),
        lambda kind: numbers(series, kind),
        codes,
    )


# ---- Arrow ---------------------------------------------------------------------------------------


def arrow_source(name: str, column: Any) -> Source:
    import pyarrow as pa

    kind_type = column.type
    numeric = pa.types.is_integer(kind_type) or pa.types.is_floating(kind_type)
    temporal = pa.types.is_timestamp(kind_type) or pa.types.is_date(kind_type)

    def guess() -> ProfileKind:
        if pa.types.is_boolean(kind_type):
            return "boolean"
        if numeric or temporal:
            return "numeric" if numeric else "datetime"
        return string_kind(column.slice(0, 1000))

    def as_numbers(kind: ProfileKind) -> np.ndarray:
        # The data buffers are read as they are (temporal values as their integer storage), with
        # NaN where the validity bitmap says null.
        parts = [_floats(chunk) for chunk in column.chunks]
        if not parts:
            return np.zeros(0)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def codes() -> tuple[np.ndarray, np.ndarray]:
        # Parquet keeps strings dictionary-encoded: read that way, nothing is materialized.
        combined = column.combine_chunks()
        if not pa.types.is_dictionary(combined.type):
            try:
                combined = combined.dictionary_encode()
            except pa.ArrowNotImplementedError:  # lists, structs, maps: categories by their text
                return _codes_of_text(combined.to_pylist())
        indices = combined.indices
        found = _values(indices).astype(np.int64)
        valid = _valid(indices)
        if valid is not None:
            found[~valid] = -1
        return found, np.array([str(v) for v in combined.dictionary.to_pylist()], dtype=object)

    return Source(
        name,
        str(kind_type),
        guess,
        lambda kind: (kind in NUMERIC_KINDS) == (numeric or temporal),
        as_numbers,
        codes,
    )


def _codes_of_text(values: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Codes of values Arrow cannot dictionary-encode, read as their text: a list column where
    the reference has numbers is then a change of kind the schema check names, not a crash."""
    texts = [None if v is None else str(v) for v in values]
    labels = sorted({t for t in texts if t is not None})
    index = {label: code for code, label in enumerate(labels)}
    codes = np.array([-1 if t is None else index[t] for t in texts], dtype=np.int64)
    return codes, np.array(labels, dtype=object)


def string_kind(sample: Any) -> ProfileKind:
    """kind_of for Arrow strings: text when mostly distinct and long, else categorical."""
    present = [str(v) for v in sample.to_pylist() if v is not None]
    if not present:
        return "categorical"
    mean_length = sum(len(v) for v in present) / len(present)
    distinct = len(set(present))
    return (
        "text"
        if mean_length >= TEXT_MIN_LENGTH and distinct > 0.5 * len(present)
        else "categorical"
    )


def _values(array: Any) -> np.ndarray:
    """A view of a fixed-width Arrow array's data buffer (null slots hold anything)."""
    import pyarrow as pa

    kind = array.type
    if pa.types.is_date32(kind):
        dtype: np.dtype[Any] = np.dtype(np.int32)
    elif pa.types.is_timestamp(kind) or pa.types.is_date64(kind):
        dtype = np.dtype(np.int64)
    else:
        signed = pa.types.is_signed_integer(kind)
        letter = "f" if pa.types.is_floating(kind) else "i" if signed else "u"
        dtype = np.dtype(f"{letter}{kind.bit_width // 8}")
    return np.frombuffer(
        array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize
    )


def _valid(array: Any) -> np.ndarray | None:
    """Where an Arrow array holds a value (its validity bitmap, unpacked), or None: no nulls."""
    if not array.null_count:
        return None
    bits = np.frombuffer(array.buffers()[0], dtype=np.uint8)
    unpacked = np.unpackbits(bits, bitorder="little")
    return unpacked[array.offset : array.offset + len(array)].astype(bool)


def _floats(array: Any) -> np.ndarray:
    """A numeric or temporal Arrow array as float64, NaN for null: a view when it is float64
    with no nulls (the common case), else a converted copy."""
    values = _values(array)
    valid = _valid(array)
    if values.dtype == np.float64 and valid is None:
        return values
    floats = values.astype(np.float64)
    if valid is not None:
        floats[~valid] = math.nan
    return floats
