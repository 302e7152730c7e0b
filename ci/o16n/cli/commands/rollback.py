"""`o16n rollback --env ENV`: the environment's previous desired state, as a new commit,
recorded in the ledger, with the GTO stage tag moved back (with --github, a GitHub Deployment
of the version rolled back to)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from o16n.errors import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", required=True, help="the environment to roll back")
    parser.add_argument(
        "--github", action="store_true", help="track it as a GitHub Deployment (in Actions)"
    )
    parser.add_argument("--project", type=Path, default=Path("."), help="project root (.)")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters import gto
    from o16n.cli.commands.deploy import tracked
    from o16n.config import project as project_config
    from o16n.lifecycle import deploy, ledger
    from o16n.policy import gate
    from o16n.serving.desired import history

    project = args.project.resolve()
    with deploy.serialized(project, lambda text: console.print(f"[warn]{text}[/]")):
        states = history(project, args.env)
        if not states:
            raise UsageError(f"nothing was ever deployed to {args.env}")
        now = states[0]
        previous = next((s for s in states[1:] if s.version != now.version), None)
        if previous is None:
            raise UsageError(
                f"{args.env} has had only {now.model}@{now.version}: nothing to roll back to"
            )
        payload = {
            "model": previous.model,
            "version": previous.version,
            "target": previous.target,
            "rollback_from": now.version,
        }
        with tracked(args.github, args.env, previous.commit, payload) as track:
            track("in_progress", f"committing {previous.version} as desired")
            serving = project_config.load(project).serving
            written = deploy.write(project, args.env, previous, serving)
            record = deploy.rollback_record(project, args.env, previous, now, gate.actor(project))
            ledger.append(project, record)
            verb = f"roll {args.env} back from {now.version} to {previous.version}"
            commit = deploy.commit_state(
                project, f"[skip ci] {verb}", [*written, str(ledger.LEDGER)]
            )
            tag = gto.assign(project, previous.model, args.env, previous.version, f"o16n {verb}")
            track("success", f"rolled back to {previous.version} ({commit[:12]})")
        console.print(f"{verb}: committed {commit[:12]}, {tag}", highlight=False)
    return EXIT_OK
