"""`o16n predict --env ENV --data FILE`: rows of a CSV or Parquet file sent to the served model
over the V2 protocol (what any client does); prints the predictions and the version that
answered. The label column (o16n.yaml serving.label) is left out of the request."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from o16n.errors import EXIT_FAILED, EXIT_OK, ConfigError, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", required=True, help="the environment `o16n serve` runs")
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
    parser.add_argument("--project", type=Path, default=Path("."), help="project root (.)")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.config.project import load_project
    from o16n.health.checks.inputs import read_table
    from o16n.serving import client, v2
    from o16n.serving.local import daemon

    if args.rows < 1:
        raise UsageError(f"--rows {args.rows}: give at least 1")
    project = args.project.resolve()
    config = load_project(project)
    url = args.url or daemon.server_url(project, config, args.env)
    if not client.is_http(url):
        raise UsageError(f"--url {url}: give http://HOST:PORT")
    rows = read_table(args.data).head(args.rows)
    rows = rows.drop(columns=[config.serving.label], errors="ignore")
    try:
        answer = client.infer(url, config.model, rows, args.outputs or (), timeout=30.0)
    except OSError as exc:
        raise UsageError(
            f"no server answers at {url} ({exc})",
            hint=f"start one: o16n serve --env {args.env} --detach",
        ) from None
    if answer.status != 200:
        console.print(
            f"[fail]HTTP {answer.status}[/]: {answer.body[:1000].decode(errors='replace')}"
        )
        return EXIT_FAILED
    try:
        outputs = v2.outputs(answer.body, len(rows))
    except ConfigError as exc:
        console.print(f"[fail]{exc.message}[/]")
        return EXIT_FAILED
    table = Table(title=f"{config.model} {answer.version} at {url} ({args.env})")
    for name in outputs:
        table.add_column(name, justify="right")
    for i in range(len(rows)):
        table.add_row(*(_shown(outputs[name][i]) for name in outputs))
    console.print(table)
    return EXIT_OK


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    return f"{value:.4f}" if isinstance(value, float) else str(value)
