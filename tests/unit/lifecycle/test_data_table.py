"""What `o16n data use` makes of a table before it writes anything: the target and column kinds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from o16n.errors import ConfigError, UsageError
from o16n.lifecycle.data.table import find_target, kinds, read_table

ROWS = 60


def table(**columns: object) -> pd.DataFrame:
    return pd.DataFrame({name: values for name, values in columns.items()})


def two_classes(n: int = ROWS) -> list[str]:
    return ["yes" if i % 3 == 0 else "no" for i in range(n)]


def test_a_yes_no_target_needs_the_positive_value_and_matches_it_case_blind() -> None:
    frame = table(x=range(ROWS), churn=two_classes())
    with pytest.raises(
        UsageError, match=r"--positive is needed: .* values no, yes.*--positive yes"
    ):
        find_target(frame, "churn", None, True, "t.csv")
    target = find_target(frame, "churn", "YES", True, "t.csv")
    assert (target.positive, target.values) == ("yes", ("yes", "no"))
    assert target.positive_share == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("values", "positive"),
    [([0, 1] * 30, "1"), ([True, False] * 30, "True"), ([0.0, 1.0] * 29 + [np.nan, 1.0], "1.0")],
    ids=["0/1", "booleans", "0/1 with a gap"],
)
def test_a_binary_target_needs_no_positive(values: list[object], positive: str) -> None:
    target = find_target(table(x=range(ROWS), y=values), "y", None, True, "t.csv")
    assert target.positive == positive


def test_rows_without_a_target_are_counted() -> None:
    values: list[object] = two_classes()
    values[:4] = [None] * 4
    assert find_target(table(y=values), "y", "yes", True, "t").unlabelled == 4


@pytest.mark.parametrize(
    ("column", "positive", "error", "words"),
    [
        (
            "Churn",
            None,
            UsageError,
            "--target Churn: t.csv has no such column; its columns: x, churn",
        ),
        ("x", None, ConfigError, "has 60 values (0, 1, 2"),
        (
            "churn",
            "maybe",
            UsageError,
            "--positive maybe: not a value of the target 'churn'; its values: no, yes",
        ),
        ("one", None, ConfigError, "one value only ('a')"),
        ("empty", None, ConfigError, "has no values"),
    ],
)
def test_a_target_that_cannot_be_two_classes_is_named(
    column: str, positive: str | None, error: type[Exception], words: str
) -> None:
    frame = table(x=range(ROWS), churn=two_classes(), one=["a"] * ROWS, empty=[None] * ROWS)
    with pytest.raises(error) as raised:
        find_target(frame, column, positive, True, "t.csv")
    assert words in str(raised.value)


def test_a_class_with_too_few_rows_to_split_is_refused() -> None:
    values = ["no"] * (ROWS - 3) + ["yes"] * 3
    with pytest.raises(ConfigError, match="3 row\\(s\\) of 'yes': too few"):
        find_target(table(y=values), "y", "yes", True, "t.csv")


def test_a_regression_target_must_be_a_number() -> None:
    frame = table(price=np.linspace(1, 9, ROWS), kind=two_classes())
    target = find_target(frame, "price", None, False, "t.csv")
    assert (target.low, target.high, target.classification) == (1.0, 9.0, False)
    with pytest.raises(ConfigError, match="'kind' is not numeric .*a regression"):
        find_target(frame, "kind", None, False, "t.csv")
    with pytest.raises(UsageError, match="--positive is for classification"):
        find_target(frame, "price", "1", False, "t.csv")


def test_column_kinds_and_what_is_left_out() -> None:
    rng = np.random.default_rng(1)
    frame = table(
        customer_id=range(ROWS),
        age=rng.normal(40, 10, ROWS),
        rooms=rng.integers(1, 5, ROWS),
        plan=rng.choice(["basic", "pro", None], ROWS),
        member=rng.choice([True, False], ROWS),
        signed_up=pd.date_range("2024-01-01", periods=ROWS).strftime("%Y-%m-%d"),
        note=[f"customer {i} called about the invoice of last month" for i in range(ROWS)],
        country=["NL"] * ROWS,
        blank=[None] * ROWS,
        churn=two_classes(),
    )
    target = find_target(frame, "churn", "yes", True, "t.csv")
    columns = kinds(frame, target, drop=[])
    assert columns.numeric == ("age",)
    assert columns.categorical == ("rooms", "plan", "member")
    reasons = {d.column: d.reason for d in columns.dropped}
    assert reasons["customer_id"].startswith("an identifier")
    assert reasons["signed_up"].startswith("dates")
    assert reasons["country"].startswith("one value only")
    assert reasons["blank"] == "no values"
    assert set(reasons) == {"customer_id", "signed_up", "country", "blank", "note"}


def test_free_text_and_too_many_categories_are_left_out_with_a_reason() -> None:
    n = 400
    frame = table(
        text=[f"the parcel number {i} arrived late and damaged at the door" for i in range(n)],
        city=[f"city{i % 150}" for i in range(n)],
        y=two_classes(n),
        x=np.arange(n) * 1.5,
    )
    columns = kinds(frame, find_target(frame, "y", "yes", True, "t"), drop=[])
    reasons = {d.column: d.reason for d in columns.dropped}
    assert reasons["text"].startswith("free text")
    assert reasons["city"].startswith("150 distinct values: too many to one-hot encode")


def test_drop_leaves_a_column_out_and_is_checked() -> None:
    frame = table(x=range(ROWS), z=np.linspace(0, 1, ROWS), y=two_classes())
    target = find_target(frame, "y", "yes", True, "t")
    assert kinds(frame, target, drop=["z"]).numeric == ("x",)
    with pytest.raises(UsageError, match="--drop w: no such column"):
        kinds(frame, target, drop=["w"])
    with pytest.raises(UsageError, match="--drop y: that is the --target"):
        kinds(frame, target, drop=["y"])
    with pytest.raises(UsageError, match="no column is left"):
        kinds(frame, target, drop=["x", "z"])


def test_a_feature_named_target_is_refused_unless_dropped() -> None:
    frame = table(target=range(ROWS), x=np.linspace(0, 1, ROWS), y=two_classes())
    found = find_target(frame, "y", "yes", True, "t")
    with pytest.raises(UsageError, match="a column named 'target' that is not the --target"):
        kinds(frame, found, drop=[])
    assert kinds(frame, found, drop=["target"]).numeric == ("x",)


def test_a_column_that_gives_the_answer_away_is_flagged() -> None:
    rng = np.random.default_rng(3)
    y = rng.choice(["yes", "no"], 200)
    frame = table(
        hours=np.where(y == "yes", rng.uniform(1, 9, 200), 0.0),  # known only after the outcome
        noise=rng.normal(size=200),
        y=y,
    )
    columns = kinds(frame, find_target(frame, "y", "yes", True, "t"), drop=[])
    assert [leak.column for leak in columns.leaks] == ["hours"]
    assert "AUC 1.00" in columns.leaks[0].reason
    price = rng.uniform(1, 100, 200)
    money = table(price=price, cents=price * 100, size=rng.normal(size=200))
    flagged = kinds(money, find_target(money, "price", None, False, "t"), drop=[]).leaks
    assert [(leak.column, leak.reason) for leak in flagged] == [
        ("cents", "rank correlation with the target 1.00")
    ]


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("empty.csv", b"", "empty.csv: the file is empty"),
        ("header.csv", b"a,b\n", "the table has no rows (columns: a, b)"),
        ("bad.parquet", b"not parquet at all", "bad.parquet: not a table: Parquet cannot read it"),
        ("binary.csv", bytes(range(256)) * 4, "binary.csv: not a table: CSV cannot read it"),
    ],
)
def test_a_file_that_is_not_a_table_is_named(
    tmp_path: Path, name: str, data: bytes, words: str
) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(ConfigError) as raised:
        read_table(tmp_path / name, name)
    assert words in str(raised.value)


def test_a_semicolon_file_gets_a_hint_about_its_separator(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a;b;y\n1;2;yes\n3;4;no\n")
    frame = read_table(tmp_path / "t.csv")
    with pytest.raises(UsageError, match="separated by something other than commas"):
        find_target(frame, "y", None, True, "t.csv")
