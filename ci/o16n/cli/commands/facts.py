"""`o16n facts`: the facts document the policy rules see, as JSON, for rule authors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_OK

PARENTS = [options.GATE, options.PROJECT]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", type=Path, help="write the JSON here (default: stdout)")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters.files import write_text_atomic
    from o16n.policy.run import default_base, prepare

    base = args.base or default_base(args.project, args.stage)
    _, facts = prepare(
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
