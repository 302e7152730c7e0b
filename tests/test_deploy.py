"""Desired state files: round trip, a corrupt file named with how to recover, history from git."""

from __future__ import annotations

from pathlib import Path

import pytest

from o16n.config.project import ServingConfig
from o16n.errors import ConfigError
from o16n.lifecycle import deploy
from tests.conftest import run

STATE = deploy.Desired(
    model="churn",
    version="v1.2.0",
    commit="a" * 40,
    artifact={"models/model.joblib": "0" * 32},
)


def test_desired_state_round_trips() -> None:
    text = STATE.as_yaml()
    assert text.startswith(deploy.HEADER)
    assert deploy.read_desired(text, "deploy/staging/desired.yaml") == STATE


@pytest.mark.parametrize(
    "text",
    ["model: churn\nversion: [unclosed\n", "model: churn\nversion: v1\n", "- a list\n", ""],
    ids=["bad-yaml", "no-artifact", "not-a-mapping", "empty"],
)
def test_a_corrupt_desired_state_is_named_with_the_way_out(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        deploy.read_desired(text, "deploy/staging/desired.yaml")
    message = str(caught.value)
    assert message.startswith("deploy/staging/desired.yaml: not a desired-state file")
    assert "hint: restore it from git (`git checkout -- deploy/`) or roll back" in message


def test_history_is_newest_first_and_writes_are_whole(tmp_path: Path) -> None:
    run("git", "init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    for version in ("v1.0.0", "v1.1.0"):
        state = deploy.Desired("churn", version, "b" * 40, {"models/model.joblib": "1" * 32})
        written = deploy.write(tmp_path, "staging", state, ServingConfig())
        assert written == ["deploy/staging/desired.yaml"]
        run("git", "add", "-A", cwd=tmp_path)
        run("git", "commit", "--quiet", "-m", version, cwd=tmp_path)
    assert [s.version for s in deploy.history(tmp_path, "staging")] == ["v1.1.0", "v1.0.0"]
    current = deploy.current(tmp_path, "staging")
    assert current is not None and current.version == "v1.1.0"
    leftovers = [p.name for p in (tmp_path / "deploy" / "staging").iterdir()]
    assert leftovers == ["desired.yaml"]  # no temporary file left beside it
    assert deploy.current(tmp_path, "production") is None


def test_recover_puts_back_what_an_interrupted_deploy_did_not_commit(tmp_path: Path) -> None:
    run("git", "init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    deploy.write(tmp_path, "staging", STATE, ServingConfig())
    run("git", "add", "-A", cwd=tmp_path)
    run("git", "commit", "--quiet", "-m", "v1.2.0", cwd=tmp_path)
    committed = deploy.desired_path(tmp_path, "staging").read_text()
    # a killed deploy: a newer state written, a ledger record appended, a temp file left
    newer = deploy.Desired("churn", "v1.3.0", "c" * 40, {"models/model.joblib": "2" * 32})
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
    assert deploy.desired_path(tmp_path, "staging").read_text() == committed
    assert run("git", "status", "--porcelain", "-uall", cwd=tmp_path).stdout == ""
    assert deploy.recover(tmp_path) == []
