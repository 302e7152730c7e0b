"""Run the generated pr.yml: its `run:` steps in order, in a baked repository, with the Actions
variables and an event file set and the emulator as GitHub. `uses:` steps map to what the test
already has (the checkout is the baked repo, the Python is this venv) or are skipped."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import BIN, Bake, run
from tests.github_emulator import GitHubEmulator

pytestmark = pytest.mark.slow
TOKEN = "ghs_workflowSecret42"
REPO = "acme/credit-risk-model"
USES = {
    "actions/checkout": "the baked repository is the checkout, on the PR's head",
    "actions/setup-python": "this test's Python and venv stand in",
    "actions/upload-artifact": "artifacts are GitHub's; the reports stay in reports/",
}
SKIPPED_RUNS = {"make setup": ".venv links to this test's venv, which has every tool"}


# ---- the part of GitHub's expression language pr.yml uses -----------------------------------

TOKENS = re.compile(r"\s*(\|\||&&|\(|\)|,|'[^']*'|[A-Za-z_][\w.-]*)")


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    tokens, at = [], 0
    while expression[at:].strip():
        match = TOKENS.match(expression, at)
        assert match is not None, f"unsupported: {expression!r} at {at}"
        tokens.append(match.group(1))
        at = match.end()
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def either() -> Any:
        value = both()
        while peek() == "||":
            take()
            other = both()
            value = value or other
        return value

    def both() -> Any:
        value = atom()
        while peek() == "&&":
            take()
            other = atom()
            value = value and other
        return value

    def atom() -> Any:
        token = take()
        if token.startswith("'"):
            return token[1:-1]
        if token == "format":
            assert take() == "("
            args = [either()]
            while peek() == ",":
                take()
                args.append(either())
            assert take() == ")"
            return re.sub(r"\{(\d+)\}", lambda m: str(args[int(m.group(1)) + 1]), args[0])
        value: Any = context
        for part in token.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    result = either()
    assert position == len(tokens), f"unsupported: {expression}"
    return result


def expand(text: str, context: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        found = evaluate(match.group(1), context)
        return "" if found is None else str(found)

    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", value, text)


# ---- running the workflow -----------------------------------------------------------------------


def run_workflow(
    project: Path, emulator: GitHubEmulator, event_name: str, event: dict[str, Any], tmp: Path
) -> list[tuple[str, int | str]]:
    workflow = yaml.safe_load((project / ".github" / "workflows" / "pr.yml").read_text())
    event_path = tmp / f"{event_name}.json"
    event_path.write_text(json.dumps(event))
    context = {"github": {"event": event, "token": TOKEN}, "inputs": event.get("inputs", {})}
    env = {
        **os.environ,
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": emulator.api_url,
        "GITHUB_SERVER_URL": emulator.url,
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_RUN_ID": "777",
        "GITHUB_SHA": event["pull_request"]["head"]["sha"],
        "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
        "PYTHONPATH": str(project / "src"),
    }
    env.pop("GITHUB_TOKEN", None)  # only where a step passes it
    outcomes: list[tuple[str, int | str]] = []
    failed = False
    for step in workflow["jobs"]["check"]["steps"]:
        name = step.get("name") or step.get("uses")
        if "uses" in step:
            action = step["uses"].split("@")[0]
            assert action in USES, f"no local equivalent for {action}"
            outcomes.append((name, f"skipped: {USES[action]}"))
            continue
        command = expand(step["run"], context).strip()
        if command in SKIPPED_RUNS:
            outcomes.append((name, f"skipped: {SKIPPED_RUNS[command]}"))
            continue
        condition = step.get("if", "success()")
        if failed and "always()" not in condition:
            outcomes.append((name, "skipped: an earlier step failed"))
            continue
        step_env = {**env, **{k: expand(str(v), context) for k, v in step.get("env", {}).items()}}
        done = subprocess.run(
            ["bash", "-e", "-c", command],
            cwd=project,
            env=step_env,
            capture_output=True,
            text=True,
        )
        assert TOKEN not in done.stdout + done.stderr, f"the token leaked in {name!r}"
        (tmp / "logs").mkdir(exist_ok=True)
        (tmp / "logs" / f"{event_name}-{len(outcomes)}.log").write_text(done.stdout + done.stderr)
        outcomes.append((name, done.returncode))
        failed = failed or done.returncode != 0
    return outcomes


@pytest.fixture
def emulator() -> Iterator[GitHubEmulator]:
    with GitHubEmulator(token=TOKEN, login="github-actions") as emu:
        emu.add_repo("acme", "credit-risk-model")
        for login in ("dev", "gov", "ann"):
            emu.add_user(login, "write")
        yield emu


def test_pr_workflow_reports_once_and_an_approval_flips_the_gate(
    bake: Bake, emulator: GitHubEmulator, tmp_path: Path
) -> None:
    project = bake(owner="acme", governance_owners="@gov")
    venv = project / ".venv"
    venv.mkdir()
    (venv / "bin").symlink_to(BIN)
    remote = tmp_path / "origin.git"
    run("git", "init", "--quiet", "--bare", str(remote), cwd=tmp_path)
    run("git", "remote", "add", "origin", str(remote), cwd=project)
    run("git", "push", "--quiet", "origin", "main", cwd=project)
    run("git", "fetch", "--quiet", "origin", cwd=project)
    emulator.set_file(
        REPO, "main", ".github/CODEOWNERS", (project / ".github/CODEOWNERS").read_text()
    )

    # The change: a looser policy, which needs a governance approval.
    run("git", "switch", "--quiet", "-c", "looser", cwd=project)
    pack = project / "policies" / "baseline" / "pack.yaml"
    pack.write_text(pack.read_text().replace("tolerance: 0.01", "tolerance: 0.02"))
    run("git", "commit", "--quiet", "-am", "Allow a little more regression", cwd=project)
    head = run("git", "rev-parse", "HEAD", cwd=project).stdout.strip()
    files = [{"filename": "policies/baseline/pack.yaml", "status": "modified", "additions": 1}]
    emulator.add_pull(REPO, 3, "dev", head, files=files)
    pull = {"number": 3, "head": {"sha": head}, "base": {"ref": "main"}}

    outcomes = dict(
        run_workflow(project, emulator, "pull_request", {"pull_request": pull}, tmp_path)
    )
    check = "Check (dvc repro, tests, metrics vs the base, health, KPIs, policy gate)"
    assert outcomes[check] == 2  # make's exit code when `o16n check` exits 1
    assert (
        outcomes["Report on the pull request (one comment, updated) and set the o16n/gate status"]
        == 0
    )
    assert str(outcomes["actions/checkout@v4"]).startswith("skipped: the baked repository")
    (comment,) = emulator.state.comments_on(REPO, 3)
    assert "`governed-change-approved` | ❌ fail" in comment["body"]
    (status,) = emulator.state.statuses[(REPO, head)]
    assert (status["state"], status["context"]) == ("failure", "o16n/gate")
    assert status["description"] == "gate failed: governed-change-approved"
    assert status["target_url"] == f"{emulator.url}/{REPO}/actions/runs/777"

    # A governance approval arrives: the review event re-runs the workflow, no new push.
    emulator.add_review(REPO, 3, "gov", "APPROVED", head)
    review_event = {"pull_request": pull, "review": {"state": "approved"}}
    outcomes = dict(run_workflow(project, emulator, "pull_request_review", review_event, tmp_path))
    assert outcomes[check] == 0
    (comment,) = emulator.state.comments_on(REPO, 3)  # the same comment, updated
    assert "## o16n check: ✅ passed" in comment["body"]
    states = [s["state"] for s in emulator.state.statuses[(REPO, head)]]
    assert states == ["failure", "success"]
    facts = json.loads((project / "reports" / "facts.json").read_text())
    assert facts["review"]["provider"] == "github"
    assert facts["review"]["approvers"] == ["@gov"]
