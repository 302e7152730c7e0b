"""adapters.git on real repositories: revisions resolved, files read as they were at a commit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from o16n.adapters import git
from o16n.errors import ToolError
from tests.pipeline_repo import git as sh
from tests.pipeline_repo import make_repo

SHA = re.compile(r"^[0-9a-f]{40}$")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Two commits of params.yaml, tagged v1 (annotated) and v2; notes.txt added in the second."""
    path = make_repo(tmp_path / "repo")
    (path / "params.yaml").write_text("train:\n  C: 1.0\n")
    sh(path, "add", "params.yaml")
    sh(path, "commit", "-q", "-m", "first")
    sh(path, "tag", "-a", "v1", "-m", "annotated")
    (path / "params.yaml").write_text("train:\n  C: 0.5\n")
    (path / "notes.txt").write_text("added later\n")
    sh(path, "add", "params.yaml", "notes.txt")
    sh(path, "commit", "-q", "-m", "second")
    sh(path, "tag", "v2")
    return path


def test_resolve_gives_the_object_name(repo: Path) -> None:
    head = git.resolve("HEAD", repo)
    assert head is not None and SHA.match(head)
    assert head == sh(repo, "rev-parse", "HEAD")
    assert git.resolve("HEAD^1", repo) == sh(repo, "rev-parse", "HEAD~1")
    assert git.resolve("main", repo) == head


def test_resolve_names_a_blob_by_path(repo: Path) -> None:
    assert git.resolve("main:params.yaml", repo) == sh(repo, "hash-object", "params.yaml")


def test_resolve_of_nothing_is_none(repo: Path) -> None:
    assert git.resolve("no-such-branch", repo) is None
    assert git.resolve("HEAD~5", repo) is None
    assert git.resolve("main:absent.txt", repo) is None


def test_commit_of_an_annotated_tag_is_its_commit_not_the_tag_object(repo: Path) -> None:
    first = sh(repo, "rev-parse", "HEAD~1")
    assert git.resolve("v1", repo) != first  # the tag object itself
    assert git.commit_of("v1", repo) == first
    assert git.commit_of("v2", repo) == sh(repo, "rev-parse", "HEAD")


def test_commit_of_a_blob_or_an_unknown_revision_is_none(repo: Path) -> None:
    assert git.commit_of("main:params.yaml", repo) is None
    assert git.commit_of("v3", repo) is None


def test_revision_exists(repo: Path) -> None:
    assert git.revision_exists("main", repo)
    assert git.revision_exists("HEAD^1", repo)
    assert not git.revision_exists("HEAD^2", repo)  # not a merge commit
    assert not git.revision_exists("origin/main", repo)


def test_no_revision_exists_in_a_repository_without_commits(tmp_path: Path) -> None:
    empty = make_repo(tmp_path / "empty")
    assert git.resolve("HEAD", empty) is None
    assert not git.revision_exists("HEAD", empty)


def test_a_repository_is_a_git_work_tree_with_a_pipeline(repo: Path, tmp_path: Path) -> None:
    assert not git.is_repository(repo)  # git, but no dvc.yaml
    (repo / "dvc.yaml").write_text("stages: {}\n")
    assert git.is_repository(repo)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "dvc.yaml").write_text("stages: {}\n")
    assert not git.is_repository(plain)  # a pipeline, but no git


def test_a_dvc_yaml_folder_is_not_a_pipeline(repo: Path) -> None:
    (repo / "dvc.yaml").mkdir()
    assert not git.is_repository(repo)


def test_read_at_revision_gives_the_file_as_committed_then(repo: Path) -> None:
    assert git.read_at_revision("params.yaml", "HEAD~1", repo) == "train:\n  C: 1.0\n"
    assert git.read_at_revision("params.yaml", "v1", repo) == "train:\n  C: 1.0\n"
    assert git.read_at_revision("params.yaml", "HEAD", repo) == "train:\n  C: 0.5\n"


def test_read_at_revision_ignores_the_work_tree(repo: Path) -> None:
    (repo / "params.yaml").write_text("train:\n  C: 9.0\n")
    assert git.read_at_revision("params.yaml", "HEAD", repo) == "train:\n  C: 0.5\n"


def test_read_at_revision_of_a_path_not_tracked_then_is_none(repo: Path) -> None:
    assert git.read_at_revision("notes.txt", "HEAD", repo) == "added later\n"
    assert git.read_at_revision("notes.txt", "HEAD~1", repo) is None
    assert git.read_at_revision("absent.txt", "HEAD", repo) is None
    assert git.read_at_revision("params.yaml", "no-such-revision", repo) is None


def test_run_returns_the_commands_result(repo: Path) -> None:
    ran = git.run("log", "--format=%s", project=repo)
    assert ran.ok
    assert ran.output.split() == ["second", "first"]
    assert ran.command[:2] == ("git", "log")
    assert not git.run("show", "no-such-revision", project=repo).ok


def test_without_git_on_path_run_is_a_tool_error(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with pytest.raises(ToolError) as caught:
        git.run("status", project=repo)
    assert caught.value.message == "git is not installed"
    assert caught.value.hint == "install git and run again"


def test_object_info_answers_for_many_names_in_one_go(repo: Path) -> None:
    names = ["main:params.yaml", "HEAD~1:params.yaml", "v1^{commit}", "main:absent.txt"]
    found = git.object_info([*names, "HEAD~9", "main:params.yaml", "bad\nname"], repo)
    assert set(found) == {*names, "HEAD~9", "bad\nname"}  # each name once
    blob = found["main:params.yaml"]
    assert blob == git.ObjectInfo(sh(repo, "rev-parse", "main:params.yaml"), "blob", 16)
    assert found["v1^{commit}"] is not None and found["v1^{commit}"].kind == "commit"
    assert found["main:absent.txt"] is None and found["HEAD~9"] is None
    assert found["bad\nname"] is None  # a newline would split the query: never sent


def test_objects_gives_each_content_as_stored(repo: Path) -> None:
    (repo / "binary.bin").write_bytes(b"\x00\xffline\n\nend")  # newlines inside, no final one
    sh(repo, "add", "binary.bin")
    sh(repo, "commit", "-q", "-m", "binary")
    found = git.objects(["HEAD:binary.bin", "HEAD:absent", "HEAD~1:params.yaml"], repo)
    assert found == {
        "HEAD:binary.bin": b"\x00\xffline\n\nend",
        "HEAD:absent": None,
        "HEAD~1:params.yaml": b"train:\n  C: 0.5\n",
    }
    assert git.objects([], repo) == {}


def test_git_path_is_inside_the_git_directory(repo: Path, tmp_path: Path) -> None:
    assert git.git_path("o16n/ledger-head", repo) == repo / ".git" / "o16n" / "ledger-head"
    worktree = tmp_path / "worktree"
    sh(repo, "worktree", "add", "-q", str(worktree), "v1")
    path = git.git_path("o16n/ledger-head", worktree)
    assert path is not None
    assert path.resolve() == (repo / ".git" / "worktrees" / "worktree" / "o16n" / "ledger-head")
    outside = tmp_path / "outside"
    outside.mkdir()
    assert git.git_path("o16n/ledger-head", outside) is None
