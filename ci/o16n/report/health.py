"""Reporters for health results: terminal tables, JSON, Markdown (a PR comment), HTML (charts).

All four render the same `HealthReport`; none computes a statistic. `REPORTERS` maps each format
name to a `(report) -> str` function; the terminal reporter proper is `to_text(report, console)`,
which prints with the caller's console (theme, colour, width) and is what `o16n health` uses.
`RENDERERS` holds the three file formats only: `o16n check` writes one `health.<format>` each.

The HTML file is self-contained (inline CSS and SVG, no scripts, no fonts or links to fetch),
so it opens from a CI artifact on a machine without network.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import io
import json
import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from o16n.health.findings import (
    FAIL,
    OK,
    WARN,
    Distribution,
    Finding,
    HealthReport,
    MetricComparison,
)
from o16n.health.stats.outcome import ColumnDrift
from o16n.report import icons
from o16n.report.markup import cell, details, num, page, signed

if TYPE_CHECKING:  # rich is loaded to render text only: JSON and HTML reports go without it
    from rich.console import Console
    from rich.table import Table

MARKER = "<!-- o16n-health -->"  # finds o16n's own health comment on a pull request
MARKDOWN_LIMIT = 65_000  # GitHub refuses comments over 65,536 characters
MARKDOWN_MIN_LIMIT = 2_000  # the fixed parts (headings, table headers, notes) stay under this
ICON = {OK: "✅", WARN: "⚠️", FAIL: "❌"}


# ---- shared ----------------------------------------------------------------------------------


def _finite(value: object) -> float | None:
    """A plottable number, or None: NaN, ±inf and non-numbers have no bar length."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _diff(metric: MetricComparison) -> float | None:
    current, baseline = _finite(metric.current), _finite(metric.baseline)
    return None if current is None or baseline is None else current - baseline


def drift_summary(report: HealthReport) -> str:
    """E.g. "3 of 5 columns drifted, dataset drift share 60%"; empty without drift results."""
    if not report.drift:
        return ""
    drifted = sum(d.drifted for d in report.drift)
    share = _finite(report.dataset_drift_share)
    of = "" if share is None else f", dataset drift share {share:.0%}"
    return f"{drifted} of {len(report.drift)} columns drifted{of}"


def _drift_of(report: HealthReport) -> dict[str, ColumnDrift]:
    return {d.column: d for d in report.drift}


def _distribution_of(report: HealthReport) -> dict[str, Distribution]:
    return {d.column: d for d in report.distributions}


_LOW_MEANS_DRIFT = {"ks", "chisquare", "z", "fisher_exact", "anderson", "mannw", "t_test"}


def drifts_below(d: ColumnDrift) -> bool:
    """Whether a low value means drift (a p-value) rather than a high one (a distance).

    Read off the verdict itself (a p-value drifts when below its threshold, a distance when at
    or above it), so a method added to the drift code needs no list here; the names are the
    fallback for a value the comparison cannot place (NaN).
    """
    value, threshold = _finite(d.value), _finite(d.threshold)
    if value is None or threshold is None:
        return d.method in _LOW_MEANS_DRIFT
    return (value < threshold) == d.drifted


def kind_label(d: ColumnDrift) -> str:
    """The kind the drift test gave the column and why ("integer, 7 values: categorical", as
    Evidently decides), or the profile's kind where the drift code gave no reason."""
    return d.why or d.kind


def value_label(d: ColumnDrift) -> str:
    """What a drift value is and which way drifts: "p-value, drift below 0.05"."""
    if not d.tested:
        return "not tested"
    if drifts_below(d):
        return f"p-value, drift below {num(d.threshold)}"
    what = {"psi": "index", "kl_div": "divergence"}.get(d.method, "distance")
    return f"{what}, drift at or above {num(d.threshold)}"


def method_of(f: Finding, drift: Mapping[str, ColumnDrift]) -> str:
    """A finding's method, and for a column's drift score which way drifts:
    "ks (p-value: lower drifts)", "wasserstein (distance: higher drifts)"."""
    found = drift.get(f.column or "")
    if found is None or found.method != f.method:
        return f.method
    if drifts_below(found):
        return f"{f.method} (p-value: lower drifts)"
    what = {"psi": "index", "kl_div": "divergence"}.get(found.method, "distance")
    return f"{f.method} ({what}: higher drifts)"


def level(f: Finding) -> str:
    """A finding's threshold named for what it is: the warning level a warn crossed, the fail
    level a fail crossed, or for an ok the limit it stayed within."""
    if f.threshold is None:
        return num(None)
    name = {FAIL: "fail level", WARN: "warn level"}.get(f.severity, "limit")
    return f"{name} {num(f.threshold)}"


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(shares: Sequence[float], peak: float) -> str:
    """Shares as block characters scaled to `peak` (so two sides share a scale): "▁▃█▅"."""
    top = len(SPARKS) - 1
    return "".join(
        SPARKS[min(round(max(_finite(v) or 0.0, 0.0) / (peak or 1.0) * top), top)] for v in shares
    )


def spark_pair(d: Distribution, width: int = 24) -> str:
    """Reference and current as text sparklines on one scale, for Markdown (GitHub draws no
    inline SVG in a comment): "ref ▁▃█▅ · cur ▂▅█▃". Bins beyond `width` are merged in runs."""
    ref, cur, peak = _binned_for(d, width)
    return f"ref {sparkline(ref, peak)} · cur {sparkline(cur, peak)}" if ref else ""


def _binned_for(d: Distribution, width: int) -> tuple[list[float], list[float], float]:
    """Both sides' shares in at most `width` bins (neighbours merged in runs), and the peak
    that scales them alike."""
    n = min(len(d.reference), len(d.current))
    run = max(math.ceil(n / width), 1)
    ref = [sum(_shares(d.reference[i : i + run], run)) for i in range(0, n, run)]
    cur = [sum(_shares(d.current[i : i + run], run)) for i in range(0, n, run)]
    return ref, cur, max([*ref, *cur, 0.0])


CHART_ROWS = 4  # rows of a side in a drifted column's text chart: 32 levels with eighth blocks
CHART_WIDTH = 40  # bins across; more are merged in runs
CHARTED = 8  # drifted columns charted in a comment; the HTML report charts every column


def _columns(shares: Sequence[float], peak: float, rows: int) -> list[str]:
    """Shares as a column chart `rows` lines high, top line first: each bar is its share of
    `peak` in eighths of a line, so two sides drawn with one peak compare by height."""
    eighths = [round(max(_finite(v) or 0.0, 0.0) / (peak or 1.0) * rows * 8) for v in shares]
    lines = []
    for level in reversed(range(rows)):
        filled = [min(max(h - level * 8, 0), 8) for h in eighths]
        lines.append("".join(SPARKS[f - 1] if f else " " for f in filled).rstrip())
    return lines


def text_chart(d: Distribution, width: int = CHART_WIDTH, rows: int = CHART_ROWS) -> str:
    """A drifted column's reference and current as column charts on one scale, one above the
    other, with the first and last bin named: larger than a sparkline, and plain text, which
    is what a GitHub comment can show (it draws no SVG). Backticks are replaced so a category
    name cannot end the code block."""
    ref, cur, peak = _binned_for(d, width)
    if not ref:
        return ""
    bars = len(ref)
    lines = []
    for side, shares in (("reference", ref), ("current", cur)):
        drawn = _columns(shares, peak, rows)
        lines += [f"{side if i == 0 else '':>9} │{line}" for i, line in enumerate(drawn)]
        lines.append(f"{'':>9} └{'─' * bars}")
    first, last = (d.labels[0], d.labels[-1]) if len(d.labels) >= 2 else ("", "")
    span = f"{first} … {last}" if first or last else ""
    text = "\n".join([*lines, f"{'':>11}{span}" if span else ""]).replace("`", "'")
    return "```text\n" + text.rstrip() + "\n```"


def _md_charts(report: HealthReport, budget: int) -> str:
    """The larger charts of drifted columns (most drifted first), folded, within `budget`."""
    shapes = _distribution_of(report)
    drifted = [d for d in report.drift if d.drifted and d.column in shapes]
    drifted.sort(key=lambda d: d.value if drifts_below(d) else -d.value)
    summary = f"Drifted columns: reference vs current ({len(drifted)})"
    blocks: list[str] = []
    room = budget - len(details(summary, "")) - 200
    for d in drifted[:CHARTED]:
        block = f"**{cell(d.column, 80)}** · {d.method} = {num(d.value)} ({value_label(d)})\n\n"
        block += text_chart(shapes[d.column])
        if len(block) + 2 > room:
            break
        blocks.append(block)
        room -= len(block) + 2
    left = len(drifted) - len(blocks)
    if left:
        blocks.append(f"_{left} more drifted column(s): see the HTML report's charts._")
    return details(summary, "\n\n".join(blocks)) if drifted else ""


# ---- text ------------------------------------------------------------------------------------


def to_text(report: HealthReport, console: Console) -> None:
    """Findings (most severe first), the drift table, then the verdict.

    Severity is styled with the theme names "ok", "warn" and "fail" (`o16n.report.theme`), so the
    console decides the colours, or none for a pipe or NO_COLOR.
    """
    from rich.markup import escape

    if report.findings:
        console.print(_rich_findings(report))
    if report.drift:
        console.print(f"drift: {drift_summary(report)}", highlight=False)
        console.print(_rich_drift(report.drift))
    console.print(f"[{report.severity}]{escape(report.verdict)}[/]", highlight=False)


def _rich_findings(report: HealthReport) -> Table:
    from rich.markup import escape
    from rich.table import Table

    drift = _drift_of(report)
    with_column = any(f.column for f in report.findings)  # no empty column for model checks
    table = Table(title="o16n health", title_justify="left")
    table.add_column("severity", no_wrap=True)
    table.add_column("trigger", no_wrap=True)
    if with_column:
        table.add_column("column")
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("threshold", justify="right", no_wrap=True)
    table.add_column("message")
    for f in report.by_severity():
        cells = [f"[{f.severity}]{f.severity}[/]", escape(f.trigger)]
        cells += [escape(f.column or "")] if with_column else []
        cells += [num(f.value), escape(level(f)), escape(f.message)]
        method = method_of(f, drift)  # no method column here: a drift score says its direction
        cells[-1] += f" · {escape(method)}" if method != f.method else ""
        table.add_row(*cells)
    return table


def _rich_drift(drift: Sequence[ColumnDrift]) -> Table:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="drift per column", title_justify="left")
    for name in ("column", "kind (why)", "method", "value", "drift when", "drifted"):
        table.add_column(name, justify="right" if name == "value" else "left")
    for d in sorted(drift, key=lambda d: not d.drifted):  # drifted columns first
        table.add_row(
            escape(d.column),
            escape(kind_label(d)),
            escape(d.method),
            num(d.value),
            escape(value_label(d)),
            "[warn]yes[/]" if d.drifted else "no",
        )
    return table


def render_text(report: HealthReport, width: int = 100) -> str:
    """`to_text` as a plain string (no colour), for `REPORTERS["text"]` and files."""
    from rich.console import Console

    from o16n.report.theme import THEME

    buffer = io.StringIO()
    console = Console(file=buffer, theme=THEME, color_system=None, width=width, highlight=False)
    to_text(report, console)
    return buffer.getvalue()


# ---- JSON ------------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """Plain JSON values: NaN/inf become null, numpy scalars numbers, anything else a string.

    Dicts keep their insertion order (deterministic); sets, which have none, are sorted.
    """
    if value is None or isinstance(value, bool | str | int):
        return value
    if type(value) is float:  # the common number, before the slower abstract checks
        return value if math.isfinite(value) else None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return _finite(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # field by field, as dataclasses.asdict names them, without its deep copy
        return {name: _clean(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_clean(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return str(value)  # paths and the like


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def to_dict(report: HealthReport) -> dict[str, Any]:
    """The JSON report as data. Findings are most severe first; columns in the order checked."""
    metrics = [dataclasses.asdict(m) | {"diff": _diff(m)} for m in report.metrics]
    data: dict[str, Any] = _clean(
        {
            "severity": report.severity,
            "failed": report.failed,
            "counts": report.counts(),
            "findings": report.by_severity(),
            "drift": {
                "dataset_drift_share": report.dataset_drift_share,
                "columns": report.drift,
            },
            "metrics": metrics,
            "inputs": report.inputs,
        }
    )
    return data


def to_json(report: HealthReport) -> str:
    return _layout(to_dict(report)) + "\n"


def _layout(value: Any, depth: int = 0) -> str:
    """JSON indented two spaces an object level, with a list's objects one a line (a finding,
    a column's drift: one line each to read, grep and diff), written by json's C encoder:
    `indent=` takes its pure-Python one, which took 0.14 s of 1,000 columns' report.
    allow_nan=False: _clean has turned NaN into null; a leftover would be a bug, not output."""
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k)}: {_layout(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        lines = [inner + _encode(v) for v in value]
        return "[\n" + ",\n".join(lines) + f"\n{pad}]"
    return _encode(value)


_encode = json.JSONEncoder(allow_nan=False).encode  # one encoder: json.dumps makes one a call
# ---- Markdown --------------------------------------------------------------------------------

CELL_LIMIT = 300  # characters of user text per table cell; the JSON report has them in full
FIRED_ROWS = 50  # the summary table stays scannable; the details list every finding


def _text(value: object) -> str:
    """User text in a table cell, cut to CELL_LIMIT characters."""
    return cell(value, CELL_LIMIT)


def _left_out(rows: int) -> str:
    return f"_{rows} more row(s) left out to fit a GitHub comment; see the JSON or HTML report._"


def _fit(header: Sequence[str], rows: Sequence[str], budget: int) -> str:
    """The table with as many rows as fit in `budget` characters, then how many were left out.

    Room for the note is reserved up front, so the result never exceeds the budget as long as
    the header and note fit (every caller's budget is thousands of characters).
    """
    room = budget - sum(len(h) + 1 for h in header) - len(_left_out(len(rows))) - 2
    kept: list[str] = []
    for row in rows:
        if len(row) + 1 > room:
            break  # stop, not skip: the order (most severe first) is the point
        kept.append(row)
        room -= len(row) + 1
    left = len(rows) - len(kept)
    return "\n".join([*header, *kept, *(["", _left_out(left)] if left else [])])


def _md_findings(
    findings: Iterable[Finding], drift: Mapping[str, ColumnDrift]
) -> tuple[list[str], list[str]]:
    header = [
        "| | trigger | column | value | threshold | method | message |",
        "|---|---|---|---:|---:|---|---|",
    ]
    rows = [
        f"| {ICON[f.severity]} | {_text(f.trigger)} | {_text(f.column or '')} "
        f"| {num(f.value)} | {cell(level(f))} | {_text(method_of(f, drift))} "
        f"| {_text(f.message)} |"
        for f in findings
    ]
    return header, rows


def _baseline_label(metrics: Sequence[MetricComparison]) -> str:
    """The one label every baseline shares (usually "main (sha)"), else empty."""
    labels = {m.baseline_label for m in metrics if m.baseline is not None}
    return labels.pop() if len(labels) == 1 else ""


def _md_metrics(metrics: Sequence[MetricComparison]) -> tuple[list[str], list[str]]:
    shared = _baseline_label(metrics)
    header = ["| metric | base | this change | diff |", "|---|---:|---:|---:|"]
    rows = []
    for m in metrics:
        label = m.baseline_label if m.baseline_label and m.baseline_label != shared else ""
        where = f" ({cell(label, 80)})" if label else ""
        rows.append(
            f"| {_text(m.name)} | {num(m.baseline)}{where} | {num(m.current)} "
            f"| {signed(_diff(m))} |"
        )
    return header, rows


def _md_drift(
    drift: Sequence[ColumnDrift], shapes: Mapping[str, Distribution]
) -> tuple[list[str], list[str]]:
    """Drifted columns first; each with its reference and current shape as text sparklines."""
    header = [
        "| column | kind (why) | method | value | drift when | drifted | reference vs current |",
        "|---|---|---|---:|---|---|---|",
    ]
    rows = [
        f"| {_text(d.column)} | {_text(kind_label(d))} | {_text(d.method)} | {num(d.value)} "
        f"| {cell(value_label(d))} | {'**yes**' if d.drifted else 'no'} "
        f"| {spark_pair(shapes[d.column]) if d.column in shapes else ''} |"
        for d in sorted(drift, key=lambda d: not d.drifted)
    ]
    return header, rows


def _folded(summary: str, table: tuple[list[str], list[str]], budget: int) -> str:
    return details(summary, _fit(*table, budget - len(details(summary, ""))))


def _rest(report: HealthReport) -> list[Finding]:
    """The findings the summary leaves out: fired ones past FIRED_ROWS, then every ok one."""
    fired = [f for f in report.by_severity() if f.severity != OK]
    return fired[FIRED_ROWS:] + [f for f in report.findings if f.severity == OK]


def _rest_summary(report: HealthReport) -> str:
    passed = report.counts()[OK]
    more = max(len(report.findings) - passed - FIRED_ROWS, 0)
    return f"{more} more fired, {passed} passed" if more else f"Passed ({passed})"


def _md_summary(report: HealthReport, limit: int, metrics: bool = True) -> list[str]:
    """What a reviewer reads without unfolding: verdict, what fired, metrics, drift in a line."""
    parts = [MARKER, f"## {ICON[report.severity]} {report.verdict}"]
    fired = [f for f in report.by_severity() if f.severity != OK]
    if fired:
        header, rows = _md_findings(fired[:FIRED_ROWS], _drift_of(report))
        table = _fit(header, rows, limit * 2 // 5)
        more = len(fired) - FIRED_ROWS
        tail = f"\n\n_{more} more in the details below._" if more > 0 else ""
        parts.append(f"\n### What fired\n\n{table}{tail}")
    if report.metrics and metrics:
        label = _baseline_label(report.metrics)
        heading = f"Metrics vs {cell(label, 80)}" if label else "Metrics vs baseline"
        table = _fit(*_md_metrics(report.metrics), limit // 5)
        parts.append(f"\n### {heading}\n\n{table}")
    if report.drift:
        parts.append(f"\n**Drift:** {drift_summary(report)}.")
    return parts


def to_markdown(report: HealthReport, limit: int = MARKDOWN_LIMIT, *, metrics: bool = True) -> str:
    """A PR comment or job summary, under `limit` characters whatever the report holds.

    The summary comes first and gets its budget first; the detail tables (all findings, every
    column's drift) are folded and cut to what is left, each saying how many rows it left out.
    A caller embedding this in a larger comment passes a smaller `limit`, at least
    `MARKDOWN_MIN_LIMIT`: headings, table headers and notes need that much whatever is cut.
    `metrics=False` leaves out the metrics table (the check report has its own, with params).
    """
    if limit < MARKDOWN_MIN_LIMIT:
        raise ValueError(f"limit must be at least {MARKDOWN_MIN_LIMIT} characters, not {limit}")
    parts = _md_summary(report, limit, metrics)
    remaining = limit - sum(len(p) + 1 for p in parts) - 8  # 8: joins, the final newline
    folded = []
    if report.drift:
        table = _md_drift(report.drift, _distribution_of(report))
        drift = _folded(f"Drift per column ({len(report.drift)})", table, remaining // 2)
        folded.append(drift)
        remaining -= len(drift) + 2
        charts = _md_charts(report, remaining // 3)
        if charts:
            folded.append(charts)
            remaining -= len(charts) + 2
    rest = _rest(report)
    if rest:
        table = _md_findings(rest, _drift_of(report))
        folded.append(_folded(_rest_summary(report), table, remaining))
    # A blank line after each </details> ends its HTML block, so Markdown resumes after it.
    return "\n".join([*parts, "", "\n\n".join(folded)]) + "\n"


# ---- HTML ------------------------------------------------------------------------------------

# Blue and orange stay distinct for the common colour-vision deficiencies.
COLOURS = {"reference": "#4c78a8", "current": "#f58518", "baseline": "#9aa5b1"}
CSS = """
:root{--fail:#b42318;--fail-bg:#fef3f2;--warn:#b54708;--warn-bg:#fffaeb;--ok:#067647;
--ok-bg:#ecfdf3;--ink:#1d2939;--muted:#667085;--line:#eaecf0;--page:#f5f6f8}
*{box-sizing:border-box}
body{margin:0;background:var(--page);color:var(--ink);line-height:1.45;
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:32px 24px 48px}
h1{font-size:1.6rem;margin:0 0 4px}
h2{font-size:1.15rem;margin:36px 0 12px}
.muted{color:var(--muted);font-size:.875rem}
dl.inputs{display:flex;flex-wrap:wrap;gap:4px 20px;margin:6px 0 0}
dl.inputs div{display:flex;gap:6px;min-width:0}
dl.inputs dt{font-weight:600}dl.inputs dt::after{content:":"}
dl.inputs dd{margin:0;overflow-wrap:anywhere;min-width:0}
.verdict{display:flex;flex-wrap:wrap;align-items:center;gap:12px;margin:20px 0 0;
padding:16px 20px;border-radius:10px;border-left:6px solid;font-size:1.1rem;font-weight:600}
.verdict.fail{background:var(--fail-bg);border-color:var(--fail);color:var(--fail)}
.verdict.warn{background:var(--warn-bg);border-color:var(--warn);color:var(--warn)}
.verdict.ok{background:var(--ok-bg);border-color:var(--ok);color:var(--ok)}
.counts{display:flex;gap:8px;margin-left:auto;font-size:.85rem}
.pill{padding:2px 10px;border-radius:999px;background:#fff;border:1px solid var(--line);
color:var(--ink);font-weight:600}
.pill.fail b{color:var(--fail)}.pill.warn b{color:var(--warn)}.pill.ok b{color:var(--ok)}
.drift-line{margin:10px 0 0}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:10px;background:#fff}
table{border-collapse:collapse;width:100%;font-size:.875rem}
caption{text-align:left;padding:10px 12px;color:var(--muted);font-size:.8rem}
th,td{padding:7px 12px;text-align:left;vertical-align:top;border-top:1px solid var(--line)}
td{overflow-wrap:anywhere}
th{background:#f9fafb;font-weight:600;color:#475467;white-space:nowrap}
th.n{text-align:right}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.msg{min-width:16em}
tr.fail td:first-child{box-shadow:inset 4px 0 var(--fail)}
tr.warn td:first-child{box-shadow:inset 4px 0 var(--warn)}
tr.drifted{background:var(--warn-bg)}
details.fold{margin:10px 0 0}details.fold>summary{cursor:pointer;color:var(--muted);
font-weight:600;padding:6px 0}
.verdict svg.icon{flex:none}.pill svg.icon{vertical-align:-2px}
svg.mini{display:block;width:132px;height:34px}
.badge{display:inline-flex;align-items:center;gap:4px;min-width:3.2em;text-align:center;
padding:1px 8px;
border-radius:999px;font-size:.75rem;font-weight:700;text-transform:uppercase}
.badge.fail{background:var(--fail-bg);color:var(--fail)}
.badge.warn{background:var(--warn-bg);color:var(--warn)}
.badge.ok{background:var(--ok-bg);color:var(--ok)}
.charts{display:grid;align-items:start;grid-template-columns:repeat(auto-fill,minmax(min(460px,100%),1fr));gap:16px}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 16px}
figure.wide{overflow-x:auto}figure.wide svg{min-width:620px}
figcaption{font-weight:600;margin-bottom:2px;overflow-wrap:anywhere}
figcaption .muted{font-weight:400;display:block}
svg{display:block;width:100%;height:auto;font-family:inherit}
svg text{fill:#475467}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _short(text: str, limit: int) -> str:
    """A label that fits its slot in a chart; the full text is in the element's <title>."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg_open(width: float, height: float, label: str) -> str:
    return (
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-label="{_e(label)}"><title>{_e(label)}</title>'
    )


def _svg_text(x: float, y: float, content: str, size: float = 11, anchor: str = "start") -> str:
    """`content` is already escaped (callers shorten first, then escape)."""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" '
        f'text-anchor="{anchor}">{content}</text>'
    )


def _legend(x: float, y: float, entries: Sequence[tuple[str, str]], size: float = 12) -> str:
    """Colour swatches with names, left to right from (x, y), y being the text's baseline."""
    parts = []
    for name, colour in entries:
        box = size * 0.9
        parts.append(
            f'<rect x="{x:.1f}" y="{y - box + 1:.1f}" width="{box:.1f}" height="{box:.1f}" '
            f'rx="2" fill="{colour}"/>'
        )
        parts.append(_svg_text(x + box + 5, y, _e(name), size))
        x += box + 24 + size * 0.55 * len(name)  # text width estimated: no layout engine here
    return "".join(parts)


def _nice_step(peak: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10^k) giving about `ticks` intervals up to `peak`."""
    raw = peak / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _shares(values: Sequence[float], n: int) -> list[float]:
    """Plottable shares: a NaN or negative share (a bug upstream) draws as no bar, not a crash."""
    return [max(_finite(v) or 0.0, 0.0) for v in values[:n]]


@dataclasses.dataclass(frozen=True)
class _Plot:
    """Where a bar chart's plotting area sits in its SVG, and what share its top stands for."""

    left: float
    right: float
    top: float
    bottom: float  # y of the bars' base line
    peak: float  # the share at the top grid line

    def y(self, share: float) -> float:
        return self.bottom - share / self.peak * (self.bottom - self.top)


def _share_axis(plot: _Plot, step: float) -> str:
    """Horizontal grid lines with percentage ticks, and the axis title."""
    parts = []
    for i in range(round(plot.peak / step) + 1):
        share = i * step  # by index, not by adding steps: no drift from float error
        y = plot.y(share)
        colour = "#98a2b3" if i == 0 else "#eaecf0"
        parts.append(
            f'<line x1="{plot.left:.1f}" x2="{plot.right:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{colour}"/>'
        )
        digits = 1 if step < 0.01 else 0
        parts.append(_svg_text(plot.left - 6, y + 4, f"{share:.{digits}%}", 11, "end"))
    middle = (plot.top + plot.bottom) / 2
    parts.append(
        f'<text x="14" y="{middle:.1f}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 14 {middle:.1f})">share of rows</text>'
    )
    return "".join(parts)


def _bar_pair(plot: _Plot, centre: float, bar: float, label: str, ref: float, cur: float) -> str:
    """Reference left of `centre`, current right of it; hovering shows both exact shares."""
    parts = [f"<g><title>{_e(label)}: reference {ref:.1%}, current {cur:.1%}</title>"]
    for x, share, key in ((centre - bar, ref, "reference"), (centre, cur, "current")):
        y = plot.y(share)
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{plot.bottom - y:.1f}" '
            f'fill="{COLOURS[key]}"/>'
        )
    return "".join(parts) + "</g>"


def _tick_label(x: float, y: float, label: str, rotate: bool) -> str:
    text = _e(_short(label, 16))
    if not rotate:
        return _svg_text(x, y + 17, text, 11, "middle")
    return (
        f'<text x="{x:.1f}" y="{y + 13:.1f}" font-size="11" text-anchor="end" '
        f'transform="rotate(-40 {x:.1f} {y + 13:.1f})">{text}</text>'
    )


def _svg_distribution(d: Distribution, drift: ColumnDrift | None) -> str:
    """Grouped bars: the reference and the current share of each bin or category."""
    n = min(len(d.labels), len(d.reference), len(d.current))  # mismatched data: plot the overlap
    labels = [str(label) for label in d.labels[:n]]
    reference, current = _shares(d.reference, n), _shares(d.current, n)
    # Many or long labels do not fit side by side: slant them and make room below the plot.
    rotate = n > 8 or any(len(label) > 8 for label in labels)
    longest = max((len(_short(label, 16)) for label in labels), default=1)
    width, height = 520.0, 34 + 170 + 44 + (longest * 4.2 if rotate else 0)
    highest = max([*reference, *current, 0.0]) or 1.0
    step = _nice_step(highest)
    plot = _Plot(56.0, width - 12, 34.0, 34.0 + 170, math.ceil(highest / step - 1e-9) * step)
    x_title = "bin" if drift is not None and drift.kind == "numeric" else "category"
    colours = [("reference", COLOURS["reference"]), ("current", COLOURS["current"])]
    parts = [
        _svg_open(width, height, f"{d.column}: share of rows per {x_title}, reference vs current"),
        _legend(plot.left, 16, colours),
        _share_axis(plot, step),
        _svg_text((plot.left + plot.right) / 2, height - 6, x_title, 12, "middle"),
    ]
    if n == 0:
        parts.append(_svg_text((plot.left + plot.right) / 2, 120, "no bins to show", 12, "middle"))
    slot = (plot.right - plot.left) / max(n, 1)
    bar = max(min(slot * 0.4, 28), 0.5)
    every = max(math.ceil(n / 24), 1)  # at most ~24 axis labels; every bar keeps its tooltip
    for i, label in enumerate(labels):
        centre = plot.left + (i + 0.5) * slot
        parts.append(_bar_pair(plot, centre, bar, label, reference[i], current[i]))
        if i % every == 0:
            parts.append(_tick_label(centre, plot.bottom, label, rotate))
    parts.append("</svg>")
    return "".join(parts)


MINI_W, MINI_H = 132.0, 34.0


def _svg_mini(d: Distribution) -> str:
    """A small reference-vs-current chart for a table cell: paired bars on one scale."""
    n = min(len(d.labels), len(d.reference), len(d.current))
    reference, current = _shares(d.reference, n), _shares(d.current, n)
    peak = max([*reference, *current, 0.0]) or 1.0
    slot = MINI_W / max(n, 1)
    bar = max(slot * 0.45, 0.4)
    parts = [
        f'<svg class="mini" width="{MINI_W:.0f}" height="{MINI_H:.0f}" '
        f'viewBox="0 0 {MINI_W:.0f} {MINI_H:.0f}" role="img" '
        f'aria-label="{_e(d.column)}: reference (blue) vs current (orange)">'
        f"<title>{_e(d.column)}: reference (blue) vs current (orange)</title>",
        f'<line x1="0" x2="{MINI_W:.0f}" y1="{MINI_H - 0.5:.1f}" y2="{MINI_H - 0.5:.1f}" '
        'stroke="#98a2b3"/>',
    ]
    for i in range(n):
        for x, share, key in (
            (i * slot + slot * 0.05, reference[i], "reference"),
            (i * slot + slot * 0.05 + bar, current[i], "current"),
        ):
            height = share / peak * (MINI_H - 2)
            parts.append(
                f'<rect x="{x:.1f}" y="{MINI_H - 1 - height:.1f}" width="{bar:.1f}" '
                f'height="{height:.1f}" fill="{COLOURS[key]}"/>'
            )
    return "".join(parts) + "</svg>"


# The metrics chart's geometry: names right-aligned left of BAR_X, bars up to BAR_W long (room
# for the value after them), diffs right-aligned at DIFF_X. Wide, since it spans the page.
METRICS_W, BAR_X, BAR_W, DIFF_X, BAR_H, GROUP = 1000.0, 250.0, 580.0, 985.0, 17.0, 56.0


def _metric_bar(value: float | None, key: str, zero: float, span: float, y: float) -> str:
    """One bar from the zero line, its value beside it on the side away from zero."""
    number = _finite(value)
    if number is None:  # no baseline (or a NaN): say so where the bar would be
        shown = "no baseline" if value is None else num(value)
        return _svg_text(zero + 5, y + BAR_H - 4, _e(shown), 12)
    x = min(zero, zero + number / span * BAR_W)
    width = max(abs(number) / span * BAR_W, 1.0)  # a zero still shows as a sliver
    # A negative bar grows left, towards the names, so its value goes right of the zero line.
    label_x = x + width + 5 if number >= 0 else zero + 5
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{BAR_H}" rx="2" '
        f'fill="{COLOURS[key]}"/>' + _svg_text(label_x, y + BAR_H - 4, num(number), 12)
    )


def _metric_group(m: MetricComparison, y: float) -> str:
    values = [v for v in (_finite(m.current), _finite(m.baseline)) if v is not None]
    low, high = min([0.0, *values]), max([0.0, *values])
    span = (high - low) or 1.0
    zero = BAR_X + (0 - low) / span * BAR_W
    middle = y + BAR_H + 6
    return (
        f"<g><title>{_e(m.name)}: this change {num(m.current)}, baseline {num(m.baseline)}"
        f"</title>"
        + _svg_text(BAR_X - 12, middle, _e(_short(m.name, 30)), 14, "end")
        + _metric_bar(m.current, "current", zero, span, y)
        + _metric_bar(m.baseline, "baseline", zero, span, y + BAR_H + 3)
        + _svg_text(DIFF_X, middle, _e(signed(_diff(m))), 14, "end")
        + f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{y - 4:.1f}" '
        f'y2="{y + 2 * BAR_H + 7:.1f}" stroke="#667085"/></g>'
    )


def _svg_metrics(metrics: Sequence[MetricComparison]) -> str:
    """Horizontal bars per metric, this change above its baseline, each metric on its own scale.

    Metrics differ in unit and range (an AUC beside a latency), so a shared axis would flatten
    all but the largest; what a reviewer compares is a metric against its own baseline.
    """
    top = 44.0
    height = top + GROUP * len(metrics)
    entries = [("this change", COLOURS["current"]), ("baseline", COLOURS["baseline"])]
    parts = [
        _svg_open(METRICS_W, height, "Metrics: this change vs baseline, each on its own scale"),
        _legend(BAR_X, 18, entries, 14),
        _svg_text(DIFF_X, 18, "diff", 14, "end"),
    ]
    parts += [_metric_group(m, top + i * GROUP) for i, m in enumerate(metrics)]
    return "".join(parts) + "</svg>"


def _th(text: str, numeric: bool) -> str:
    css = ' class="n"' if numeric else ""  # numbers right-aligned, their headers with them
    return f'<th scope="col"{css}>{_e(text)}</th>'


def _td(cell: str, css: str) -> str:
    return f'<td class="{css}">{cell}</td>' if css else f"<td>{cell}</td>"


def _html_table(
    header: Sequence[str],
    rows: Iterable[tuple[str, Sequence[str]]],
    numeric: set[int],
    prose: int | None = None,
) -> str:
    """`rows` are (row class, escaped cells): the caller knows which cells hold markup.

    `prose` is the column of sentences (a message), kept wide enough to read as text.
    """
    head = "".join(_th(h, i in numeric) for i, h in enumerate(header))
    body = []
    for css, cells in rows:
        tds = "".join(
            _td(c, "n" if i in numeric else "msg" if i == prose else "")
            for i, c in enumerate(cells)
        )
        body.append(f'<tr class="{css}">{tds}</tr>' if css else f"<tr>{tds}</tr>")
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _html_header(report: HealthReport) -> str:
    c = report.counts()
    pills = "".join(
        f'<span class="pill {s}">{icons.svg(s, 14)} <b>{c[s]}</b> {s}</span>'
        for s in (FAIL, WARN, OK)
    )
    inputs = "".join(
        f"<div><dt>{_e(k)}</dt><dd>{_e('—' if v is None else v)}</dd></div>"
        for k, v in report.inputs.items()
    )
    drift = drift_summary(report)
    return (
        "<header><h1>o16n health report</h1>"
        + (f'<dl class="inputs muted">{inputs}</dl>' if inputs else "")
        + f'<div class="verdict {report.severity}" role="status">'
        f"{icons.svg(report.severity, 22)}<span>{_e(report.verdict)}</span>"
        f'<span class="counts">{pills}</span></div>'
        + (f'<p class="drift-line"><strong>Drift:</strong> {_e(drift)}.</p>' if drift else "")
        + "</header>"
    )


def _badge(severity: str, text: str = "") -> str:
    return f'<span class="badge {severity}">{icons.svg(severity, 12)} {text or severity}</span>'


FINDING_HEADER = ("severity", "trigger", "column", "value", "threshold", "method", "message")


def _finding_rows(
    findings: Iterable[Finding], drift: Mapping[str, ColumnDrift]
) -> list[tuple[str, list[str]]]:
    return [
        (
            f.severity,
            [
                _badge(f.severity),
                _e(f.trigger),
                _e(f.column or ""),
                num(f.value),
                _e(level(f)),
                _e(method_of(f, drift)),
                _e(f.message),
            ],
        )
        for f in findings
    ]


def _folded_html(summary: str, content: str) -> str:
    return f'<details class="fold"><summary>{_e(summary)}</summary>{content}</details>'


def _html_findings(report: HealthReport) -> str:
    """What fired (fail, then warn) in the open; the checks that passed folded under it."""
    if not report.findings:
        return '<h2>What fired</h2><p class="muted">No triggers ran.</p>'
    fired = [f for f in report.by_severity() if f.severity != OK]
    passed = [f for f in report.findings if f.severity == OK]
    drift = _drift_of(report)
    table = (
        _html_table(FINDING_HEADER, _finding_rows(fired, drift), {3}, prose=6)
        if fired
        else '<p class="muted">Nothing fired.</p>'
    )
    if passed:
        rows = _html_table(FINDING_HEADER, _finding_rows(passed, drift), {3}, prose=6)
        table += _folded_html(f"Passed ({len(passed)})", rows)
    return "<h2>What fired</h2>" + table


def _html_metrics(report: HealthReport) -> str:
    if not report.metrics:
        return ""
    label = _baseline_label(report.metrics)
    against = f"baseline: {_e(label)}" if label else "baseline"
    return (
        '<h2>Metrics vs baseline</h2><figure class="wide"><figcaption>'
        f"This change vs {against}"
        '<span class="muted">Bars are scaled per metric; the numbers are the values.</span>'
        f"</figcaption>{_svg_metrics(report.metrics)}</figure>"
    )


DRIFT_HEADER = (
    "column",
    "kind (why)",
    "method",
    "value",
    "drift when",
    "drifted",
    "ref vs current",
)


def _drift_rows(
    drift: Iterable[ColumnDrift], shapes: Mapping[str, Distribution]
) -> list[tuple[str, list[str]]]:
    return [
        (
            "drifted" if d.drifted else "",
            [
                _e(d.column),
                _e(kind_label(d)),
                _e(d.method),
                num(d.value),
                _e(value_label(d)),
                _badge(WARN, "yes") if d.drifted else "no",
                _svg_mini(shapes[d.column]) if d.column in shapes else "",
            ],
        )
        for d in drift
    ]


def _html_drift(report: HealthReport) -> str:
    """Every column with a small chart; the drifted ones open, the others folded."""
    if not report.drift:
        return ""
    shapes = _distribution_of(report)
    drifted = [d for d in report.drift if d.drifted]
    steady = [d for d in report.drift if not d.drifted]
    parts = ["<h2>Drift per column</h2>"]
    if drifted:
        parts.append(_html_table(DRIFT_HEADER, _drift_rows(drifted, shapes), {3}))
    else:
        parts.append('<p class="muted">No column drifted.</p>')
    if steady:
        table = _html_table(DRIFT_HEADER, _drift_rows(steady, shapes), {3})
        parts.append(_folded_html(f"No drift ({len(steady)})", table))
    return "".join(parts)


def _html_distributions(report: HealthReport) -> str:
    """A large chart per drifted column (every column has a small one in the drift table)."""
    drift = _drift_of(report)
    shown = [d for d in report.distributions if d.column not in drift or drift[d.column].drifted]
    if not shown:
        return ""
    figures = []
    for d in shown:
        found = drift.get(d.column)
        note = f"{_e(found.method)} {num(found.value)} ({_e(value_label(found))})" if found else ""
        figures.append(
            f"<figure><figcaption>{_e(d.column)}"
            f'<span class="muted">{note}</span></figcaption>'
            f"{_svg_distribution(d, found)}</figure>"
        )
    return f'<h2>Drifted columns</h2><div class="charts">{"".join(figures)}</div>'


def html_body(report: HealthReport) -> str:
    """The page's content, most important first: verdict, findings, metrics, drift,
    distributions (check.html shows it under its own report, with `CSS`)."""
    return "".join(
        [
            _html_header(report),
            _html_findings(report),
            _html_metrics(report),
            _html_drift(report),
            _html_distributions(report),
        ]
    )


def to_html(report: HealthReport) -> str:
    """One self-contained page."""
    return page(f"{report.verdict} · o16n", CSS, html_body(report))


# ---- registry --------------------------------------------------------------------------------

RENDERERS: dict[str, Callable[[HealthReport], str]] = {
    "json": to_json,
    "md": to_markdown,
    "html": to_html,
}
REPORTERS: dict[str, Callable[[HealthReport], str]] = {"text": render_text, **RENDERERS}
FORMATS = tuple(REPORTERS)
