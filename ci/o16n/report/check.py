"""Reporters for `o16n check`: a rich table, JSON, Markdown for a PR comment or job summary, and
one HTML page; `report_files` is every file a check writes, the health and gate reports included.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from o16n.lifecycle.check import FAILED, PASSED, CheckReport, MetricChange, ParamChange
from o16n.report import decision, health, icons
from o16n.report.markup import cell, num, signed

MARKER = "<!-- o16n-report -->"  # finds o16n's own comment on a pull request
ICON = {PASSED: "✅", FAILED: "❌"}
STYLE = {PASSED: "ok", FAILED: "fail"}


def to_text(report: CheckReport, console: Console) -> None:
    steps = Table(title="o16n check", title_justify="left")
    for column in ("step", "result", "summary", "seconds"):
        steps.add_column(column, justify="right" if column == "seconds" else "left")
    for step in report.steps:
        style = STYLE.get(step.status, "warn")
        steps.add_row(
            step.name, f"[{style}]{step.status}[/]", escape(step.summary), f"{step.seconds:.1f}"
        )
    console.print(steps)
    if report.metrics:
        console.print(_metrics_table(report.metrics, report.base))
    if report.params:
        console.print(_params_table(report.params, report.base))
    for step in report.steps:
        if step.status == FAILED and step.details:
            console.print(f"\n[fail]{step.name}[/] output:", highlight=False)
            console.print(escape(step.details), highlight=False)
    verdict = "[ok]passed[/]" if report.passed else "[fail]failed[/]"
    console.print(f"\ncheck {verdict}")


def _metrics_table(metrics: tuple[MetricChange, ...], base: str) -> Table:
    table = Table(title=f"metrics vs {escape(base)}", title_justify="left")
    for column in ("file", "metric", base, "this change", "diff"):
        table.add_column(
            escape(column), justify="left" if column in ("file", "metric") else "right"
        )
    for m in metrics:
        table.add_row(escape(m.file), escape(m.name), num(m.old), num(m.new), signed(m.diff))
    return table


def _params_table(params: tuple[ParamChange, ...], base: str) -> Table:
    table = Table(title=f"params vs {escape(base)}", title_justify="left")
    for column in ("file", "param", base, "this change"):
        table.add_column(escape(column))
    for p in params:
        table.add_row(p.file, escape(p.name), escape(_short(p.old)), escape(_short(p.new)))
    return table


def _short(value: str | None, limit: int = 60) -> str:
    if value is None:
        return "—"
    return value if len(value) <= limit else value[: limit - 1] + "…"


def to_json(report: CheckReport) -> str:
    data = {  # health.json, kpi.json and decision.json have the results of those steps
        "base": report.base,
        "steps": [dataclasses.asdict(step) for step in report.steps],
        "metrics": [dataclasses.asdict(m) | {"diff": m.diff} for m in report.metrics],
        "params": [dataclasses.asdict(p) for p in report.params],
        "passed": report.passed,
    }
    return json.dumps(data, indent=2) + "\n"


def _metrics_markdown(report: CheckReport) -> list[str]:
    """The one metrics table (the health section below leaves its own out): base first."""
    if not report.metrics:
        return []
    lines = [f"### Metrics vs `{report.base}`", ""]
    lines += [f"| metric | `{report.base}` | this change | diff |", "|---|---:|---:|---:|"]
    for m in report.metrics:
        name = m.name if m.file == "metrics.json" else f"{m.file}: {m.name}"
        lines.append(f"| {cell(name)} | {num(m.old)} | {num(m.new)} | {signed(m.diff)} |")
    return lines


def _params_markdown(report: CheckReport) -> list[str]:
    if not report.params:
        return []
    lines = [f"### Params vs `{report.base}`", ""]
    lines += [f"| param | `{report.base}` | this change |", "|---|---|---|"]
    for p in report.params:
        name = p.name if p.file == "params.yaml" else f"{p.file}: {p.name}"
        lines.append(f"| {cell(name)} | {cell(_short(p.old))} | {cell(_short(p.new))} |")
    return lines


def _side_by_side(left: list[str], right: list[str]) -> list[str]:
    """Two Markdown blocks in the cells of one HTML table row, so the params diff sits beside
    the metrics it explains. The blank lines around each block make GitHub (and markdown-it)
    render the Markdown inside the HTML; with one block, it stands alone."""
    if not (left and right):
        return ["", *left, *right] if left or right else []
    cells = '<table class="pair"><tr><td valign="top">', '</td><td valign="top">'
    return ["", cells[0], "", *left, "", cells[1], "", *right, "", "</td></tr></table>"]


def to_markdown(report: CheckReport) -> str:
    return _markdown(report, with_health=True)


def _markdown(report: CheckReport, *, with_health: bool) -> str:
    """The report; `with_health=False` for the HTML page, which shows the health report's own
    HTML instead (its charts), so nothing is there twice."""
    verdict = "✅ passed" if report.passed else "❌ failed"
    lines = [
        MARKER,
        f"## o16n check: {verdict}",
        "",
        "| step | result | summary |",
        "|---|---|---|",
    ]
    for step in report.steps:
        icon = ICON.get(step.status, "⏭️")
        lines.append(f"| {step.name} | {icon} {step.status} | {cell(step.summary)} |")
    lines += _side_by_side(_metrics_markdown(report), _params_markdown(report))
    if report.gate is not None:
        gate_markdown = decision.to_markdown(
            report.gate.decision, report.gate.pack.name, report.gate.facts
        )
        lines += ["", gate_markdown.rstrip("\n")]
    if report.health is not None and with_health:
        health_markdown = health.to_markdown(report.health, metrics=not report.metrics)
        section = health_markdown.replace(f"{health.MARKER}\n", "").replace("## ", "### ", 1)
        lines += ["", section.rstrip("\n")]
    for step in report.steps:
        if step.status == FAILED and step.details:
            lines += ["", f"<details><summary>{step.name} output</summary>", "", "```"]
            lines += [step.details.replace("```", "ʼʼʼ"), "```", "", "</details>"]
    return "\n".join(lines) + "\n"


CHECK_CSS = """
body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .6rem}
th{background:#f6f8fa}code{background:#f6f8fa;padding:0 .2rem}details{margin:.5rem 0}
table.pair>tbody>tr>td{border:0;padding:0 2rem 0 0;vertical-align:top}
"""


def to_html(report: CheckReport) -> str:
    """One self-contained page: the Markdown report rendered (its emoji drawn as SVG icons),
    then the health report's own HTML (its styles, tables and charts), so the HTML artifact is
    the whole report."""
    import html

    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark", {"html": True}).enable("table")
    rendered = icons.html_icons(
        markdown.render(_markdown(report, with_health=False))
    )  # no emoji font needed
    style = health.CSS if report.health is not None else ""
    charts = health.html_body(report.health) if report.health is not None else ""
    verdict = "passed" if report.passed else "failed"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>o16n check: {html.escape(verdict)}</title>"
        f"<style>{style}{CHECK_CSS}</style></head><body><main>{rendered}"
        + (f"<hr><section class='health'>{charts}</section>" if charts else "")
        + "</main></body></html>\n"
    )


def _json(data: object) -> str:
    return json.dumps(data, indent=2) + "\n"


def report_files(report: CheckReport) -> dict[str, str]:
    """Every file `o16n check` writes under --reports, by name, in the order of its steps."""
    out: dict[str, str] = {}
    if report.health is not None:
        out |= {f"health.{fmt}": render(report.health) for fmt, render in health.RENDERERS.items()}
    if report.kpis is not None:
        current, baseline = report.kpis
        out["kpi.json"] = _json(
            {"current": asdict(current), "baseline": asdict(baseline) if baseline else None}
        )
    if report.gate is not None:
        out["facts.json"] = _json(report.gate.facts)
        out["decision.json"] = _json(report.gate.record)
        out["decision.md"] = decision.to_markdown(
            report.gate.decision, report.gate.pack.name, report.gate.facts
        )
    return out | {
        "check.json": to_json(report),
        "check.md": to_markdown(report),
        "check.html": to_html(report),
    }
