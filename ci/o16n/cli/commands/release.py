"""`o16n release`: register the next model version (GTO tag) when the model changed, and build
the release bundle, its manifest signed with the key O16N_SIGNING_KEY names
(`manifest.json.sig`); with --github, publish it as a GitHub Release with the bundle as assets.

Without a key the bundle is built unsigned, with a warning on stderr: `o16n verify`,
`o16n deploy` and `o16n serve` refuse it. A key the protected branch's policies/allowed_signers
does not list for releases gets a warning too: the release would be refused the same way."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from o16n.adapters import signing
from o16n.cli import options
from o16n.cli.console import make_console
from o16n.errors import EXIT_OK, ConfigError

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
    config = load_project(project)
    model = config.model
    key = signing.signing_key()  # before anything: a key that cannot sign stops the release
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
    output, reports = project / args.output, project / args.reports
    bundle = release.release(project, plan, output, card, reports, key)
    console.print(
        f"released {model}@{plan.version} ({plan.bump or 'version set'}): {bundle}",
        highlight=False,
    )
    _say_who_signed(project, config.github.branch, key, console, args.no_color)
    if args.github:
        url = release.publish(f"{model}@{plan.version}", plan.head, bundle)
        console.print(f"GitHub release: {url}", highlight=False)
    return EXIT_OK


def _say_who_signed(
    project: Path, branch: str, key: signing.SigningKey | None, console: Console, no_color: bool
) -> None:
    """Who signed; loudly, on stderr, when nothing downstream will accept this release."""
    warn = make_console(stderr=True, no_color=no_color).print
    if key is None:
        warn(
            f"[warn]WARNING: the release is UNSIGNED[/]: {signing.KEY_VARIABLE} is not set. "
            "`o16n verify`, `o16n deploy` and `o16n serve` refuse an unsigned release. "
            f"To sign: {escape(signing.KEY_HELP)}"
        )
        return
    try:
        trusted = signing.allowed_signers_at(project, branch)
    except ConfigError as exc:
        warn(f"[warn]WARNING[/]: the release's signature cannot be checked: {escape(str(exc))}")
        return
    if trusted is None or not trusted.for_key(key.public_blob, signing.RELEASE_NAMESPACE):
        warn(
            f"[warn]WARNING[/]: signed with {key.fingerprint}, which "
            f"{branch}:{signing.ALLOWED_SIGNERS} does not list for {signing.RELEASE_NAMESPACE}: "
            f"`o16n deploy` will refuse this release. To trust the key, add "
            f"`<principal> {key.public_line()}` there on {branch} (through a reviewed change)."
        )
        return
    console.print(
        f"signed with {key.fingerprint} ({branch}:{signing.ALLOWED_SIGNERS} lists it)",
        highlight=False,
    )


def _model_card(project: Path) -> str | None:
    if not (project / "model_card.yaml").is_file() or not (project / "policies").is_dir():
        return None
    from o16n.config import modelcard
    from o16n.policy.run import prepare
    from o16n.report.modelcard import render_markdown

    _, facts = prepare(project, stage="pr", env=None, base=None, provider="git")
    return render_markdown(modelcard.load(project / "model_card.yaml"), facts)
