"""`o16n check`: run what a pull request gets and write one report."""

from __future__ import annotations

import argparse

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

STEP_NAMES = ("lint", "tests", "repro", "lock", "metrics", "health", "kpi", "gate")
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
    from o16n.report import check as report

    reports = args.project / args.reports
    result = run_check(args.project, args.base, frozenset(args.skip))
    files = report.files(result)
    write_reports(reports, files)
    github.append_summary(files["check.md"])
    report.to_text(result, console)
    written = ", ".join(str(reports / f"check.{ext}") for ext in ("md", "json", "html"))
    console.print(f"reports: {written}", highlight=False)
    return EXIT_OK if result.passed else EXIT_FAILED
