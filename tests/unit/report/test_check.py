"""report.check: a CheckReport built by hand as Markdown, JSON, text and HTML, and the files a
check writes, in order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from rich.console import Console

from o16n.health.kpi import KPIResult
from o16n.lifecycle.check import (
    FAILED,
    PASSED,
    SKIPPED,
    CheckReport,
    MetricChange,
    ParamChange,
    StepResult,
)
from o16n.policy import gate
from o16n.policy.document import Facts
from o16n.policy.pack import Pack
from o16n.policy.run import Judged
from o16n.report import check, decision, health
from o16n.report.theme import THEME
from tests.unit.report.sample import sample_report

LINT = StepResult("lint", PASSED, "ruff: no findings", seconds=1.25)
TESTS = StepResult(
    "tests",
    FAILED,
    "tests failed: 1 failed, 3 passed",
    details="FAILED test_train.py::test_fit\n```python\nassert 0.8 >= 0.9\n```",
    seconds=4.0,
)
REPRO = StepResult("repro", SKIPPED, "no dvc.yaml")
METRICS = (
    MetricChange("metrics.json", "accuracy", 0.9, 0.95),
    MetricChange("metrics.json", "roc_auc", 0.91, 0.91),
    MetricChange("eval/extra.json", "f1", None, 0.8),
)
CURRENT = KPIResult("net value", "EUR", 120.0, 0.5)


def judged() -> Judged:
    failing = gate.Outcome("no-regression", "No metric fell.", "fail", gate.FAIL, "roc_auc fell")
    found = gate.Decision("pr", None, (failing,), (), ())
    pack = Pack("baseline", Path("policies/baseline"), {}, (), ())
    facts = cast(Facts, {"stage": "pr", "metrics": {"roc_auc": 0.9}})
    record: dict[str, Any] = {"kind": "decision", "verdict": "fail"}
    return Judged(pack, facts, found, record)


def text_of(report: CheckReport) -> str:
    console = Console(record=True, width=160, theme=THEME, color_system=None)
    check.to_text(report, console)
    return console.export_text()


# ---- Markdown ----------------------------------------------------------------------------------


def test_the_marker_comes_first_then_the_verdict() -> None:
    lines = check.to_markdown(CheckReport("main", (LINT,))).splitlines()
    assert lines[:2] == [check.MARKER, "## o16n check: ✅ passed"]
    failed = check.to_markdown(CheckReport("main", (LINT, TESTS))).splitlines()
    assert failed[:2] == [check.MARKER, "## o16n check: ❌ failed"]


def test_every_step_is_a_table_row_with_its_result() -> None:
    lines = check.to_markdown(CheckReport("main", (LINT, TESTS, REPRO))).splitlines()
    header = lines.index("| step | result | summary |")
    assert lines[header + 1] == "|---|---|---|"
    assert lines[header + 2 : header + 5] == [
        "| lint | ✅ passed | ruff: no findings |",
        "| tests | ❌ failed | tests failed: 1 failed, 3 passed |",
        "| repro | ⏭️ skipped | no dvc.yaml |",
    ]


def test_a_multiline_summary_stays_in_its_row() -> None:
    step = StepResult("lock", FAILED, "dvc.lock is not current\nrun make repro | commit")
    lines = check.to_markdown(CheckReport("main", (step,))).splitlines()
    (row,) = [line for line in lines if line.startswith("| lock |")]
    assert "dvc.lock is not current" in row and "run make repro" in row and "commit" in row


def test_metrics_are_a_table_against_the_base() -> None:
    markdown = check.to_markdown(CheckReport("origin/main", (LINT,), METRICS))
    lines = markdown.splitlines()
    heading = lines.index("### Metrics vs `origin/main`")
    assert lines[heading + 2 : heading + 7] == [
        "| metric | `origin/main` | this change | diff |",
        "|---|---:|---:|---:|",
        "| accuracy | 0.9 | 0.95 | +0.05 |",
        "| roc_auc | 0.91 | 0.91 | 0 |",
        "| eval/extra.json: f1 | — | 0.8 | — |",
    ]


def test_no_metrics_no_metrics_table() -> None:
    assert "### Metrics" not in check.to_markdown(CheckReport("main", (LINT,)))


def test_a_failed_steps_output_is_folded_with_its_code_fences_neutralised() -> None:
    markdown = check.to_markdown(CheckReport("main", (LINT, TESTS)))
    start = markdown.index("<details><summary>tests output</summary>")
    block = markdown[start:]
    assert block.startswith("<details><summary>tests output</summary>\n\n```\n")
    assert block.endswith("\n```\n\n</details>\n")
    inner = block.removeprefix("<details><summary>tests output</summary>\n\n```\n")
    inner = inner.removesuffix("\n```\n\n</details>\n")
    assert "```" not in inner  # the step's own fences cannot close the block
    assert "FAILED test_train.py::test_fit" in inner and "assert 0.8 >= 0.9" in inner
    assert markdown.count("<details>") == 1


def test_only_failed_steps_with_output_get_details() -> None:
    chatty = StepResult("lint", PASSED, "ok", details="all good")
    silent = StepResult("tests", FAILED, "failed", details="")
    assert "<details>" not in check.to_markdown(CheckReport("main", (chatty, silent)))


def test_the_gate_and_health_sections_follow_the_tables() -> None:
    report = CheckReport("main", (LINT, TESTS), METRICS, health=sample_report(), gate=judged())
    markdown = check.to_markdown(report)
    gate_title = "policy gate (baseline, pr): failed"
    assert gate_title in markdown
    assert markdown.index("### Metrics vs") < markdown.index(gate_title)
    assert health.MARKER not in markdown  # one marker: the check's
    assert markdown.count(check.MARKER) == 1
    assert "\n## " not in markdown.split("\n", 2)[2]  # the health heading is a subsection
    assert markdown.index(gate_title) < markdown.index("<details><summary>tests output")


def test_one_metrics_table_base_first_when_health_compared_metrics_too() -> None:
    """The check's metrics table (base | this change | diff) is the only one: the health
    section embedded below it leaves its own out; alone, health's has the same column order."""
    report = CheckReport("main", (LINT,), METRICS, health=sample_report())
    markdown = check.to_markdown(report)
    assert markdown.count("### Metrics vs") == 1
    assert "| metric | `main` | this change | diff |" in markdown
    assert "| accuracy | 0.9 | 0.95 | +0.05 |" in markdown
    alone = check.to_markdown(CheckReport("main", (LINT,), health=sample_report()))
    assert alone.count("### Metrics vs") == 1 and "| metric | base | this change | diff |" in alone
    assert "| roc_auc | 0.905 | 0.871 | -0.034 |" in alone


# ---- JSON ---------------------------------------------------------------------------------------


def test_json_has_base_steps_metrics_params_and_passed() -> None:
    changed = (ParamChange("params.yaml", "train.C", "1.0", "0.5"),)
    data = json.loads(check.to_json(CheckReport("main", (LINT, TESTS), METRICS, changed)))
    assert list(data) == ["base", "steps", "metrics", "params", "passed"]
    assert data["params"] == [
        {"file": "params.yaml", "name": "train.C", "old": "1.0", "new": "0.5"}
    ]
    assert data["base"] == "main" and data["passed"] is False
    assert data["steps"][0] == {
        "name": "lint",
        "status": "passed",
        "summary": "ruff: no findings",
        "details": "",
        "seconds": 1.25,
    }
    assert data["steps"][1]["details"] == TESTS.details
    assert data["metrics"][0] == {
        "file": "metrics.json",
        "name": "accuracy",
        "old": 0.9,
        "new": 0.95,
        "diff": 0.95 - 0.9,
    }
    assert data["metrics"][2]["diff"] is None


def test_skipped_steps_do_not_fail_the_check() -> None:
    data = json.loads(check.to_json(CheckReport("main", (LINT, REPRO))))
    assert data["passed"] is True and data["metrics"] == []


# ---- text ---------------------------------------------------------------------------------------


def test_text_lists_steps_metrics_failed_output_and_verdict() -> None:
    text = text_of(CheckReport("main", (LINT, TESTS, REPRO), METRICS))
    assert "o16n check" in text
    lint = next(line for line in text.splitlines() if "ruff: no findings" in line)
    assert "lint" in lint and "passed" in lint and "1.2" in lint
    assert "metrics vs main" in text
    f1 = next(line for line in text.splitlines() if " f1 " in line)
    assert "eval/extra.json" in f1 and "—" in f1
    assert "tests output:\nFAILED test_train.py::test_fit\n```python" in text
    assert text.rstrip().endswith("check failed")


def test_text_of_a_passing_check_has_no_metrics_table_or_output() -> None:
    text = text_of(CheckReport("main", (LINT,)))
    assert "metrics vs" not in text and "output:" not in text
    assert text.rstrip().endswith("check passed")


def test_text_prints_step_summaries_and_output_literally() -> None:
    step = StepResult("tests", FAILED, "[bold]1 failed[/bold]", details="[red]E   assert[/]")
    text = text_of(CheckReport("main", (step,)))
    assert "[bold]1 failed[/bold]" in text
    assert "[red]E   assert[/]" in text


# ---- HTML ---------------------------------------------------------------------------------------


def test_html_is_one_page_of_the_markdown_report() -> None:
    page = check.to_html(CheckReport("main", (LINT, TESTS)))
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert "<title>o16n check: failed</title>" in page
    assert "<table>" in page and "<details>" in page
    assert "o16n health report" not in page


def test_html_has_the_health_charts_when_health_ran() -> None:
    page = check.to_html(CheckReport("main", (LINT,), health=sample_report()))
    assert page.count("<h1>o16n health report</h1>") == 1
    assert page.count("<h2>What fired</h2>") == 1  # the health HTML only, not its Markdown too
    assert "<svg viewBox" in page and '<svg class="mini"' in page


def test_html_draws_its_status_icons_needing_no_emoji_font() -> None:
    report = CheckReport("main", (LINT, TESTS, REPRO), METRICS, health=sample_report())
    page = check.to_html(
        report,
    )
    assert not any(emoji in page for emoji in ("✅", "❌", "⚠", "⏭", "🟨", "💥"))
    assert 'aria-label="passed"' in page and 'aria-label="failed"' in page
    assert 'aria-label="skipped"' in page  # the repro step
    assert "✅" in check.to_markdown(report)  # GitHub draws the Markdown's emoji itself


# ---- files --------------------------------------------------------------------------------------


def test_a_check_without_health_kpis_or_gate_writes_the_check_files_only() -> None:
    report = CheckReport("main", (LINT,))
    files = check.report_files(report)
    assert list(files) == ["check.json", "check.md", "check.html"]
    assert files["check.json"] == check.to_json(report)
    assert files["check.md"] == check.to_markdown(report)
    assert files["check.html"] == check.to_html(report)


def test_health_files_come_first_when_health_ran() -> None:
    files = check.report_files(CheckReport("main", (LINT,), health=sample_report()))
    assert list(files) == [
        "health.json",
        "health.md",
        "health.html",
        "check.json",
        "check.md",
        "check.html",
    ]
    assert files["health.json"] == health.to_json(sample_report())


def test_every_file_in_step_order_when_every_step_ran() -> None:
    judgement = judged()
    report = CheckReport(
        "main",
        (LINT, TESTS),
        METRICS,
        health=sample_report(),
        kpis=(CURRENT, None),
        gate=judgement,
    )
    files = check.report_files(report)
    assert list(files) == [
        "health.json",
        "health.md",
        "health.html",
        "kpi.json",
        "facts.json",
        "decision.json",
        "decision.md",
        "check.json",
        "check.md",
        "check.html",
    ]
    assert json.loads(files["facts.json"]) == {"stage": "pr", "metrics": {"roc_auc": 0.9}}
    assert json.loads(files["decision.json"]) == {"kind": "decision", "verdict": "fail"}
    assert files["decision.md"] == decision.to_markdown(judgement.decision, "baseline")
    assert all(text.endswith("\n") for text in files.values())


def test_kpi_json_has_the_current_and_baseline_results() -> None:
    base = KPIResult("net value", "EUR", 100.0)
    files = check.report_files(CheckReport("main", (LINT,), kpis=(CURRENT, base)))
    assert list(files)[0] == "kpi.json"
    kpi = json.loads(files["kpi.json"])
    assert kpi["current"]["per_1000"] == 120.0 and kpi["current"]["threshold"] == 0.5
    assert kpi["baseline"]["per_1000"] == 100.0
    alone = json.loads(
        check.report_files(CheckReport("main", (LINT,), kpis=(CURRENT, None)))["kpi.json"]
    )
    assert alone["baseline"] is None


def test_decision_files_only_when_the_gate_ran() -> None:
    files = check.report_files(CheckReport("main", (LINT,), kpis=(CURRENT, None)))
    assert not {"facts.json", "decision.json", "decision.md"} & set(files)


def test_markdown_lists_the_changed_params_and_shortens_long_values() -> None:
    columns = str([f"column_{i}" for i in range(30)])
    changed = (
        ParamChange("params.yaml", "train.C", "1.0", "0.5"),
        ParamChange("params.yaml", "data.numeric", columns, "['a']"),
        ParamChange("params.yaml", "train.class_weight", None, "balanced"),
    )
    markdown = check.to_markdown(CheckReport("main", (LINT,), METRICS, changed))
    assert "### Params vs `main`\n\n| param | `main` | this change |" in markdown
    assert "| train.C | 1.0 | 0.5 |" in markdown
    assert "| train.class_weight | — | balanced |" in markdown
    row = next(line for line in markdown.splitlines() if line.startswith("| data.numeric"))
    assert "…" in row and len(row) < 160
