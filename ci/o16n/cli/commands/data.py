"""`o16n data use SOURCE --target COLUMN`: make a table (CSV, Parquet, or a URL DVC imports) the
project's training data: DVC-tracked, the pipeline adapted to its columns, the pipeline and the
tests run, the sample's settings reset; then print what changed and what a person must decide.
Exit 0 when it is done and staged, 2 for bad input (the project is then unchanged)."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from o16n.cli import options
from o16n.errors import EXIT_OK

USE_HELP = (
    "make SOURCE (a CSV or Parquet file, or a URL `dvc import-url` reads) the training data: "
    "DVC-tracked, the pipeline adapted to its columns, run and tested; the project is changed "
    "only when all of it passed"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=type(parser)
    )
    use = actions.add_parser("use", help=USE_HELP, description=USE_HELP, parents=[options.PROJECT])
    use.add_argument("source", metavar="SOURCE", help="a CSV or Parquet file, or a URL")
    use.add_argument("--target", required=True, metavar="COLUMN", help="the column to predict")
    use.add_argument(
        "--positive",
        metavar="VALUE",
        help="classification: the target value that is class 1 (needed unless it is 0/1)",
    )
    use.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="COLUMN",
        help="leave a column out of the model: an identifier, a leak (repeatable)",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.lifecycle.data.use import use

    used = use(args.project, args.source, args.target, args.positive, args.drop)
    target, columns = used.target, used.columns
    console.print(
        f"[ok]{escape(used.source)}[/] is the training data: {used.rows} rows", highlight=False
    )
    if target.classification:
        console.print(
            f"  target {escape(target.column)}: 1 = {escape(repr(target.positive))} "
            f"({target.positive_share:.1%}), 0 = {escape(repr(target.values[1]))}",
            highlight=False,
        )
    else:
        console.print(
            f"  target {escape(target.column)}: {target.low:g} to {target.high:g}", highlight=False
        )
    if target.unlabelled:
        console.print(f"  {target.unlabelled} row(s) without a target left out", highlight=False)
    console.print(
        f"  numeric ({len(columns.numeric)}): {escape(', '.join(columns.numeric) or '-')}",
        highlight=False,
    )
    categorical = ", ".join(columns.categorical) or "-"
    console.print(
        f"  categorical ({len(columns.categorical)}): {escape(categorical)}", highlight=False
    )
    for dropped in columns.dropped:
        console.print(
            f"  left out: {escape(dropped.column)}: {escape(dropped.reason)}", highlight=False
        )
    shown = ", ".join(f"{k} {v:.4g}" for k, v in used.metrics.items())
    console.print(f"pipeline reproduced, tests passed; metrics: {escape(shown)}", highlight=False)
    console.print("changed:")
    for line in used.changed:
        console.print(f"  {escape(line)}", highlight=False)
    console.print("[warn]a person must decide:[/]")
    for line in used.decide:
        console.print(f"  - {escape(line)}", highlight=False)
    console.print(
        "staged in git: review with `git diff --cached`, then "
        f'`git commit -m "Train on {escape(used.source)}"` and `dvc push`',
        highlight=False,
    )
    return EXIT_OK
