"""`o16n evidence` on a generated project: two releases by the real pipeline (DVC, signed with
a real key, registered with GTO), deployed, promoted and rolled back; the zip's index and the
modifications between the two versions."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from o16n.lifecycle import evidence
from tests.acceptance.test_release import o16n, release_twice
from tests.conftest import Bake
from tests.release_repo import o16n as this_o16n

pytestmark = pytest.mark.slow


def test_evidence_of_a_version_deployed_promoted_and_rolled_back(
    bake: Bake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = bake(governance_owners="gov@example.com")
    release_twice(project, tmp_path / "keys", monkeypatch)
    o16n(project, "deploy", "--env", "staging")
    o16n(project, "deploy", "--env", "production", "--from", "staging")
    o16n(project, "rollback", "--env", "staging")

    out = tmp_path / "evidence.zip"
    code, text = this_o16n(
        project, "evidence", "--version", "v1.1.0", "--since", "v1.0.0", "-o", out
    )
    assert code == 0, text
    assert "params: changed" in text and "train.C: 1.0 → 0.5" in text
    assert "data: unchanged" in text and "input schema: unchanged" in text
    assert "policy pack: unchanged" in text
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        index = json.loads(archive.read("index.json"))
        status = json.loads(archive.read("decisions/verification.json"))
    assert {"MODEL_CARD.md", "release/manifest.json", "release/manifest.json.sig"} <= names
    assert {"source/model_card.yaml", "source/params.yaml", "source/dvc.lock"} <= names
    assert "modifications.md" in names and "index.html" in names
    assert index["release"]["verified"], index["release"]
    deploys = [(r["what"], r["env"]) for r in status["records"] if r["what"] != "gate"]
    assert deploys == [("deploy", "staging"), ("promote", "production")]
    assert all(r["verified"] for r in status["records"]), status

    code, text = this_o16n(project, "evidence", "--version", "v1.0.0", "-o", tmp_path / "v1.zip")
    assert code == 0, text
    with zipfile.ZipFile(tmp_path / "v1.zip") as archive:
        status = json.loads(archive.read("decisions/verification.json"))
        ran = json.loads(archive.read("decisions/deployments.json"))
    assert [r["what"] for r in status["records"] if r["what"] != "gate"] == ["deploy", "rollback"]
    assert [(d["env"], d["action"], d["until"] is None, d["verified"]) for d in ran] == [
        ("staging", "deploy", False, True), ("staging", "rollback", True, True),
    ]  # fmt: skip
    assert ran[1]["from_version"] == "v1.1.0" and ran[1]["decision"] is not None

    shutil.rmtree(project / "releases")  # a fresh checkout: production's desired state carries it
    found = evidence.collect(project, "v1.1.0")
    assert found.release.verified, found.release
    assert found.release.bundle == "deploy/production/desired.yaml"
    assert {"release/manifest.json", "release/manifest.json.sig"} <= set(found.paths)
