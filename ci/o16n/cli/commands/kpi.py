"""`o16n kpi`: the model's value in the business's units (kpis.yaml), and the baseline's."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from o16n.cli import options
from o16n.errors import EXIT_OK

FORMATS = ("text", "json")

PARENTS = [options.output_format(FORMATS, "text"), options.PROJECT]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=Path("kpis.yaml"), help="kpis.yaml")
    parser.add_argument("--baseline", default="main", help="revision of the baseline model (main)")
    parser.add_argument("-o", "--output", type=Path, help="write the JSON result here")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters.files import write_text_atomic
    from o16n.config.kpis import KPIConfig, unset_warning
    from o16n.config.yamlfile import load_model
    from o16n.health import kpi

    config = load_model(args.project / args.config, KPIConfig)
    current, baseline = kpi.current_and_baseline(args.project, config, args.baseline)
    warning = unset_warning(current.unset, str(args.config)) if current.unset else None
    result = {
        "current": asdict(current),
        "baseline": asdict(baseline) if baseline else None,
        "baseline_revision": args.baseline,
        "warning": warning,
    }
    if args.output is not None:
        write_text_atomic(args.output, json.dumps(result, indent=2) + "\n")
    if args.format == "json":
        console.file.write(json.dumps(result, indent=2) + "\n")
    else:
        console.print(f"{current.name} per 1,000 predictions ({current.unit})", highlight=False)
        console.print(f"  this change: {kpi.describe(current)}", highlight=False)
        console.print(f"  baseline ({args.baseline}): {kpi.describe(baseline)}", highlight=False)
        if warning is not None:
            console.print(f"[warn]warning:[/] {escape(warning)}", highlight=False)
    return EXIT_OK
