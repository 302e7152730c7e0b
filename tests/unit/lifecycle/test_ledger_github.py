"""`o16n ledger verify --github`: each deploy and rollback record against the GitHub Deployment
whose payload carries its hash (made by lifecycle.deploy's own `tracked`), each such deployment
against the ledger. Against the emulator; real keys, real git."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from o16n.adapters import signing
from o16n.cli import main as cli
from o16n.errors import EXIT_FAILED, EXIT_OK
from o16n.lifecycle import deploy, ledger
from o16n.serving.desired import Desired
from tests.github_emulator import GitHubEmulator
from tests.pipeline_repo import commit_pipeline, decision, git, make_repo, outs
from tests.signing import make_key, write_allowed_signers

TOKEN = "ghs_ledgerToken789"
REPO = "acme/churn"
OUTS = outs("1" * 32, "2" * 32)

pytestmark = pytest.mark.usefixtures("github_no_sleep")


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    with GitHubEmulator(token=TOKEN, login="github-actions") as emu:
        emu.add_repo("acme", "churn")
        for name, value in {
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": emu.api_url,
            "GITHUB_SERVER_URL": emu.url,
            "GITHUB_RUN_ID": "31",
        }.items():
            monkeypatch.setenv(name, value)
        yield emu


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key = make_key(tmp_path / "keys", "ci")
    path = make_repo(tmp_path / "repo")
    write_allowed_signers(path, [("o16n-ci@example.com", key, None)], commit="Trust CI")
    commit_pipeline(path, data="1" * 32, model="2" * 32)
    monkeypatch.setenv(signing.KEY_VARIABLE, str(key))
    return path


def deploy_record(repo: Path, env: str, version: str, **fields: Any) -> dict[str, Any]:
    head = git(repo, "rev-parse", "HEAD")
    return decision(head, OUTS, stage="deploy", env=env, action="deploy") | {
        "model": {"name": "churn", "version": version},
        **fields,
    }


def tracked(repo: Path, env: str, version: str, recorded: ledger.Appended) -> None:
    """The GitHub Deployment `o16n deploy --github` makes for a committed record."""
    session = deploy.connect_github(True)
    payload = {"model": "churn", "version": version, "target": "local"}
    with deploy.tracked(session, env, "c" * 40, payload, recorded) as track:
        track("success", f"{version} is the desired state")


@pytest.fixture
def deployed(repo: Path, emulator: GitHubEmulator) -> list[ledger.Appended]:
    """A pull request's decision (no deployment), a deploy to staging, a refusal for
    production and a rollback of staging, each deploy tracked on GitHub; and a deployment
    someone else made, without a ledger hash."""
    ledger.append(repo, decision(git(repo, "rev-parse", "HEAD"), OUTS))
    staged = ledger.append(repo, deploy_record(repo, "staging", "v2"))
    tracked(repo, "staging", "v2", staged)
    refused = ledger.append(
        repo, deploy_record(repo, "production", "v2", action="refused", verdict="fail")
    )
    tracked(repo, "production", "v2", refused)
    back = deploy.rollback_record(
        repo,
        "staging",
        deploy_desired(repo, "v1"),
        deploy_desired(repo, "v2"),
        "José <jose@example.com>",
    )
    rolled = ledger.append(repo, back)
    tracked(repo, "staging", "v1", rolled)
    session = deploy.connect_github(True)
    assert session is not None
    session.client.session.post(
        f"{emulator.api_url}/repos/{REPO}/deployments",
        json={"ref": "main", "environment": "staging", "payload": {"by": "someone else"}},
    )
    git(repo, "add", ledger.LEDGER.as_posix())
    git(repo, "commit", "-q", "-m", "Record the deploys")
    return [staged, refused, rolled]


def deploy_desired(repo: Path, version: str) -> Desired:
    commit = git(repo, "rev-parse", "HEAD")
    return Desired("churn", version, commit, {"models/model.joblib": "2" * 32}, "local")


def found(repo: Path) -> list[tuple[int | None, int | None, str]]:
    return [(p.line, p.seq, p.message) for p in ledger.verify(repo, github=True).problems]


def test_every_deploy_and_its_deployment_match(
    repo: Path, deployed: list[ledger.Appended], emulator: GitHubEmulator
) -> None:
    payloads = [d["payload"] for d in emulator.state.deployments.values()]
    assert [p.get("ledger_seq") for p in payloads] == [2, 3, 4, None]
    assert [p.get("ledger_hash") for p in payloads[:3]] == [a.record["hash"] for a in deployed]

    verification = ledger.verify(repo, github=True)
    assert verification.problems == []
    assert verification.deployments == 3  # someone else's is not o16n's


def test_the_command_line_says_how_many_deployments_match(
    repo: Path, deployed: list[ledger.Appended], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ledger", "verify", "--github", "--project", str(repo)]) == EXIT_OK
    assert capsys.readouterr().out.endswith(", lineage matches, 3 GitHub deployments match\n")


def test_a_deploy_without_a_deployment_fails(
    repo: Path, deployed: list[ledger.Appended], capsys: pytest.CaptureFixture[str]
) -> None:
    ledger.append(repo, deploy_record(repo, "production", "v2"))  # deployed without --github

    assert found(repo) == [
        (
            5,
            5,
            f"no GitHub Deployment in {REPO} carries this deploy's hash: it ran without "
            "--github, or its deployment was deleted",
        )
    ]
    assert cli.main(["ledger", "verify", "--github", "--project", str(repo)]) == EXIT_FAILED


def test_a_deployment_naming_a_record_the_ledger_lacks_fails(
    repo: Path, deployed: list[ledger.Appended], emulator: GitHubEmulator
) -> None:
    """A fifth deploy, tracked on GitHub, whose record was then dropped (reset away)."""
    fifth = ledger.append(repo, deploy_record(repo, "production", "v3"))
    tracked(repo, "production", "v3", fifth)
    git(repo, "checkout", "-q", "--", ledger.LEDGER.as_posix())
    (repo / ".git" / "o16n" / "ledger-head").unlink()  # the witness, too

    newest = max(emulator.state.deployments)
    ((line, seq, message),) = found(repo)
    assert (line, seq) == (None, 5)
    assert message.startswith(
        f"GitHub Deployment {newest} (production, "
        f"{emulator.state.deployments[newest]['created_at']}) names ledger record "
        f"{fifth.record['hash'][:12]}, which the ledger lacks: the record was removed, or the "
        "commit holding it never reached this branch"
    )


def test_a_deployment_must_match_its_records_environment_and_version(
    repo: Path, deployed: list[ledger.Appended], emulator: GitHubEmulator
) -> None:
    staged = deployed[0]
    tracked(repo, "production", "v9", staged)  # the staging record, claimed for production
    newest = max(emulator.state.deployments)
    assert found(repo) == [
        (2, 2, f"GitHub Deployment {newest} is to production, the record's env is staging"),
        (2, 2, f"GitHub Deployment {newest} is of v9, the record's model version is v2"),
    ]


def test_a_deployment_naming_a_record_that_is_no_deploy_fails(
    repo: Path, deployed: list[ledger.Appended], emulator: GitHubEmulator
) -> None:
    first = ledger.Appended(ledger.read(repo / ledger.LEDGER)[0])  # the pull request's
    tracked(repo, "staging", "v2", first)
    newest = max(emulator.state.deployments)
    ((line, seq, message),) = found(repo)
    assert (line, seq) == (1, 1)
    assert message.startswith(f"GitHub Deployment {newest} (staging, ")
    assert message.endswith("names this record, which is no deploy")
