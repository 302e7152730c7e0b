"""`o16n gate`: evaluate the policy pack for a stage, write the decision record, append it to
the ledger. Exit 0 pass (warnings included), 1 the gate failed, 2 a config or usage error."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console

from o16n.cli.commands.facts import add_gate_arguments
from o16n.errors import EXIT_FAILED, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_gate_arguments(parser)
    parser.add_argument(
        "--reports", type=Path, default=Path("reports"), help="where decision.{json,md} go"
    )
    parser.add_argument(
        "--no-record", action="store_true", help="do not append the decision to the ledger"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n import policy
    from o16n.adapters.files import write_text_atomic
    from o16n.policy import gate
    from o16n.report import decision as report

    project = args.project
    base = args.base or policy.default_base(project, args.stage)
    pack, facts = policy.prepare(
        project,
        stage=args.stage,
        env=args.env,
        base=base,
        today=args.today,
        provider=args.review,
    )
    decision = gate.evaluate(pack, facts)
    record = gate.record(decision, facts, gate.actor(project))
    reports = args.reports if args.reports.is_absolute() else project / args.reports
    write_text_atomic(reports / "decision.json", json.dumps(record, indent=2) + "\n")
    write_text_atomic(reports / "decision.md", report.to_markdown(decision, pack.name))
    if not args.no_record:
        from o16n.lifecycle import ledger

        record = ledger.append(project, record)
    if args.format == "json":
        console.file.write(json.dumps(record, indent=2) + "\n")
    else:
        report.to_text(decision, pack.name, console)
        if not args.no_record:
            console.print(f"recorded in {ledger.LEDGER} as #{record['seq']}", highlight=False)
    return EXIT_OK if decision.passed else EXIT_FAILED
