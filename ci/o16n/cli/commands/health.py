"""`o16n health`: evaluate the health triggers (health.yaml, or the defaults) and report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from rich.console import Console

FORMATS = ("text", "json", "md", "html")

PARENTS = [options.output_format(FORMATS, "text"), options.PROJECT, options.ENGINE]
# a batch process (`o16n.health.engines.memory`): set up by the CLI before numpy loads
BATCH = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="health.yaml (default: ./health.yaml if there)")
    parser.add_argument("--reference", help="reference profile (JSON) or data file")
    parser.add_argument(
        "--current",
        help="the data to check: a CSV or Parquet file, a folder or glob of parts, a URL",
    )
    parser.add_argument("-o", "--output", type=Path, help="write the report here (default: stdout)")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters.files import write_text_atomic
    from o16n.config.health import resolve_config
    from o16n.health.checks import Inputs, evaluate
    from o16n.health.engines import choose
    from o16n.report.health import RENDERERS, to_text

    config, reference, current = resolve_config(
        args.project, args.config, args.reference, args.current
    )
    engine = choose(config.engine, args.engine, args.workers, args.scheduler, args.master)
    inputs = Inputs(args.project, reference=reference, current=current, engine=engine)
    report = evaluate(config, inputs)
    if args.format == "text":
        to_text(report, console)
    elif args.output is None:
        console.file.write(RENDERERS[args.format](report))
    if args.output is not None:
        rendered = RENDERERS["json" if args.format == "text" else args.format](report)
        write_text_atomic(args.output, rendered)
        console.print(f"report: {args.output}", highlight=False)
    return EXIT_FAILED if report.failed else EXIT_OK
