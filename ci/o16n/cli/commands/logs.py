"""`o16n logs`: a CI run's logs and report artifacts, for a PR, a run or a release, in one folder
that anyone can read without asking ops."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from o16n.errors import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--pr", type=int, help="the latest run on this pull request's head")
    which.add_argument("--run", type=int, help="this workflow run id")
    which.add_argument("--release", help="the latest run on this release tag's commit")
    parser.add_argument("-o", "--output", type=Path, help="folder (default: logs/<what>)")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters import github

    actions = github.Actions.from_env()
    client = github.connect(actions)
    if args.run is not None:
        run_id, label = args.run, f"run-{args.run}"
    else:
        if args.pr is not None:
            sha, label = (
                str(github.pull_request(client, actions, args.pr).head.sha),
                f"pr-{args.pr}",
            )
        else:
            sha, label = github.release_commit(client, actions, args.release), args.release
        runs = github.runs_for(client, actions, sha)
        if not runs:
            raise UsageError(
                f"no workflow run for {label} (commit {sha[:12]}) on {actions.repository}"
            )
        run_id = int(runs[-1]["id"])
    folder = args.output or Path("logs") / label.replace("/", "-")
    written = github.download_run(client, actions, run_id, folder)
    console.print(f"run {run_id}: {len(written)} file(s) in {folder}", highlight=False)
    for path in sorted(written):
        console.print(f"  {path.relative_to(folder.resolve())}", highlight=False)
    return EXIT_OK
