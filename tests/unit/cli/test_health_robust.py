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
