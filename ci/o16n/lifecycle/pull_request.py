"""A check's result on its pull request: the report as one comment (found again by its marker
and updated in place) and the gate's verdict as the `o16n/gate` commit status; and protection
of main as o16n.yaml says, so that status and reviews are required to merge."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from o16n.adapters import github
from o16n.config.project import load_project
from o16n.errors import ConfigError, UsageError

GATE_CONTEXT = "o16n/gate"


@dataclass(frozen=True)
class Posted:
    number: int
    comment: int
    created: bool  # a new comment, not an update of o16n's earlier one
    state: str  # the o16n/gate status set on the head commit
    head: str


def post_report(reports: Path, number: int | None, marker: str) -> Posted:
    """Post `reports/check.md` on pull request `number` (default: the event's) and set the gate
    status from `reports/decision.json`."""
    actions = github.Actions.from_env()
    number = number or actions.pr_number
    if number is None:
        raise UsageError(
            f"no pull request in this {actions.event_name or 'run'}: pass --pr N",
            hint="pr.yml runs on pull_request, pull_request_review, workflow_dispatch (pr input)",
        )
    try:
        body = (reports / "check.md").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "no check report", file=reports / "check.md", hint="run `o16n check` first"
        ) from None
    state, description = gate_state(reports / "decision.json")
    client = github.connect(actions)
    head = str(github.pull_request(client, actions, number).head.sha)
    comment, created = github.upsert_comment(client, actions, number, body, marker)
    github.set_status(client, actions, head, state, description, GATE_CONTEXT)
    return Posted(number, comment, created, state, head)


def gate_state(path: Path) -> tuple[str, str]:
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


@dataclass(frozen=True)
class Protected:
    repository: str
    branch: str
    changed: list[str]  # the rulesets created or changed
    dropped_classic: bool  # classic protection was removed: the branch's ruleset replaces it
    environments: github.Restricted | None = None  # deployments from the branch only


def protect_main(project: Path) -> Protected:
    """Rulesets for o16n.yaml's `github.branch` and the version tags, as its `github` settings
    say, with the deploy key as their bypass actor (README: "Deploying to a protected
    branch"); classic protection on the branch, which would refuse that key, removed; each
    environment restricted to deployments from the branch, so its secrets (the deploy and
    signing keys) reach no pull request's workflow. Refused, writing nothing, while either
    key is a repository secret."""
    settings = load_project(project).github
    actions = github.Actions.from_env()
    wanted = github.rulesets(
        settings.branch,
        checks=settings.required_checks,
        approvals=settings.required_approvals,
        code_owners=settings.code_owner_reviews,
        dismiss_stale=settings.dismiss_stale_reviews,
        admins=settings.enforce_admins,
    )
    client = github.connect(actions)
    environments = load_project(project).environments
    github.refuse_repository_secrets(client, actions, environments)  # before anything is written
    changed = github.apply_rulesets(client, actions, wanted)
    dropped = github.drop_classic(client, actions, settings.branch)
    restricted = github.restrict_environments(client, actions, environments, settings.branch)
    return Protected(str(actions.repository), settings.branch, changed, dropped, restricted)
