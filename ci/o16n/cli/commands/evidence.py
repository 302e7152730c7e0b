"""`o16n evidence --version vX [-o FILE.zip] [--since vW]`: one zip for an auditor.

It holds the model card, the release manifest and signature with their verdict now, the ledger
records of the version with each one's verification, the health, KPI and fairness reports, the
monitor reports of the version, the project's configuration at the version's commit, and an
index (index.md, index.html, index.json) by the sections of EU AI Act Annex IV and SR 11-7.
With --since, the substantial modifications from that older version are printed and included
(modifications.md, modifications.json). Exit 0: written; exit 1: written, but the release, a
ledger record or a deployment of the version does not verify (the index says which); exit 2:
bad input (an unknown version, --since not older, an output in a missing folder or an existing
file that is not a zip), and nothing is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

PARENTS = [options.PROJECT, options.reports("where monitor reports are looked for (reports)")]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", required=True, help="the version to document, e.g. v1.2.0")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        help="the zip to write (evidence-<model>@<version>.zip, under --project)",
    )
    parser.add_argument(
        "--since", help="an older version: list the substantial modifications since it"
    )
    parser.add_argument(
        "--monitor", type=Path, help="a folder of monitor reports too (e.g. downloaded artifacts)"
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        help="the absolute change in a metric or the KPI that counts as a modification "
        "(default: health.yaml's regression tolerance for its metrics, else 0.01)",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.config.project import load_project
    from o16n.errors import UsageError
    from o16n.lifecycle import evidence
    from o16n.report import evidence as report

    project = args.project.resolve()
    if args.tolerance is not None and not args.tolerance >= 0:
        raise UsageError(f"--tolerance {args.tolerance}: must be 0 or more")
    model = load_project(project).model
    output = project / (args.output or evidence.default_output(model, args.version))
    evidence.check_output(output)
    found = evidence.collect(
        project,
        args.version,
        since=args.since,
        monitor=args.monitor,
        reports=args.reports,
        tolerance=args.tolerance,
        rendered=("modifications.md",) if args.since else (),
    )
    files = {entry.path: entry.data for entry in found.entries}
    if found.modifications is not None:
        files["modifications.md"] = report.modifications_to_markdown(found.modifications).encode()
    files["index.md"] = report.to_markdown(found).encode()
    files["index.html"] = report.to_html(found).encode()
    files["index.json"] = report.to_json(found).encode()
    evidence.write_zip(output, files)
    if found.modifications is not None:
        report.modifications_to_text(found.modifications, console)
    report.summary_to_text(found, str(output), len(files), console)
    return EXIT_OK if found.verified else EXIT_FAILED
