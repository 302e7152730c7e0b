"""`o16n inventory REPO...`: one table across model repositories (paths or git URLs, each
cloned and read at its main branch): model, owners, risk tier, the version each environment
runs, its last validation and when it falls due, and with --github the open monitor issues.
A repository that cannot be read is listed as an error row; then the exit is 2, after the
table (the others are still shown). -o FILE.html (or .json) writes a page as well."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from o16n.errors import EXIT_OK, EXIT_USAGE, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("repos", nargs="+", metavar="REPO", help="a path or a git URL")
    parser.add_argument(
        "--format", choices=("text", "json", "html"), default="text", help="output (text)"
    )
    parser.add_argument(
        "-o", "--output", type=Path, help="also write the page here: .html or .json"
    )
    parser.add_argument(
        "--github",
        action="store_true",
        help="look up the open monitor issues (GITHUB_TOKEN; GITHUB_API_URL for GHES)",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters.files import write_text_atomic
    from o16n.lifecycle.inventory import inventory
    from o16n.report.inventory import RENDERERS, to_text

    if args.output is not None and args.output.suffix.lstrip(".") not in RENDERERS:
        raise UsageError(f"-o {args.output}: write .html or .json", hint="e.g. -o inventory.html")
    found = inventory(list(args.repos), github=args.github)
    if args.format == "text":
        to_text(found, console)
    else:
        console.file.write(RENDERERS[args.format](found))
    if args.output is not None:
        write_text_atomic(args.output, RENDERERS[args.output.suffix.lstrip(".")](found))
    for row in found.rows:
        if not row.ok:
            console.print(f"[fail]{row.source}[/]: {row.error}", highlight=False)
    return EXIT_OK if found.ok else EXIT_USAGE
