"""`o16n profile`: summarize a dataset once (at training time) as a small JSON reference profile."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_OK

PARENTS = [options.ENGINE]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "data", type=Path, nargs="+", help="a CSV or Parquet file, or the parts of one table"
    )
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="the profile (JSON) to write"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters.files import write_text_atomic
    from o16n.health.engines import choose, profile_parts
    from o16n.health.stats.codec import to_json
    from o16n.health.stats.files import profile_data

    engine = choose(None, args.engine, args.workers, args.scheduler, args.master)
    if engine.default and len(args.data) == 1:
        profile = profile_data(args.data[0])  # today's streaming profiler, one file
    else:
        profile = profile_parts(args.data, engine)
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
