"""`o16n gate`: evaluate the policy pack for a stage, write the decision record, append it to
the ledger. `--stage revalidate --env ENV` judges the version running in ENV (its
deploy/<env>/desired.yaml) and, passing and signed, renews its validation there.
Exit 0 pass (warnings included), 1 the gate failed, 2 a config or usage error."""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK, UsageError

PARENTS = [
    options.GATE,
    options.PROJECT,
    options.reports("where decision.{json,md} go"),
    options.output_format(("text", "json"), "text"),
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-record", action="store_true", help="do not append the decision to the ledger"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.cli.console import warn
    from o16n.cli.output import write_decision
    from o16n.lifecycle import ledger
    from o16n.policy.run import judge
    from o16n.report.decision import to_text

    project = args.project
    if args.stage == "revalidate":
        from o16n.lifecycle.revalidation import judge_revalidation

        if args.env is None:
            raise UsageError("--stage revalidate needs --env ENV: the version running there")
        judged = judge_revalidation(project, args.env, today=args.today, provider=args.review)
    else:
        judged = judge(
            project,
            stage=args.stage,
            env=args.env,
            base=args.base,
            today=args.today,
            provider=args.review,
        )
    write_decision(project / args.reports, judged)
    appended = None if args.no_record else ledger.append(project, judged.record)
    record = judged.record if appended is None else appended.record
    if args.format == "json":
        console.file.write(json.dumps(record, indent=2) + "\n")
    else:
        to_text(judged.decision, judged.pack.name, console, judged.facts)
        if appended is not None:
            console.print(f"recorded in {ledger.LEDGER} as #{appended.seq}", highlight=False)
    if appended is not None and appended.warning:
        warn(appended.warning, no_color=args.no_color)
    return EXIT_OK if judged.decision.passed else EXIT_FAILED
