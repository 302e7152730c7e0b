"""`o16n modelcard`: render model_card.yaml with what the pipeline knows as MODEL_CARD.md, and
say which sections the policy pack requires that are still missing."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

PARENTS = [options.PROJECT]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", type=Path, default=Path("MODEL_CARD.md"), help="MODEL_CARD.md"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a section the pack requires is missing"
    )
    parser.add_argument("--base", help="revision of the baseline model (main, if it exists)")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters import git
    from o16n.adapters.files import write_text_atomic
    from o16n.config import modelcard
    from o16n.policy.run import prepare
    from o16n.report.modelcard import render_markdown

    project = args.project
    base = args.base or ("main" if git.revision_exists("main", project) else None)
    _, facts = prepare(project, stage="pr", env=None, base=base)
    card = modelcard.load(project / "model_card.yaml")
    output = project / args.output  # an absolute -o stays as it is
    write_text_atomic(output, render_markdown(card, facts))
    console.print(f"wrote {args.output}", highlight=False)
    missing = facts["model_card"]["missing"]
    if missing:
        console.print(
            f"[warn]incomplete[/]: the {facts['pack']['name']} pack requires "
            f"{escape(', '.join(missing))} (write them in model_card.yaml)",
            highlight=False,
        )
        return EXIT_FAILED if args.check else EXIT_OK
    console.print("[ok]complete[/] for the policy pack in force", highlight=False)
    return EXIT_OK
