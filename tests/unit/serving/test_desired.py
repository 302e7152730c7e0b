"""The desired-state file: round trip, a corrupt file named with how to recover, its blob in git."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from o16n.adapters.manifest import Signed
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
    "manifest",
    [
        b'{\n  "files": {}\n}\n',
        b"no newline at the end",
        b"trailing spaces  \n\n\n",
        b"\t\xc3\xa9\n",
    ],
    ids=["json", "no-newline", "trailing-blanks", "tab-and-utf8"],
)
def test_the_signed_manifest_comes_back_byte_for_byte(manifest: bytes) -> None:
    """The signature is over the exact bytes: whatever YAML style carries them, they return."""
    signature = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"
    state = dataclasses.replace(STATE, release=Signed(manifest, signature))
    text = state.as_yaml()
    assert desired.read_desired(text, "deploy/staging/desired.yaml") == state
    unsigned = dataclasses.replace(STATE, release=Signed(manifest, None))
    assert desired.read_desired(unsigned.as_yaml(), "x") == unsigned


def test_a_deployed_manifest_reads_as_a_literal_block() -> None:
    state = dataclasses.replace(STATE, release=Signed(b'{\n  "model": "churn"\n}\n', None))
    assert '  manifest: |\n    {\n      "model": "churn"\n    }\n' in state.as_yaml()


@pytest.mark.parametrize(
    "text",
    [
        "model: churn\nversion: [unclosed\n",
        "model: churn\nversion: v1\n",
        "- a list\n",
        "",
        "model: m\nversion: v1\ncommit: c\nartifact: {}\nrelease: [x]\n",
        "model: m\nversion: v1\ncommit: c\nartifact: {}\nrelease: {manifest: x, signature: 1}\n",
    ],
    ids=["bad-yaml", "no-artifact", "not-a-mapping", "empty", "release-list", "signature-int"],
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
