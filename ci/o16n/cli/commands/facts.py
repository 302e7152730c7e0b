"""`o16n facts`: the facts document the policy rules see, as JSON, for rule authors."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from rich.console import Console

from o16n.errors import EXIT_OK


def add_gate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stage", choices=("pr", "deploy"), default="pr", help="stage (pr)")
    parser.add_argument("--env", help="deployment environment (deploy stage)")
    parser.add_argument(
        "--base", help="revision to compare with (pr: main; deploy: the previous commit)"
    )
    parser.add_argument("--project", type=Path, default=Path("."), help="project root (.)")
    parser.add_argument(
        "--review",
        choices=("auto", "git", "github"),
        default="auto",
        help="where review facts come from (auto: GitHub in a PR workflow, else git)",
    )
    parser.add_argument("--today", type=dt.date.fromisoformat, help=argparse.SUPPRESS)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_gate_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, help="write the JSON here (default: stdout)")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n import policy
    from o16n.adapters.files import write_text_atomic

    base = args.base or policy.default_base(args.project, args.stage)
    _, facts = policy.prepare(
        args.project,
        stage=args.stage,
        env=args.env,
        base=base,
        today=args.today,
        provider=args.review,
    )
    text = json.dumps(facts, indent=2, sort_keys=True) + "\n"
    if args.output is not None:
        write_text_atomic(args.output, text)
    else:
        console.file.write(text)
    return EXIT_OK
