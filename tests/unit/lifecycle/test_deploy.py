"""Deploy's writes of the desired state: history from git, whole files, an interrupted deploy put
back (the format itself: test_desired); its GitHub Deployment, made for a committed record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from o16n.adapters import signing
from o16n.config.project import ServingConfig
from o16n.errors import ConfigError
from o16n.lifecycle import deploy, ledger
from o16n.serving import desired
from tests.conftest import run
from tests.github_emulator import GitHubEmulator
from tests.pipeline_repo import commit_pipeline, decision, make_repo, outs
from tests.signing import make_key, write_allowed_signers
from tests.unit.serving.test_desired import STATE


def test_history_is_newest_first_and_writes_are_whole(tmp_path: Path) -> None:
    run("git", "init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    for version in ("v1.0.0", "v1.1.0"):
        state = desired.Desired("churn", version, "b" * 40, {"models/model.joblib": "1" * 32})
        written = deploy.write(tmp_path, "staging", state, ServingConfig())
        assert written == ["deploy/staging/desired.yaml"]
        run("git", "add", "-A", cwd=tmp_path)
        run("git", "commit", "--quiet", "-m", version, cwd=tmp_path)
    assert [s.version for s in desired.history(tmp_path, "staging")] == ["v1.1.0", "v1.0.0"]
    current = desired.current(tmp_path, "staging")
    assert current is not None and current.version == "v1.1.0"
    leftovers = [p.name for p in (tmp_path / "deploy" / "staging").iterdir()]
    assert leftovers == ["desired.yaml"]  # no temporary file left beside it
    assert desired.current(tmp_path, "production") is None


def test_recover_puts_back_what_an_interrupted_deploy_did_not_commit(tmp_path: Path) -> None:
    run("git", "init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    deploy.write(tmp_path, "staging", STATE, ServingConfig())
    run("git", "add", "-A", cwd=tmp_path)
    run("git", "commit", "--quiet", "-m", "v1.2.0", cwd=tmp_path)
    committed = desired.desired_path(tmp_path, "staging").read_text()
    # a killed deploy: a newer state written, a ledger record appended, a temp file left
    newer = desired.Desired("churn", "v1.3.0", "c" * 40, {"models/model.joblib": "2" * 32})
    deploy.write(tmp_path, "staging", newer, ServingConfig())
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "decisions.jsonl").write_text('{"seq": 1}\n')
    (tmp_path / "deploy" / "staging" / ".desired.yaml.x1.tmp").write_text("half")
    restored = deploy.recover(tmp_path)
    assert restored == [
        "deploy/staging/.desired.yaml.x1.tmp",
        "deploy/staging/desired.yaml",
        "ledger/decisions.jsonl",
    ]
    assert desired.desired_path(tmp_path, "staging").read_text() == committed
    assert run("git", "status", "--porcelain", "-uall", cwd=tmp_path).stdout == ""
    assert deploy.recover(tmp_path) == []


def test_recover_witnesses_the_committed_ledger_it_put_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record an interrupted deploy appended is dropped, and said: the ledger's witness of
    the last append follows, or every later append would be refused as a deletion."""
    key = make_key(tmp_path / "keys", "ci")
    monkeypatch.setenv(signing.KEY_VARIABLE, str(key))
    repo = make_repo(tmp_path / "repo")
    write_allowed_signers(repo, [("ci@example.com", key, None)], commit="Trust CI")
    head = commit_pipeline(repo, data="1" * 32, model="2" * 32)
    committed = ledger.append(repo, decision(head, outs("1" * 32, "2" * 32)))
    run("git", "add", "ledger", cwd=repo)
    run("git", "commit", "-q", "-m", "Record", cwd=repo)
    ledger.append(repo, decision(head, outs("1" * 32, "2" * 32), verdict="fail"))

    assert deploy.recover(repo) == ["ledger/decisions.jsonl"]
    witness = json.loads((repo / ".git" / "o16n" / "ledger-head").read_text())
    assert witness == {"hash": committed.record["hash"], "seq": 1}
    assert ledger.verify(repo).problems == []
    assert ledger.append(repo, decision(head, outs("1" * 32, "2" * 32))).seq == 2


def test_a_deploy_with_github_needs_its_token_before_anything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="GITHUB_TOKEN is not set"):
        deploy.connect_github(True)
    assert deploy.connect_github(False) is None


def test_an_error_once_the_deployment_exists_marks_it_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with GitHubEmulator(token="ghs_t0ken", login="github-actions") as emulator:
        emulator.add_repo("acme", "churn")
        for name, value in {
            "GITHUB_TOKEN": "ghs_t0ken",
            "GITHUB_REPOSITORY": "acme/churn",
            "GITHUB_API_URL": emulator.api_url,
            "GITHUB_SERVER_URL": emulator.url,
        }.items():
            monkeypatch.setenv(name, value)
        recorded = ledger.Appended({"seq": 7, "hash": "f" * 64})
        payload = {"model": "churn", "version": "v1.2.0", "target": "local"}
        session = deploy.connect_github(True)
        with (
            pytest.raises(RuntimeError, match="tag refused"),
            deploy.tracked(session, "staging", "a" * 40, payload, recorded),
        ):
            raise RuntimeError("tag refused")
        (made,) = emulator.state.deployments.values()
        statuses = emulator.state.deployment_statuses[max(emulator.state.deployments)]
    assert made["payload"] == payload | {"ledger_seq": 7, "ledger_hash": "f" * 64}
    assert made["description"] == "o16n deploy churn v1.2.0: ledger #7"
    assert [(s["state"], s["description"]) for s in statuses] == [
        ("pending", "o16n deploy churn v1.2.0: ledger #7"),
        ("error", "o16n deploy failed: tag refused"),
    ]
