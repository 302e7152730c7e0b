"""Revalidation that expires: a version's validation (its first deploy, or a passing revalidate
gate in the environment) holds o16n.yaml's `revalidation.every`; then the deploy gate's
revalidation-current refuses it until `o16n gate --stage revalidate` passes again. Only signed
ledger records that verify count. Real git, GTO, ssh-keygen; the baseline pack's own rule."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from o16n.adapters import github, signing
from o16n.lifecycle import deploy, ledger, revalidation
from o16n.policy import gate
from o16n.policy import revalidation as judged_revalidation
from tests.conftest import ROOT
from tests.github_emulator import GitHubEmulator, actions_for
from tests.pipeline_repo import git as sh
from tests.release_repo import MODEL, TRUSTED, Released, o16n, released
from tests.signing import write_allowed_signers

NOW = dt.datetime.now(dt.UTC)
TODAY = NOW.date()
SOON = TODAY + dt.timedelta(days=160)  # within `remind: 30d` of `every: 180d`


def _baseline_rule(rule_id: str) -> dict[str, Any]:
    pack = yaml.safe_load((ROOT / "policies" / "baseline" / "pack.yaml").read_text())
    return next(r for r in pack["rules"] if r["id"] == rule_id)


def pack_with_revalidation() -> str:
    """Every other rule passes: what is judged is the baseline's revalidation-current."""
    rules = [
        {
            "id": "always",
            "description": "Always passes.",
            "stages": ["pr", "deploy", "revalidate"],
            "condition": "true",
            "severity": "fail",
            "message": "never shown",
        },
        _baseline_rule("revalidation-current"),
    ]
    body = {"version": 1, "name": "baseline", "description": "test", "rules": rules}
    return yaml.safe_dump(body, sort_keys=False)


REMINDER = revalidation.REMINDER_LABEL
O16N_YAML = "model: credit-risk-model\nrevalidation:\n  every: 180d\n  remind: 30d\n"


@pytest.fixture
def rel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Released:
    found = released(tmp_path)
    project = found.project
    write_allowed_signers(project, [(TRUSTED, found.key, None)], commit="Trust CI to sign")
    (project / "policies" / "baseline").mkdir(parents=True, exist_ok=True)
    (project / "policies" / "baseline" / "pack.yaml").write_text(pack_with_revalidation())
    (project / "o16n.yaml").write_text(O16N_YAML)
    sh(project, "add", "policies", "o16n.yaml")
    sh(project, "commit", "-q", "-m", "Revalidate every 180 days")
    monkeypatch.setenv(signing.KEY_VARIABLE, str(found.key))
    return found


def _deploy(rel: Released, days_ago: int = 0) -> deploy.Deployed:
    """A deploy to staging, its decision recorded `days_ago` (the ledger's clock set back)."""
    with pytest.MonkeyPatch.context() as patch:
        when = NOW - dt.timedelta(days=days_ago)
        patch.setattr(gate, "timestamp", lambda: when.strftime("%Y-%m-%dT%H:%M:%SZ"))
        done = deploy.deploy(rel.project, "staging", today=when.date())
    assert isinstance(done, deploy.Deployed), done
    return done


def _outcome(done: deploy.Deployed, rule: str = "revalidation-current") -> str:
    return next(o.outcome for o in done.judged.decision.outcomes if o.id == rule)


def _commit_ledger(project: Path) -> None:
    sh(project, "add", str(ledger.LEDGER))
    sh(project, "commit", "-q", "-m", "Record the revalidation")


def _revalidate(rel: Released, **changes: Any) -> dict[str, Any]:
    """A revalidation of staging's version, `changes` applied to its record before it is
    appended (and signed): what a record for another environment or version would be."""
    judged = revalidation.judge_revalidation(rel.project, "staging")
    assert judged.decision.passed, judged.decision
    record = dict(judged.record)
    if "env" in changes:
        record["env"] = changes["env"]
    if "version" in changes:
        record["model"] = {**record["model"], "version": changes["version"]}
    appended = ledger.append(rel.project, record).record
    _commit_ledger(rel.project)
    return appended


def test_first_deploy_validates_and_a_later_one_within_every_passes(rel: Released) -> None:
    first = _deploy(rel, days_ago=100)
    assert first.passed and _outcome(first) == "pass"
    facts = first.judged.facts["revalidation"]
    assert facts["applies"] and not facts["expired"] and facts["days_left"] == 180
    again = _deploy(rel)
    assert again.passed
    assert again.judged.facts["revalidation"]["validated_by"] == f"deploy #{first.record['seq']}"
    assert again.judged.facts["revalidation"]["days_left"] == 80


def test_expired_deploy_is_refused_recorded_then_renewed_by_a_revalidation(rel: Released) -> None:
    _deploy(rel, days_ago=200)
    refused = _deploy(rel)
    assert not refused.passed and _outcome(refused) == "fail"
    assert refused.record["action"] == "refused"
    (failed,) = refused.judged.decision.failing
    assert "due " in failed.detail and "20 day(s) overdue" in failed.detail
    renewal = _revalidate(rel)
    assert renewal["stage"] == "revalidate" and renewal["env"] == "staging"
    assert renewal["model"]["version"] == rel.version and "sig" in renewal
    renewed = _deploy(rel)
    assert renewed.passed, renewed.judged.decision
    assert renewed.judged.facts["revalidation"]["validated_by"] == f"revalidate #{renewal['seq']}"


def test_the_cli_refuses_an_expired_deploy_with_exit_1_and_revalidates(rel: Released) -> None:
    _deploy(rel, days_ago=200)
    code, out = o16n(rel.project, "deploy", "--env", "staging")
    assert code == 1, out
    assert "revalidation-current" in out and "overdue" in out
    code, out = o16n(
        rel.project, "gate", "--stage", "revalidate", "--env", "staging", "--format", "json",
    )  # fmt: skip
    assert code == 0, out
    record = json.loads(out[: out.rindex("}") + 1])
    assert record["stage"] == "revalidate" and record["model"]["version"] == rel.version
    _commit_ledger(rel.project)
    code, out = o16n(rel.project, "deploy", "--env", "staging")
    assert code == 0, out


def test_revalidate_needs_a_running_version(rel: Released) -> None:
    code, out = o16n(rel.project, "gate", "--stage", "revalidate", "--env", "production")
    assert code == 2 and "nothing is deployed there" in out, out
    code, out = o16n(rel.project, "gate", "--stage", "revalidate")
    assert code == 2 and "--env" in out, out


@pytest.mark.parametrize("changes", [{"env": "production"}, {"version": "v9.9.9"}])
def test_a_revalidation_of_another_env_or_version_does_not_renew(
    rel: Released, changes: dict[str, str]
) -> None:
    _deploy(rel, days_ago=200)
    _revalidate(rel, **changes)
    assert not _deploy(rel).passed


def test_an_unsigned_revalidation_does_not_renew(
    rel: Released, monkeypatch: pytest.MonkeyPatch
) -> None:
    _deploy(rel, days_ago=200)
    monkeypatch.delenv(signing.KEY_VARIABLE)
    unsigned = _revalidate(rel)
    assert "sig" not in unsigned
    monkeypatch.setenv(signing.KEY_VARIABLE, str(rel.key))
    refused = _deploy(rel)
    assert not refused.passed
    assert any("not signed" in why for why in refused.judged.facts["revalidation"]["unverified"])


def test_an_edited_record_does_not_count(rel: Released) -> None:
    """A deploy's record edited to a later time, in the working tree: its hash no
    longer matches, so it validates nothing, and a version with nothing else fails closed."""
    _deploy(rel, days_ago=200)
    path = rel.project / ledger.LEDGER
    lines = path.read_text().splitlines()
    first = json.loads(lines[0])
    first["time"] = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")  # as if deployed today: not expired
    lines[0] = ledger.canonical(first)
    path.write_text("\n".join(lines) + "\n")
    found = revalidation.validations(rel.project)
    assert found.verified == ()
    facts = judged_revalidation.facts(
        revalidation.load_project(rel.project).revalidation,
        found,
        version=rel.version,
        env="staging",
        today=TODAY,
    )
    assert facts["expired"] and facts["unverified"]
    assert "differs from the ledger committed" in facts["reason"]


def test_the_pr_branch_cannot_change_the_revalidation_in_force(rel: Released) -> None:
    """o16n.yaml's revalidation is governance's: at stage pr the base's judges the change."""
    sh(rel.project, "checkout", "-q", "-b", "feature")
    (rel.project / "o16n.yaml").write_text(O16N_YAML.replace("180d", "9999d"))
    sh(rel.project, "commit", "-q", "-am", "Never revalidate")
    code, out = o16n(rel.project, "facts", "--stage", "pr", "--base", "main")
    assert code == 0, out
    facts = json.loads(out[out.index("{") :])
    assert facts["revalidation"]["every"] == "180d"
    assert facts["governance"]["proposed"]["revalidation"]["every"] == "9999d"
    assert "revalidation" in facts["governance"]["changed"]


def test_standings_say_when_each_environment_falls_due(rel: Released) -> None:
    _deploy(rel)
    (standing,) = revalidation.standings(rel.project, SOON)
    assert standing.env == "staging" and standing.version == rel.version
    assert standing.facts["reminder"] and not standing.facts["expired"]
    assert standing.facts["days_left"] == 20
    assert revalidation.standings(rel.project, TODAY)[0].facts["reminder"] is False


def test_the_monitor_opens_one_reminder_issue_and_updates_it(
    rel: Released, monkeypatch: pytest.MonkeyPatch, github_no_sleep: None
) -> None:
    """Due within `remind`: `o16n monitor --github` opens the issue, the next run updates it
    (found again by its hidden marker), never a second one; the monitor's own issue is another.
    (The project has no production batch: the monitor then stops, exit 2, after the reminder.)"""
    _deploy(rel, days_ago=170)
    with GitHubEmulator(token="ghs_rem1nd", login="github-actions") as emulator:
        emulator.add_repo("acme", MODEL)
        gh = actions_for(emulator, f"acme/{MODEL}")
        monitor_issue = "<!-- o16n-monitor: credit-risk-model production -->"
        github.upsert_issue(
            github.connect(gh), gh, "T", monitor_issue, monitor_issue, "o16n-monitor"
        )
        for name, value in {
            "GITHUB_TOKEN": "ghs_rem1nd",
            "GITHUB_REPOSITORY": f"acme/{MODEL}",
            "GITHUB_API_URL": emulator.api_url,
            "GITHUB_SERVER_URL": emulator.url,
        }.items():
            monkeypatch.setenv(name, value)
        for expected in ("opened", "updated"):
            code, out = o16n(rel.project, "monitor", "--github")
            assert f"revalidation issue #2 {expected}" in out, out
            assert "revalidation due staging:" in out and "(in 10 day(s))" in out
            assert code == 2 and "data/production" in out, out
        reminders = [i for i in emulator.state.issues.values() if REMINDER in i.labels]
        assert len(emulator.state.issues) == 2
    (issue,) = reminders
    assert issue.body.startswith(f"<!-- o16n-revalidation: {MODEL} -->")
    assert f"| staging | {rel.version} |" in issue.body and "| 10 day(s) |" in issue.body


def test_nothing_falls_due_no_issue(rel: Released) -> None:
    _deploy(rel)
    assert revalidation.due_soon(rel.project, TODAY) == []
    assert revalidation.remind(MODEL, [], None, "") == ""  # type: ignore[arg-type]


def test_a_ledger_that_does_not_read_leaves_no_version_new(rel: Released) -> None:
    """A line that is no JSON hides which versions the ledger validated: a version it seems
    never to have seen must not pass as new (its records could be the unreadable ones)."""
    _deploy(rel, days_ago=10)
    path = rel.project / ledger.LEDGER
    path.write_text(path.read_text() + "{not json\n")
    found = revalidation.validations(rel.project)
    assert found.verified == () and found.broken
    facts = judged_revalidation.facts(
        revalidation.load_project(rel.project).revalidation,
        found,
        version="v9.9.9",
        env="staging",
        today=TODAY,
    )
    assert facts["expired"] and "no record can be told apart from" in facts["reason"]
