"""adapters.gto: the model registry as GTO's git tags, written and read with GTO on a real repo."""

from __future__ import annotations

from pathlib import Path

import pytest

from o16n.adapters import gto
from o16n.errors import ConfigError, UsageError
from tests.pipeline_repo import git as sh
from tests.pipeline_repo import make_repo

MODEL = "credit-risk-model"


def commit(repo: Path, message: str) -> str:
    sh(repo, "commit", "-q", "--allow-empty", "-m", message)
    return sh(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = make_repo(tmp_path / "repo")
    commit(path, "first")
    return path


def test_no_versions_before_the_first_registration(repo: Path) -> None:
    assert gto.versions(repo, MODEL) == []


def test_register_tags_head_as_gto_does(repo: Path) -> None:
    head = sh(repo, "rev-parse", "HEAD")
    gto.register(repo, MODEL, "v1.0.0", "o16n release credit-risk-model v1.0.0 (major)")
    assert gto.versions(repo, MODEL) == [gto.Version("v1.0.0", head)]
    assert sh(repo, "tag", "-l") == f"{MODEL}@v1.0.0"
    assert sh(repo, "cat-file", "-t", f"{MODEL}@v1.0.0") == "tag"  # annotated
    assert sh(repo, "tag", "-l", "--format=%(contents:subject)", f"{MODEL}@v1.0.0") == (
        "o16n release credit-risk-model v1.0.0 (major)"
    )


def test_versions_are_oldest_first_by_number_not_by_name_or_date(repo: Path) -> None:
    commits = {}
    for version in ("v1.0.0", "v1.10.0", "v1.2.0", "v2.0.0"):
        commits[version] = commit(repo, f"for {version}")
        gto.register(repo, MODEL, version, "release")
    assert gto.versions(repo, MODEL) == [
        gto.Version(v, commits[v]) for v in ("v1.0.0", "v1.2.0", "v1.10.0", "v2.0.0")
    ]


def test_tags_that_are_not_plain_semver_versions_are_ignored(repo: Path) -> None:
    gto.register(repo, MODEL, "v1.0.0", "release")
    commit(repo, "next")
    for tag in (f"{MODEL}@v2.0.0-rc1", f"{MODEL}@v2.0", f"{MODEL}@2.0.0"):
        sh(repo, "tag", "-a", tag, "-m", "by hand")
    assert [v.name for v in gto.versions(repo, MODEL)] == ["v1.0.0"]


def test_versions_are_per_model(repo: Path) -> None:
    gto.register(repo, MODEL, "v1.0.0", "release")
    gto.register(repo, "other-model", "v3.0.0", "release")
    assert [v.name for v in gto.versions(repo, MODEL)] == ["v1.0.0"]
    assert [v.name for v in gto.versions(repo, "other-model")] == ["v3.0.0"]


def test_a_registered_version_is_refused_a_second_time(repo: Path) -> None:
    gto.register(repo, MODEL, "v1.0.0", "release")
    commit(repo, "a later commit")
    with pytest.raises(ConfigError) as caught:
        gto.register(repo, MODEL, "v1.0.0", "again")
    assert caught.value.message == f"{MODEL}@v1.0.0 is already registered"
    assert caught.value.hint == "choose the next version"
    assert sh(repo, "tag", "-l") == f"{MODEL}@v1.0.0"


@pytest.mark.parametrize("version", ["1.0.0", "v1.0", "v1.0.0-rc1", "latest", "v01.0.0x"])
def test_a_version_that_is_not_vmajor_minor_patch_is_a_usage_error(
    repo: Path, version: str
) -> None:
    with pytest.raises(UsageError, match="is not vMAJOR.MINOR.PATCH"):
        gto.register(repo, MODEL, version, "release")
    assert sh(repo, "tag", "-l") == ""


def test_assign_returns_the_new_stage_tag(repo: Path) -> None:
    first = sh(repo, "rev-parse", "HEAD")
    gto.register(repo, MODEL, "v1.0.0", "release")
    commit(repo, "next")
    gto.register(repo, MODEL, "v1.1.0", "release")
    assert gto.assign(repo, MODEL, "staging", "v1.1.0", "deploy") == f"{MODEL}#staging#1"
    assert gto.assign(repo, MODEL, "staging", "v1.0.0", "rollback") == f"{MODEL}#staging#2"
    # GTO numbers the model's assignments, across its stages
    assert gto.assign(repo, MODEL, "production", "v1.0.0", "deploy") == f"{MODEL}#production#3"
    assert sh(repo, "rev-parse", f"{MODEL}#staging#2^{{commit}}") == first


def test_assign_numbers_past_nine_by_value(repo: Path) -> None:
    gto.register(repo, MODEL, "v1.0.0", "release")
    tags = [gto.assign(repo, MODEL, "staging", "v1.0.0", f"deploy {n}") for n in range(1, 11)]
    assert tags[-2:] == [f"{MODEL}#staging#9", f"{MODEL}#staging#10"]


def test_version_parts_are_numbers() -> None:
    assert gto.Version("v2.10.3", "0" * 40).parts == (2, 10, 3)
