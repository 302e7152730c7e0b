"""`o16n check`: run what a pull request gets and write one report."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from o16n.errors import EXIT_FAILED, EXIT_OK

STEP_NAMES = ("lint", "tests", "repro", "lock", "metrics", "health", "kpi", "gate")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", default="main", help="revision to compare metrics with (main)")
    parser.add_argument("--project", type=Path, default=Path("."), help="project root (.)")
    parser.add_argument(
        "--skip", action="append", default=[], choices=STEP_NAMES, help="skip a step (repeatable)"
    )
    parser.add_argument(
        "--reports", type=Path, default=Path("reports"), help="where to write check.json/.md"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters import github
    from o16n.adapters.files import write_text_atomic
    from o16n.lifecycle.check import run_check
    from o16n.report.check import to_html, to_json, to_markdown, to_text

    reports = args.project / args.reports
    report = run_check(args.project, args.base, reports, frozenset(args.skip))
    markdown = to_markdown(report)
    write_text_atomic(reports / "check.json", to_json(report))
    write_text_atomic(reports / "check.md", markdown)
    write_text_atomic(reports / "check.html", to_html(report))
    github.append_summary(markdown)
    to_text(report, console)
    written = ", ".join(str(reports / f"check.{ext}") for ext in ("md", "json", "html"))
    console.print(f"reports: {written}", highlight=False)
    return EXIT_OK if report.passed else EXIT_FAILED
