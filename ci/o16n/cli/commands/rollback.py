"""`o16n rollback --env ENV`: the environment's previous desired state, as a new commit,
recorded in the ledger, with the GTO stage tag moved back (with --github, a GitHub Deployment
of the version rolled back to, naming the record). Exit 1, with nothing written, when the signed
release that state carries does not verify (`o16n serve` would refuse to load it). An unsigned
record is warned about."""

from __future__ import annotations

import argparse

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

PARENTS = [
    options.env("the environment to roll back"),
    options.GITHUB,
    options.PUSH,
    options.PROJECT,
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Only the shared flags (PARENTS)."""


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.cli.console import warn
    from o16n.lifecycle import deploy
    from o16n.report.release import refused_to_text

    done = deploy.rollback(
        args.project.resolve(),
        args.env,
        github=args.github,
        push=args.push,
        say=lambda text: console.print(f"[warn]{text}[/]"),
    )
    if isinstance(done, deploy.Unverified):
        refused_to_text(done.verb, done.source, done.problems, console)
        return EXIT_FAILED
    console.print(f"{done.verb}: committed {done.commit[:12]}, {done.tag}", highlight=False)
    if done.recorded.warning:
        warn(done.recorded.warning, no_color=args.no_color)
    return EXIT_OK
