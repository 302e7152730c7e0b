"""`o16n release`: register the next model version (GTO tag) when the model changed, and build
the release bundle; with --github, publish it as a GitHub Release with the bundle as assets."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from o16n.errors import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--version", help="the version to register (default: bumped by the change)")
    which.add_argument("--bump", choices=("major", "minor", "patch"), help="override the bump")
    parser.add_argument("-o", "--output", type=Path, default=Path("releases"), help="bundle folder")
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="reports to bundle")
    parser.add_argument("--github", action="store_true", help="publish a GitHub Release too")
    parser.add_argument("--project", type=Path, default=Path("."), help="project root (.)")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters import git, gto
    from o16n.config import project as project_config
    from o16n.lifecycle import release

    project = args.project.resolve()
    model = project_config.load(project).model
    head = git.run("rev-parse", "HEAD", project=project).output.strip()
    found = gto.versions(project, model)
    already = next((v for v in reversed(found) if v.commit == head), None)
    if already is not None:
        console.print(f"{model}@{already.name} is this commit already", highlight=False)
        return EXIT_OK
    current = found[-1] if found else None
    bump = args.bump or (gto.bump_for(project, current.commit) if current else "major")
    if args.version is None and bump is None:
        assert current is not None
        console.print(
            f"the model is the same as {model}@{current.name}: nothing to release", highlight=False
        )
        return EXIT_OK
    version = args.version or gto.next_version(current, bump or "patch")
    card = _model_card(project)
    reports = args.reports if args.reports.is_absolute() else project / args.reports
    output = args.output if args.output.is_absolute() else project / args.output
    bundle = release.build(project, model, version, head, output, card, reports)
    gto.register(project, model, version, f"o16n release {model} {version} ({bump or 'set'})")
    console.print(
        f"released {model}@{version} ({bump or 'version set'}): {bundle}", highlight=False
    )
    if args.github:
        from o16n.adapters import github

        actions = github.Actions.from_env()
        url = github.publish_release(
            github.connect(actions), actions, f"{model}@{version}", head, bundle
        )
        console.print(f"GitHub release: {url}", highlight=False)
    return EXIT_OK


def _model_card(project: Path) -> str | None:
    if not (project / "model_card.yaml").is_file() or not (project / "policies").is_dir():
        return None
    from o16n import policy
    from o16n.config import modelcard
    from o16n.report.modelcard import render_markdown

    _, facts = policy.prepare(project, stage="pr", env=None, base=None, provider="git")
    return render_markdown(modelcard.load(project / "model_card.yaml"), facts)
