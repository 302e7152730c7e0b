"""`o16n timeline`: the model's history (versions, data, params, metrics, verdicts)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_OK
from o16n.report.timeline import RENDERERS

PARENTS = [options.PROJECT]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=tuple(RENDERERS), default="md", help="output format (md)"
    )
    parser.add_argument("-o", "--output", type=Path, help="write here instead of stdout")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters.files import write_text_atomic
    from o16n.lifecycle import timeline

    text = RENDERERS[args.format](timeline.build(args.project))
    if args.output is not None:
        write_text_atomic(args.output, text)
    else:
        console.file.write(text)
    return EXIT_OK
