"""The desired-state file: round trip, a corrupt file named with how to recover, its blob in git."""

from __future__ import annotations

from pathlib import Path

import pytest

from o16n.errors import ConfigError
from o16n.serving import desired
from tests.conftest import run

STATE = desired.Desired(
    model="churn",
    version="v1.2.0",
    commit="a" * 40,
    artifact={"models/model.joblib": "0" * 32},
)


def test_desired_state_round_trips() -> None:
    text = STATE.as_yaml()
    assert text.startswith(desired.HEADER)
    assert desired.read_desired(text, "deploy/staging/desired.yaml") == STATE


@pytest.mark.parametrize(
    "text",
    ["model: churn\nversion: [unclosed\n", "model: churn\nversion: v1\n", "- a list\n", ""],
    ids=["bad-yaml", "no-artifact", "not-a-mapping", "empty"],
)
def test_a_corrupt_desired_state_is_named_with_the_way_out(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        desired.read_desired(text, "deploy/staging/desired.yaml")
    message = str(caught.value)
    assert message.startswith("deploy/staging/desired.yaml: not a desired-state file")
    assert "hint: restore it from git (`git checkout -- deploy/`) or roll back" in message


def test_the_blob_on_a_branch_is_what_the_runtime_follows(tmp_path: Path) -> None:
    run("git", "init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    run("git", "commit", "--quiet", "--allow-empty", "-m", "empty", cwd=tmp_path)
    assert desired.desired_blob(tmp_path, "main", "staging") is None  # nothing deployed yet
    path = desired.desired_path(tmp_path, "staging")
    path.parent.mkdir(parents=True)
    path.write_text(STATE.as_yaml())
    assert desired.desired_blob(tmp_path, "main", "staging") is None  # written, not committed
    run("git", "add", "-A", cwd=tmp_path)
    run("git", "commit", "--quiet", "-m", "deploy", cwd=tmp_path)
    blob = run("git", "hash-object", str(path), cwd=tmp_path).stdout.strip()
    assert desired.desired_blob(tmp_path, "main", "staging") == blob
    assert desired.desired_blob(tmp_path, "main", "production") is None
