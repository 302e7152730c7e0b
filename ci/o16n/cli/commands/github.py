"""`o16n github report|protect`: the check report as one PR comment and a commit status;
rulesets protecting main and the version tags from o16n.yaml (a deploy key may bypass)."""

from __future__ import annotations

import argparse

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    report = sub.add_parser(
        "report",
        help="post reports/check.md as the PR comment; set the o16n/gate status",
        parents=[options.reports("reports folder"), options.PROJECT],
    )
    report.add_argument("--pr", type=int, help="pull request number (default: from the event)")
    sub.add_parser(
        "protect",
        help="rulesets for the main branch and the version tags as o16n.yaml says, the deploy "
        "key their bypass actor (needs an admin token)",
        parents=[options.PROJECT],
    )


def run(args: argparse.Namespace, console: Console) -> int:
    if args.action == "report":
        return _report(args, console)
    if args.action == "protect":
        return _protect(args, console)
    raise UsageError("say what to do: `o16n github report` or `o16n github protect`")


def _report(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters import github
    from o16n.lifecycle.pull_request import GATE_CONTEXT, post_report
    from o16n.report.check import MARKER

    posted = post_report(args.project / args.reports, args.pr, MARKER)
    verb = "posted" if posted.created else "updated"
    line = f"report {verb} on #{posted.number} (comment {posted.comment}); "
    line += f"{GATE_CONTEXT}: {posted.state} on {posted.head[:12]}"
    console.print(line, highlight=False)
    github.append_summary(f"\n{line}\n")
    return EXIT_OK


def _protect(args: argparse.Namespace, console: Console) -> int:
    from o16n.lifecycle.pull_request import protect_main

    done = protect_main(args.project)
    if done.changed:
        state = "protected: " + ", ".join(f"ruleset {name!r} written" for name in done.changed)
    else:
        state = "already protected as configured"
    if done.dropped_classic:
        state += "; classic branch protection removed (the ruleset replaces it)"
    console.print(f"{done.repository}@{done.branch}: {state}", highlight=False)
    if done.environments is not None:
        restricted = done.environments
        names = ", ".join(restricted.changed) or "none changed"
        console.print(
            f"environments take deployments from {done.branch} only ({names}): their secrets "
            "reach no pull request's workflow",
            highlight=False,
        )
        for env, refs in restricted.others.items():
            console.print(
                f"warning: environment {env} also admits {', '.join(refs)}: a job there gets its "
                "secrets; remove them in Settings > Environments unless they are meant",
                style="warn",
                highlight=False,
            )
    console.print(
        "deploys push with a deploy key (the rulesets' bypass actor): add one with write "
        "access and its private key as the O16N_DEPLOY_KEY secret of each environment, never "
        "of the repository (README: 'Deploying to a protected branch')",
        highlight=False,
    )
    return EXIT_OK
