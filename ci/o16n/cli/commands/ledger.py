"""`o16n ledger`: verify the decision ledger's chain, history and lineage; show its records."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from o16n.errors import EXIT_FAILED, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=type(parser)
    )
    verify = actions.add_parser(
        "verify", help="check the hash chain, git history and lineage of every record"
    )
    show = actions.add_parser("show", help="list the records")
    for action in (verify, show):
        action.add_argument("--project", type=Path, default=Path("."), help="project root (.)")


def run(args: argparse.Namespace, console: Console) -> int:
    return verify(args.project, console) if args.action == "verify" else show(args.project, console)


def verify(project: Path, console: Console) -> int:
    from o16n.lifecycle import ledger

    problems = ledger.verify(project)
    for problem in problems:
        console.print(escape(str(problem)), highlight=False)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        console.print(f"{count}: the ledger cannot be trusted", highlight=False)
        return EXIT_FAILED
    records = len(ledger.read(project / ledger.LEDGER))
    console.print(f"{records} records, chain intact, lineage matches", highlight=False)
    return EXIT_OK


def show(project: Path, console: Console) -> int:
    from rich.table import Table

    from o16n.lifecycle import ledger

    table = Table()
    for name in ("seq", "time", "stage", "model", "verdict", "actor"):
        table.add_column(name, overflow="fold")
    for name in ("commit", "hash"):  # ids are never cut
        table.add_column(name, no_wrap=True, min_width=12 if name == "hash" else 7)
    for record in ledger.read(project / ledger.LEDGER):
        model = record.get("model") or {}
        stage = " ".join(str(s) for s in (record.get("stage"), record.get("env")) if s)
        version = " ".join(str(v) for v in (model.get("name"), model.get("version")) if v)
        commit = str((record.get("inputs") or {}).get("commit") or "")[:7]
        cells = (record.get("seq"), record.get("time"), stage, version, record.get("verdict"))
        table.add_row(
            *(escape(str(c or "")) for c in cells),
            escape(str(record.get("actor") or "")),
            commit,
            str(record.get("hash") or "")[:12],
        )
    console.print(table)
    return EXIT_OK
