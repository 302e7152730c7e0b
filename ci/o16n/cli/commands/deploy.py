"""`o16n deploy --env ENV`: the environment's deploy gate, then the desired state in
deploy/ENV/ (desired.yaml; for the kserve target also the manifests), the decision in the
ledger, one commit, and the GTO stage tag. Exit 1 when the gate refuses (the refusal is
recorded; the desired state is unchanged). With --github, a GitHub Deployment whose payload
names the ledger record, created once that record is committed: pending, then success, failure
(refused) or error. A record appended without O16N_SIGNING_KEY is unsigned: a warning says so."""

from __future__ import annotations

import argparse

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

PARENTS = [
    options.env("the environment (o16n.yaml environments)"),
    options.reports("decision.{json,md}"),
    options.GITHUB,
    options.PROJECT,
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--version", help="the version to deploy (default: the latest)")
    which.add_argument("--from", dest="source", help="promote what this environment runs")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.cli.console import warn
    from o16n.cli.output import write_decision
    from o16n.lifecycle import deploy
    from o16n.report.decision import to_text

    project = args.project.resolve()
    done = deploy.deploy(
        project,
        args.env,
        version=args.version,
        source=args.source,
        github=args.github,
        say=lambda text: console.print(f"[warn]{text}[/]"),
    )
    write_decision(project / args.reports, done.judged)
    to_text(done.judged.decision, done.judged.pack.name, console)
    if done.recorded.warning:
        warn(done.recorded.warning, no_color=args.no_color)
    if not done.passed:
        console.print(f"[fail]refused[/]: recorded as #{done.record['seq']} ({done.commit[:12]})")
        return EXIT_FAILED
    console.print(
        f"{done.verb}: desired state committed ({done.commit[:12]}), {done.tag}", highlight=False
    )
    return EXIT_OK
