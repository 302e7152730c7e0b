"""Reporters for a gate decision: a rich table and Markdown (a section of the PR report)."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from o16n.policy.document import Facts
from o16n.policy.gate import ERROR, FAIL, PASS, VERDICT_WORD, WAIVED, WARN, Decision
from o16n.policy.run import Judged
from o16n.report.markup import cell

ICON = {PASS: "✅", WARN: "⚠️", FAIL: "❌", WAIVED: "🟨", ERROR: "💥"}
STYLE = {PASS: "ok", WARN: "warn", FAIL: "fail", WAIVED: "warn", ERROR: "fail"}
ORDER = {ERROR: 0, FAIL: 1, WAIVED: 2, WARN: 3, PASS: 4}


def _sorted(decision: Decision) -> list:  # type: ignore[type-arg]
    return sorted(decision.outcomes, key=lambda o: ORDER[o.outcome])


def _title(decision: Decision, pack: str) -> str:
    where = decision.stage + (f" → {decision.env}" if decision.env else "")
    return f"policy gate ({pack}, {where}): {VERDICT_WORD[decision.verdict]}"


def to_text(decision: Decision, pack: str, console: Console, facts: Facts | None = None) -> None:
    table = Table(title=escape(_title(decision, pack)), title_justify="left")
    for column in ("rule", "severity", "outcome", "checks that"):
        table.add_column(column, overflow="fold")
    for o in _sorted(decision):
        outcome = f"[{STYLE[o.outcome]}]{o.outcome}[/]"
        table.add_row(o.id, o.severity, outcome, escape(o.description))
    console.print(table)
    for o in _sorted(decision):
        if o.outcome == PASS:
            continue
        console.print(
            f"[{STYLE[o.outcome]}]{o.outcome}[/] {o.id}: {escape(o.message)}", highlight=False
        )
        if o.detail:
            console.print(f"  {escape(o.detail)}", highlight=False)
        console.print(f"  rule: {escape(o.where)}", highlight=False)
    for note in decision.notes:
        console.print(f"[warn]note:[/] {escape(note)}", highlight=False)
    if facts is not None:
        for line in governance_markdown(facts):
            if line:
                console.print(escape(line), highlight=False)
    console.print(gate_line(decision), highlight=False)


def gate_line(decision: Decision) -> str:
    """The last line a reader sees, naming the rules behind anything short of a clean pass:
    "gate passed with warnings (warn: model-card-complete)". Rich markup; ids escaped."""
    style = STYLE[decision.verdict]
    named = [
        f"{outcome}: {', '.join(escape(o.id) for o in decision.outcomes if o.outcome == outcome)}"
        for outcome in (ERROR, FAIL, WAIVED, WARN)
        if any(o.outcome == outcome for o in decision.outcomes)
    ]
    rules = f" ({'; '.join(named)})" if named else ""
    return f"gate [{style}]{VERDICT_WORD[decision.verdict]}[/]{rules}"


def governance_markdown(facts: Facts) -> list[str]:
    """The governance part of a decision: the settings this change proposes beside the ones in
    force, each approval that did not count and why, and whether each waiver applies."""
    lines: list[str] = []
    governance = facts.get("governance")
    if governance and governance["changed"]:
        lines += [
            "",
            f"**Governance proposed by this change** (in force: the rules at "
            f"`{cell(governance['rules_from'])}`; the proposal takes effect once merged)",
            "",
            "| setting | in force | proposed |",
            "|---|---|---|",
        ]
        for key in governance["changed"]:
            old = governance["in_force"][key]  # type: ignore[literal-required]
            new = governance["proposed"][key]  # type: ignore[literal-required]
            lines.append(f"| `{key}` | {cell(_short(old))} | {cell(_short(new))} |")
    review = facts.get("review") or {}
    if review.get("not_counted"):
        lines += ["", "**Approvals not counted**", ""]
        lines += [
            f"- {cell(n['who'])}"
            + (f" ({n['commit'][:7]})" if n["commit"] else "")
            + f": {cell(n['reason'])}"
            for n in review["not_counted"]
        ]
    if facts.get("waivers"):
        lines += ["", "**Waivers**", ""]
        for w in facts["waivers"]:
            state = "applies" if w.get("applies") else f"does not apply: {w.get('why_not', '')}"
            covers = (
                f" (and health trigger(s) {cell(', '.join(w['triggers']))} in health-no-fail)"
                if w.get("triggers")
                else ""
            )
            lines.append(
                f"- `{w['rule']}`{covers} approved by {cell(w['approved_by'])} until"
                f" {w['expires']}: {cell(state)}"
            )
    return lines


def _short(value: object) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 300 else text[:297] + "..."


def to_markdown(decision: Decision, pack: str, facts: Facts | None = None) -> str:
    icon = {PASS: "✅", WARN: "⚠️", FAIL: "❌"}[decision.verdict]
    lines = [f"### {icon} {_title(decision, pack)}", ""]
    problems = [o for o in _sorted(decision) if o.outcome != PASS]
    if problems:
        lines += ["| rule | outcome | what to do |", "|---|---|---|"]
        for o in problems:
            text = o.message + (f" ({o.detail})" if o.detail else "")
            lines.append(f"| `{o.id}` | {ICON[o.outcome]} {o.outcome} | {cell(text)} |")
    for note in decision.notes:
        lines += ["", f"> **Note:** {cell(note)}"]
    if facts is not None:
        lines += governance_markdown(facts)
    passed = [o for o in decision.outcomes if o.outcome == PASS]
    if passed:
        lines += ["", f"<details><summary>{len(passed)} rule(s) passed</summary>", ""]
        lines += [f"- `{o.id}`: {cell(o.description)}" for o in passed]
        lines += ["", "</details>"]
    return "\n".join(lines).rstrip("\n") + "\n"


def report_files(judged: Judged) -> dict[str, str]:
    """decision.json (the record, as the ledger keeps it) and decision.md (the rules table)."""
    return {
        "decision.json": json.dumps(judged.record, indent=2) + "\n",
        "decision.md": to_markdown(judged.decision, judged.pack.name, judged.facts),
    }
