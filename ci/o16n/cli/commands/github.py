"""`o16n github report|protect`: the check report as one PR comment and a commit status;
branch protection for main from o16n.yaml."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console

from o16n.errors import EXIT_OK, ConfigError, UsageError

GATE_CONTEXT = "o16n/gate"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    report = sub.add_parser(
        "report", help="post reports/check.md as the PR comment; set the o16n/gate status"
    )
    report.add_argument("--pr", type=int, help="pull request number (default: from the event)")
    report.add_argument("--reports", type=Path, default=Path("reports"), help="reports folder")
    report.add_argument("--project", type=Path, default=Path("."), help="project root (.)")
    protect = sub.add_parser(
        "protect", help="protect the main branch as o16n.yaml says (needs an admin token)"
    )
    protect.add_argument("--project", type=Path, default=Path("."), help="project root (.)")


def run(args: argparse.Namespace, console: Console) -> int:
    if args.action == "report":
        return _report(args, console)
    if args.action == "protect":
        return _protect(args, console)
    raise UsageError("say what to do: `o16n github report` or `o16n github protect`")


def _report(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters import github
    from o16n.report.check import MARKER

    actions = github.Actions.from_env()
    number = args.pr or actions.pr_number
    if number is None:
        raise UsageError(
            f"no pull request in this {actions.event_name or 'run'}: pass --pr N",
            hint="pr.yml runs on pull_request, pull_request_review, workflow_dispatch (pr input)",
        )
    reports = args.reports if args.reports.is_absolute() else args.project / args.reports
    try:
        body = (reports / "check.md").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "no check report", file=reports / "check.md", hint="run `o16n check` first"
        ) from None
    state, description = _gate_state(reports / "decision.json")
    client = github.connect(actions)
    pull = github.pull_request(client, actions, number)
    head = str(pull.head.sha)
    comment, created = github.upsert_comment(client, actions, number, body, MARKER)
    github.set_status(client, actions, head, state, description, GATE_CONTEXT)
    verb = "posted" if created else "updated"
    line = f"report {verb} on #{number} (comment {comment}); {GATE_CONTEXT}: {state} on {head[:12]}"
    console.print(line, highlight=False)
    github.append_summary(f"\n{line}\n")
    return EXIT_OK


def _gate_state(path: Path) -> tuple[str, str]:
    """success/failure from the decision; error when there is none (the gate did not run)."""
    try:
        decision = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "error", "no gate decision: `o16n check` did not reach the gate"
    except ValueError:
        return "error", f"{path.name} is not valid JSON"
    verdict = decision.get("verdict")
    failed = [r["id"] for r in decision.get("rules", []) if r.get("outcome") in ("fail", "error")]
    if verdict == "fail":
        return "failure", "gate failed: " + ", ".join(failed)
    if verdict in ("pass", "warn"):
        return "success", "gate passed" + (" with warnings" if verdict == "warn" else "")
    return "error", f"unknown verdict {verdict!r} in {path.name}"


def _protect(args: argparse.Namespace, console: Console) -> int:
    from o16n.adapters import github
    from o16n.config.project import load_project

    settings = load_project(args.project).github
    actions = github.Actions.from_env()
    wanted = github.protection_payload(
        checks=settings.required_checks,
        approvals=settings.required_approvals,
        code_owners=settings.code_owner_reviews,
        dismiss_stale=settings.dismiss_stale_reviews,
        admins=settings.enforce_admins,
    )
    changed = github.protect(github.connect(actions), actions, settings.branch, wanted)
    state = "protected" if changed else "already protected as configured"
    console.print(f"{actions.repository}@{settings.branch}: {state}", highlight=False)
    return EXIT_OK
