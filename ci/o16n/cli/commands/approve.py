"""`o16n approve`: approve the current branch with a signed, empty commit (the git provider's
review), and say whether the gate will count it."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

PARENTS = [options.PROJECT]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-m", "--message", help="the commit message (default: Approve <commit>)")
    parser.add_argument(
        "--base", default="main", help="the branch whose allowed_signers judge it (main)"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.lifecycle.approve import approve

    approval = approve(args.project, args.message, args.base)
    console.print(
        f"approved as {escape(approval.person)} in commit {approval.commit[:12]}", highlight=False
    )
    if approval.counted:
        console.print("[ok]the gate counts it[/]")
        return EXIT_OK
    console.print(
        f"[fail]the gate will not count it:[/] {escape(approval.reason)}", highlight=False
    )
    return EXIT_FAILED
