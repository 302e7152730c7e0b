"""Reporters for health results: terminal table, JSON, Markdown (a PR comment), HTML (plots).

All four render the same `HealthReport`; none computes anything. The HTML file is
self-contained (inline CSS and SVG, no scripts, no network) so it opens from a CI artifact.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from o16n.findings import FAIL, OK, WARN, Distribution, Finding, HealthReport, MetricComparison

MARKER = "<!-- o16n-health -->"
MARKDOWN_LIMIT = 65_000  # GitHub refuses comments over 65,536 characters
ICON = {OK: "✅", WARN: "⚠️", FAIL: "❌"}


def _num(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.4g}"


def counts(report: HealthReport) -> dict[str, int]:
    found = {FAIL: 0, WARN: 0, OK: 0}
    for finding in report.findings:
        found[finding.severity] += 1
    return found


def verdict(report: HealthReport) -> str:
    c = counts(report)
    word = {FAIL: "failed", WARN: "passed with warnings", OK: "passed"}[report.severity]
    return f"health {word}: {c[FAIL]} fail, {c[WARN]} warn, {c[OK]} ok"


# ---- text ------------------------------------------------------------------------------------


def to_text(report: HealthReport, console: Console) -> None:
    """What fired, most severe first (each message names column, value and threshold)."""
    fired = [f for f in report.by_severity() if f.severity != OK]
    if fired:
        table = Table(title="o16n health", title_justify="left")
        for name in ("severity", "trigger", "message"):
            table.add_column(name, no_wrap=name != "message")
        for f in fired:
            table.add_row(f"[{f.severity}]{f.severity}[/]", escape(f.trigger), escape(f.message))
        console.print(table)
    if report.drift:
        drifted = sum(d.drifted for d in report.drift)
        share = report.dataset_drift_share
        of = "" if share is None else f", dataset drift share {share:.0%}"
        console.print(f"drift: {drifted} of {len(report.drift)} columns drifted{of}")
    style = {FAIL: "fail", WARN: "warn", OK: "ok"}[report.severity]
    console.print(f"[{style}]{escape(verdict(report))}[/]")


# ---- JSON ------------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def to_dict(report: HealthReport) -> dict[str, Any]:
    data: dict[str, Any] = _clean(
        {
            "severity": report.severity,
            "failed": report.failed,
            "counts": counts(report),
            "findings": [vars(f) for f in report.by_severity()],
            "drift": {
                "dataset_drift_share": report.dataset_drift_share,
                "columns": [vars(d) for d in report.drift],
            },
            "metrics": [vars(m) for m in report.metrics],
            "inputs": report.inputs,
        }
    )
    return data


def to_json(report: HealthReport) -> str:
    return json.dumps(to_dict(report), indent=2, allow_nan=False) + "\n"


# ---- Markdown --------------------------------------------------------------------------------


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _findings_table(findings: list[Finding]) -> list[str]:
    lines = [
        "| | trigger | column | value | threshold | method | message |",
        "|---|---|---|---:|---:|---|---|",
    ]
    for f in findings:
        lines.append(
            f"| {ICON[f.severity]} | {_cell(f.trigger)} | {_cell(f.column or '')} "
            f"| {_num(f.value)} "
            f"| {_num(f.threshold)} | {_cell(f.method)} | {_cell(f.message)} |"
        )
    return lines


def _metrics_table(metrics: tuple[MetricComparison, ...]) -> list[str]:
    lines = ["| metric | this change | baseline | diff |", "|---|---:|---:|---:|"]
    for m in metrics:
        diff = None if m.baseline is None else m.current - m.baseline
        label = f" ({_cell(m.baseline_label)})" if m.baseline_label else ""
        lines.append(
            f"| {_cell(m.name)} | {_num(m.current)} | {_num(m.baseline)}{label} | {_num(diff)} |"
        )
    return lines


def _drift_table(report: HealthReport) -> list[str]:
    lines = [
        "| column | kind | method | value | threshold | drifted |",
        "|---|---|---|---:|---:|---|",
    ]
    for d in report.drift:
        lines.append(
            f"| {_cell(d.column)} | {d.kind} | {d.method} | {_num(d.value)} | {_num(d.threshold)} "
            f"| {'**yes**' if d.drifted else 'no'} |"
        )
    return lines


def _folded(summary: str, rows: list[str], budget: int) -> str:
    """A <details> block with as many table rows as fit in `budget` characters."""
    head, body = rows[:2], rows[2:]
    kept: list[str] = []
    used = len(summary) + 80 + sum(len(r) + 1 for r in head)
    for row in body:
        if used + len(row) + 1 > budget:
            break
        kept.append(row)
        used += len(row) + 1
    left = len(body) - len(kept)
    note = (
        [
            "",
            f"_{left} more row(s) left out to fit a GitHub comment; see the JSON or HTML report._",
        ]
        if left
        else []
    )
    return "\n".join(
        [f"<details><summary>{summary}</summary>", "", *head, *kept, *note, "", "</details>"]
    )


def to_markdown(report: HealthReport) -> str:
    parts = [MARKER, f"## {ICON[report.severity]} {verdict(report)}"]
    fired = [f for f in report.by_severity() if f.severity != OK]
    budget = MARKDOWN_LIMIT - 2_000
    if fired:
        block = "\n".join(["", "### What fired", "", *_findings_table(fired[:40])])
        if len(fired) > 40:
            block += f"\n\n_{len(fired) - 40} more in the details below._"
        parts.append(block)
    if report.metrics:
        parts.append("\n".join(["", "### Metrics", "", *_metrics_table(report.metrics)]))
    if report.drift:
        drifted = sum(d.drifted for d in report.drift)
        share = (
            ""
            if report.dataset_drift_share is None
            else f" (dataset drift share {report.dataset_drift_share:.0%})"
        )
        parts.append(f"\n**Drift:** {drifted} of {len(report.drift)} columns drifted{share}.")
    used = sum(len(p) + 1 for p in parts)
    remaining = budget - used
    details = []
    if report.drift:
        details.append(
            _folded(f"Drift per column ({len(report.drift)})", _drift_table(report), remaining // 2)
        )
        remaining -= len(details[-1])
    details.append(
        _folded(
            f"All findings ({len(report.findings)})",
            _findings_table(report.by_severity()),
            remaining,
        )
    )
    return "\n".join([*parts, "", *details]) + "\n"


# ---- HTML ------------------------------------------------------------------------------------

COLOURS = {
    "reference": "#5b7fa6",
    "current": "#e08a3c",
    FAIL: "#c0392b",
    WARN: "#b7791f",
    OK: "#2f855a",
}
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
background:#f6f7f9;color:#1f2933}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.5rem;margin:0 0 4px} h2{font-size:1.15rem;margin:28px 0 10px}
.verdict{padding:12px 16px;border-radius:8px;color:#fff;font-weight:600}
.fail{background:#c0392b}.warn{background:#b7791f}.ok{background:#2f855a}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}
th,td{border-bottom:1px solid #e4e7eb;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4} td.n{text-align:right;font-variant-numeric:tabular-nums}
td:nth-child(2){white-space:nowrap}
.sev{font-weight:600;text-transform:uppercase;font-size:.75rem}
.sev.fail{color:#c0392b;background:none}.sev.warn{color:#b7791f;background:none}.sev.ok{color:#2f855a;background:none}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:16px}
figure{margin:0;background:#fff;border:1px solid #e4e7eb;border-radius:8px;padding:12px}
figcaption{font-weight:600;margin-bottom:6px} .muted{color:#616e7c;font-size:.85rem}
"""


def _text(x: float, y: float, content: str, size: int, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}">{content}</text>'
    )


def _svg_distribution(d: Distribution) -> str:
    width, height, left, bottom, top = 460, 240, 52, 56, 24
    n = max(len(d.labels), 1)
    peak = max([*d.reference, *d.current, 1e-9])
    slot = (width - left - 10) / n
    bar = max(slot / 2 - 1, 1)
    scale = (height - bottom - top) / peak
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{html.escape(d.column)}: reference and current shares">',
        f"<title>{html.escape(d.column)}: reference vs current</title>",
    ]
    for tick in (0.0, peak / 2, peak):
        y = height - bottom - tick * scale
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e7eb"/>'
        )
        parts.append(_text(left - 4, y + 4, f"{tick:.0%}", 10, "end"))
    for i, (label, r, c) in enumerate(zip(d.labels, d.reference, d.current, strict=True)):
        x = left + i * slot
        for offset, share, key in ((0.0, r, "reference"), (bar + 1, c, "current")):
            h = share * scale
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{height - bottom - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[key]}"><title>{html.escape(label)}: '
                f"{key} {share:.1%}</title></rect>"
            )
        if n <= 12 or i % max(n // 8, 1) == 0:
            text = html.escape(label if len(label) <= 14 else label[:13] + "…")
            cx, cy = x + slot / 2, height - bottom + 12
            parts.append(
                f'<text x="{cx:.1f}" y="{cy}" font-size="9" text-anchor="end" '
                f'transform="rotate(-35 {cx:.1f} {cy})">{text}</text>'
            )
    for j, key in enumerate(("reference", "current")):
        parts.append(
            f'<rect x="{left + j * 100}" y="4" width="10" height="10" fill="{COLOURS[key]}"/>'
            f'<text x="{left + 14 + j * 100}" y="13" font-size="11">{key}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _svg_metrics(metrics: tuple[MetricComparison, ...]) -> str:
    rows = 22
    width, left = 640, 150
    height = 30 + rows * 2 * len(metrics)
    peak = max([abs(m.current) for m in metrics] + [abs(m.baseline or 0) for m in metrics] + [1e-9])
    scale = (width - left - 70) / peak
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        'aria-label="metrics: this change vs baseline">',
        "<title>Metrics: this change vs baseline</title>",
    ]
    for i, m in enumerate(metrics):
        y = 24 + i * rows * 2
        parts.append(_text(left - 8, y + 14, html.escape(m.name), 12, "end"))
        bars = (("current", m.current, 0), ("reference", m.baseline, rows - 4))
        for key, value, dy in bars:
            if value is None:
                continue
            w = abs(value) * scale
            parts.append(
                f'<rect x="{left}" y="{y + dy}" width="{w:.1f}" height="{rows - 6}" '
                f'fill="{COLOURS[key]}"/>'
                f'<text x="{left + w + 4:.1f}" y="{y + dy + 12}" font-size="11">{value:.4g}</text>'
            )
    parts.append(
        f'<rect x="{left}" y="4" width="10" height="10" fill="{COLOURS["current"]}"/>'
        f'<text x="{left + 14}" y="13" font-size="11">this change</text>'
        f'<rect x="{left + 110}" y="4" width="10" height="10" fill="{COLOURS["reference"]}"/>'
        f'<text x="{left + 124}" y="13" font-size="11">baseline</text></svg>'
    )
    return "".join(parts)


def _html_table(header: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(report: HealthReport) -> str:
    e = html.escape
    findings = [
        [
            f'<span class="sev {f.severity}">{f.severity}</span>',
            e(f.trigger),
            e(f.column or ""),
            _num(f.value),
            _num(f.threshold),
            e(f.method),
            e(f.message),
        ]
        for f in report.by_severity()
    ]
    sections = [
        "<h1>o16n health report</h1>"
        f'<p class="muted">reference: {e(str(report.inputs.get("reference")))} · '
        f"current: {e(str(report.inputs.get('current')))}</p>",
        f'<p class="verdict {report.severity}">{e(verdict(report))}</p>',
    ]
    if report.metrics:
        sections.append("<h2>Metrics</h2><figure>" + _svg_metrics(report.metrics) + "</figure>")
    if report.distributions:
        charts = "".join(
            f"<figure><figcaption>{e(d.column)}</figcaption>{_svg_distribution(d)}</figure>"
            for d in report.distributions
        )
        sections.append(f'<h2>Drifted columns</h2><div class="charts">{charts}</div>')
    sections.append(
        "<h2>Findings</h2>"
        + _html_table(
            ["severity", "trigger", "column", "value", "threshold", "method", "message"],
            findings,
            {3, 4},
        )
    )
    if report.drift:
        rows = [
            [
                e(d.column),
                e(d.kind),
                e(d.method),
                _num(d.value),
                _num(d.threshold),
                "<strong>yes</strong>" if d.drifted else "no",
            ]
            for d in report.drift
        ]
        share = (
            ""
            if report.dataset_drift_share is None
            else f" (dataset drift share {report.dataset_drift_share:.0%})"
        )
        sections.append(
            f"<h2>Drift per column{e(share)}</h2>"
            + _html_table(
                ["column", "kind", "method", "value", "threshold", "drifted"], rows, {3, 4}
            )
        )
    body = "".join(sections)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>o16n health report</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


RENDERERS: dict[str, Callable[[HealthReport], str]] = {
    "json": to_json,
    "md": to_markdown,
    "html": to_html,
}
FORMATS = ("text", *RENDERERS)
