"""`o16n monitor`: score the newest production batch with the deployed model, check its health
against that version's reference profile, write reports/monitor.{md,json,html}; with --github,
keep one issue open while a trigger fires and dispatch retraining when one fails.
Exit 1 when a `fail` trigger fires, 2 on bad input (no batch, no deployed version, ...)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from o16n.adapters.github import Actions
    from o16n.config.project import ProjectConfig
    from o16n.lifecycle.monitor import Monitored

PARENTS = [
    options.env("the environment monitored (default: monitoring.env)", required=False),
    options.reports("where monitor.{md,json,html} go (reports)"),
    options.PROJECT,
    options.ENGINE,
]
# a batch process (`o16n.health.engines.memory`): set up by the CLI before numpy loads
BATCH = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--batch",
        metavar="SOURCE",
        help="the batch: a file, a folder or glob of parts, or a URL such as "
        "s3://bucket/batches/2024-05-01/ (default: the newest in monitoring.batches)",
    )
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="whose data triggers apply (./health.yaml)"
    )
    parser.add_argument(
        "--score", metavar="MODULE", help="the scoring module (default: <package>.score in src/)"
    )
    parser.add_argument(
        "--github", action="store_true", help="open or update the issue; dispatch retraining"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.config.project import load_project
    from o16n.health.engines import choose
    from o16n.lifecycle import monitor
    from o16n.report.monitor import to_text

    project = args.project.resolve()
    settings = load_project(project)
    actions = _actions() if args.github else None  # GitHub settings are checked first
    _remind(project, settings, actions, console)  # due whatever the batch says, or if none reads
    batch = _batch(args.batch)
    if batch is None:
        batch = monitor.newest_batch(project, settings.monitoring.batches)
    env = args.env or settings.monitoring.env
    health = monitor.monitoring_config(project, args.config)
    engine = choose(
        settings.monitoring.engine or health.engine,
        args.engine,
        args.workers,
        args.scheduler,
        args.master,
    )
    result = monitor.check(project, settings, health, env, batch, args.score, engine)
    to_text(result, console)
    _write(result, project / args.reports, console)
    if actions is not None:
        _publish(result, settings, actions, console)
    return EXIT_FAILED if result.failed else EXIT_OK


def _batch(given: str | None) -> Path | str | None:
    """--batch: a URL as given, a local path from where o16n runs."""
    if given is None or "://" in given:
        return given
    return Path(given).resolve()


def _actions() -> Actions:
    from o16n.adapters import github

    return github.Actions.from_env()


def _write(result: Monitored, reports: Path, console: Console) -> None:
    """reports/monitor.{md,json,html} (the latest run), the run kept under
    reports/monitor/runs/ (for `o16n site`), and the Markdown in the Actions job summary."""
    from datetime import UTC, datetime

    from o16n.adapters import github
    from o16n.cli.output import write_reports
    from o16n.lifecycle.monitor import RUNS, run_name
    from o16n.report.monitor import RENDERERS, to_html, to_markdown, to_run_json

    now = datetime.now(UTC)
    kept = RUNS / run_name(result, now)
    write_reports(reports, {f"monitor.{fmt}": render(result) for fmt, render in RENDERERS.items()})
    when = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    write_reports(
        reports,
        {
            f"{kept}.json": to_run_json(result, when, github.run_url()),
            f"{kept}.html": to_html(result),
        },
    )
    console.print(
        f"reports: {reports / 'monitor'}.{{md,json,html}}, {reports / kept}.json", highlight=False
    )
    github.append_summary(to_markdown(result, github.run_url()) + "\n")


def _remind(
    project: Path, settings: ProjectConfig, actions: Actions | None, console: Console
) -> None:
    """Revalidations falling due within o16n.yaml's `revalidation.remind`: said, and with
    --github one issue opened or updated."""
    import datetime as dt

    from o16n.lifecycle import revalidation
    from o16n.report.revalidation import line, reminder_body

    if settings.revalidation is None:
        return
    due = revalidation.due_soon(project, dt.datetime.now(dt.UTC).date(), settings)
    for standing in due:
        console.print(f"[warn]revalidation due[/] {line(standing)}", highlight=False)
    if actions is not None and due:
        body = reminder_body(settings.model, due, actions.run_url)
        console.print(revalidation.remind(settings.model, due, actions, body), highlight=False)


def _publish(
    result: Monitored, settings: ProjectConfig, actions: Actions, console: Console
) -> None:
    """Dispatch retraining first (the issue says how that went), then open or update the issue."""
    from o16n.lifecycle import monitor
    from o16n.report.monitor import issue_text

    retraining = monitor.retrain(result, settings, actions)
    text = issue_text(result, actions.run_url, retraining)
    lines = monitor.publish(result, actions, text, retraining)
    for line in lines or ["no trigger fired and no issue is open: nothing to do on GitHub"]:
        console.print(line, highlight=False)
