"""Reporters for a monitoring run (`o16n.lifecycle.monitor.Monitored`): the terminal output, the
report files (Markdown, JSON, HTML) and the texts of the GitHub issue.

The files are the health reporters' with the run around them: the Markdown report opens with
the model, version, batch and run, then any notes (retraining dispatched or refused); the JSON
and HTML reports show the run as the health report's inputs. `RENDERERS` maps each file format
to its `(run) -> str` function; the Markdown one is also the issue's body.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console

from o16n.health.findings import HealthReport
from o16n.lifecycle.monitor import IssueText, Monitored, Retraining, marker
from o16n.report import health
from o16n.report.markup import num

HEALTH_LIMIT = 60_000  # the health report's share of the Markdown, the issue's body (65,536 max)


def describe_predictions(means: dict[str, float]) -> str:
    return ", ".join(f"{name} mean {num(value)}" for name, value in means.items())


def headline(m: Monitored) -> str:
    return (
        f"{health.ICON[m.report.severity]} {m.report.verdict} on `{m.batch}` "
        f"({m.rows} rows, {m.model} {m.version} in {m.env})"
    )


def to_text(m: Monitored, console: Console) -> None:
    """The headline, what was scored, the health report's tables, what was not checked."""
    console.print(f"o16n monitor: {headline(m)}", highlight=False)
    console.print(f"scored: {m.scored}", highlight=False)
    if m.predictions:
        console.print(f"predictions: {describe_predictions(m.predictions)}", highlight=False)
    health.to_text(m.report, console)
    if m.not_checked:
        console.print(f"not checked here: {', '.join(m.not_checked)}", highlight=False)


# ---- the report files ------------------------------------------------------------------------


def context(m: Monitored) -> dict[str, Any]:
    """What the JSON and HTML reports show as the run's inputs."""
    return {
        "model": m.model,
        "version": m.version,
        "commit": m.commit,
        "env": m.env,
        "batch": m.batch,
        "rows": m.rows,
        "scored": m.scored,
        "reference": m.reference,
        "predictions": describe_predictions(m.predictions) or None,
        "not_checked": ", ".join(m.not_checked) or None,
    }


def _in_context(m: Monitored) -> HealthReport:
    return dataclasses.replace(m.report, inputs=context(m))


def to_json(m: Monitored) -> str:
    return health.to_json(_in_context(m))


def to_html(m: Monitored) -> str:
    return health.to_html(_in_context(m))


def to_run_json(m: Monitored, time: str, run_url: str | None) -> str:
    """The JSON report with when and where it ran: what `o16n monitor` keeps of each run
    (reports/monitor/runs/), from which `o16n site` draws monitoring over time."""
    data = health.to_dict(_in_context(m)) | {"run": {"time": time, "url": run_url}}
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def to_markdown(m: Monitored, run_url: str | None = None, notes: Sequence[str] = ()) -> str:
    """The Markdown report and the issue's body: the run, any notes, then the health report."""
    run = f"[{run_url.rsplit('/', 1)[-1]}]({run_url})" if run_url else "local"
    lines = [
        marker(m.model, m.env),
        f"# o16n monitor: {m.model} in {m.env}",
        "",
        "| model | version | environment | batch | rows | run |",
        "|---|---|---|---|---:|---|",
        f"| {m.model} | {m.version} ({m.commit[:7]}) | {m.env} | `{m.batch}` | {m.rows} | {run} |",
        "",
    ]
    if m.predictions:
        lines += [f"Predictions: {describe_predictions(m.predictions)}.", ""]
    if m.not_checked:
        names = ", ".join(f"`{t}`" for t in m.not_checked[:30])
        lines += [f"Not checked on production data (they need labels or the pipeline): {names}."]
        lines += [""]
    lines += [*(f"**{note}**" for note in notes), *([""] if notes else [])]
    lines += [health.to_markdown(m.report, limit=HEALTH_LIMIT)]
    return "\n".join(lines)


RENDERERS: dict[str, Callable[[Monitored], str]] = {
    "md": to_markdown,
    "json": to_json,
    "html": to_html,
}


# ---- the issue -------------------------------------------------------------------------------


def retraining_notes(m: Monitored, retraining: Retraining) -> list[str]:
    """What the issue says about the retraining dispatch; nothing when none was tried."""
    if retraining.refused is not None:
        return [f"Retraining could not be dispatched: {retraining.refused.message}"]
    if retraining.dispatched:
        where = f"`{retraining.workflow}` on `{retraining.branch}`"
        return [f"Retraining dispatched: {where} (batch `{m.batch}`)."]
    return []


def rerun_note(m: Monitored, run_url: str | None, notes: Sequence[str] = ()) -> str:
    """The comment on an issue that a new firing run updated."""
    where = f" ([run]({run_url}))" if run_url else ""
    return "\n\n".join(
        [
            f"o16n monitor ran again{where}: {headline(m)}.",
            *notes,
            "The issue body holds its report.",
        ]
    )


def healthy_note(m: Monitored, run_url: str | None) -> str:
    where = f" ([run]({run_url}))" if run_url else ""
    return (
        f"o16n monitor{where}: the latest batch is healthy: {headline(m)}.\n\n"
        "o16n leaves this issue open: close it once the cause is understood."
    )


def issue_text(m: Monitored, run_url: str | None, retraining: Retraining) -> IssueText:
    """What `o16n.lifecycle.monitor.publish` posts, with the run's link and the retraining."""
    notes = retraining_notes(m, retraining)
    return IssueText(
        body=to_markdown(m, run_url, notes),
        rerun=rerun_note(m, run_url, notes),
        healthy=healthy_note(m, run_url),
    )
