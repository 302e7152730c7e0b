"""`o16n deploy --env ENV`: the environment's deploy gate, then the desired state in
deploy/ENV/desired.yaml, the decision in the ledger, one commit, and the GTO stage tag.
Exit 1 when the gate refuses (the refusal is recorded; the desired state is unchanged)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from o16n.errors import EXIT_FAILED, EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", required=True, help="the environment (o16n.yaml environments)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--version", help="the version to deploy (default: the latest)")
    which.add_argument("--from", dest="source", help="promote what this environment runs")
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="decision.{json,md}")
    parser.add_argument("--project", type=Path, default=Path("."), help="project root (.)")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n import deploy, ledger, policy, registry
    from o16n.config import project as project_config
    from o16n.fsio import write_text_atomic
    from o16n.policy import gate
    from o16n.report import decision as report

    project = args.project.resolve()
    config = project_config.load(project)
    model = config.model
    with deploy.serialized(project):
        for rel in deploy.recover(project):
            console.print(f"[warn]an interrupted deploy left {rel} uncommitted: put back[/]")
        name = args.version
        if args.source is not None:
            running = deploy.current(project, args.source)
            if running is None:
                raise UsageError(f"--from {args.source}: nothing is deployed there yet")
            name = running.version
        found = registry.versions(project, model)
        if name:
            version = next((v for v in found if v.name == name), None)
        else:
            version = found[-1] if found else None
        if version is None:
            raise UsageError(
                f"no version {name!r} of {model}" if name else f"{model} has no version yet",
                hint="run `o16n release` first",
            )
        desired = deploy.desired_for(project, model, version, config.serving.target)
        pack, facts = policy.prepare(
            project, stage="deploy", env=args.env, base=policy.default_base(project, "deploy")
        )
        if facts["lineage"]["model"] != desired.artifact:
            raise UsageError(
                f"the checkout's model is not {model}@{version.name}'s: the gate can only judge "
                "the model it sees",
                hint=f"check out {version.commit[:12]} (or a later commit with the same model)",
            )
        facts["model"]["version"] = version.name
        decision = gate.evaluate(pack, facts)
        record = gate.record(decision, facts, gate.actor(project))
        record["action"] = "deploy" if decision.passed else "refused"
        reports = args.reports if args.reports.is_absolute() else project / args.reports
        write_text_atomic(reports / "decision.md", report.to_markdown(decision, pack.name))
        report.to_text(decision, pack.name, console)
        record = ledger.append(project, record)
        paths = [str(ledger.LEDGER)]
        if decision.passed:
            paths += deploy.write(project, args.env, desired, config.serving)
            verb = f"deploy {model} {version.name} to {args.env}"
        else:
            verb = f"record the refused deploy of {model} {version.name} to {args.env}"
        commit = deploy.commit_state(project, f"[skip ci] {verb}", paths)
        if not decision.passed:
            console.print(f"[fail]refused[/]: recorded as #{record['seq']} ({commit[:12]})")
            return EXIT_FAILED
        tag = registry.assign(project, model, args.env, version.name, f"o16n {verb}")
        console.print(f"{verb}: desired state committed ({commit[:12]}), {tag}", highlight=False)
    return EXIT_OK
