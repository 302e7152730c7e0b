"""report.decision: a gate decision, built by hand, as a rich table and as Markdown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
from rich.console import Console

from o16n.policy import gate
from o16n.policy.document import Facts
from o16n.policy.gate import Decision, Outcome
from o16n.policy.pack import Pack
from o16n.policy.run import Judged
from o16n.report import decision
from o16n.report.theme import THEME

WHERE = "policies/baseline/pack.yaml"


def outcome(rule: str, status: str, message: str = "", detail: str = "") -> Outcome:
    severity = "warn" if status == gate.WARN else "fail"
    return Outcome(rule, f"{rule} holds.", severity, status, message, detail, f"{WHERE}:12")


PASSED = outcome("metric-floors", gate.PASS)
WARNED = outcome("model-card", gate.WARN, "fill in the model card", "missing: data")
FAILED = outcome("no-regression", gate.FAIL, "roc_auc fell below main", "roc_auc 0.85, floor 0.90")
WAIVED = outcome("health-ok", gate.WAIVED, "data drifted (waived: migration)")
ERRORED = outcome("kpi-floor", gate.ERROR, "could not evaluate: no such key")


def make(
    *outcomes: Outcome, stage: str = "pr", env: str | None = None, notes: tuple[str, ...] = ()
) -> Decision:
    return Decision(stage, env, outcomes, (), notes)


def text_of(found: Decision, pack: str = "baseline") -> str:
    console = Console(record=True, width=160, theme=THEME, color_system=None)
    decision.to_text(found, pack, console)
    return console.export_text()


def test_the_markdown_title_says_pack_stage_and_verdict() -> None:
    assert decision.to_markdown(make(PASSED), "baseline").splitlines()[0] == (
        "### ✅ policy gate (baseline, pr): passed"
    )
    assert decision.to_markdown(make(PASSED, WARNED), "regulated").splitlines()[0] == (
        "### ⚠️ policy gate (regulated, pr): passed with warnings"
    )
    deploy = make(FAILED, stage="deploy", env="production")
    assert decision.to_markdown(deploy, "baseline").splitlines()[0] == (
        "### ❌ policy gate (baseline, deploy → production): failed"
    )


def test_problems_are_table_rows_worst_first_with_what_to_do() -> None:
    markdown = decision.to_markdown(make(WARNED, PASSED, WAIVED, FAILED, ERRORED), "baseline")
    lines = markdown.splitlines()
    header = lines.index("| rule | outcome | what to do |")
    assert lines[header + 1] == "|---|---|---|"
    rows = lines[header + 2 : header + 6]
    assert rows == [
        "| `kpi-floor` | 💥 error | could not evaluate: no such key |",
        "| `no-regression` | ❌ fail | roc_auc fell below main (roc_auc 0.85, floor 0.90) |",
        "| `health-ok` | 🟨 waived | data drifted (waived: migration) |",
        "| `model-card` | ⚠️ warn | fill in the model card (missing: data) |",
    ]
    assert lines[header + 6] == ""


def test_passed_rules_are_folded_in_details() -> None:
    other = outcome("lineage", gate.PASS)
    markdown = decision.to_markdown(make(PASSED, FAILED, other), "baseline")
    assert (
        "<details><summary>2 rule(s) passed</summary>\n\n"
        "- `metric-floors`: metric-floors holds.\n"
        "- `lineage`: lineage holds.\n\n"
        "</details>\n"
    ) in markdown
    assert markdown.endswith("</details>\n")


def test_a_decision_with_no_problems_has_no_rules_table() -> None:
    markdown = decision.to_markdown(make(PASSED), "baseline")
    assert "| rule |" not in markdown
    assert "1 rule(s) passed" in markdown


def test_a_decision_without_passed_rules_has_no_details() -> None:
    markdown = decision.to_markdown(make(FAILED), "baseline")
    assert "<details>" not in markdown
    assert markdown.endswith("|\n") and not markdown.endswith("\n\n")


def test_notes_are_quoted_after_the_table() -> None:
    note = "the waiver for no-regression expired on 2026-12-31 and no longer applies"
    markdown = decision.to_markdown(make(FAILED, notes=(note,)), "baseline")
    assert f"\n\n> **Note:** {note}" in markdown
    assert markdown.index("| `no-regression`") < markdown.index("> **Note:**")


def test_a_multiline_message_stays_in_its_table_row() -> None:
    broken = outcome("no-regression", gate.FAIL, "first line\nsecond | line", "more\ndetail")
    lines = decision.to_markdown(make(broken), "baseline").splitlines()
    (row,) = [line for line in lines if line.startswith("| `no-regression`")]
    assert "first line" in row and "second" in row and "more" in row and "detail" in row


def test_the_text_report_has_a_table_then_every_problem_with_its_rule() -> None:
    text = text_of(make(PASSED, WARNED, FAILED, notes=("renew the waiver",)))
    assert "policy gate (baseline, pr): failed" in text
    for rule, status in (("metric-floors", "pass"), ("model-card", "warn")):
        row = next(line for line in text.splitlines() if rule in line)
        assert status in row
    assert "fail no-regression: roc_auc fell below main\n  roc_auc 0.85, floor 0.90\n" in text
    assert f"  rule: {WHERE}:12\n" in text
    assert "warn model-card: fill in the model card\n  missing: data\n" in text
    assert "note: renew the waiver" in text
    assert text.rstrip().endswith("gate failed (fail: no-regression; warn: model-card)")
    assert text.index("fail no-regression") < text.index("warn model-card")


def test_passed_rules_get_no_problem_lines_in_text() -> None:
    text = text_of(make(PASSED))
    assert "pass metric-floors:" not in text
    assert text.rstrip().endswith("gate passed")


@pytest.mark.parametrize("markup", ["[bold]x[/bold]", "[red]", "[/]"])
def test_rule_text_is_printed_literally_not_as_markup(markup: str) -> None:
    tricky = outcome("no-regression", gate.FAIL, f"message {markup}", f"detail {markup}")
    text = text_of(make(tricky))
    assert f"message {markup}" in text
    assert f"detail {markup}" in text


def test_files_are_the_record_as_json_and_the_markdown() -> None:
    found = make(PASSED, FAILED)
    record: dict[str, Any] = {"kind": "decision", "verdict": "fail", "rules": [{"id": "x"}]}
    pack = Pack("baseline", Path("policies/baseline"), {}, (), ())
    judged = Judged(pack, cast(Facts, {}), found, record)
    files = decision.report_files(judged)
    assert list(files) == ["decision.json", "decision.md"]
    assert json.loads(files["decision.json"]) == record
    assert files["decision.json"].endswith("}\n")
    assert files["decision.md"] == decision.to_markdown(found, "baseline")


def test_a_waiver_that_covers_health_triggers_says_which() -> None:
    waiver = {
        "rule": "no-regression",
        "reason": "recall traded for precision",
        "approved_by": "Gov <gov@example.com>",
        "expires": "2026-12-31",
        "triggers": ["no-regression"],
        "applies": True,
        "why_not": "",
    }
    lines = decision.governance_markdown(cast(Facts, {"waivers": [waiver]}))
    assert lines[-1] == (
        "- `no-regression` (and health trigger(s) no-regression in health-no-fail) approved by"
        " Gov &lt;gov@example.com&gt; until 2026-12-31: applies"
    )


def test_the_terminal_gate_line_names_the_rules_that_warned_failed_or_were_waived() -> None:
    assert text_of(make(PASSED)).splitlines()[-1] == "gate passed"
    warned = text_of(make(PASSED, WARNED)).splitlines()[-1]
    assert warned == "gate passed with warnings (warn: model-card)"
    mixed = text_of(make(WARNED, FAILED, WAIVED, ERRORED)).splitlines()[-1]
    assert mixed == (
        "gate failed (error: kpi-floor; fail: no-regression; waived: health-ok; warn: model-card)"
    )


def test_a_rule_id_with_markup_is_printed_as_written() -> None:
    odd = outcome("[bold]x[/bold]", gate.WARN, "m")
    assert text_of(make(odd)).splitlines()[-1] == "gate passed with warnings (warn: [bold]x[/bold])"
