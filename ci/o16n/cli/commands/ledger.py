"""`o16n ledger`: verify the decision ledger's chain, history and lineage; show its records."""

from __future__ import annotations

import argparse

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=type(parser)
    )
    actions.add_parser(
        "verify",
        help="check the hash chain, git history and lineage of every record",
        parents=[options.PROJECT],
    )
    actions.add_parser("show", help="list the records", parents=[options.PROJECT])


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.lifecycle import ledger
    from o16n.report.ledger import records_to_text, verification_to_text

    if args.action == "show":
        records_to_text(ledger.read(args.project / ledger.LEDGER), console)
        return EXIT_OK
    problems = ledger.verify(args.project)
    records = 0 if problems else len(ledger.read(args.project / ledger.LEDGER))
    verification_to_text(problems, records, console)
    return EXIT_FAILED if problems else EXIT_OK
