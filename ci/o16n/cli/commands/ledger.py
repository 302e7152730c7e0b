"""`o16n ledger`: verify the decision ledger (chain, git history, the witness of the last
append, signatures, lineage and, with --github, GitHub Deployments); show its records.
Exit 0 when verify finds nothing, 1 with each problem printed, 2 for a bad --trust-ref or an
allowed_signers line that does not parse."""

from __future__ import annotations

import argparse

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

VERIFY_HELP = (
    "check every record: the hash chain, that git history only ever appended, that the last "
    "record appended here is still there, each record's signature by a key that "
    "policies/allowed_signers on the trust ref lists for o16n-ledger, and lineage (the data "
    "and model hashes match dvc.lock at the record's commit)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=type(parser)
    )
    verify = actions.add_parser(
        "verify", help=VERIFY_HELP, description=VERIFY_HELP, parents=[options.PROJECT]
    )
    verify.add_argument(
        "--trust-ref",
        default="main",
        metavar="REF",
        help="the revision whose policies/allowed_signers says which keys may sign (main); "
        "the checkout's copy never counts, so a key added on a branch is not trusted",
    )
    verify.add_argument(
        "--github",
        action="store_true",
        help="also compare every deploy and rollback with the GitHub Deployment whose payload "
        "carries its hash, and every such deployment with the ledger (GITHUB_TOKEN, "
        "GITHUB_REPOSITORY)",
    )
    actions.add_parser("show", help="list the records", parents=[options.PROJECT])


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.lifecycle import ledger
    from o16n.report.ledger import records_to_text, verification_to_text

    if args.action == "show":
        records_to_text(ledger.read(args.project / ledger.LEDGER), console)
        return EXIT_OK
    verification = ledger.verify(args.project, trust_ref=args.trust_ref, github=args.github)
    verification_to_text(verification, console)
    return EXIT_OK if verification.ok else EXIT_FAILED
