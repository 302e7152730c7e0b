"""Argo CD follows the desired state: the Application tracks o16n.yaml's `github.branch` (where
deploys push), and a `serving.kserve.revision` naming another branch is refused, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from o16n.config.project import load_project
from o16n.errors import ConfigError
from o16n.serving import kserve


def _project(tmp_path: Path, extra: str) -> Path:
    text = (
        "version: 1\nmodel: churn\n"
        "serving:\n  target: kserve\n  kserve:\n    repo_url: https://example.com/acme/churn.git\n"
        "    storage: s3://bucket/churn\n"
        f"{extra}"
    )
    (tmp_path / "o16n.yaml").write_text(text)
    return tmp_path


def _target_revision(config_dir: Path) -> str:
    config = load_project(config_dir)
    files = kserve.manifests(
        model="churn",
        version="v1.0.0",
        env="staging",
        commit="a" * 40,
        model_md5="b" * 32,
        settings=config.serving.kserve,
    )
    application = next(text for name, text in files.items() if "application" in name)
    line = next(ln for ln in application.splitlines() if "targetRevision" in ln)
    return line.split(":", 1)[1].strip()


def test_the_application_tracks_the_branch_deploys_push_to(tmp_path: Path) -> None:
    assert _target_revision(_project(tmp_path, "")) == "main"
    releases = _project(tmp_path, "github:\n  branch: releases\n")
    assert _target_revision(releases) == "releases"


def test_a_revision_no_deploy_lands_on_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path, "    revision: o16n/state\n")
    with pytest.raises(ConfigError) as refused:
        load_project(project)
    text = str(refused.value) + str(refused.value.hint or "")
    assert "serving.kserve.revision is 'o16n/state'" in text
    assert "github.branch 'main'" in text
