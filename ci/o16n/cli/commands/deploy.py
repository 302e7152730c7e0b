"""`o16n deploy --env ENV`: the version's signed release verified, the environment's deploy
gate, then the desired state in deploy/ENV/ (desired.yaml, carrying the signed manifest; for
the kserve target also the manifests), the decision in the ledger, one commit, and the GTO
stage tag. Exit 1 when the release does not verify (nothing is written: the problems are
printed) or the gate refuses (the refusal is recorded; the desired state is unchanged). With
--github, a GitHub Deployment whose payload names the ledger record, created once that record is
committed: pending, then success, failure (refused) or error. With --push REMOTE, the commit
and the tags go to o16n.yaml's github.branch there first, atomically, a merge that landed
meanwhile fetched and the deploy replayed onto it (o16n.lifecycle.writeback); a refusal is
pushed too. A record appended without O16N_SIGNING_KEY is unsigned: a warning says so."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

PARENTS = [
    options.env("the environment (o16n.yaml environments)"),
    options.reports("decision.{json,md}"),
    options.GITHUB,
    options.PUSH,
    options.PROJECT,
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--version", help="the version to deploy (default: the latest)")
    which.add_argument("--from", dest="source", help="promote what this environment runs")
    parser.add_argument(
        "--releases",
        type=Path,
        default=Path("releases"),
        help="where the release bundles are, under --project (releases/); without the "
        "version's bundle, the signed manifest a committed desired state carries is used",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.cli.console import warn
    from o16n.cli.output import write_decision
    from o16n.lifecycle import deploy
    from o16n.report.decision import to_text
    from o16n.report.release import refused_to_text

    project = args.project.resolve()
    done = deploy.deploy(
        project,
        args.env,
        version=args.version,
        source=args.source,
        github=args.github,
        push=args.push,
        releases=args.releases,
        say=lambda text: console.print(f"[warn]{text}[/]"),
    )
    if isinstance(done, deploy.Unverified):
        refused_to_text(done.verb, done.source, done.problems, console)
        return EXIT_FAILED
    write_decision(project / args.reports, done.judged)
    to_text(done.judged.decision, done.judged.pack.name, console, done.judged.facts)
    if done.recorded.warning:
        warn(done.recorded.warning, no_color=args.no_color)
    if not done.passed:
        console.print(f"[fail]refused[/]: recorded as #{done.record['seq']} ({done.commit[:12]})")
        return EXIT_FAILED
    console.print(
        f"{done.verb}: desired state committed ({done.commit[:12]}), {done.tag}", highlight=False
    )
    return EXIT_OK
