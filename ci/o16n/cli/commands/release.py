"""`o16n release`: register the next model version (GTO tag) when the model changed, and build
the release bundle; with --github, publish it as a GitHub Release with the bundle as assets."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_OK

PARENTS = [options.reports("reports to bundle"), options.PROJECT]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--version", help="the version to register (default: bumped by the change)")
    which.add_argument("--bump", choices=("major", "minor", "patch"), help="override the bump")
    parser.add_argument("-o", "--output", type=Path, default=Path("releases"), help="bundle folder")
    parser.add_argument("--github", action="store_true", help="publish a GitHub Release too")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.config.project import load_project
    from o16n.lifecycle import release

    project = args.project.resolve()
    model = load_project(project).model
    plan = release.plan(project, model, version=args.version, bump=args.bump)
    if plan.already is not None:
        console.print(f"{model}@{plan.already.name} is this commit already", highlight=False)
        return EXIT_OK
    if plan.version is None:
        assert plan.latest is not None
        console.print(
            f"the model is the same as {model}@{plan.latest.name}: nothing to release",
            highlight=False,
        )
        return EXIT_OK
    card = _model_card(project)
    bundle = release.release(project, plan, project / args.output, card, project / args.reports)
    console.print(
        f"released {model}@{plan.version} ({plan.bump or 'version set'}): {bundle}",
        highlight=False,
    )
    if args.github:
        url = release.publish(f"{model}@{plan.version}", plan.head, bundle)
        console.print(f"GitHub release: {url}", highlight=False)
    return EXIT_OK


def _model_card(project: Path) -> str | None:
    if not (project / "model_card.yaml").is_file() or not (project / "policies").is_dir():
        return None
    from o16n.config import modelcard
    from o16n.policy.run import prepare
    from o16n.report.modelcard import render_markdown

    _, facts = prepare(project, stage="pr", env=None, base=None, provider="git")
    return render_markdown(modelcard.load(project / "model_card.yaml"), facts)
