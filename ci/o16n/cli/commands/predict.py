"""`o16n predict --env ENV --data FILE`: rows of a CSV or Parquet file sent to the served model
over the V2 protocol (what any client does); prints the predictions and the version that
answered. The label column (o16n.yaml serving.label) is left out of the request."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK, UsageError

PARENTS = [options.env("the environment `o16n serve` runs"), options.PROJECT]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="rows to score (CSV or Parquet)")
    parser.add_argument("--rows", type=int, default=5, help="how many rows, from the top (5)")
    parser.add_argument(
        "--output",
        action="append",
        dest="outputs",
        help="an output to ask for (repeatable; sklearn: predict, predict_proba)",
    )
    parser.add_argument(
        "--url", help="the server (default: the running `o16n serve`, else o16n.yaml's port)"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.serving.predict import predict

    if args.rows < 1:
        raise UsageError(f"--rows {args.rows}: give at least 1")
    done = predict(
        args.project.resolve(), args.env, args.data, args.rows, args.outputs or (), args.url
    )
    if not done.ok:
        console.print(f"[fail]{escape(done.error)}[/]", highlight=False)
        return EXIT_FAILED
    table = Table(title=f"{done.model} {done.version} at {done.url} ({done.env})")
    for name in done.outputs:
        table.add_column(name, justify="right")
    for i in range(done.rows):
        table.add_row(*(_shown(done.outputs[name][i]) for name in done.outputs))
    console.print(table)
    return EXIT_OK


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    return f"{value:.4f}" if isinstance(value, float) else str(value)
