"""`o16n site -o DIR`: the model's static site (versions, environments, monitoring, decisions,
logs), built from git, the ledger, the release bundles and the kept monitor runs. DIR/index.html
opens from a file or a CI artifact: no scripts, nothing fetched."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_OK, UsageError

PARENTS = [options.PROJECT]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="where")
    parser.add_argument(
        "--monitor",
        type=Path,
        metavar="DIR",
        help="the kept monitor runs (default reports/monitor/runs, under --project)",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters.files import write_text_atomic
    from o16n.lifecycle import site
    from o16n.report.site import render

    project = args.project.resolve()
    out = args.output.resolve()
    if out.exists() and not out.is_dir():
        raise UsageError(f"-o {args.output}: not a folder", hint="name a folder for the site")
    if args.monitor is not None and not args.monitor.is_dir():
        raise UsageError(
            f"--monitor {args.monitor}: no such folder",
            hint="name the folder of kept monitor runs (`o16n monitor` writes "
            "reports/monitor/runs/), or leave --monitor out",
        )
    built = site.build(project, args.monitor.resolve() if args.monitor else None)
    files = render(built, project)
    for rel, content in files.items():
        target = out / rel
        if isinstance(content, Path):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(content, target)
        else:
            write_text_atomic(target, content)
    pages = sum(1 for rel in files if rel.endswith(".html") and "/" not in rel)
    console.print(
        f"site: {out / 'index.html'} ({pages} pages, {len(built.versions)} versions, "
        f"{len(built.decisions)} decisions, {len(built.runs)} monitor runs)",
        highlight=False,
    )
    if built.ledger.problems:  # the site shows each; `o16n ledger verify` too
        first = built.ledger.problems[0]
        console.print(
            f"[warn]the ledger does not verify: {len(built.ledger.problems)} problem(s), the "
            f"first: {first} (decisions.html lists them)[/]",
            highlight=False,
        )
    return EXIT_OK
