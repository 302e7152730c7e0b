"""A user's table, read the way the template's ingest stage reads it, and what o16n makes of it:
the target (two classes mapped to 1 and 0, or a number) and the kind of every other column.

Everything here is pandas on the table in memory; nothing is written. Bad input is a
`ConfigError` or `UsageError` that names the file or the flag and lists what would work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from o16n.errors import ConfigError, UsageError

PARQUET = (".parquet", ".pq")
TARGET = "target"  # the name the ingest stage gives the target column
# Distinct values up to which a string column is one-hot encoded; above it, the columns get
# too many to learn from rows this size (group rare values in ingest.py to keep it).
MAX_CATEGORIES = 100
# Whole-number columns with this few distinct values are codes (a class, a rating): one-hot.
CODE_VALUES = 10
# Free text: strings this long on average are sentences, not categories.
TEXT_LENGTH = 30
# A positive class rarer than this (or a negative one) gets `class_weight: balanced`: the
# threshold of 0.5 on an unweighted logistic regression predicts almost only the majority.
RARE = 0.2
# Fewest rows of the smaller class: the split is stratified and each side needs some.
MIN_CLASS_ROWS = 5
MIN_ROWS = 20
# A numeric column whose ranks follow the target's this closely predicts it by itself.
LEAK_CORRELATION = 0.98
# A numeric column that alone ranks the classes this well (or this badly) is the answer.
LEAK_AUC = 0.99
_ID_NAME = re.compile(r"(^|[_\W])(id|uuid|key)$|^(id|uuid)[_\W]|[a-z]Id$|ID$", re.IGNORECASE)


def read_table(path: Path, shown: str | None = None) -> pd.DataFrame:
    """CSV (comma-separated, as pandas reads it by default) or Parquet, by suffix."""
    shown = shown or str(path)
    if not path.is_file():
        raise UsageError(f"{shown}: no such file", hint="give a CSV or Parquet file, or a URL")
    try:
        parquet = path.suffix.lower() in PARQUET
        frame = pd.read_parquet(path) if parquet else pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise ConfigError("the file is empty", file=shown) from None
    except (ValueError, UnicodeDecodeError, OSError, ImportError) as exc:
        kind = "Parquet" if path.suffix.lower() in PARQUET else "CSV"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            f"not a table: {kind} cannot read it ({first})",
            file=shown,
            hint="give a comma-separated CSV with a header row, or a Parquet file (.parquet)",
        ) from None
    if frame.empty:
        raise ConfigError(f"the table has no rows (columns: {_listed(frame.columns)})", file=shown)
    frame.columns = [str(c) for c in frame.columns]
    return frame


@dataclass(frozen=True)
class Target:
    column: str
    classification: bool
    positive: str | None = None  # the value (as text) that becomes class 1
    positive_share: float | None = None
    values: tuple[str, ...] = ()  # classification: both values, positive first
    low: float | None = None  # regression: the range
    high: float | None = None
    unlabelled: int = 0  # rows without a target, left out by the ingest stage

    @property
    def rare(self) -> bool:
        share = self.positive_share
        return share is not None and min(share, 1 - share) < RARE


def find_target(
    frame: pd.DataFrame, column: str, positive: str | None, classification: bool, shown: str
) -> Target:
    if column not in frame.columns:
        raise UsageError(
            f"--target {column}: {shown} has no such column; its columns: {_listed(frame.columns)}"
            + _separator_hint(frame),
        )
    values = frame[column]
    unlabelled = int(values.isna().sum())
    values = values.dropna()
    if values.empty:
        raise ConfigError(f"the target column {column!r} has no values", file=shown)
    distinct = values.unique()
    if len(distinct) < 2:
        raise ConfigError(
            f"the target column {column!r} has one value only ({distinct[0]!r}): "
            "there is nothing to predict",
            file=shown,
            hint="pick the column that varies with the outcome (--target)",
        )
    if classification:
        return _classes(values, column, positive, unlabelled, shown)
    if positive is not None:
        raise UsageError("--positive is for classification; this project is a regression")
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise ConfigError(
            f"the target column {column!r} is not numeric (values like {_examples(distinct)}): "
            "this project's model is a regression, which predicts a number",
            file=shown,
            hint="give a numeric --target, or generate a classification project "
            "(`o16n new model_kind=classification`)",
        )
    if len(values) < MIN_ROWS:
        raise ConfigError(
            f"{len(values)} rows with a target: too few to train and test", file=shown
        )
    return Target(
        column, False, low=float(values.min()), high=float(values.max()), unlabelled=unlabelled
    )


def _classes(
    values: pd.Series, column: str, positive: str | None, unlabelled: int, shown: str
) -> Target:
    counts = values.astype(str).value_counts()
    if len(counts) > 2:
        raise ConfigError(
            f"the target column {column!r} has {len(counts)} values "
            f"({_listed(counts.index, 10)}): this project's classifier predicts two classes",
            file=shown,
            hint="make a column with two values in the source (e.g. one class against the "
            "rest) and pass it as --target; for a number, generate a regression project",
        )
    if positive is None:
        if set(counts.index) not in ({"0", "1"}, {"False", "True"}, {"0.0", "1.0"}):
            raise UsageError(
                f"--positive is needed: the target {column!r} has the values "
                f"{_listed(counts.index)}; say which one is class 1, e.g. --positive "
                f"{_shell(str(counts.index[-1]))}"
            )
        chosen = next(v for v in counts.index if v in {"1", "True", "1.0"})
    else:
        chosen = _match(positive, list(counts.index), column)
    if int(counts.min()) < MIN_CLASS_ROWS:
        raise ConfigError(
            f"the target column {column!r} has {int(counts.min())} row(s) of "
            f"{counts.idxmin()!r}: too few to split into training and test data "
            f"(at least {MIN_CLASS_ROWS})",
            file=shown,
        )
    other = next(v for v in counts.index if v != chosen)
    return Target(
        column,
        True,
        positive=chosen,
        positive_share=float(counts[chosen] / counts.sum()),
        values=(chosen, other),
        unlabelled=unlabelled,
    )


def _match(positive: str, values: list[str], column: str) -> str:
    if positive in values:
        return positive
    folded = [v for v in values if v.casefold() == positive.casefold()]
    if len(folded) == 1:
        return folded[0]
    raise UsageError(
        f"--positive {positive}: not a value of the target {column!r}; its values: "
        f"{_listed(values)}"
    )


@dataclass(frozen=True)
class Dropped:
    column: str
    reason: str


@dataclass(frozen=True)
class Columns:
    """The kinds of the columns the model uses, and the ones it leaves out (with why)."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    dropped: tuple[Dropped, ...] = ()
    # kept, with a warning: each predicts the target by itself (the reason says how)
    leaks: tuple[Dropped, ...] = field(default=())


def kinds(frame: pd.DataFrame, target: Target, drop: list[str]) -> Columns:
    unknown = [c for c in drop if c not in frame.columns]
    if unknown:
        raise UsageError(
            f"--drop {unknown[0]}: no such column; the columns: {_listed(frame.columns)}"
        )
    if target.column in drop:
        raise UsageError(f"--drop {target.column}: that is the --target")
    if TARGET in frame.columns and target.column != TARGET and TARGET not in drop:
        raise UsageError(
            f"the table has a column named {TARGET!r} that is not the --target: the ingest "
            f"stage writes the target under that name",
            hint=f"--drop {TARGET}, or rename it in the source",
        )
    numeric: list[str] = []
    categorical: list[str] = []
    dropped = [Dropped(c, "--drop") for c in drop]
    for name in frame.columns:
        if name == target.column or name in drop:
            continue
        kind, reason = _kind(frame[name])
        if kind == "numeric":
            numeric.append(name)
        elif kind == "categorical":
            categorical.append(name)
        else:
            dropped.append(Dropped(name, reason))
    if not numeric and not categorical:
        raise UsageError(
            "no column is left for the model to learn from: "
            + "; ".join(f"{d.column}: {d.reason}" for d in dropped),
        )
    labelled = frame[frame[target.column].notna()]
    leaks = _leaks(labelled, target, numeric, categorical)
    return Columns(tuple(numeric), tuple(categorical), tuple(dropped), leaks)


def _kind(values: pd.Series) -> tuple[str, str]:
    present = values.dropna()
    if present.empty:
        return "drop", "no values"
    distinct = present.nunique()
    if distinct == 1:
        return "drop", f"one value only ({present.iloc[0]!r}): it tells the model nothing"
    if pd.api.types.is_bool_dtype(values):
        return "categorical", ""
    if pd.api.types.is_numeric_dtype(values):
        whole = bool((present == present.round()).all())
        if whole and distinct == len(present) and _ID_NAME.search(str(values.name)):
            return "drop", "an identifier (a different whole number on every row)"
        if whole and distinct <= CODE_VALUES:
            return "categorical", ""
        return "numeric", ""
    if pd.api.types.is_datetime64_any_dtype(values) or _dates(present):
        return "drop", (
            "dates: derive what matters (age in days, day of the week) in ingest.py, "
            "and list the new columns in params.yaml"
        )
    text = present.astype(str)
    if text.str.len().mean() >= TEXT_LENGTH and distinct > len(present) / 2:
        return "drop", "free text: it needs text features (e.g. TF-IDF) added to train.py"
    if distinct >= 0.9 * len(present):
        return "drop", "an identifier (almost every value different)"
    if distinct > MAX_CATEGORIES:
        return "drop", (
            f"{distinct} distinct values: too many to one-hot encode (at most {MAX_CATEGORIES}); "
            "group the rare ones in ingest.py"
        )
    return "categorical", ""


def _dates(present: pd.Series) -> bool:
    sample = present.astype(str).head(200)
    if not sample.str.contains(r"\d[-/.:]\d|\d{4}-\d{2}", regex=True).mean() > 0.9:
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() > 0.9)


def _leaks(
    frame: pd.DataFrame, target: Target, numeric: list[str], categorical: list[str]
) -> tuple[Dropped, ...]:
    """Columns that give the target away by themselves: often recorded after the outcome."""
    if target.classification:
        answer = (frame[target.column].astype(str) == target.positive).astype(float)
    else:
        answer = frame[target.column].astype(float)
    found = []
    for name in numeric:
        known = frame[name].notna()
        if target.classification:
            auc = _auc(frame[name][known], answer[known])
            if auc is not None and abs(auc - 0.5) >= LEAK_AUC - 0.5:
                found.append(Dropped(name, f"alone it separates the classes: AUC {auc:.2f}"))
            continue
        rho = frame[name][known].rank().corr(answer[known].rank())
        if pd.notna(rho) and abs(rho) >= LEAK_CORRELATION:
            found.append(Dropped(name, f"rank correlation with the target {rho:.2f}"))
    if target.classification:
        for name in categorical:
            grouped = answer.groupby(frame[name].astype(str)).nunique()
            if len(grouped) >= 2 and bool((grouped == 1).all()) and len(grouped) < len(frame) / 2:
                found.append(Dropped(name, "each of its values has one class only"))
    return tuple(found)


def _auc(values: pd.Series, answer: pd.Series) -> float | None:
    """The area under the ROC curve of one column as the score (Mann-Whitney U over ranks)."""
    positives = int(answer.sum())
    negatives = len(answer) - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = values.rank()
    u = float(ranks[answer == 1].sum()) - positives * (positives + 1) / 2
    return u / (positives * negatives)


def _separator_hint(frame: pd.DataFrame) -> str:
    if len(frame.columns) == 1 and any(s in frame.columns[0] for s in ";\t|"):
        return (
            " (one column: is the file separated by something other than commas? "
            "save it as a comma-separated CSV, or as Parquet)"
        )
    return ""


def _listed(values: object, limit: int = 20) -> str:
    items = [str(v) for v in values]  # type: ignore[attr-defined]
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _examples(values: object) -> str:
    return ", ".join(repr(str(v)) for v in list(values)[:3])  # type: ignore[call-overload]


def _shell(value: str) -> str:
    return (
        value if re.fullmatch(r"[\w.@%+=:,/-]+", value) else "'" + value.replace("'", "'\\''") + "'"
    )
