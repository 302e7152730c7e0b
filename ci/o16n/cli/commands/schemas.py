"""`o16n schemas`: where the JSON Schemas of o16n's YAML files are; `--write DIR` copies them
into a project, where the `# yaml-language-server: $schema=` comments of its files point."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from o16n.errors import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from o16n.config.schemas import PROJECT_DIR

    parser.add_argument(
        "--write",
        nargs="?",
        const=Path(PROJECT_DIR),
        type=Path,
        metavar="DIR",
        help=f"copy the schemas into DIR (default {PROJECT_DIR}, where the template's comments "
        "point); rerun after upgrading o16n",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.config.schemas import SCHEMAS, schema_path, write_to

    if args.write is None:
        for name in SCHEMAS:
            console.print(escape(str(schema_path(name))), highlight=False)
        return EXIT_OK
    if args.write.exists() and not args.write.is_dir():
        raise UsageError(f"{args.write} is a file, not a directory", hint="give a directory")
    try:
        written = write_to(args.write)
    except OSError as exc:
        raise UsageError(f"cannot write the schemas to {args.write}: {exc.strerror}") from None
    console.print(f"[ok]wrote[/] {len(written)} schemas to {escape(str(args.write))}")
    return EXIT_OK
