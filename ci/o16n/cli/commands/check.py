"""`o16n check`: run what a pull request gets and write one report."""

from __future__ import annotations

import argparse

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

STEP_NAMES = ("lint", "repro", "tests", "lock", "metrics", "health", "kpi", "gate")
PARENTS = [options.PROJECT, options.reports("where to write check.json/.md")]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", default="main", help="revision to compare metrics with (main)")
    parser.add_argument(
        "--skip", action="append", default=[], choices=STEP_NAMES, help="skip a step (repeatable)"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters import github
    from o16n.cli.output import write_reports
    from o16n.lifecycle.check import run_check
    from o16n.report.check import report_files, to_text

    reports = args.project / args.reports
    result = run_check(args.project, args.base, frozenset(args.skip))
    written = report_files(result)
    write_reports(reports, written)
    github.append_summary(written["check.md"])
    to_text(result, console)
    shown = ", ".join(str(reports / f"check.{ext}") for ext in ("md", "json", "html"))
    console.print(f"reports: {shown}", highlight=False)
    return EXIT_OK if result.passed else EXIT_FAILED
