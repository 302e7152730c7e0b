"""`o16n health` on data a tester would try: infinities, a column retyped or renamed (CSV and
Parquet), columns with no values. Each is a finding with a message that names it (exit 1) or a
pass, never a crash (exit 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from o16n.cli import main as cli


@pytest.fixture
def reference(tmp_path: Path) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 2000
    frame = pd.DataFrame(
        {
            "a": rng.normal(0, 1, n),
            "b": rng.normal(5, 2, n),
            "c": rng.choice(list("xyz"), n),
            "k": rng.integers(0, 3, n),
        }
    )
    frame.to_parquet(tmp_path / "ref.parquet")
    assert (
        cli.main(["profile", str(tmp_path / "ref.parquet"), "-o", str(tmp_path / "ref.json")]) == 0
    )
    return frame


def health(
    capsys: pytest.CaptureFixture[str], folder: Path, current: str
) -> tuple[int, dict[str, Any]]:
    code = cli.main(
        [
            "health",
            "--reference",
            str(folder / "ref.json"),
            "--current",
            str(folder / current),
            "--format",
            "json",
        ]
    )
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, json.loads(out)


def fired(report: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in report["findings"]:
        if finding["severity"] != "ok":
            found.setdefault(finding["trigger"], []).append(finding["message"])
    return found


def notes(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (f["trigger"], f["column"])
        for f in report["findings"]
        if f["method"] == "skipped: kind changed"
    }


def test_infinities_fail_and_count_as_out_of_range(
    tmp_path: Path, reference: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    current = reference.copy()
    current.loc[:999, "a"] = np.inf
    current.loc[:599, "b"] = -np.inf
    current.to_csv(tmp_path / "inf.csv", index=False)
    code, report = health(capsys, tmp_path, "inf.csv")
    assert code == 1
    found = fired(report)
    assert found["infinite-values"] == [
        "50.00% of 'a' infinite (1000 of 2000), 0.00% in the reference (+50.00 points)",
        "30.00% of 'b' infinite (600 of 2000), 0.00% in the reference (+30.00 points)",
    ]
    assert "(1000 values, 1000 of them infinite)" in found["out-of-range"][0]
    assert "(600 values, 600 of them infinite)" in found["out-of-range"][1]


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_retyped_column_fails_the_schema_check_and_is_skipped_elsewhere(
    tmp_path: Path, reference: pd.DataFrame, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    current = reference.rename(columns={"b": "bb"})
    current["a"] = np.where(current["a"] > 0, "high", "low")
    path = tmp_path / f"retyped.{suffix}"
    current.to_parquet(path) if suffix == "parquet" else current.to_csv(path, index=False)
    code, report = health(capsys, tmp_path, path.name)
    assert code == 1
    assert fired(report)["schema"] == [
        "column 'a' changed from numeric to categorical; column 'b' (numeric) is missing; "
        "column 'bb' (numeric) is not in the reference"
    ]
    skipped = {trigger for trigger, column in notes(report) if column == "a"}
    assert {"column-drift", "dataset-drift", "out-of-range", "infinite-values"} <= skipped
    note = next(
        f for f in report["findings"] if f["trigger"] == "column-drift" and f["column"] == "a"
    )
    assert note["message"] == (
        "a: skipped, its kind changed from numeric to categorical (the schema check reports it)"
    )
    assert {c["column"] for c in report["drift"]["columns"]} == {"c", "k"}


def test_a_category_column_turned_numeric_is_a_schema_finding(
    tmp_path: Path, reference: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    current = reference.copy()
    current["c"] = np.arange(len(current), dtype=float)
    current.to_csv(tmp_path / "numbers.csv", index=False)
    code, report = health(capsys, tmp_path, "numbers.csv")
    assert code == 1
    assert fired(report)["schema"] == ["column 'c' changed from categorical to numeric"]
    assert ("unseen-categories", "c") in notes(report)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_a_column_with_no_finite_value_is_measured_not_a_crash(
    tmp_path: Path, reference: pd.DataFrame, capsys: pytest.CaptureFixture[str], value: float
) -> None:
    current = reference.copy()
    current["a"] = value
    current.to_csv(tmp_path / "empty.csv", index=False)
    code, report = health(capsys, tmp_path, "empty.csv")
    assert code == 1
    trigger = "missing-values" if np.isnan(value) else "infinite-values"
    assert any("100.00% of 'a'" in m for m in fired(report)[trigger])


def test_a_reference_column_with_no_values_is_not_a_crash(
    tmp_path: Path, reference: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = reference.assign(a=np.nan)
    frame.to_csv(tmp_path / "gaps.csv", index=False)
    assert cli.main(["profile", str(tmp_path / "gaps.csv"), "-o", str(tmp_path / "ref.json")]) == 0
    capsys.readouterr()
    code, _ = health(capsys, tmp_path, "gaps.csv")
    assert code == 0
    reference.to_csv(tmp_path / "full.csv", index=False)
    code, _ = health(capsys, tmp_path, "full.csv")
    assert code in (0, 1)


def column(document: dict[str, Any], name: str, **changes: Any) -> dict[str, Any]:
    """The profile with column `name`'s keys changed."""
    columns = {**document["columns"], name: {**document["columns"][name], **changes}}
    return {**document, "columns": columns}


def edited(folder: Path, change: Any) -> None:
    path = folder / "ref.json"
    document = json.loads(path.read_text())
    path.write_text(json.dumps(change(document)))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: {**d, "rows": "many"},
            "ref.json: rows: not an o16n profile: key 'rows': input should be a valid integer",
        ),
        (  # strict: a number in quotes is not a number
            lambda d: {**d, "duplicate_rows": "5"},
            "ref.json: duplicate_rows: not an o16n profile: key 'duplicate_rows': input should",
        ),
        (
            lambda d: [d],
            "ref.json: not an o16n profile: a profile is one JSON object, not a JSON list",
        ),
        (
            lambda d: {**d, "columns": {**d["columns"], "a": {"kind": "numeric"}}},
            "ref.json: columns.a.dtype: not an o16n profile: column 'a', key 'dtype': field "
            "required; column 'a', key 'count': field required;",
        ),
        (
            lambda d: {**d, "comment": "edited by hand"},
            "ref.json: comment: not an o16n profile: key 'comment': extra inputs are not permitted",
        ),
        (
            lambda d: {
                **d,
                "columns": {**d["columns"], "c": {**d["columns"]["c"], "kind": "colour"}},
            },
            "ref.json: columns.c: not an o16n profile: column 'c' has an unknown kind 'colour' "
            "(known:",
        ),
        (
            lambda d: {**d, "columns": {**d["columns"], "a": {**d["columns"]["a"], "count": -1}}},
            "column 'a', key 'count': input should be greater than or equal to 0",
        ),
        (
            lambda d: {**d, "columns": {**d["columns"], "a": {**d["columns"]["a"], "counts": [3]}}},
            "ref.json: columns.a: not an o16n profile: column 'a': counts has 1 bins, edges 500",
        ),
        (  # numbers past what o16n's arrays hold: no profile it wrote
            lambda d: column(d, "a", kmv=[2**64]),
            "column 'a', key 'kmv.0': input should be less than 18446744073709551616",
        ),
        (
            lambda d: column(d, "a", below=2**63),
            "column 'a', key 'below': input should be less than 9223372036854775808",
        ),
        (  # a count its histogram does not hold
            lambda d: column(d, "a", count=d["columns"]["a"]["count"] + 1),
            "ref.json: columns.a: not an o16n profile: column 'a': count is 2001, its histogram "
            "holds 2000 (counts, below, above)",
        ),
        (
            lambda d: column(d, "c", other=d["columns"]["c"]["other"] + 2),
            "column 'c': count is 2000, its categories hold 2002 (counts, other)",
        ),
        (
            lambda d: {**d, "schema": {"a": "numeric"}},
            "ref.json: not an o16n profile: `schema` and `columns` disagree on column(s) "
            "'b', 'c', 'k'",
        ),
    ],
)
def test_a_hand_edited_profile_exits_2_naming_the_column_and_key(
    tmp_path: Path,
    reference: pd.DataFrame,
    capsys: pytest.CaptureFixture[str],
    change: Any,
    message: str,
) -> None:
    reference.to_csv(tmp_path / "cur.csv", index=False)
    edited(tmp_path, change)
    code = cli.main(
        [
            "health",
            "--reference",
            str(tmp_path / "ref.json"),
            "--current",
            str(tmp_path / "cur.csv"),
        ]
    )
    _, err = capsys.readouterr()
    assert code == 2
    assert message in " ".join(err.split())


def test_the_shipped_profile_schema_accepts_what_o16n_writes(
    tmp_path: Path, reference: pd.DataFrame
) -> None:
    import jsonschema

    from o16n.config.schemas import schema_path

    schema = json.loads(schema_path("profile").read_text())
    jsonschema.validate(json.loads((tmp_path / "ref.json").read_text()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {**json.loads((tmp_path / "ref.json").read_text()), "rows": "5"}, schema
        )


def test_the_profile_model_knows_the_kinds_the_profiler_makes() -> None:
    from typing import get_args

    from o16n.config.profile import CategoricalKind, NumericKind
    from o16n.health.stats.kinds import KINDS, NUMERIC_KINDS

    assert set(get_args(NumericKind)) == NUMERIC_KINDS
    assert set(get_args(NumericKind)) | set(get_args(CategoricalKind)) == KINDS


def test_a_parquet_column_of_lists_is_a_change_of_kind(
    tmp_path: Path, reference: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    """Arrow cannot dictionary-encode lists or structs: read as their text, they are a kind the
    schema check names, not an ArrowNotImplementedError."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(reference.drop(columns="a"), preserve_index=False)
    rows = len(reference)
    table = table.append_column("a", pa.array([[1.0, float(i % 3)] for i in range(rows)]))
    pq.write_table(table, tmp_path / "lists.parquet")
    code, report = health(capsys, tmp_path, "lists.parquet")
    assert code == 1
    assert fired(report)["schema"] == ["column 'a' changed from numeric to categorical"]


@pytest.mark.parametrize(
    ("values", "largest"),
    [
        ([1e300, -1e300] * 500, "1e+300"),  # squared deviations past the largest float
        ([1.5e308] * 1_000, "1.5e+308"),  # a sum past it
    ],
)
def test_values_too_large_for_64_bit_moments_are_refused_by_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], values: list[float], largest: str
) -> None:
    pd.DataFrame({"fine": range(len(values)), "huge": values}).to_parquet(tmp_path / "big.parquet")
    out = tmp_path / "ref.json"
    assert cli.main(["profile", str(tmp_path / "big.parquet"), "-o", str(out)]) == 2
    error = capsys.readouterr().err
    assert f"column 'huge': its values (up to {largest} in size) are too large" in error
    assert "store it in larger units" in error and "RuntimeWarning" not in error
    assert not out.exists()


def test_a_reference_that_is_no_file_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "m1").write_text("")  # a file where a folder should be
    (tmp_path / "dir.json").mkdir()
    for reference, said in [
        (tmp_path / "m1" / "ref.json", "ref.json: profile not found"),
        (tmp_path / "dir.json", "dir.json: cannot read the profile: Is a directory"),
    ]:
        code = cli.main(["health", "--reference", str(reference), "--current", str(reference)])
        assert code == 2 and said in capsys.readouterr().err
