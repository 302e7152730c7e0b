"""`o16n profile`: summarize a dataset once (at training time) as a small JSON reference profile."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from o16n.cli import options
from o16n.errors import EXIT_OK

if TYPE_CHECKING:
    from rich.console import Console

PARENTS = [options.ENGINE]
# a batch process (`o16n.health.engines.memory`): set up by the CLI before numpy loads
BATCH = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "data",
        nargs="+",
        help="a CSV or Parquet file, a folder or glob of parts, a URL (s3://...), or the part "
        "files of one table",
    )
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="the profile (JSON) to write"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters.files import write_text_atomic
    from o16n.health.engines import choose, profile_parts, profile_source
    from o16n.health.stats.codec import to_json

    engine = choose(None, args.engine, args.workers, args.scheduler, args.master)
    if len(args.data) == 1:
        profile = profile_source(args.data[0], engine)  # a file, folder, glob or URL
    else:  # the part files of one table, named one by one
        profile = profile_parts([Path(p) for p in args.data], engine)
    write_text_atomic(args.output, to_json(profile))
    kinds = ", ".join(f"{n} {k}" for k, n in _count(profile.schema.values()).items())
    console.print(
        f"profiled {profile.rows} rows, {len(profile.columns)} columns ({kinds}) -> {args.output}"
    )
    return EXIT_OK


def _count(values: object) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:  # type: ignore[attr-defined]
        counts[value] = counts.get(value, 0) + 1
    return counts
