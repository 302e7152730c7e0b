"""`o16n profile` and `o16n health` on real files: default triggers, every output format, and a
clear exit 2 for each kind of bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from o16n.cli import main as cli
from o16n.health.findings import FAIL, Finding, HealthReport
from o16n.report import health as reporters


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rng = np.random.default_rng(11)
    n = 3000
    ref = pd.DataFrame(
        {f"x{i}": rng.normal(0, 1, n) for i in range(4)} | {"c": rng.choice(list("abc"), n)}
    )
    cur = pd.DataFrame(
        {f"x{i}": rng.normal(0, 1, n) for i in range(4)} | {"c": rng.choice(list("abc"), n)}
    )
    cur["x0"] += 0.5
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_csv(tmp_path / "cur.csv", index=False)
    return tmp_path


def health(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["health", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_profile_then_health_with_the_default_triggers(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["profile", str(data / "ref.parquet"), "-o", str(data / "ref.json")]) == 0
    assert "profiled 3000 rows, 5 columns (4 numeric, 1 categorical)" in capsys.readouterr().out
    code, out, _ = health(
        capsys,
        "--reference",
        str(data / "ref.json"),
        "--current",
        str(data / "cur.csv"),
        "--format",
        "json",
    )
    report = json.loads(out)
    assert code == 0  # one drifted column warns; dataset drift needs half of them
    columns = {c["column"]: c for c in report["drift"]["columns"]}
    assert set(columns) == {"x0", "x1", "x2", "x3", "c"}
    assert {k: columns["x0"][k] for k in ("method", "threshold", "drifted")} == {
        "method": "wasserstein",
        "threshold": 0.1,
        "drifted": True,
    }
    assert columns["c"]["method"] == "jensenshannon" and columns["c"]["drifted"] is False
    assert report["drift"]["dataset_drift_share"] == pytest.approx(0.2)


def test_dataset_drift_fails_with_exit_1(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cur = pd.read_csv(data / "cur.csv")
    cur[["x1", "x2"]] += 1.0
    cur.to_csv(data / "cur.csv", index=False)
    code, out, _ = health(
        capsys, "--reference", str(data / "ref.parquet"), "--current", str(data / "cur.csv")
    )
    assert code == 1
    assert "drift: 3 of 5 columns drifted, dataset drift share 60%" in out
    assert "health failed" in out


def test_markdown_and_html_reports(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--reference", str(data / "ref.parquet"), "--current", str(data / "cur.csv")]
    assert health(capsys, *args, "--format", "md", "-o", str(data / "h.md"))[0] == 0
    assert health(capsys, *args, "--format", "html", "-o", str(data / "h.html"))[0] == 0
    markdown = (data / "h.md").read_text()
    assert markdown.startswith(
        "<!-- o16n-health -->\n## ⚠️ health passed with warnings: 0 fail, 1 warn"
    )
    page = (data / "h.html").read_text()
    assert page.count("<svg viewBox") == 1  # the one drifted column's large chart
    assert page.count('<svg class="mini"') == 5  # a small chart for every column
    assert markdown.count(" · cur ") == 5  # and a text sparkline pair each, folded
    assert not re.search(r"<script|<link|@import|url\(|https?://", page)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "triggers:\n  - {id: a, check: drfit}\n",
            "health.yaml:2: triggers[0].check: Input tag 'drfit'",
        ),
        (
            "triggers:\n  - {id: a, check: missing_share, columns: [nope]}\n",
            "health.yaml:2: a.columns: column 'nope' is not in the reference",
        ),
        (
            "triggers:\n  - id: schema\n    check: schema\n  - id: feature-drift\n"
            "    check: column_drift\n    exclude: [c]\n    columns:\n      - x0\n      - x\n",
            "health.yaml:7: feature-drift.columns: column 'x' is not in the reference",
        ),
        (
            "triggers:\n  - id: drift\n    check: column_drift\n    exclude: [gone]\n",
            "health.yaml:4: drift.exclude: column 'gone' is not in the reference",
        ),
        (
            'triggers:\n  - {id: a, check: missing_share, warn: "0.01"}\n',
            "health.yaml:2: triggers[0].warn: must be a number, not the text '0.01'\n"
            "  hint: remove the quotes: 0.01 is a number only without them",
        ),
        (
            "triggers:\n  - id: a\n    check: row_count\n    fail: false\n",
            "health.yaml:4: triggers[0].fail: must be a number, not the boolean false",
        ),
        (
            "triggers:\n  - {id: a, check: missing_share, warn: lots}\n",
            "health.yaml:2: triggers[0].warn: must be a number, not the text 'lots'",
        ),
    ],
)
def test_bad_config_exits_2_naming_file_line_and_key(
    data: Path, capsys: pytest.CaptureFixture[str], config: str, message: str
) -> None:
    path = write(data / "health.yaml", config)
    code, _, err = health(
        capsys,
        "--config",
        str(path),
        "--reference",
        str(data / "ref.parquet"),
        "--current",
        str(data / "cur.csv"),
    )
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_missing_reference_names_the_trigger_that_needs_it(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        data / "health.yaml", "version: 1\ntriggers:\n  - id: drift\n    check: column_drift\n"
    )
    code, _, err = health(capsys, "--config", str(path), "--current", str(data / "cur.csv"))
    assert code == 2
    assert f"error: {path}:3: drift: no reference given\n  hint: set `reference:`" in err


@pytest.mark.parametrize(
    ("current", "message"),
    [
        ("missing.csv", "missing.csv: data file not found"),
        ("empty.csv", "empty.csv: cannot read the data"),
        ("header.csv", "header.csv: the data has no rows"),
        ("binary.parquet", "binary.parquet: cannot read the data"),
    ],
)
def test_unreadable_or_empty_data_exits_2(
    data: Path, capsys: pytest.CaptureFixture[str], current: str, message: str
) -> None:
    write(data / "empty.csv", "")
    write(data / "header.csv", "x0,x1,x2,x3,c\n")
    write(data / "binary.parquet", "not parquet")
    code, _, err = health(
        capsys, "--reference", str(data / "ref.parquet"), "--current", str(data / current)
    )
    assert code == 2
    assert message in err


def test_profile_of_another_version_exits_2(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["profile", str(data / "ref.parquet"), "-o", str(data / "ref.json")]) == 0
    profile = data / "ref.json"
    profile.write_text(profile.read_text().replace('"schema_version":1', '"schema_version":7'))
    code, _, err = health(capsys, "--reference", str(profile), "--current", str(data / "cur.csv"))
    assert code == 2
    assert "ref.json: not an o16n profile: profile schema_version 7, expected 1" in err


def test_profile_of_another_dataset_exits_2(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(data / "other.csv", "height,weight\n1.8,80\n1.6,55\n")
    current = str(data / "other.csv")
    code, _, err = health(capsys, "--reference", str(data / "ref.parquet"), "--current", current)
    assert code == 2
    assert "other.csv: the data shares no column with the reference profile" in err


def test_health_without_config_or_data_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = health(capsys, "--project", str(tmp_path))
    assert code == 2
    assert "no --reference/--current" in err


def finding(i: int, severity: str = FAIL) -> Finding:
    return Finding(f"t{i}", "metric", severity, f"message | {i}\nwith a newline", 1.0, 0.5, "m")


def test_markdown_fits_a_github_comment_and_says_what_it_left_out() -> None:
    report = HealthReport(findings=tuple(finding(i) for i in range(5000)))
    markdown = reporters.to_markdown(report)
    assert len(markdown) < 65_000
    assert re.search(r"_\d+ more row\(s\) left out to fit a GitHub comment", markdown)
    assert "message \\| 0 with a newline" in markdown


def test_json_turns_nan_into_null() -> None:
    report = HealthReport(findings=(Finding("t", "metric", FAIL, "m", float("nan"), None, "m"),))
    assert json.loads(reporters.to_json(report))["findings"][0]["value"] is None


def test_html_escapes_user_text() -> None:
    report = HealthReport(
        findings=(Finding("<script>", "metric", FAIL, "<b>x</b>", 1.0, 0.5, "m"),)
    )
    page = reporters.to_html(report)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_per_column_method_and_threshold_override(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(
        data / "health.yaml",
        "triggers:\n"
        "  - id: drift\n"
        "    check: column_drift\n"
        "    params:\n"
        "      overrides:\n"
        "        x0: {method: psi, threshold: 0.5}\n"
        "        c: {threshold: 0.001}\n",
    )
    args = ["--config", str(config), "--reference", str(data / "ref.parquet")]
    code, out, _ = health(capsys, *args, "--current", str(data / "cur.csv"), "--format", "json")
    columns = {c["column"]: c for c in json.loads(out)["drift"]["columns"]}
    assert (columns["x0"]["method"], columns["x0"]["threshold"]) == ("psi", 0.5)
    assert columns["x0"]["drifted"] is False  # PSI of a 0.5 std shift is about 0.25
    assert (columns["c"]["method"], columns["c"]["threshold"]) == ("jensenshannon", 0.001)
    assert (columns["x1"]["method"], columns["x1"]["threshold"]) == ("wasserstein", 0.1)
    assert code == 0
